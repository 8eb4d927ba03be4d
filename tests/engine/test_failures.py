"""Failure behaviour with exact or closed-form answers (the model reference and the README's
extensions): timeouts, backoff, rate limits, availability, at-least-once delivery,
partitions, ttl, retry budget, circuit breaker, duplicate side effects."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.engine import simulate
import tests.conftest as shared
from tests.conftest import assert_agrees, make_model, run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def const(v):
    return {"dist": "deterministic", "value": v}


def test_timeout_without_retry_on_mm1():
    """M/M/1 sojourn ~ Exp(mu - lam): P(timeout) = exp(-(mu - lam) T); the attempt is
    not cancelled, so utilisation stays lam/mu."""
    lam, mu, timeout = 0.7, 1.0, 5.0
    nodes = {"src": {"kind": "sender", "rate": lam, "timeout": timeout},
             "srv": {"kind": "service", "servers": 1, "service": exp(1 / mu)}}
    r = run_model(nodes, [["src", "srv"]], duration=40000, warmup=200, replications=5)
    req = r["requests"]
    expected = math.exp(-(mu - lam) * timeout)
    assert req["timed_out"] / req["offered"] == pytest.approx(expected, rel=0.05)
    assert req["failed"] == req["timed_out"] == req["dead_lettered"]["timeout"]
    assert_agrees(r, "nodes.srv.utilization", lam / mu)
    assert req["duplicates"] > 0.9 * req["timed_out"]  # late completions of timed-out ones
    assert req["wasted_work"] > 0


def test_backoff_schedule_deterministic():
    """Every attempt rejected (capacity 0 behind a busy server): with no jitter the
    retries leave at t0 + 1, + 1 + 2, + 1 + 2 + 4 (initial 1, multiplier 2, max 4 caps
    the 4th at 4), so the request fails at t0 + 11 after 5 attempts."""
    nodes = {"src": {"kind": "sender", "trace": [0.5],
                     "retry": {"max_attempts": 5, "backoff": {"initial": 1, "multiplier": 2,
                                                               "max": 4}}},
             "blocker": {"kind": "sender", "trace": [0.0]},
             "srv": {"kind": "service", "servers": 1, "service": const(100.0), "capacity": 0}}
    m = make_model(nodes, [["src", "srv"], ["blocker", "srv"]], duration=11.4)
    r = simulate(m).to_dict()["nodes"]["src"]
    assert r["attempts"] == 4 and r["failed"] == 0  # attempts at .5, 1.5, 3.5, 7.5
    r = simulate(m, duration=11.6).to_dict()["nodes"]["src"]
    assert r["attempts"] == 5 and r["failed"] == 1 and r["retries"] == 4
    assert r["rejected"] == 5 and r["dead_lettered"]["rejected"] == 1


@pytest.mark.parametrize("jitter, low, high", [("none", 1.0, 1.0), ("full", 0.0, 1.0),
                                               ("equal", 0.5, 1.0)])
def test_jitter_spreads_the_first_backoff(tmp_path, jitter, low, high):
    """The first retry waits d * U after the failure, d = initial = 2 s: U = 1 without
    jitter, U ~ uniform[0, 1] with full jitter, uniform[0.5, 1] with equal jitter
    (Brooker 2015); read from the trace: send time of attempt 2 - end of attempt 1."""
    nodes = {"src": {"kind": "sender", "rate": 5.0,
                     "retry": {"max_attempts": 2, "jitter": jitter,
                               "backoff": {"initial": 2.0}}},
             "srv": {"kind": "service", "servers": ".inf", "service": const(0.0),
                     "error_rate": 1.0}}
    path = tmp_path / "trace.csv"
    simulate(make_model(nodes, [["src", "srv"]], duration=400, warmup=10), trace=str(path))
    trace = pd.read_csv(path)
    attempts = trace[trace.kind == "attempt"].pivot_table(
        index="request", columns="attempt", values=["arrival", "departure"])
    delays = (attempts[("arrival", 2)] - attempts[("departure", 1)]).dropna() / 2.0
    assert len(delays) > 1500
    assert delays.min() >= low - 1e-9 and delays.max() <= high + 1e-9
    assert delays.mean() == pytest.approx((low + high) / 2, abs=0.02)
    if jitter != "none":
        assert delays.std() == pytest.approx((high - low) / math.sqrt(12), rel=0.1)


def test_rate_limit_caps_admitted_throughput():
    """Token bucket at 30/s in front of a fast service: admitted rate -> 30/s."""
    nodes = {"src": {"kind": "sender", "rate": 100.0, "rate_limit": {"rate": 30, "burst": 5}},
             "srv": {"kind": "service", "servers": ".inf", "service": exp(0.01)}}
    r = run_model(nodes, [["src", "srv"]], duration=2000, replications=3)
    assert r["nodes"]["srv"]["throughput"] == pytest.approx(30.0, rel=0.01)
    assert r["requests"]["rejected"] / r["requests"]["offered"] == pytest.approx(0.7, rel=0.02)


def test_router_rate_limit():
    """Burst 1: after an admission the bucket is empty; it refills in 1/r, then the next
    Poisson arrival comes after 1/lam on average: admitted rate 1 / (1/r + 1/lam)."""
    lam, rate = 50.0, 20.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "gw": {"kind": "router", "rate_limit": {"rate": rate, "burst": 1}},
             "srv": {"kind": "service", "servers": ".inf", "service": exp(0.01)}}
    r = run_model(nodes, [["src", "gw"], ["gw", "srv"]], duration=4000)
    assert r["nodes"]["srv"]["throughput"] == pytest.approx(1 / (1 / rate + 1 / lam), rel=0.02)
    assert r["nodes"]["gw"]["dropped"] == r["requests"]["rejected"]


@pytest.fixture(params=["simpy", "compiled"])
def on_both_engines(request, monkeypatch):
    """The test's runs (run_model) on each engine in turn."""
    monkeypatch.setattr(shared, "ENGINE", request.param)


