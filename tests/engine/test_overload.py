"""Overload protection worked by hand: slowdown, adaptive_lifo, CoDel shed, hedging.

Deterministic arrivals (``trace``) and service times, so every figure is exact.
"""

from __future__ import annotations

import math

import pytest

from sim.engine.disciplines import make_container
from sim.engine.slowdown import multiplier
from tests.conftest import run_model


def const(v):
    return {"dist": "deterministic", "value": v}


# -- slowdown ----------------------------------------------------------------------

def test_multiplier_interpolates_and_is_constant_beyond_the_ends():
    """m(u) linear between points, the end values outside them."""
    points = ((0.2, 1.0), (0.6, 3.0))
    assert multiplier(points, 0.0) == 1.0
    assert multiplier(points, 0.4) == pytest.approx(2.0)
    assert multiplier(points, 0.6) == 3.0
    assert multiplier(points, 1.0) == 3.0


def test_slowdown_two_servers_by_hand():
    """2 servers, service 1 s, slowdown [[0, 1], [0.5, 3]]; arrivals at 0, 0.1, 0.5.
    A starts at 0 with no other server busy (u = 0): 1 s, latency 1. B starts at 0.1
    with A busy (u = 1/2): 3 s, latency 3. C waits until A ends at 1 and starts with
    B busy (u = 1/2): 3 s, ends at 4, latency 3.5. Mean (1 + 3 + 3.5) / 3 = 2.5."""
    nodes = {"s": {"kind": "sender", "trace": [0, 0.1, 0.5]},
             "w": {"kind": "service", "servers": 2, "service": const(1.0),
                   "slowdown": [[0, 1], [0.5, 3]]}}
    r = run_model(nodes, [["s", "w"]], duration=10)
    lat = r["requests"]["latency"]
    assert r["requests"]["completed"] == 3
    assert lat["mean"] == pytest.approx(2.5)
    assert lat["max"] == pytest.approx(3.5)
    assert r["nodes"]["w"]["busy"]["mean"] == pytest.approx((1 + 3 + 3) / 10)


def test_slowdown_interpolated_between_points():
    """[[0, 1], [1, 3]] on 2 servers: the second concurrent message sees u = 1/2, so
    m = 2: arrivals at 0 and 0.1 take 1 s and 2 s (latencies 1 and 2)."""
    nodes = {"s": {"kind": "sender", "trace": [0, 0.1]},
             "w": {"kind": "service", "servers": 2, "service": const(1.0),
                   "slowdown": [[0, 1], [1, 3]]}}
    lat = run_model(nodes, [["s", "w"]], duration=10)["requests"]["latency"]
    assert lat["mean"] == pytest.approx(1.5)
    assert lat["max"] == pytest.approx(2.0)


def test_slowdown_one_server_always_sees_zero():
    """One server: no other server is ever busy when a message takes it, so every
    service time is m(0) = 2 times 1 s, even while others wait (D/D/1 with service 2:
    arrivals at 0, 0.5 end at 2 and 4, latencies 2 and 3.5)."""
    nodes = {"s": {"kind": "sender", "trace": [0, 0.5]},
             "w": {"kind": "service", "servers": 1, "service": const(1.0),
                   "slowdown": [[0, 2], [1, 10]]}}
    lat = run_model(nodes, [["s", "w"]], duration=10)["requests"]["latency"]
    assert lat["mean"] == pytest.approx((2 + 3.5) / 2)


# -- adaptive_lifo ------------------------------------------------------------------

def test_adaptive_lifo_container_order():
    """lifo_above 2: while more than 2 wait the newest goes first, then oldest first."""
    box = make_container("adaptive_lifo", lifo_above=2)
    for m in "BCDE":
        box.push(m)
    assert [box.pop() for _ in range(4)] == ["E", "D", "B", "C"]


