"""Sync and async calls between services against exact answers.

Each test states its formula; tolerances fit the run length (the number of
requests simulated), and deterministic cases are checked to rounding.
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def det(value):
    return {"dist": "deterministic", "value": value}


def sender(rate):
    return {"kind": "sender", "rate": rate}


def service(time, servers=1, **keys):
    return {"kind": "service", "service": time, "servers": servers, **keys}


def sync(caller, callee, **keys):
    return {"from": caller, "to": callee, "call": "sync", **keys}


def test_sync_call_to_a_delay_callee_adds_visits_times_d_to_the_holding_time():
    """M/G/1 caller whose holding time is H = S + v*d (S ~ Exp(s); the callee has inf
    servers and deterministic d). Pollaczek-Khinchine: Wq = lam E[H^2] / (2 (1 - rho)),
    rho = lam E[H], E[H^2] = 2 s^2 + 2 s v d + (v d)^2; held = v d X exactly (X the
    caller's throughput); busy = rho. 80,000 requests: Wq within 6%."""
    lam, s, d, v = 5.0, 0.05, 0.02, 2
    h = s + v * d
    h2 = 2 * s * s + 2 * s * v * d + (v * d) ** 2
    rho = lam * h
    wq = lam * h2 / (2 * (1 - rho))
    r = run_model({"client": sender(lam), "api": service(exp(s)),
                   "db": service(det(d), servers="inf")},
                  [["client", "api"], sync("api", "db", visits=v)],
                  duration=8000, warmup=50, replications=2)
    api = r["nodes"]["api"]
    assert api["wait"]["mean"] == pytest.approx(wq, rel=0.06)
    assert api["sojourn"]["mean"] == pytest.approx(wq + h, rel=0.04)
    assert api["utilization"] == pytest.approx(rho, rel=0.02)
    assert api["held"]["mean"] == pytest.approx(v * d * api["throughput"], rel=0.002)
    edge = r["edges"]["api->db"]
    assert abs(edge["calls"] - v * api["completed"]) <= 2 * v  # calls at the run's ends
    assert edge["response"]["mean"] == pytest.approx(d, rel=1e-9)
    assert edge["in_flight"]["mean"] == pytest.approx(api["held"]["mean"], rel=1e-6)
    assert edge["in_flight"]["max"] == 1
    assert r["nodes"]["db"]["arrivals"] == edge["calls"]
    assert r["requests"]["failed"] == 0


def test_thread_pool_exhaustion_caps_throughput_at_c_over_s_plus_r():
    """A caller with c servers, own time S and a callee answering in R (inf servers,
    deterministic) serves at most c / (S + R) per second, reached under overload
    (offered 2.5x that; a bounded buffer rejects the rest); held = c R / (S + R)."""
    c, S, R = 4, 0.01, 0.09
    cap = c / (S + R)
    r = run_model({"client": sender(2.5 * cap),
                   "api": service(det(S), servers=c, capacity=20),
                   "db": service(det(R), servers="inf")},
                  [["client", "api"], sync("api", "db")], duration=2000, warmup=10)
    api = r["nodes"]["api"]
    assert api["throughput"] == pytest.approx(cap, rel=0.005)
    assert api["utilization"] == pytest.approx(1.0, abs=0.005)
    assert api["held"]["mean"] == pytest.approx(c * R / (S + R), rel=0.005)
    assert r["requests"]["rejected"] > 0


def test_call_timeout_probability_of_an_mm1_callee():
    """An M/M/1 callee (Poisson calls lam from a caller with inf servers, mu) answers
    in an Exp(mu - lam) time, so P(call_timeout) = exp(-(mu - lam) T). A timed-out
    call fails the request with cause call_timeout. About 36,000 calls: within 0.015."""
    lam, mu, T = 6.0, 10.0, 0.3
    r = run_model({"client": sender(lam), "api": service(det(0.001), servers="inf"),
                   "db": service(exp(1 / mu))},
                  [["client", "api"], sync("api", "db", timeout=T)],
                  duration=6000, warmup=50)
    edge = r["edges"]["api->db"]
    share = edge["failures"]["call_timeout"] / edge["calls"]
    assert share == pytest.approx(math.exp(-(mu - lam) * T), abs=0.015)
    req = r["requests"]
    assert req["dead_lettered"]["call_timeout"] == req["failed"]
    assert req["failed"] / req["offered"] == pytest.approx(share, abs=0.003)
    assert req["wasted_work"] > 0  # the callee finished the timed-out calls anyway
    # the callee's own queue is unchanged by the timeouts: M/M/1 sojourn 1/(mu - lam)
    assert r["nodes"]["db"]["sojourn"]["mean"] == pytest.approx(1 / (mu - lam), rel=0.06)


def test_a_failing_callee_fails_the_call_and_the_request():
    """Callee error_rate e: P(call_failed) = e, and the request fails with that cause."""
    e = 0.2
    r = run_model({"client": sender(10.0), "api": service(det(0.01), servers="inf"),
                   "db": service(det(0.01), servers="inf", error_rate=e)},
                  [["client", "api"], sync("api", "db")], duration=2000)
    edge = r["edges"]["api->db"]
    assert edge["failures"]["call_failed"] / edge["calls"] == pytest.approx(e, abs=0.01)
    assert r["requests"]["dead_lettered"]["call_failed"] == r["requests"]["failed"]
    assert r["requests"]["failed"] == edge["failures"]["call_failed"]


def test_nested_calls_and_call_latency_are_exact():
    """Deterministic, inf servers: api (S 0.01) calls svc (0.02) which calls db (0.03)
    twice; the api->svc edge has latency 0.005 on the request leg. Latency of every
    request = 0.01 + 0.005 + 0.02 + 2 * 0.03 = 0.095; svc's reply time 0.085."""
    r = run_model({"client": sender(20.0), "api": service(det(0.01), servers="inf"),
                   "svc": service(det(0.02), servers="inf"),
                   "db": service(det(0.03), servers="inf")},
                  [["client", "api"], sync("api", "svc", latency=0.005),
                   sync("svc", "db", visits=2)], duration=200)
    lat = r["requests"]["latency"]
    assert lat["mean"] == pytest.approx(0.095, abs=1e-9)
    assert lat["max"] == pytest.approx(0.095, abs=1e-9)
    assert r["edges"]["api->svc"]["response"]["mean"] == pytest.approx(0.085, abs=1e-9)
    assert abs(r["edges"]["svc->db"]["calls"] - 2 * r["edges"]["api->svc"]["calls"]) <= 2
    assert r["nodes"]["svc"]["held"]["mean"] == pytest.approx(
        0.06 * r["nodes"]["svc"]["throughput"], rel=1e-6)


def test_a_caller_with_a_path_routes_on_after_its_calls():
    """api calls db (deterministic 0.03) then sends the message to worker (0.02): the
    request's latency is 0.01 + 0.03 + 0.02, and db's path edge is not followed."""
    r = run_model({"client": sender(5.0), "api": service(det(0.01), servers="inf"),
                   "db": service(det(0.03), servers="inf"),
                   "worker": service(det(0.02), servers="inf"),
                   "never": service(det(1.0), servers="inf")},
                  [["client", "api"], sync("api", "db"), ["api", "worker"],
                   ["db", "never"]], duration=200)
    assert r["requests"]["latency"]["max"] == pytest.approx(0.06, abs=1e-9)
    assert r["nodes"]["worker"]["arrivals"] == r["nodes"]["api"]["completed"]
    assert r["nodes"]["never"]["arrivals"] == 0


def test_async_call_does_not_wait_or_fail_the_request():
    """An async copy: the callee's arrivals equal the caller's completions, the request's
    latency is the caller's time alone, and a callee that always fails fails no request."""
    r = run_model({"client": sender(10.0), "api": service(det(0.01), servers="inf"),
                   "audit": service(det(5.0), servers="inf", error_rate=1.0)},
                  [["client", "api"], {"from": "api", "to": "audit", "call": "async"}],
                  duration=500, warmup=10)
    assert r["nodes"]["audit"]["arrivals"] == r["nodes"]["api"]["completed"]
    assert r["requests"]["latency"]["max"] == pytest.approx(0.01, abs=1e-9)
    assert r["requests"]["failed"] == 0
    assert r["requests"]["completed"] == r["requests"]["offered"]
    edge = r["edges"]["api->audit"]
    assert edge["call"] == "async"
    assert edge["failures"]["call_failed"] > 0.9 * edge["calls"]
    assert r["nodes"]["api"]["held"]["mean"] == 0.0


def test_visits_from_a_distribution_are_rounded():
    """visits uniform on [0.5, 2.5) rounds to 1 or 2 equally often (3 never):
    mean calls per execution 1.5."""
    r = run_model({"client": sender(20.0), "api": service(det(0.001), servers="inf"),
                   "db": service(det(0.001), servers="inf")},
                  [["client", "api"],
                   sync("api", "db", visits={"dist": "uniform", "low": 0.5, "high": 2.4999})],
                  duration=1000)
    ratio = r["edges"]["api->db"]["calls"] / r["nodes"]["api"]["completed"]
    assert ratio == pytest.approx(1.5, abs=0.02)
