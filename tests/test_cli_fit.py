"""``asyncsim fit`` through ``sim.cli.main``: tables, JSON, --into, and bad data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.distributions import Lognormal

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "request_reply.yaml"


def write_csv(path: Path, header: str | None, values) -> Path:
    lines = ([header] if header else []) + [str(v) for v in values]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service_csv(tmp_path_factory) -> Path:
    x = Lognormal(mean=0.2, cv=1.5).sample(np.random.default_rng(1), 3000)
    return write_csv(tmp_path_factory.mktemp("data") / "latency.csv", "latency",
                     [f"{v:.6f}" for v in x])


@pytest.fixture(scope="module")
def arrivals_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(2)
    t = np.sort(np.concatenate([rng.uniform(0, 300, rng.poisson(1500)),
                                rng.uniform(300, 600, rng.poisson(3000))]))
    return write_csv(tmp_path_factory.mktemp("data") / "arrivals.csv", "ts,host",
                     [f"{v:.6f},a" for v in t])


@pytest.fixture
def model_copy(tmp_path) -> Path:
    return Path(shutil.copy(MODEL, tmp_path / "model.yaml"))


def run(capsys, *argv):
    code = main(["fit", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_ranks_lognormal_first_and_prints_a_snippet(capsys, service_csv):
    code, out, err = run(capsys, service_csv)
    assert code == 0 and err == ""
    ranked = [line.split()[1] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert ranked[0] == "lognormal" and len(ranked) >= 8
    assert "log-lik" in out and "AIC" in out and "KS" in out
    assert "service: {dist: lognormal, mean: " in out


def test_json_has_ranked_fits_and_the_best_snippet(capsys, service_csv):
    code, out, _ = run(capsys, service_csv, "--format", "json", "--kind", "interarrival")
    body = json.loads(out)
    assert code == 0 and body["fits"][0]["dist"] == "lognormal"
    assert set(body["fits"][0]) == {"dist", "params", "n_params", "loglik", "aic", "ks"}
    best = body["best"]["interarrival"]
    assert best["dist"] == "lognormal" and abs(best["mean"] / 0.2 - 1) < 0.1


def test_arrivals_report_rate_stationarity_profile_and_burstiness(capsys, arrivals_csv):
    code, out, _ = run(capsys, arrivals_csv, "--kind", "arrivals", "--column", "ts")
    assert code == 0
    for text in ("rate over time", "stationary: no", "burstiness: interarrival SCV",
                 "profile: [[0.0, 1.0], [", "interarrival: {dist: "):
        assert text in out
    code, out, _ = run(capsys, arrivals_csv, "--kind", "arrivals", "--column", "1",
                       "--format", "json")
    body = json.loads(out)
    assert body["arrivals"]["stationary"] is False
    assert abs(body["best"]["profile"][1][1] - 2) < 0.2


def test_into_writes_the_service_and_the_model_still_validates(capsys, service_csv,
                                                               model_copy):
    code, _, err = run(capsys, service_csv, "--into", model_copy, "--node", "worker")
    assert code == 0 and "wrote service of node 'worker'" in err
    model = sim.load(model_copy)
    worker = model.node("worker")
    assert isinstance(worker.service, Lognormal) and abs(worker.service.mean / 0.2 - 1) < 0.1
    assert worker.servers == 8 and worker.error_rate == 0.01  # the rest is kept
    assert [p.name for p in model_copy.parent.iterdir()] == ["model.yaml"]  # no temp left


def test_into_a_sender_replaces_rate_with_interarrival_and_profile(capsys, arrivals_csv,
                                                                   model_copy):
    code, _, _ = run(capsys, arrivals_csv, "--column", "ts", "--kind", "arrivals",
                     "--into", model_copy, "--node", "client")
    assert code == 0
    client = sim.load(model_copy).node("client")
    assert client.rate is None and client.interarrival is not None
    assert len(client.profile) == 2 and client.timeout == 2.0


@pytest.mark.parametrize("argv, message", [
    (["--node", "requests"], r"node 'requests': 'kind' must be a service to take a fitted "
                             r"'service' \(got 'queue'\)"),
    (["--node", "wroker"], r"has no node 'wroker' .*\(did you mean 'worker'\?\)"),
    (["--node", "worker", "--kind", "interarrival"], r"node 'worker': 'kind' must be a "
                                                     r"sender"),
])
def test_refused_into_leaves_the_model_untouched(capsys, service_csv, model_copy, argv,
                                                 message):
    before = model_copy.read_bytes()
    code, out, err = run(capsys, service_csv, "--into", model_copy, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert re.search(message, err), err
    assert model_copy.read_bytes() == before


@pytest.mark.parametrize("content, extra, message", [
    ("latency\n0.1\nabc\n0.3\n", [], r"file '.*bad.csv', column 'latency', row 2: 'abc' is "
                                     r"not a number"),
    ("latency\n0.1\n-0.5\n", [], r"column 'latency', row 2: -0.5 is negative"),
    ("latency\n0.1\n\n0.2\nNaN\n", [], r"column 'latency', row 3: the value is missing"),
    ("latency\n", [], r"column 'latency': is empty"),
    ("", [], r"file '.*bad.csv' is empty"),
    ("a,b\n1,2\n", [], r"has 2 columns \(a, b\): choose one with --column"),
    ("latency\n0.1\n", ["--column", "latncy"], r"no column 'latncy'.*did you mean "
                                               r"'latency'\?"),
    ("latency\n0.1\n0.2\n", ["--candidates", "gama"], r"did you mean 'gamma'\?"),
    ("latency\n0.1\n0.2\n", ["--into", "m.yaml"], r"--into MODEL and --node NAME go "
                                                  r"together"),
    ("t\n1\n2\n", ["--kind", "arrivals"], r"needs at least 3 timestamps"),
])
def test_bad_input_exits_2_with_one_message(capsys, tmp_path, content, extra, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, path, *extra)
    assert code == 2 and out == ""
    assert err.startswith("asyncsim: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope.csv")
    assert code == 2 and "cannot read file" in err and "no such file" in err


def test_headerless_file_and_constant_data(capsys, tmp_path):
    code, out, _ = run(capsys, write_csv(tmp_path / "c.csv", None, [0.5, 0.5, 0.5]))
    assert code == 0 and "deterministic" in out and "service: 0.5" in out


def test_into_keeps_comments_key_order_and_other_nodes(capsys, service_csv, tmp_path):
    text = MODEL.read_text(encoding="utf-8")
    commented = "# capacity model of the checkout flow\n" + text.replace(
        "nodes:", "nodes:  # every box of the diagram", 1)
    path = tmp_path / "model.yaml"
    path.write_text(commented, encoding="utf-8")
    code, _, _ = run(capsys, service_csv, "--into", path, "--node", "worker")
    assert code == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# capacity model of the checkout flow\n")
    assert "nodes:  # every box of the diagram" in after
    # Only the worker's line changes: every line of the file outside it is kept.
    changed = [line for line in commented.splitlines() if line not in after.splitlines()]
    assert len(changed) <= 1 and all("worker" in line for line in changed), changed
    assert list(sim.load(path).graph.nodes) == list(sim.load(MODEL).graph.nodes)


def test_into_a_block_style_node_keeps_its_comments(capsys, service_csv, tmp_path):
    path = tmp_path / "block.yaml"
    path.write_text("name: b\nnodes:\n  client:\n    kind: sender   # the load\n    rate: 5\n"
                    "  worker:\n    kind: service\n    servers: 2     # two boxes\n"
                    "    service: {dist: exponential, mean: 0.1}\n\n  # after worker\n"
                    "edges:\n  - [client, worker]\n", encoding="utf-8")
    code, _, _ = run(capsys, service_csv, "--into", path, "--node", "worker")
    after = path.read_text(encoding="utf-8")
    assert code == 0 and "kind: sender   # the load\n" in after and "# two boxes" in after
    assert "\n  # after worker\nedges:\n  - [client, worker]\n" in after
    assert sim.load(path).node("worker").servers == 2