def test_adaptive_lifo_by_hand():
    """One server, service 1 s, arrivals A..E at 0, 0.1, 0.2, 0.3, 0.4, lifo_above 2.
    A is served at once (0-1); at 1 four wait (> 2): E, newest (1-2, latency 1.6); at 2
    three wait: D (2-3, latency 2.7); at 3 two wait (not > 2): B, oldest (3-4, 3.9);
    then C (4-5, 4.8). FIFO would give 1, 1.9, 2.8, 3.7, 4.6: the same mean, 2.8
    (conservation), but a larger maximum (4.8) and a smaller median (2.7 vs 2.8)."""
    trace = [0, 0.1, 0.2, 0.3, 0.4]
    def lat(discipline, **extra):
        nodes = {"s": {"kind": "sender", "trace": trace},
                 "w": {"kind": "service", "servers": 1, "service": const(1.0),
                       "discipline": discipline, **extra}}
        return run_model(nodes, [["s", "w"]], duration=10)["requests"]["latency"]
    adaptive, fifo = lat("adaptive_lifo", lifo_above=2), lat("fifo")
    assert adaptive["mean"] == pytest.approx(2.8) == fifo["mean"]
    assert adaptive["max"] == pytest.approx(4.8)
    assert fifo["max"] == pytest.approx(4.6)
    assert adaptive["p50"] == pytest.approx(2.7)
    assert fifo["p50"] == pytest.approx(2.8)


# -- shed (CoDel) -------------------------------------------------------------------

def _codel(target, interval=1.0, count=10):
    nodes = {"s": {"kind": "sender", "trace": [0] * count},
             "w": {"kind": "service", "servers": 1, "service": const(1.0),
                   "shed": {"target": target, "interval": interval}}}
    return run_model(nodes, [["s", "w"]], duration=20)


def test_codel_by_hand():
    """Ten messages m0..m9 at t=0, one server, 1 s each, target 0.5, interval 1.
    m0 is served at once. t=1: m1 waited 1 >= 0.5, the clock starts (drops allowed
    from t=2); m1 served. t=2: m2 dropped, dropping starts (count 1, next drop at
    2 + 1/sqrt(1) = 3), m3 served. t=3: m4 dropped (count 2, next at 3 + 1/sqrt(2)
    = 3.71), m5 served. t=4: m6 dropped (count 3, next at 4.28), m7 served. t=5: m8
    dropped (count 4); m9 is the last waiting message, never dropped: served 5-6.
    Served m0 m1 m3 m5 m7 m9 (latencies 1..6, mean 3.5); shed m2 m4 m6 m8."""
    r = _codel(0.5)
    req, w = r["requests"], r["nodes"]["w"]
    assert req["completed"] == 6 and req["failed"] == 4
    assert req["dead_lettered"]["shed"] == 4
    assert w["shed"] == 4 and w["dropped"] == 4
    assert req["latency"]["mean"] == pytest.approx(3.5)
    assert req["latency"]["max"] == pytest.approx(6.0)
    # waits of the served only: 0, 1, 2, 3, 4, 5
    assert w["wait"]["mean"] == pytest.approx(2.5)


def test_codel_target_above_every_wait_sheds_nothing():
    """Target 100 s: the longest wait is 9 s, so all ten are served (latency 1..10)."""
    r = _codel(100.0)
    assert r["nodes"]["w"]["shed"] == 0
    assert r["requests"]["completed"] == 10
    assert r["requests"]["latency"]["mean"] == pytest.approx(5.5)


def test_codel_on_a_queue_counts_shed():
    """The same ten messages through a queue: the queue sheds (same figures)."""
    nodes = {"s": {"kind": "sender", "trace": [0] * 10},
             "q": {"kind": "queue", "shed": {"target": 0.5, "interval": 1.0}},
             "w": {"kind": "service", "servers": 1, "service": const(1.0)}}
    r = run_model(nodes, [["s", "q"], ["q", "w"]], duration=20)
    assert r["nodes"]["q"]["shed"] == 4
    assert r["requests"]["completed"] == 6


# -- hedge --------------------------------------------------------------------------

def test_hedge_later_than_any_service_changes_nothing():
    """Service 1 s, hedge after 2 s: every attempt is answered first; the result
    equals the run without hedge, and no hedge is sent."""
    def run(extra):
        nodes = {"s": {"kind": "sender", "interarrival": const(0.5), **extra},
                 "w": {"kind": "service", "servers": "inf", "service": const(1.0)}}
        return run_model(nodes, [["s", "w"]], duration=50)
    hedged, plain = run({"hedge": {"after": 2.0}}), run({})
    assert hedged["nodes"]["s"]["hedges"] == 0
    assert "hedges" not in plain["nodes"]["s"]
    assert hedged["requests"] == plain["requests"]


