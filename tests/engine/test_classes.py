"""Request classes in the engine, the results, the command line and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.engine import simulate
from sim.model import from_dict, validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "models" / "request_classes.yaml")


def _const(value):
    return {"dist": "deterministic", "value": value}


def build(data):
    return validate(from_dict(data))


def api_model(**service) -> dict:
    return {"name": "api", "nodes": {
        "readers": {"kind": "sender", "rate": 20, "class": "read"},
        "writers": {"kind": "sender", "rate": 10, "class": "write"},
        "api": {"kind": "service", "servers": "inf", "service": {
            "by_class": {"read": _const(0.01), "write": _const(0.05)}}, **service},
        "cache": {"kind": "service", "servers": "inf", "service": _const(0.002)},
        "db": {"kind": "service", "servers": "inf", "service": _const(0.02)}},
        "edges": [["readers", "api"], ["writers", "api"],
                  {"from": "api", "to": "cache", "classes": ["read"]},
                  {"from": "api", "to": "db", "classes": ["write"]}]}


def test_each_class_takes_its_own_edges_and_its_own_service_time():
    """Deterministic times on infinite servers: a read's latency is 0.01 + 0.002 s and a
    write's 0.05 + 0.02 s exactly; reads never reach db, writes never the cache."""
    result = simulate(build(api_model()), duration=200, warmup=5, seed=2).to_dict()
    read, write = result["classes"]["read"], result["classes"]["write"]
    assert read["latency"]["mean"] == pytest.approx(0.012)
    assert read["latency"]["max"] == pytest.approx(0.012)
    assert write["latency"]["mean"] == pytest.approx(0.07)
    api = result["nodes"]["api"]["classes"]
    assert api["read"]["sojourn"]["mean"] == pytest.approx(0.01)
    assert api["write"]["sojourn"]["mean"] == pytest.approx(0.05)
    assert set(result["nodes"]["cache"]["classes"]) == {"read"}
    assert set(result["nodes"]["db"]["classes"]) == {"write"}
    assert result["nodes"]["cache"]["arrivals"] == result["nodes"]["cache"]["classes"]["read"][
        "arrivals"]
    for cls in ("read", "write"):  # conservation per class
        c = result["classes"][cls]
        assert c["offered"] == c["completed"] + c["failed"] + c["in_flight"]
    assert (result["classes"]["read"]["offered"] + result["classes"]["write"]["offered"]
            == result["requests"]["offered"])


def test_a_call_edge_with_classes_is_made_only_for_those_classes():
    """api calls audit (sync) for writes only: calls = writes served at api."""
    data = api_model()
    data["nodes"]["audit"] = {"kind": "service", "servers": "inf", "service": _const(0.001)}
    data["edges"].append({"from": "api", "to": "audit", "call": "sync", "classes": ["write"]})
    result = simulate(build(data), duration=100, warmup=0, seed=1).to_dict()
    writes = result["nodes"]["api"]["classes"]["write"]["completed"]
    assert writes > 0
    assert result["edges"]["api->audit"]["calls"] == writes
    assert set(result["nodes"]["audit"]["classes"]) == {"write"}
    assert result["classes"]["write"]["latency"]["mean"] == pytest.approx(0.05 + 0.001 + 0.02)
    assert result["classes"]["read"]["latency"]["mean"] == pytest.approx(0.012)


def test_a_broadcast_copy_keeps_its_class_and_a_switch_changes_it():
    data = api_model()
    data["nodes"]["fan"] = {"kind": "router", "routing": "broadcast"}
    data["edges"][2] = {"from": "api", "to": "fan", "classes": ["read"]}
    data["edges"] += [{"from": "fan", "to": "cache", "switch": {"read": "refresh"}},
                      ["fan", "db2"]]
    data["nodes"]["db2"] = {"kind": "service", "servers": "inf", "service": _const(0.001)}
    model = build(data)
    assert model.classes == ("read", "write", "refresh")
    result = simulate(model, duration=100, warmup=0, seed=1).to_dict()
    reads = result["nodes"]["fan"]["classes"]["read"]["arrivals"]
    assert result["nodes"]["db2"]["classes"]["read"]["arrivals"] == reads
    assert result["nodes"]["cache"]["classes"] == {
        "refresh": result["nodes"]["cache"]["classes"]["refresh"]}
    assert result["nodes"]["cache"]["classes"]["refresh"]["arrivals"] == reads


def test_a_queue_and_its_consumer_report_waits_per_class():
    data = api_model()
    data["nodes"]["q"] = {"kind": "queue"}
    data["nodes"]["worker"] = {"kind": "service", "servers": 1,
                               "service": {"dist": "exponential", "mean": 0.02}}
    data["edges"] += [["cache", "q"], ["db", "q"], ["q", "worker"]]
    result = simulate(build(data), duration=300, warmup=10, seed=4).to_dict()
    q, worker = result["nodes"]["q"], result["nodes"]["worker"]
    assert set(q["classes"]) == {"read", "write"}
    taken = sum(c["completed"] for c in q["classes"].values())
    assert taken == q["completed"]
    assert sum(c["arrivals"] for c in worker["classes"].values()) == worker["arrivals"]
    assert all(c["wait"]["mean"] == 0.0 for c in worker["classes"].values())
    assert q["classes"]["read"]["wait"]["mean"] > 0


