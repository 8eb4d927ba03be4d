"""Round trip: simulate a shipped model, export its trace as OTLP, Jaeger and Zipkin,
import each, and compare with the model (and, exactly, with the trace rows).

Tolerances, from the sampling error of n observations (fixed seeds):
- a routing probability p from n executions: sd sqrt(p (1 - p) / n); with
  n >= 7,000 (order_pipeline, 200 s), sd <= 0.006, so 0.02 is over 3 sd;
- a mean of n exponential service times: relative sd 1 / sqrt(n); with n >= 15,000
  (sync_calls, 150 s at 100/s), 1/sqrt(15000) = 0.8%, so 3% is over 3 sd (db,
  lognormal with cv 1, has 30,000: the same);
- a Poisson rate from n arrivals: relative sd 1 / sqrt(n) = 0.8%; 2% is 2.4 sd.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.interchange.calibrate import calibrate
from sim.interchange.convert import convert
from sim.interchange.traces_in import read_spans
from sim.model import from_dict, load, validate

FORMATS = ("otlp", "jaeger", "zipkin")


def _export(tmp_path_factory, model_file, duration, warmup, formats=FORMATS):
    folder = tmp_path_factory.mktemp("rt")
    model = validate(load(model_file))
    rows = folder / "rows.parquet"
    simulate(model, duration=duration, warmup=warmup, replications=1, trace=str(rows))
    kinds = {n.name: n.kind for n in model.nodes}
    files = {}
    for fmt in formats:
        files[fmt] = folder / f"t.{fmt}.json"
        convert(rows, files[fmt], kinds)
    return pd.read_parquet(rows), files


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return _export(tmp_path_factory, "models/order_pipeline.yaml", 200, 10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_pipeline_topology_and_routing(pipeline, fmt):
    """order_pipeline: shop -> 70% cards_q / 30% invoices_q (through a router, which
    takes no time and so leaves no span); cards -> 20% review_q, 80% done."""
    rows, files = pipeline
    found, spans = read_spans(files[fmt])
    assert found == fmt
    cal = calibrate(spans)
    model = cal.model
    validate(from_dict(model))
    kinds = {name: node["kind"] for name, node in model["nodes"].items()}
    assert kinds == {"shop": "sender", "cards_q": "queue", "invoices_q": "queue",
                     "review_q": "queue", "cards": "service", "invoices": "service",
                     "review": "service", "exit": "router"}
    pairs = {tuple(e[:2]) for e in model["edges"]}
    assert pairs == {("shop", "cards_q"), ("shop", "invoices_q"), ("cards_q", "cards"),
                     ("invoices_q", "invoices"), ("cards", "review_q"), ("cards", "exit"),
                     ("review_q", "review"), ("review", "cards_q")}
    p = cal.figures["routing"]
    for edge, want in {("shop", "cards_q"): 0.7, ("shop", "invoices_q"): 0.3,
                       ("cards", "review_q"): 0.2, ("cards", "exit"): 0.8}.items():
        assert p[edge] == pytest.approx(want, abs=0.02)
    # exactly the service times in the rows (whole microseconds in Jaeger and Zipkin)
    # (a visit still open at the end is not exported: a tracer exports ended spans)
    visits = rows[(rows.kind == "visit") & rows.start.notna() & (rows.outcome != "in_flight")]
    for node in ("cards", "invoices", "review"):
        here = visits[visits.node == node]
        truth = float((here.departure - here.start).mean())
        assert cal.figures["service_mean"][node] == pytest.approx(truth, rel=1e-4)
        assert model["nodes"][node]["service"]["dist"] == "exponential"
        assert model["nodes"][node]["servers"] <= {"cards": 4}.get(node, 2)


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    return _export(tmp_path_factory, "models/sync_calls.yaml", 150, 5, ("otlp",))


@pytest.mark.slow  # about 40 s of CPU: 15,000 requests simulated, exported, fitted
def test_sync_calls_means_rate_and_calls_from_otlp(calls):
    """sync_calls: api 5 ms (exponential), db 4 ms (lognormal, cv 1) called twice
    synchronously, audit 2 ms called asynchronously, callback 1 ms; 100 requests/s."""
    _, files = calls
    cal = calibrate(read_spans(files["otlp"])[1])
    nodes = cal.model["nodes"]
    want = {"api": (0.005, "exponential"), "db": (0.004, "lognormal"),
            "audit": (0.002, "exponential"), "callback": (0.001, "exponential")}
    for node, (mean, family) in want.items():
        assert cal.figures["service_mean"][node] == pytest.approx(mean, rel=0.03)
        # the model's family is the best fit, or as good by AIC (within 2: the data
        # cannot tell them apart, e.g. exponential and a Pareto of large shape)
        aic = dict(cal.figures["fits"][node])
        assert nodes[node]["service"]["dist"] == family or aic[family] - min(aic.values()) < 2
    assert cal.figures["rate"]["client"] == pytest.approx(100, rel=0.02)
    edges = {(e["from"], e["to"]): e for e in cal.model["edges"] if isinstance(e, dict)}
    assert edges[("api", "db")]["call"] == "sync" and edges[("api", "db")]["visits"] == 2
    assert edges[("api", "audit")]["call"] == "async"
    pairs = {tuple(e[:2]) for e in cal.model["edges"] if isinstance(e, list)}
    assert pairs == {("client", "api"), ("api", "responses"), ("responses", "callback")}
    assert any(n.startswith("clock skew: no span") for n in cal.notes)
    assert any(n.startswith("sampling:") for n in cal.notes)


def _roots(times):
    from sim.interchange.traces_in import InSpan

    return [InSpan(f"t{i}", "1", "", "shop", "send", "PRODUCER", t, t + 0.01)
            for i, t in enumerate(times)]


def test_rate_change_gives_a_profile():
    """Roots every 0.1 s for 100 s, then every 1/30 s for 100 s: the rate triples at
    t = 100, so the sender gets rate 10 and a profile reaching 3 (to 2%)."""
    times = list(np.arange(0, 100, 0.1)) + list(100 + np.arange(0, 100, 1 / 30))
    cal = calibrate(_roots(times))
    shop = cal.model["nodes"]["shop"]
    assert shop["rate"] == pytest.approx(10, rel=0.02)
    assert shop["profile"][0] == [0.0, 1.0]
    assert shop["profile"][-1][1] == pytest.approx(3, rel=0.02)
    assert shop["profile"][-1][0] == pytest.approx(100, abs=100 / 30)


def test_steady_roots_give_no_profile_and_gaps_are_left_out():
    """Every 0.1 s for 100 s: rate 10, steady. Two such windows an hour apart: still
    rate 10 (the hour is left out), and no profile over the gap."""
    steady = calibrate(_roots(list(np.arange(0, 100, 0.1))))
    assert steady.model["nodes"]["shop"] == {"kind": "sender", "rate": pytest.approx(10)}
    two = list(np.arange(0, 100, 0.1)) + list(3700 + np.arange(0, 100, 0.1))
    windows = calibrate(_roots(two))
    assert windows.model["nodes"]["shop"] == {"kind": "sender", "rate": pytest.approx(10)}
    assert any("gaps longer than" in n for n in windows.notes)
