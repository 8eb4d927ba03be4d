"""``compare``: analytic and simulated figures side by side, and ``asyncsim analyze``.

Product-form models (M/M/1: Kleinrock 1975, sec. 3.2; M/M/c: Erlang C, Gross &
Harris 2008, sec. 2.3; Jackson 1957 networks) must agree within the simulation's
95% CI on every row. A 95% CI misses the truth in 5% of figures by chance, but
the figures of one model are strongly correlated (throughput, utilisation and
waits move together), so most seeds give every row ok: over seeds 1-10, 38 of
these 40 runs did, and each of the other two missed on one p99 row. The seed is
fixed, so the test is deterministic.
"""

from __future__ import annotations

import json
import math

import pytest

from sim.analytic import analyze
from sim.cli import main
from sim.experiments.compare import COLUMNS, END_TO_END, UNSTABLE, compare, flag_for
from tests.conftest import make_model

RUN = {"duration": 2000, "warmup": 100, "replications": 5, "seed": 1}


def svc(mean, servers=1, **extra):
    out = {"kind": "service", "servers": servers,
           "service": {"dist": "exponential", "mean": mean}}
    out.update(extra)
    return out


PRODUCT_FORM = {
    "mm1 through a queue": (
        {"src": {"kind": "sender", "rate": 8}, "q": {"kind": "queue"},
         "srv": svc(0.1)}, [["src", "q"], ["q", "srv"]]),
    "mmc": ({"src": {"kind": "sender", "rate": 24}, "srv": svc(0.1, 3)}, [["src", "srv"]]),
    "jackson tandem": (
        {"src": {"kind": "sender", "rate": 5}, "a": svc(0.1), "b": svc(0.05, 2)},
        [["src", "a"], ["a", "b"]]),
    "jackson with feedback": (
        {"src": {"kind": "sender", "rate": 4}, "a": svc(0.1), "b": svc(0.05, 2)},
        [["src", "a"], {"from": "a", "to": "a", "p": 0.25},
         {"from": "a", "to": "b", "p": 0.75}]),
}


@pytest.mark.parametrize("name", PRODUCT_FORM)
def test_product_form_models_agree_on_every_row(name):
    nodes, edges = PRODUCT_FORM[name]
    frame = compare(make_model(nodes, edges, **RUN))
    assert list(frame.columns) == COLUMNS
    bad = frame[frame.flag != "ok"]
    assert bad.empty, bad.to_string()
    assert set(frame.node) == set(nodes) | {END_TO_END}
    assert {"utilization", "sojourn.mean", "arrival_rate"} <= set(frame.metric)
    latency = frame[(frame.node == END_TO_END) & (frame.metric == "latency.mean")]
    assert len(latency) == 1 and latency.ci95.iloc[0] > 0


def test_rows_hold_the_analytic_figures_and_the_run():
    nodes, edges = PRODUCT_FORM["mm1 through a queue"]
    frame = compare(make_model(nodes, edges, **RUN))
    row = frame.set_index(["node", "metric"]).loc[("q", "wait.mean")]
    assert row.analytic == pytest.approx(0.4)                  # Wq = rho/(mu - lam)
    assert row.rel_diff == pytest.approx((row.simulated - 0.4) / 0.4)
    assert row.method == "M/M/c (Erlang C)"
    assert frame.attrs["replications"] == 5 and frame.attrs["warmup"] == 100
    # a queue-fed consumer has no buffer: no wait rows; one sender: no duplicate latency
    assert not frame[(frame.node == "srv") & frame.metric.str.startswith("wait")].size
    assert not frame[(frame.node == "src") & frame.metric.str.startswith("latency")].size