@pytest.mark.usefixtures("on_both_engines")
def test_availability_scales_saturated_throughput():
    """A saturated server up mtbf, down mttr: throughput = mu * mtbf / (mtbf + mttr)."""
    mtbf, mttr, mu = 20.0, 5.0, 10.0
    nodes = {"src": {"kind": "sender", "rate": 50.0},
             "srv": {"kind": "service", "servers": 1, "service": exp(1 / mu),
                     "capacity": 50, "availability": {"mtbf": exp(mtbf), "mttr": exp(mttr)}}}
    r = run_model(nodes, [["src", "srv"]], duration=20000, replications=4)
    assert_agrees(r, "nodes.srv.throughput", mu * mtbf / (mtbf + mttr), rel_floor=0.02)
    assert r["requests"]["dead_lettered"]["crash"] > 0
    assert r["nodes"]["srv"]["crashes"] > 0


def test_visibility_timeout_shorter_than_service_dead_letters_everything():
    """Visibility 1 s < service 3 s: each message is received max_receives times, never
    acknowledged in time, and dead-lettered."""
    nodes = {"src": {"kind": "sender", "interarrival": const(10.0)},
             "q": {"kind": "queue", "delivery": {"mode": "at_least_once",
                                                 "visibility_timeout": 1.0,
                                                 "max_receives": 3}},
             "w": {"kind": "service", "servers": 8, "service": const(3.0)}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=1005.5)
    q, req = r["nodes"]["q"], r["requests"]
    assert req["offered"] == 100
    assert req["completed"] == 0
    assert req["dead_lettered"]["max_receives"] == req["failed"] == 100
    assert q["deliveries"] == 3 * 100
    assert q["redelivered"] == 2 * 100


def test_at_least_once_redelivers_after_a_crash():
    nodes = {"src": {"kind": "sender", "rate": 2.0},
             "q": {"kind": "queue", "delivery": {"mode": "at_least_once",
                                                 "visibility_timeout": 5.0,
                                                 "max_receives": 10}},
             "w": {"kind": "service", "servers": 2, "service": exp(0.3),
                   "availability": {"mtbf": exp(30.0), "mttr": exp(2.0)}}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=3000)
    assert r["nodes"]["q"]["redelivered"] > 0
    assert r["requests"]["failed"] == 0
    assert r["requests"]["completed"] > 0.99 * r["requests"]["offered"]