def test_hedge_by_hand():
    """Service 1 s on an infinite pool, hedge after 0.25 s: each attempt gets a copy
    at 0.25 that ends at 1.25, 0.25 s after the original won: latency 1, one hedge
    and 1 s of wasted work per request."""
    nodes = {"s": {"kind": "sender", "trace": [0, 10]},
             "w": {"kind": "service", "servers": "inf", "service": const(1.0)}}
    nodes["s"]["hedge"] = {"after": 0.25}
    s = run_model(nodes, [["s", "w"]], duration=20)["nodes"]["s"]
    assert s["completed"] == 2 and s["duplicates"] == 0
    assert s["hedges"] == 2
    assert s["latency"]["max"] == pytest.approx(1.0)
    assert s["hedge_wasted_work"] == pytest.approx(2.0) == s["wasted_work"]


def test_hedged_attempt_fails_only_when_both_copies_fail():
    """Capacity 0 on one server of 1 s: the first request's copy (sent at 0.5) is
    rejected while the original is in service, and the attempt still completes."""
    nodes = {"s": {"kind": "sender", "trace": [0], "hedge": {"after": 0.5}},
             "w": {"kind": "service", "servers": 1, "capacity": 0, "service": const(1.0)}}
    s = run_model(nodes, [["s", "w"]], duration=5)["nodes"]["s"]
    assert s["completed"] == 1 and s["failed"] == 0 and s["hedges"] == 1


def test_trace_of_hedged_and_shed_requests(tmp_path):
    """The trace of test_hedge_by_hand: per request one completed attempt row and one
    ``hedge_lost`` late row (the copy ending 0.25 s after the winner); and the CoDel
    case: four attempt rows with outcome shed."""
    import pandas as pd

    from sim.engine import simulate
    from tests.conftest import make_model

    nodes = {"s": {"kind": "sender", "trace": [0, 10], "hedge": {"after": 0.25}},
             "w": {"kind": "service", "servers": "inf", "service": const(1.0)}}
    path = tmp_path / "hedge.csv"
    simulate(make_model(nodes, [["s", "w"]], duration=20), trace=str(path))
    rows = pd.read_csv(path)
    assert sorted(rows[rows.kind == "attempt"].outcome) == ["completed", "completed"]
    late = rows[rows.kind == "late"]
    assert list(late.outcome) == ["hedge_lost", "hedge_lost"]
    assert list(late.departure) == pytest.approx([1.25, 11.25])

    nodes = {"s": {"kind": "sender", "trace": [0] * 10},
             "w": {"kind": "service", "servers": 1, "service": const(1.0),
                   "shed": {"target": 0.5, "interval": 1.0}}}
    path = tmp_path / "shed.csv"
    simulate(make_model(nodes, [["s", "w"]], duration=20), trace=str(path))
    rows = pd.read_csv(path)
    assert list(rows[rows.kind == "attempt"].outcome).count("shed") == 4


@pytest.mark.parametrize("hedge", [0.0, 1.0])
@pytest.mark.parametrize("closed", [False, True])
@pytest.mark.parametrize("ttl_and_drop", [False, True])
def test_features_together_conserve_requests(hedge, closed, ttl_and_drop):
    """Hedge, retries with a timeout, CoDel, adaptive_lifo, slowdown and errors at once
    (with ttl and drop_oldest on an open sender): offered = completed + failed +
    in_flight, which the engine also checks at the end of the run."""
    s = {"kind": "sender", "hedge": {"after": hedge}, "timeout": 3.0,
         "retry": {"max_attempts": 3, "backoff": {"initial": 0.1}}}
    s.update({"clients": 5} if closed else {"rate": 1.2})
    q = {"kind": "queue", "shed": {"target": 0.5, "interval": 1.0},
         "discipline": "adaptive_lifo", "lifo_above": 2}
    if ttl_and_drop and not closed:
        q.update(ttl=2.0, capacity=3, overflow="drop_oldest")
    w = {"kind": "service", "servers": 2, "service": {"dist": "exponential", "mean": 1.5},
         "slowdown": [[0, 1], [1, 2]], "error_rate": 0.05}
    r = run_model({"s": s, "q": q, "w": w}, [["s", "q"], ["q", "w"]], duration=300)
    req = r["requests"]
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
    assert r["nodes"]["s"]["hedges"] > 0
    assert closed or r["nodes"]["q"]["shed"] > 0   # hedges on 1.2/s overload 2 servers