@pytest.mark.parametrize("src, srv, reason", [
    ({"timeout": 1.0}, {}, "sender 'src' has a timeout"),
    ({"retry": {"max_attempts": 3}}, {"capacity": 5, "overflow": "reject"}, "retries"),
    ({}, {"capacity": 5, "overflow": "block"}, "finite buffer with overflow 'block'"),
    ({}, {"capacity": 5, "overflow": "drop_oldest"}, "overflow 'drop_oldest'"),
])
def test_features_beyond_the_formulas_say_na(src, srv, reason):
    nodes = {"src": {"kind": "sender", "rate": 8, **src}, "srv": svc(0.1, **srv)}
    frame = compare(make_model(nodes, [["src", "srv"]], duration=200, warmup=10,
                               replications=2))
    latency = frame[(frame.node == END_TO_END) & (frame.metric == "latency.mean")].iloc[0]
    assert latency.flag == "n/a" and reason in latency.reason
    assert latency.analytic is None or math.isnan(latency.analytic)
    assert latency.simulated > 0
    na = frame[frame.flag == "n/a"]
    assert (na.analytic.isna()).all()


def test_a_wrong_analysis_differs():
    """Simulate service mean 0.1 s, compare with the analysis of 0.12 s."""
    nodes, edges = PRODUCT_FORM["mmc"]
    model = make_model(nodes, edges, **RUN)
    wrong = make_model({**nodes, "srv": svc(0.12, 3)}, edges)
    frame = compare(model, analytic=analyze(wrong)).set_index(["node", "metric"])
    for key in (("srv", "utilization"), ("srv", "sojourn.mean"), (END_TO_END, "latency.mean")):
        assert frame.loc[key, "flag"] == "DIFFERS"
    assert frame.loc[("srv", "arrival_rate"), "flag"] == "ok"


def test_unstable_node_is_na_not_a_number():
    nodes = {"src": {"kind": "sender", "rate": 12}, "srv": svc(0.1)}
    frame = compare(make_model(nodes, [["src", "srv"]], duration=100, replications=2))
    wait = frame.set_index(["node", "metric"]).loc[("srv", "wait.mean")]
    assert wait.flag == "n/a" and wait.reason == UNSTABLE


@pytest.mark.parametrize("analytic, simulated, ci, kw, expected", [
    (1.0, 1.04, 0.05, {}, "ok"),                       # inside the CI
    (1.0, 1.055, 0.05, {}, "ok"),                      # inside CI + 1% resolution
    (1.0, 1.07, 0.05, {}, "DIFFERS"),
    (1.0, 0.93, 0.05, {}, "DIFFERS"),
    (1.0, 1.04, None, {}, "ok"),                       # no CI: 5% tolerance
    (1.0, 1.06, None, {}, "DIFFERS"),
    (1.0, 1.5, 0.01, {"exact": False}, "approx"),
    (None, 1.0, 0.01, {"applies": False}, "n/a"),
    (math.inf, 50.0, 1.0, {}, "n/a"),
    (0.0, 0.0, 0.0, {}, "ok"),
])
def test_flag_logic(analytic, simulated, ci, kw, expected):
    assert flag_for(analytic, simulated, ci, **kw) == expected


@pytest.fixture
def mm1_file(tmp_path):
    path = tmp_path / "mm1.yaml"
    path.write_text("name: mm1\nrun: {duration: 300, warmup: 20, replications: 3, seed: 2}\n"
                    "nodes:\n  client: {kind: sender, rate: 5}\n"
                    "  worker: {kind: service, servers: 2, service: {dist: exponential, "
                    "mean: 0.2}}\nedges:\n  - [client, worker]\n")
    return str(path)


def test_cli_analyze_json(mm1_file, capsys):
    assert main(["analyze", mm1_file, "--format", "json", "--replications", "2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"model", "seed", "replications", "duration", "warmup", "flags", "rows"} <= set(doc)
    assert doc["replications"] == 2
    assert set(doc["rows"][0]) == set(COLUMNS)
    assert sum(doc["flags"].values()) == len(doc["rows"])


def test_cli_analyze_table_csv_and_auto_warmup(mm1_file, capsys):
    assert main(["analyze", mm1_file, "--warmup", "auto", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "warmup auto (mser-5)" in text and "flags:" in text and "end-to-end" in text
    assert main(["analyze", mm1_file, "--format", "csv", "--set",
                 "nodes.client.timeout=1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert any("n/a" in line and "timeout" in line for line in lines)


def test_cli_analyze_bad_model_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nnodes: {a: {kind: sendr}}\nedges: []\n")
    assert main(["analyze", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