def test_one_partition_serialises_a_pool():
    """partitions: 1 -> one message in service at a time: throughput = 1/mean service."""
    nodes = {"src": {"kind": "sender", "rate": 20.0},
             "q": {"kind": "queue", "partitions": 1},
             "w": {"kind": "service", "servers": 8, "service": exp(0.1)}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=3000, replications=3)
    assert r["nodes"]["w"]["busy"]["mean"] <= 1.0
    assert_agrees(r, "nodes.w.throughput", 10.0, rel_floor=0.01)
    r4 = run_model({**nodes, "q": {"kind": "queue", "partitions": 4}},
                   [["src", "q"], ["q", "w"]], duration=2000)
    assert r4["nodes"]["w"]["throughput"] == pytest.approx(20.0, rel=0.03)


def test_ttl_expires_waiting_messages():
    """D/D/1 overloaded (gap 1, service 2) with ttl 3.5: the queue never holds a message
    older than 3.5 s, so every wait is <= 3.5 and many expire."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "q": {"kind": "queue", "ttl": 3.5},
             "w": {"kind": "service", "servers": 1, "service": const(2.0)}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=1000.25)
    q, req = r["nodes"]["q"], r["requests"]
    assert q["wait"]["p99"] <= 3.5
    assert q["expired"] == req["dead_lettered"]["expired"]
    assert req["completed"] == pytest.approx(500, abs=2)
    assert q["expired"] == pytest.approx(500, abs=5)


def test_retry_budget_limits_retries():
    """Every attempt errs; a 10% budget allows retries of about 10% of requests."""
    nodes = {"src": {"kind": "sender", "rate": 20.0,
                     "retry": {"max_attempts": 5, "budget": {"ratio": 0.1, "window": 10}}},
             "srv": {"kind": "service", "servers": ".inf", "service": exp(0.01),
                     "error_rate": 1.0}}
    r = run_model(nodes, [["src", "srv"]], duration=2000, warmup=50)
    req = r["requests"]
    assert req["retries"] / req["offered"] == pytest.approx(0.1, rel=0.05)
    assert req["retries_denied"] > 0
    assert req["amplification"] == pytest.approx(1.1, rel=0.01)


@pytest.mark.usefixtures("on_both_engines")
def test_circuit_breaker_opens_and_sheds_load():
    nodes = {"src": {"kind": "sender", "rate": 20.0,
                     "circuit_breaker": {"failure_ratio": 0.5, "window": 5, "min_calls": 10,
                                         "cooldown": 2, "probes": 1}},
             "srv": {"kind": "service", "servers": ".inf", "service": exp(0.01),
                     "error_rate": 0.9}}
    r = run_model(nodes, [["src", "srv"]], duration=500)
    req = r["requests"]
    assert req["circuit_open"] > 0.5 * req["offered"]
    assert r["nodes"]["srv"]["arrivals"] < 0.5 * req["offered"]


def test_non_idempotent_service_counts_duplicate_side_effects():
    nodes = {"src": {"kind": "sender", "rate": 0.8, "timeout": 2.0,
                     "retry": {"max_attempts": 3}},
             "w": {"kind": "service", "servers": 1, "service": exp(1.0),
                   "idempotent": False}}
    r = run_model(nodes, [["src", "w"]], duration=3000)
    assert r["nodes"]["w"]["duplicate_effects"] > 0
    assert r["nodes"]["w"]["duplicate_effects"] <= r["requests"]["retries"]


def test_profile_multiplies_the_rate():
    """rate 10 x profile [[0,1],[100,3]] with period 200: mean rate 20/s."""
    nodes = {"src": {"kind": "sender", "rate": 10.0, "profile": [[0, 1], [100, 3]],
                     "period": 200},
             "srv": {"kind": "service", "servers": ".inf", "service": exp(0.01)}}
    r = simulate(make_model(nodes, [["src", "srv"]], duration=4000)).to_dict()
    assert r["requests"]["offered"] / 4000 == pytest.approx(20.0, rel=0.03)


def test_trace_replays_arrival_times(tmp_path):
    (tmp_path / "arrivals.csv").write_text("time\n1.0\n2.5\n2.5\n7.0\n30\n")
    data = {"name": "t", "run": {"duration": 20},
            "nodes": {"src": {"kind": "sender", "trace": "arrivals.csv"},
                      "srv": {"kind": "service", "servers": ".inf", "service": 0.5}},
            "edges": [["src", "srv"]]}
    from sim.model import from_dict, validate

    r = simulate(validate(from_dict(data, base_dir=tmp_path))).to_dict()
    assert r["requests"]["offered"] == 4
    assert r["requests"]["completed"] == 4


def test_conservation_with_every_feature_on():
    nodes = {"src": {"kind": "sender", "rate": 30.0, "timeout": 0.5,
                     "retry": {"max_attempts": 4, "backoff": {"initial": 0.05, "max": 1},
                               "jitter": "decorrelated", "budget": {"ratio": 0.3}},
                     "circuit_breaker": {"min_calls": 20}, "rate_limit": {"rate": 40,
                                                                          "burst": 10}},
             "gw": {"kind": "router", "routing": "broadcast"},
             "q1": {"kind": "queue", "capacity": 30, "ttl": 1.0, "overflow": "drop_oldest"},
             "q2": {"kind": "queue", "delivery": {"mode": "at_least_once",
                                                  "visibility_timeout": 0.5,
                                                  "max_receives": 3}},
             "q3": {"kind": "queue", "partitions": 3},
             "w1": {"kind": "service", "servers": 2, "service": exp(0.06), "error_rate": 0.05,
                    "availability": {"mtbf": exp(50), "mttr": exp(3)}},
             "w2": {"kind": "service", "servers": 2, "service": exp(0.05),
                    "idempotent": False,
                    "autoscale": {"min": 1, "max": 6, "interval": 5, "cooldown": 10,
                                  "target": 0.6, "startup": 2}},
             "w3": {"kind": "service", "servers": 3, "service": exp(0.08)},
             "cb": {"kind": "service", "servers": 1, "service": 0.002}}
    edges = [["src", "gw"], ["gw", "q1"], ["gw", "q2"], ["gw", "q3"], ["q1", "w1"],
             ["q2", "w2"], ["q3", "w3"], ["w1", "cb"], ["w2", "cb"], ["w3", "cb"]]
    r = run_model(nodes, edges, duration=600, warmup=30, replications=2)
    req = r["requests"]
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
    assert req["completed"] > 0 and req["failed"] > 0


def test_autoscaling_tracks_utilisation_and_shows_in_the_time_series():
    """Load steps from 10/s to 40/s (mean service 0.5 s): target 0.5 utilisation needs
    about 40 * 0.5 / 0.5 = 40 servers at the peak (max 30 caps it); Little's law holds."""
    nodes = {"src": {"kind": "sender", "rate": 10.0, "profile": [[0, 1], [1000, 4]]},
             "q": {"kind": "queue"},
             "w": {"kind": "service", "servers": 2, "service": exp(0.5),
                   "autoscale": {"metric": "utilization", "target": 0.5, "min": 2,
                                 "max": 30, "interval": 20, "cooldown": 40,
                                 "startup": 10}}}
    res = simulate(make_model(nodes, [["src", "q"], ["q", "w"]], duration=2000))
    series = res.timeseries[res.timeseries.node == "w"]
    early = series[series.time.between(500, 1000)].servers.mean()
    late = series[series.time > 1500].servers
    assert 8 <= early <= 14
    assert late.max() == 30
    w = res.to_dict()["nodes"]["w"]
    lam = w["arrivals"] / 2000
    assert w["busy"]["mean"] == pytest.approx(lam * w["sojourn"]["mean"], rel=0.03)
    assert w["utilization"] == pytest.approx(w["busy"]["mean"] / w["servers_mean"])


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_blocked_retries_do_not_multiply_the_arrival_clock(engine, monkeypatch):
    """Backpressure (overflow: block) holds the sender's clock; retries that are held
    too must not start extra clocks: offered stays at or below rate x duration (on
    both engines)."""
    import tests.conftest as shared

    monkeypatch.setattr(shared, "ENGINE", engine)
    nodes = {"src": {"kind": "sender", "rate": 20.0, "timeout": 0.2,
                     "retry": {"max_attempts": 3}},
             "q": {"kind": "queue", "capacity": 5, "overflow": "block", "ttl": 0.5},
             "w": {"kind": "service", "servers": 1, "service": exp(0.2)}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=300)
    req = r["requests"]
    assert 0 < req["offered"] <= 20.0 * 300 * 1.05
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
