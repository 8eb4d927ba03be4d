"""Overload protection against theory: slowdown, adaptive_lifo, shed and hedge.

Each test states its formula; tolerances come from the replications' confidence
intervals (:func:`tests.conftest.assert_agrees`) or are exact on a shared seed.
"""

from __future__ import annotations

import math

import pytest

from sim.engine import simulate
from tests.conftest import assert_agrees, make_model


def mm1(service_mean: float, **service_keys) -> dict:
    return {"s": {"kind": "sender", "rate": 0.5},
            "w": {"kind": "service", "servers": 1,
                  "service": {"dist": "exponential", "mean": service_mean}, **service_keys}}


def run(nodes, **run) -> dict:
    return simulate(make_model(nodes, [["s", "w"]], **run)).to_dict()


def test_constant_slowdown_is_a_slower_mm1():
    """slowdown [[0, k], [1, k]] with k = 1.25 on M/M/1 (lambda 0.5, mu 1): each
    service time is k times a draw, so the station is M/M/1 with mu' = mu / k = 0.8,
    mean sojourn 1 / (mu' - lambda) = 1 / 0.3 = 3.333 s. On the same seed it equals
    the M/M/1 whose service mean is k (the same draws, scaled)."""
    k = 1.25
    slowed = run(mm1(1.0, slowdown=[[0, k], [1, k]]), duration=20_000, warmup=500,
                 replications=5, seed=11)
    scaled = run(mm1(k), duration=20_000, warmup=500, replications=5, seed=11)
    assert_agrees(slowed, "nodes.w.sojourn.mean", 1.0 / (1.0 / k - 0.5))
    assert slowed["nodes"]["w"]["sojourn"]["mean"] == pytest.approx(
        scaled["nodes"]["w"]["sojourn"]["mean"], rel=1e-9)


def _lifo_runs(lifo_above: int, seed: int = 5):
    keys = {"discipline": "adaptive_lifo", "lifo_above": lifo_above}
    nodes = mm1(1.6, **keys)   # lambda 0.5, mean 1.6: rho 0.8
    adaptive = run(nodes, duration=40_000, warmup=1_000, replications=5, seed=seed)
    fifo = run(mm1(1.6), duration=40_000, warmup=1_000, replications=5, seed=seed)
    return adaptive, fifo


def test_adaptive_lifo_with_a_huge_threshold_is_fifo():
    """lifo_above beyond any queue length: exactly FIFO on the same seed."""
    nodes = mm1(1.6, discipline="adaptive_lifo", lifo_above=10**9)
    adaptive = run(nodes, duration=5_000, seed=3)
    fifo = run(mm1(1.6), duration=5_000, seed=3)
    assert adaptive["nodes"]["w"] == fifo["nodes"]["w"]
    assert adaptive["requests"] == fifo["requests"]


def test_adaptive_lifo_same_mean_heavier_tail():
    """M/M/1, lambda 0.5, mean service 1.6 (rho 0.8, mu - lambda = 0.125): any
    work-conserving order blind to service times has FIFO's mean wait (Kleinrock's
    conservation law), Wq = rho / (mu - lambda) = 6.4 s; FIFO's p99 of the wait is
    ln(rho / 0.01) / (mu - lambda) = 35.06 s. With lifo_above 5 the newest are
    served first under a backlog, so the p99 of the wait is larger. On the same seed
    the number in system is the same process, so the mean waits agree to 1%."""
    adaptive, fifo = _lifo_runs(5)
    wq = 0.8 / 0.125
    assert_agrees(adaptive, "nodes.w.wait.mean", wq, max_rel_halfwidth=0.1)
    assert adaptive["nodes"]["w"]["wait"]["mean"] == pytest.approx(
        fifo["nodes"]["w"]["wait"]["mean"], rel=0.01)
    assert fifo["nodes"]["w"]["wait"]["p99"] == pytest.approx(math.log(80) / 0.125, rel=0.1)
    assert adaptive["nodes"]["w"]["wait"]["p99"] > 1.3 * fifo["nodes"]["w"]["wait"]["p99"]


def test_shed_with_a_target_above_every_wait_changes_nothing():
    """M/M/1 at rho 0.8 with shed target 10^6 s: no wait comes near it, so the run
    equals the one without shed on the same seed, and nothing is shed."""
    shed = run(mm1(1.6, shed={"target": 1e6, "interval": 1.0}), duration=5_000, seed=3)
    plain = run(mm1(1.6), duration=5_000, seed=3)
    assert shed["nodes"]["w"]["shed"] == 0
    assert shed["requests"] == plain["requests"]


def test_shed_bounds_the_wait_under_overload():
    """M/M/1 at rho 1.5 (lambda 0.5, mean 3): without shedding the wait grows without
    bound; CoDel with target 1 s and interval 10 s keeps the mean wait of the served
    messages within a few intervals, shedding at least the excess load 1 - 1/rho = 1/3
    of the arrivals."""
    nodes = mm1(3.0, shed={"target": 1.0, "interval": 10.0})
    r = run(nodes, duration=20_000, seed=2)
    w = r["nodes"]["w"]
    assert w["shed"] >= (1 - 1 / 1.5) * w["arrivals"] * 0.95
    assert w["wait"]["mean"] < 30.0


def _hedged(after: float) -> dict:
    nodes = {"s": {"kind": "sender", "rate": 10.0, "hedge": {"after": after}},
             "w": {"kind": "service", "servers": "inf",
                   "service": {"dist": "exponential", "mean": 1.0}}}
    return run(nodes, duration=2_000, warmup=10, replications=5, seed=7)


def test_hedge_after_zero_halves_the_mean_response_time():
    """Two copies at once on an infinite-server exponential service of mean m = 1 s:
    the response time is the minimum of two independent exponentials, mean m / 2."""
    r = _hedged(0.0)
    assert_agrees(r, "requests.latency.mean", 0.5)
    s = r["nodes"]["s"]
    assert s["hedges"] == s["offered"]


def test_hedge_after_t_formula():
    """Hedge after T = 1 s, exponential service mean 1: a copy is sent when the first
    has not finished, P = e^-T = 0.368 of attempts; the response time is
    min(S1, T + S2) with mean 1 - e^-T / 2 = 0.816 s."""
    r = _hedged(1.0)
    assert_agrees(r, "requests.latency.mean", 1 - math.exp(-1) / 2)
    s = r["nodes"]["s"]
    assert s["hedges"] / s["offered"] == pytest.approx(math.exp(-1), rel=0.03)