def test_a_model_without_classes_has_no_class_bookkeeping_at_its_nodes():
    """Top-level classes are the senders' (their names); nodes have no classes block."""
    model = build({"name": "plain", "nodes": {
        "a": {"kind": "sender", "rate": 5},
        "b": {"kind": "sender", "rate": 5},
        "s": {"kind": "service", "service": {"dist": "exponential", "mean": 0.01}}},
        "edges": [["a", "s"], ["b", "s"]]})
    result = simulate(model, duration=50, warmup=0, seed=1).to_dict()
    assert list(result["classes"]) == ["a", "b"]
    assert all("classes" not in e for e in result["nodes"].values())
    sender = dict(result["nodes"]["a"])
    sender.pop("kind")
    sender.pop("wait")  # a sender's own figure, not one of the requests' fields
    assert result["classes"]["a"] == sender


def test_per_class_results_from_the_python_api_and_the_cli(capsys):
    model = sim.load(EXAMPLE)
    result = sim.simulate(model, duration=100, warmup=10, replications=2, seed=1).to_dict()
    assert set(result["classes"]) == {"read", "write"}
    assert result["ci95"]["classes"]["read"]["latency"]["p99"] is not None
    assert set(result["nodes"]["primary"]["classes"]) == {"read", "write"}
    assert main(["run", EXAMPLE, "--duration", "100", "--warmup", "10", "--replications", "2",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes"]["write"]["latency"]["mean"] > out["classes"]["read"]["latency"]["mean"]
    assert out["nodes"]["api"]["classes"]["write"]["sojourn"]["mean"] > 0


def test_the_report_shows_the_classes(tmp_path, capsys):
    assert main(["run", EXAMPLE, "--duration", "50", "--warmup", "5", "--out", str(tmp_path),
                 "--format", "json"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="classes"' in page and "Requests per class" in page
    assert "Nodes per class" in page and "<td>write</td>" in page
    assert (tmp_path / "report-classes.png").is_file()
    assert "Request classes" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_analyze_and_check_give_the_classes(capsys):
    from sim.analytic import analyze

    assert main(["check", EXAMPLE]) == 0
    out = capsys.readouterr().out
    assert "class 'read': 60/s; visits readers 1, api 1, replica 0.9, primary 0.1" in out
    assert "class 'write': 15/s" in out

    out = analyze(sim.load(EXAMPLE))
    assert out["classes"]["write"]["visits"]["worker"] == {"write": 1.0}
    assert out["classes"]["read"]["visits"]["primary"] == {"read": pytest.approx(0.1)}
    assert out["classes"]["read"]["exact"] is False
    assert "by_class" in out["classes"]["read"]["reason"]


def test_sweeps_and_plans_know_the_class_metrics():
    """Per-class figures reach sweeps and plans by name (classes.<class>.<field>)."""
    from sim.experiments.build import metric_names, metric_values
    from sim.planner.evaluate import flat_metrics

    model = sim.load(EXAMPLE)
    names = metric_names(model)
    assert "classes.read.latency.p99" in names
    assert "nodes.primary.classes.write.wait.p95" in names
    rep = simulate(model, duration=20, warmup=2, seed=1).replications[0]
    assert "classes.write.latency.p99" in metric_values(rep)
    assert "classes.write.latency.p99" in flat_metrics(rep)


def test_the_traffic_equations_count_calls_only_for_their_classes():
    """A sync call edge with classes [write] adds visits = 1 per write at the callee and
    none per read; the latency of a write adds the callee's time (infinite servers,
    deterministic: 0.05 + 0.001 + 0.02 s)."""
    from sim.analytic import analyze

    data = api_model()
    data["nodes"]["audit"] = {"kind": "service", "servers": "inf", "service": _const(0.001)}
    data["edges"].append({"from": "api", "to": "audit", "call": "sync", "classes": ["write"]})
    out = analyze(build(data))["classes"]
    assert out["write"]["visits"]["audit"] == {"write": 1.0}
    assert "audit" not in out["read"]["visits"]
    assert out["read"]["latency"]["mean"] == pytest.approx(0.012)
    assert out["write"]["latency"]["mean"] == pytest.approx(0.071)
    # the aggregate flow counts the calls of writes only: 10 writes/s -> 10 calls/s
    from sim.analytic import traffic

    rows = {r["node"]: r for r in traffic(build(data))}
    assert rows["audit"]["arrival_rate"] == pytest.approx(10.0)
