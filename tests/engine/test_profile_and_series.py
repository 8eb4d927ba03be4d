"""Arrival profiles whose segments are empty in floating point, and the time-series
grid (both ends included)."""

from __future__ import annotations

import math

import pytest

from sim.engine import simulate
from sim.engine.arrivals import gap_function
from sim.engine.run import SERIES_POINTS
from sim.model import from_dict, validate


def sender_model(sender: dict, duration: float, seed: int = 1, warmup: float = 0.0):
    return validate(from_dict({
        "name": "profiled",
        "run": {"duration": duration, "warmup": warmup, "seed": seed},
        "nodes": {"s": dict(kind="sender", **sender), "r": {"kind": "router"}},
        "edges": [["s", "r"]]}))


def test_short_periodic_profile_offers_its_mean_rate():
    """rate 5 x profile [[0, 1], [0.1, 2]] repeating every 0.2 s: the mean multiplier
    is (0.1 * 1 + 0.1 * 2) / 0.2 = 1.5, so 5 * 1.5 * 20 = 150 requests in 20 s
    (Poisson: sd sqrt(150) = 12.2; 4 sd allowed). It used to offer 11 and stop."""
    m = sender_model({"rate": 5, "profile": [[0, 1], [0.1, 2]], "period": 0.2}, 20.0)
    offered = simulate(m).to_dict()["requests"]["offered"]
    assert abs(offered - 150) <= 4 * math.sqrt(150)


class _Env:
    now = 0.0


@pytest.mark.parametrize("period", [0.2, 0.3, 0.1, 0.7])
def test_profile_gap_is_finite_at_every_period_boundary(period):
    """At every multiple of the period (where floor(t / period) rounds either way) a
    constant work of 0.01 operational seconds ends after 0.01 / m real seconds."""
    profile = ((0.0, 1.0), (period / 2, 2.0))
    spec = type("S", (), {"trace": None, "profile": profile, "period": period})()
    env = _Env()
    gap = gap_function(spec, lambda: 0.01, env)
    for k in range(2000):
        env.now = k * period
        g = gap()
        assert math.isfinite(g) and g == pytest.approx(0.01, rel=1e-6, abs=1e-9), (k, g)


def test_profile_gap_crosses_many_periods_at_once():
    """Work of 100 operational seconds: each 0.2 s period holds 0.1 * 1 + 0.1 * 2 = 0.3 of
    it, so 333 periods (66.6 s) leave 0.1, done in 0.1 s of the first step: 66.7 s."""
    spec = type("S", (), {"trace": None, "profile": ((0.0, 1.0), (0.1, 2.0)),
                          "period": 0.2})()
    gap = gap_function(spec, lambda: 100.0, _Env())
    assert gap() == pytest.approx(66.7, rel=1e-9)


def test_zero_profile_means_no_more_arrivals():
    spec = type("S", (), {"trace": None, "profile": ((0.0, 0.0),), "period": 1.0})()
    assert gap_function(spec, lambda: 1.0, _Env())() == math.inf


def test_time_series_has_both_ends():
    """SERIES_POINTS + 1 = 201 instants per node and replication, k * end / 200 for
    k = 0..200, from 0 to warmup + duration = 12 s."""
    m = sender_model({"rate": 2}, duration=10.0, warmup=2.0)
    ts = simulate(m).timeseries
    for node in ("s", "r"):
        times = ts[ts["node"] == node]["time"].to_list()
        assert len(times) == SERIES_POINTS + 1 == 201
        assert times[0] == 0.0 and times[-1] == 12.0
        assert times == pytest.approx([12.0 * k / SERIES_POINTS for k in range(201)])
