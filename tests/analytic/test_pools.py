"""Pools in ``check`` and ``analyze``: utilisation = sum over users of arrival rate x
holding time of the unit / size; the wait for a unit G/G/size (Allen-Cunneen), both
flagged approximate."""

from __future__ import annotations

import pytest

from sim.analytic.network import traffic
from sim.analytic.solve import analyze
from sim.engine import simulate
from sim.model import from_dict, validate


def shared_pool():
    """a (2/s, S ~ Exp(0.2)) and b (3/s, S ~ Exp(0.1) plus one sync call of a
    deterministic 0.1 s to an infinite-server callee) share a pool of size 2:
    units held = 2 x 0.2 + 3 x (0.1 + 0.1) = 1.0, utilisation 1.0 / 2 = 0.5."""
    return validate(from_dict({
        "name": "pools", "run": {"duration": 3000, "warmup": 20, "replications": 1},
        "nodes": {"sa": {"kind": "sender", "rate": 2}, "sb": {"kind": "sender", "rate": 3},
                  "a": {"kind": "service", "servers": 4, "uses": ["db"],
                        "service": {"dist": "exponential", "mean": 0.2}},
                  "b": {"kind": "service", "servers": 4, "uses": ["db"],
                        "service": {"dist": "exponential", "mean": 0.1}},
                  "auth": {"kind": "service", "servers": "inf",
                           "service": {"dist": "deterministic", "value": 0.1}},
                  "db": {"kind": "pool", "size": 2}},
        "edges": [["sa", "a"], ["sb", "b"], {"from": "b", "to": "auth", "call": "sync"}]}))


def test_check_gives_the_pool_utilisation_from_its_users_holding_times():
    rows = {r["node"]: r for r in traffic(shared_pool())}
    assert rows["db"]["utilization"] == pytest.approx(0.5)
    assert rows["db"]["offered_load"] == pytest.approx(1.0)
    assert rows["db"]["stable"]


def test_analyze_flags_the_pool_utilisation_approximate_and_the_simulation_agrees():
    """By Little's law the units in use average lambda x holding time exactly; 15,000
    requests: within 3%."""
    model = shared_pool()
    out = analyze(model)
    db = out["nodes"]["db"]
    assert db["utilization"] == pytest.approx(0.5) and db["exact"] is False
    assert db["applies"]
    assert "waits for units of db" in out["nodes"]["a"]["reason"]
    sim = simulate(model).to_dict()["nodes"]["db"]
    assert sim["utilization"] == pytest.approx(0.5, rel=0.03)


def test_the_pool_is_the_bottleneck_when_its_units_run_out_first():
    """Per request (5/s in all): the pool takes (2 x 0.2 + 3 x 0.2) / 5 / 2 = 0.1 s of
    its capacity, a's servers 0.4 x 0.2 / 4 = 0.02 s, b's 0.6 x 0.2 / 4 = 0.03 s: the
    pool saturates first, at X = 1 / 0.1 = 10 requests/s."""
    from sim.analytic.network import bottleneck

    assert bottleneck(shared_pool()) == ("db", pytest.approx(10.0))


def test_an_overloaded_pool_is_unstable_in_check():
    """Size 1 with 1.0 unit held on average: utilisation 1.0, not stable."""
    raw = from_dict({"nodes": {"sa": {"kind": "sender", "rate": 2},
                               "a": {"kind": "service", "servers": 4, "uses": ["db"],
                                     "service": {"dist": "exponential", "mean": 0.5}},
                               "db": {"kind": "pool", "size": 1}},
                     "edges": [["sa", "a"]]})
    rows = {r["node"]: r for r in traffic(validate(raw))}
    assert rows["db"]["utilization"] == pytest.approx(1.0) and not rows["db"]["stable"]


def test_the_wait_for_a_unit_is_erlang_c_when_the_users_have_servers_to_spare():
    """A service with infinite servers and exponential holding times (lam = 2/s,
    mean 1 s) using a pool of 3 units: the executions waiting for a unit form an
    M/M/3 queue, Wq = C(3, 2) / (3 mu - lam) = (4/9) / 1 = 0.444 s (Erlang C; the
    estimate reduces to it exactly). The simulation, 80,000 executions in two
    replications: the mean wait's standard error is about 3.5% at rho = 2/3 (measured
    over 320,000), so within 15%."""
    from sim.analytic.stations import erlang_c

    lam, c = 2.0, 3
    exact = erlang_c(lam * 1.0, c) / (c * 1.0 - lam)
    assert exact == pytest.approx(4 / 9)
    m = validate(from_dict({
        "name": "mmc-pool", "run": {"duration": 20000, "warmup": 100, "replications": 2},
        "nodes": {"s": {"kind": "sender", "rate": lam},
                  "api": {"kind": "service", "servers": "inf", "uses": ["conn"],
                          "service": {"dist": "exponential", "mean": 1.0}},
                  "conn": {"kind": "pool", "size": c}},
        "edges": [["s", "api"]]}))
    assert analyze(m)["nodes"]["conn"]["wait"]["mean"] == pytest.approx(exact, rel=1e-9)
    sim = simulate(m).to_dict()
    assert sim["nodes"]["conn"]["wait"]["mean"] == pytest.approx(exact, rel=0.15)
