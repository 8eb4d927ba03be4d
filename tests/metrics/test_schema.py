"""The result schema declares every field of a result, and its reference page is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import simulate
from sim.metrics.result import COUNT_KEYS, flatten
from sim.metrics.schema import (EDGE_FIELDS, NODE_FIELDS, REQUEST_FIELDS, RUN_FIELDS, SERIES_FIELDS,
                                metric_paths, node_fields, reference_page)
from sim.model import from_dict, load_model, validate
from sim.model.kinds import KIND_NAMES

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "results.md"
REGENERATE = "python -m sim.metrics.schema > docs/reference/results.md"
SHIPPED = sorted((ROOT / "models").glob("*.yaml"))


def test_reference_page_is_current():
    assert PAGE.is_file(), f"{PAGE.name} is missing: run {REGENERATE}"
    assert PAGE.read_text(encoding="utf-8") == reference_page(), (
        f"docs/reference/results.md is stale: run {REGENERATE}")


def test_every_kind_has_its_fields():
    assert set(NODE_FIELDS) == set(KIND_NAMES)
    for kind, fields in NODE_FIELDS.items():
        assert fields[0].path == "kind", kind
        assert len({f.path for f in fields}) == len(fields), kind


def test_declared_aggregation_matches_how_results_combine():
    """Counts (summed by ``aggregate``) are exactly the fields declared 'sum'."""
    for fields in (REQUEST_FIELDS, EDGE_FIELDS, *NODE_FIELDS.values()):
        for f in fields:
            last = f.path.split(".")[-1]
            counted = last in COUNT_KEYS or f.path.startswith("dead_lettered.")
            assert counted == (f.aggregate == "sum"), f.path
            assert (f.aggregate == "max") == (last == "max"), f.path


def _short(model):
    return simulate(model, duration=30, warmup=2, replications=2, seed=1)


def _check(model, result) -> None:
    d = result.to_dict()
    blocks = {"requests": d["requests"], "nodes": d["nodes"]}
    if "edges" in d:  # a model with call edges
        blocks["edges"] = d["edges"]
    blocks["classes"] = d["classes"]  # per request class, last
    found = list(flatten(blocks))
    declared = metric_paths(model, text=True)
    sometimes = {f"nodes.{s.name}.{f.path}" for s in model.nodes for f in NODE_FIELDS[s.kind]
                 if f.sometimes and (f.when is None or f.when(s))}
    assert [n for n in found if n not in sometimes] == declared   # same names, same order
    assert [f.path for f in RUN_FIELDS] == list(d)[:len(RUN_FIELDS)]
    assert list(result.timeseries.columns) == [f.path for f in SERIES_FIELDS]
    means = {n.removeprefix("requests.") for n in declared if n.startswith("requests.")}
    ci = flatten(d["ci95"]["requests"])
    assert set(ci) <= means and "latency.p99" in ci


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_simulated_result_has_exactly_the_declared_fields(path):
    model = load_model(path)
    _check(model, _short(model))


def test_fields_of_configured_nodes_appear_when_configured():
    model = validate(from_dict({"name": "configured", "nodes": {
        "client": {"kind": "sender", "rate": 20},
        "q": {"kind": "queue", "delivery": {"mode": "at_least_once",
                                            "visibility_timeout": 5}},
        "worker": {"kind": "service", "servers": 3, "idempotent": False,
                   "service": {"dist": "exponential", "mean": 0.05},
                   "availability": {"mtbf": {"dist": "exponential", "mean": 20},
                                    "mttr": {"dist": "exponential", "mean": 1}}},
        "gw": {"kind": "router"},
        "sink": {"kind": "service", "service": {"dist": "exponential", "mean": 0.01}}},
        "edges": [["client", "q"], ["q", "worker"], ["worker", "gw"], ["gw", "sink"]]}))
    paths = metric_paths(model)
    for name in ("nodes.q.deliveries", "nodes.q.redelivered", "nodes.q.stale",
                 "nodes.worker.crashes", "nodes.worker.duplicate_effects"):
        assert name in paths
    assert "nodes.sink.crashes" not in paths and "nodes.worker.kind" not in paths
    assert "nodes.worker.kind" in metric_paths(model, text=True)
    _check(model, _short(model))


def test_metric_paths_needs_no_simulation(monkeypatch):
    import sim.engine.run as run

    def refuse(*args, **kwargs):
        raise AssertionError("metric_paths ran a simulation")

    monkeypatch.setattr(run, "run_replication", refuse)
    model = load_model(ROOT / "models" / "request_reply.yaml")
    paths = metric_paths(model)
    assert paths[0] == "requests.offered" and "nodes.worker.utilization" in paths
    assert [f.path for f in node_fields(model.node("worker"))][:2] == ["kind", "servers"]


def test_call_edges_are_declared_and_reach_sweeps_and_plans():
    """A model with call edges: ``edges.<caller>-><callee>.*`` in the declared names,
    in the simulated result, and in the flattened metrics sweeps and plans read."""
    from sim.experiments.build import metric_values
    from sim.planner.evaluate import flat_metrics

    model = load_model(ROOT / "models" / "sync_calls.yaml")
    names = metric_paths(model)
    assert "edges.api->db.response.p99" in names and "nodes.api.held.mean" in names
    result = _short(model)
    _check(model, result)
    rep = result.replications[0]
    assert "edges.api->audit.calls" in metric_values(rep)
    assert "edges.api->db.in_flight.max" in flat_metrics(rep)
    assert "edges.api->db.calls" in result.replications_frame().columns


def test_pool_metrics_are_declared_and_reported():
    """A model with a pool: ``nodes.<pool>.*`` and the cause ``pool_timeout`` in the
    declared names, in the simulated result and in the flattened metrics."""
    from sim.planner.evaluate import flat_metrics

    model = load_model(ROOT / "models" / "connection_pool.yaml")
    names = metric_paths(model)
    for name in ("nodes.db_connections.utilization", "nodes.db_connections.wait.p99",
                 "nodes.db_connections.timed_out", "nodes.db_connections.acquisitions",
                 "requests.dead_lettered.pool_timeout"):
        assert name in names
    result = _short(model)
    _check(model, result)
    assert "nodes.db_connections.wait.mean" in flat_metrics(result.replications[0])
