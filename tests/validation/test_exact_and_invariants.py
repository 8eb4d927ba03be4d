"""Exact deterministic cases (worked by hand) and invariants that hold on every run."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import simulate
from tests.conftest import make_model, run_model


def const(v):
    return {"dist": "deterministic", "value": v}


def test_dd1_no_wait():
    """D/D/1, gap 1 s, service 0.5 s: nobody waits; the arrival at t=100 is still in
    service at the end (100.25), so 99 complete and the server was busy 99 * 0.5 + 0.25 s."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "srv": {"kind": "service", "servers": 1, "service": const(0.5)}}
    r = run_model(nodes, [["src", "srv"]], duration=100.25)
    assert r["requests"]["offered"] == 100
    assert r["requests"]["completed"] == 99
    assert r["requests"]["in_flight"] == 1
    assert r["nodes"]["srv"]["wait"]["mean"] == 0.0
    assert r["requests"]["latency"]["max"] == pytest.approx(0.5)
    assert r["nodes"]["srv"]["utilization"] == pytest.approx((99 * 0.5 + 0.25) / 100.25)


def test_dd1_overloaded_waits_grow_linearly():
    """D/D/1, gap 1, service 1.5: customer k (from 0) waits 0.5 k; the queue grows."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "srv": {"kind": "service", "servers": 1, "service": const(1.5)}}
    r = run_model(nodes, [["src", "srv"]], duration=20.75)
    # customer k arrives at 1 + k, starts at 1 + 1.5 k, ends at 2.5 + 1.5 k; by 20.75
    # 14 have started (k <= 13) and 13 have finished (k <= 12)
    assert r["requests"]["completed"] == 13
    assert r["requests"]["latency"]["max"] == pytest.approx(1.5 + 0.5 * 12)
    assert r["nodes"]["srv"]["wait"]["mean"] == pytest.approx(0.5 * sum(range(14)) / 14)


def test_dd1_loss_rejects_every_other():
    """Capacity 0, gap 1, service 1.5: the server is busy at every other arrival; the
    last accepted one (t=99) ends exactly at the end (100.5) and is still in flight."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "srv": {"kind": "service", "servers": 1, "service": const(1.5), "capacity": 0}}
    r = run_model(nodes, [["src", "srv"]], duration=100.5)
    assert r["requests"]["offered"] == 100
    assert r["requests"]["rejected"] == 50
    assert r["requests"]["completed"] == 49
    assert r["requests"]["in_flight"] == 1


def test_same_seed_gives_identical_json_and_other_seed_differs():
    nodes = {"src": {"kind": "sender", "rate": 2.0},
             "q": {"kind": "queue"},
             "srv": {"kind": "service", "servers": 2, "service": {"dist": "lognormal",
                                                                  "mean": 0.6, "cv": 1.2}}}
    edges = [["src", "q"], ["q", "srv"]]
    a = simulate(make_model(nodes, edges, duration=500, replications=3)).to_json()
    b = simulate(make_model(nodes, edges, duration=500, replications=3)).to_json()
    c = simulate(make_model(nodes, edges, duration=500, replications=3, seed=2)).to_json()
    assert a == b
    assert a != c


def check_invariants(r: dict, duration: float) -> None:
    """Conservation per sender and in total; Little's law L = lam W per service node."""
    for entry in [r["requests"]] + [n for n in r["nodes"].values() if n["kind"] == "sender"]:
        assert entry["offered"] == entry["completed"] + entry["failed"] + entry["in_flight"]
    for name, node in r["nodes"].items():
        if node["kind"] != "service" or node["arrivals"] < 2000:
            continue
        in_system = node["busy"]["mean"] + node["queue_length"]["mean"]
        lam = node["arrivals"] / duration / r["replications"]
        assert in_system == pytest.approx(lam * node["sojourn"]["mean"], rel=0.05), name
        if node["utilization"] is not None:
            assert node["utilization"] == pytest.approx(node["busy"]["mean"] / node["servers"])


def test_invariants_on_shipped_style_model():
    nodes = {"client": {"kind": "sender", "rate": 40, "timeout": 0.5,
                        "retry": {"max_attempts": 3, "backoff": {"initial": 0.05}}},
             "gw": {"kind": "router", "routing": "power_of_two"},
             "q1": {"kind": "queue", "capacity": 20},
             "q2": {"kind": "queue", "capacity": 20, "overflow": "drop_oldest"},
             "w1": {"kind": "service", "servers": 2, "service": {"dist": "exponential",
                                                                 "mean": 0.09}},
             "w2": {"kind": "service", "servers": 2, "service": {"dist": "exponential",
                                                                 "mean": 0.09},
                    "error_rate": 0.02},
             "cb": {"kind": "service", "servers": 1, "service": 0.005}}
    edges = [["client", "gw"], ["gw", "q1"], ["gw", "q2"], ["q1", "w1"], ["q2", "w2"],
             ["w1", "cb"], ["w2", "cb"]]
    r = run_model(nodes, edges, duration=2000, warmup=100, replications=2)
    check_invariants(r, 2000)
    assert r["requests"]["retries"] > 0


ROUTINGS = ["probabilistic", "round_robin", "random", "least_loaded", "power_of_two",
            "broadcast"]


@st.composite
def topologies(draw):
    """Random valid layered topologies: sender -> (router|queue|service)* -> sink."""
    n_layers = draw(st.integers(1, 3))
    nodes = {"src": {"kind": "sender", "rate": draw(st.floats(0.5, 5.0))}}
    edges, prev = [], ["src"]
    for layer in range(n_layers):
        width = draw(st.integers(1, 3))
        names = []
        for i in range(width):
            name = f"n{layer}_{i}"
            kind = draw(st.sampled_from(["service", "router", "queued"]))
            if kind == "queued":
                nodes[name + "q"] = {"kind": "queue",
                                     "capacity": draw(st.sampled_from([0, 3, ".inf"])),
                                     "overflow": draw(st.sampled_from(["reject",
                                                                       "drop_oldest"]))}
                kind = "service"
                entry = name + "q"
                edges.append([entry, name])
            else:
                entry = name
            spec = {"kind": kind}
            if kind == "service":
                spec.update(servers=draw(st.integers(1, 3)),
                            service={"dist": "exponential",
                                     "mean": draw(st.floats(0.05, 1.0))})
            nodes[name] = spec
            names.append((entry, name))
        for p in prev:
            if len(names) > 1:
                nodes[p]["routing"] = draw(st.sampled_from(ROUTINGS))
            for entry, _ in names:
                edges.append([p, entry])
        prev = [name for _, name in names]
    return nodes, edges


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies(), st.integers(0, 2 ** 31 - 1))
def test_random_topologies_conserve_requests(topology, seed):
    nodes, edges = topology
    r = run_model(nodes, edges, duration=60, warmup=5, seed=seed)
    req = r["requests"]
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
    assert req["in_flight"] >= 0
    assert json.loads(json.dumps(r)) == r
