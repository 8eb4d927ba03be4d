"""Bulkheads, hedging and retries on call edges against exact answers.

Each test states its formula; tolerances fit the run length (the number of calls
simulated), and deterministic cases are checked to the run's ends.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def det(value):
    return {"dist": "deterministic", "value": value}


def service(time, servers="inf", **keys):
    return {"kind": "service", "service": time, "servers": servers, **keys}


def sync(caller, callee, **keys):
    return {"from": caller, "to": callee, "call": "sync", **keys}


def test_a_bulkhead_of_n_admits_at_most_n_over_d_calls_per_second():
    """Callee with infinite servers and deterministic d, bulkhead N: at most N calls
    outstanding, each for d, so admitted calls <= N / d per second; under overload with
    deterministic arrivals every a seconds a freed slot is refilled within a, so the rate
    is at least N / (d + a). N = 5, d = 0.1, a = 0.001: between 49.5/s and 50/s (+ the
    run's ends, N calls over the duration); the refused ones fail their request with
    cause bulkhead."""
    n, d, a, duration = 5, 0.1, 0.001, 200.0
    r = run_model({"client": {"kind": "sender", "interarrival": det(a)},
                   "api": service(det(0.0001)), "db": service(det(d))},
                  [["client", "api"], sync("api", "db", max_in_flight=n)],
                  duration=duration, warmup=1)
    edge = r["edges"]["api->db"]
    assert n / (d + a) - n / duration <= edge["throughput"] <= n / d + n / duration
    assert edge["in_flight"]["max"] == n
    assert edge["in_flight"]["mean"] == pytest.approx(n, rel=0.01)
    assert edge["failures"]["bulkhead"] > 0
    assert r["requests"]["dead_lettered"]["bulkhead"] == edge["failures"]["bulkhead"]


def test_a_bulkhead_on_an_async_call_drops_the_calls_beyond_it():
    """Async calls beyond N outstanding are not sent (failures.bulkhead) and the request
    does not fail: admitted calls <= N / d per second as for sync calls."""
    n, d, a, duration = 2, 0.1, 0.001, 100.0
    r = run_model({"client": {"kind": "sender", "interarrival": det(a)},
                   "api": service(det(0.0001)), "audit": service(det(d))},
                  [["client", "api"],
                   {"from": "api", "to": "audit", "call": "async", "max_in_flight": n}],
                  duration=duration, warmup=1)
    edge = r["edges"]["api->audit"]
    assert edge["throughput"] <= n / d + n / duration
    assert edge["in_flight"]["max"] == n
    assert edge["failures"]["bulkhead"] > 0
    assert r["requests"]["failed"] == 0


def test_hedging_after_0_halves_the_mean_response_of_an_exponential_callee():
    """Two copies at once to an infinite-server Exp(m) callee: the reply is the minimum
    of two independent Exp(m), Exp(m/2) with mean m/2. 40,000 calls: the sample mean's
    standard error is 0.5%, tolerance 3%. Every call gets one copy (hedges = calls / 2)."""
    m = 0.1
    r = run_model({"client": {"kind": "sender", "rate": 200.0},
                   "api": service(det(0.001)), "db": service(exp(m))},
                  [["client", "api"], sync("api", "db", hedge={"after": 0})],
                  duration=200, warmup=5)
    edge = r["edges"]["api->db"]
    assert edge["response"]["mean"] == pytest.approx(m / 2, rel=0.03)
    assert abs(edge["hedges"] - edge["calls"] / 2) <= 2 * 200 * m  # calls at the run's ends
    assert r["requests"]["failed"] == 0


def test_a_late_hedge_leaves_fast_calls_alone():
    """Hedge after T on a deterministic callee d < T: no call is ever hedged."""
    r = run_model({"client": {"kind": "sender", "rate": 50.0},
                   "api": service(det(0.001)), "db": service(det(0.01))},
                  [["client", "api"], sync("api", "db", hedge={"after": 0.05})],
                  duration=100)
    edge = r["edges"]["api->db"]
    assert edge["hedges"] == 0
    assert edge["response"]["mean"] == pytest.approx(0.01, rel=1e-9)


def test_retries_make_a_call_fail_with_probability_e_to_the_k():
    """Callee error_rate e, retry max_attempts k: a call fails when all k attempts do,
    P = e^k; mean retries per call e + ... + e^(k-1). e = 0.3, k = 3: 0.027 of ~100,000
    calls, 2,700 failures whose binomial sd is 1.9%: tolerance 8% (4 sd)."""
    e, k = 0.3, 3
    r = run_model({"client": {"kind": "sender", "rate": 100.0},
                   "api": service(det(0.001)), "db": service(det(0.001), error_rate=e)},
                  [["client", "api"], sync("api", "db", retry={"max_attempts": k})],
                  duration=1000)
    edge = r["edges"]["api->db"]
    logical = edge["calls"] - edge["retries"]
    assert edge["failures"]["call_failed"] / logical == pytest.approx(e ** k, rel=0.08)
    assert edge["retries"] / logical == pytest.approx(e + e * e, rel=0.03)
    assert r["requests"]["dead_lettered"]["call_failed"] == edge["failures"]["call_failed"]


def test_a_timed_out_call_is_retried_after_its_backoff():
    """Deterministic callee 0.05 > timeout 0.02, 2 attempts with backoff 0.1: every call
    times out twice, and the request fails at 0.02 + 0.1 + 0.02 = 0.14 s after the
    caller's own 0.001 s."""
    r = run_model({"client": {"kind": "sender", "rate": 5.0},
                   "api": service(det(0.001)), "db": service(det(0.05))},
                  [["client", "api"],
                   sync("api", "db", timeout=0.02,
                        retry={"max_attempts": 2, "backoff": {"initial": 0.1}})],
                  duration=200)
    edge = r["edges"]["api->db"]
    assert edge["failures"]["call_timeout"] == r["requests"]["failed"]
    assert r["requests"]["completed"] == 0
    assert edge["retries"] == pytest.approx(edge["calls"] / 2, abs=1)
    assert r["nodes"]["api"]["sojourn"]["mean"] == pytest.approx(0.141, rel=1e-9)


def _adaptive_run(alg, time, servers, **limit):
    cap = {"adaptive": alg, "min": 2, "max": 50, "initial": 10, **limit}
    return run_model({"client": {"kind": "sender", "rate": 150.0},
                      "api": service(det(0.001)), "db": service(det(time), servers=servers)},
                     [["client", "api"], sync("api", "db", timeout=1.0, max_in_flight=cap)],
                     duration=100)["edges"]["api->db"]


def test_aimd_limit_stays_within_bounds_and_shrinks_on_a_slow_callee():
    """AIMD with threshold 0.05 s: a callee answering in 0.01 s never shrinks the limit
    (only successes below the threshold), one answering in 0.1 s shrinks it at every
    reply, x0.9 down to min = 2, where it stays: each of the 2 slots is busy d = 0.1 s
    then free until the next Poisson arrival (mean 1/150 s), so the calls outstanding
    average 2 d / (d + 1/150) = 1.875."""
    fast = _adaptive_run("aimd", 0.01, "inf", threshold=0.05)
    slow = _adaptive_run("aimd", 0.1, "inf", threshold=0.05)
    for e in (fast, slow):
        assert 2 <= e["limit"]["lowest"] <= e["limit"]["max"] <= 50
        assert e["in_flight"]["max"] <= e["limit"]["max"]
    assert fast["limit"]["lowest"] == 10 and fast["failures"]["bulkhead"] == 0
    assert slow["limit"]["lowest"] == 2
    assert slow["limit"]["mean"] == pytest.approx(2, rel=0.02)
    assert slow["in_flight"]["mean"] == pytest.approx(2 * 0.1 / (0.1 + 1 / 150), rel=0.02)


def test_gradient_limit_grows_without_queueing_and_shrinks_when_the_callee_queues():
    """Gradient: with infinite servers every round trip is d, the ratio is 1 and the limit
    grows by sqrt(limit) steps to max = 50; with one server offered 1.5x its capacity
    the smoothed round trip grows with the calls queued, the ratio hits its 0.5 clamp
    and the limit settles at the fixed point of L = L/2 + sqrt(L), L = 4."""
    free = _adaptive_run("gradient", 0.01, "inf")
    queued = _adaptive_run("gradient", 0.01, 1)
    assert free["limit"]["max"] == 50 and free["limit"]["mean"] > 45
    assert 2 <= queued["limit"]["lowest"] <= queued["limit"]["max"] <= 50
    assert queued["limit"]["mean"] == pytest.approx(4, rel=0.05)
    assert queued["failures"]["bulkhead"] > 0
