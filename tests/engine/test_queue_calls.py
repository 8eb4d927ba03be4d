"""Sync calls through a queue: the call waits in the broker queue, one of its
consumers serves it and replies when its execution ends (it does not follow the
consumer's outgoing paths)."""

from __future__ import annotations

import math

import pytest

from tests.conftest import run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def det(value):
    return {"dist": "deterministic", "value": value}


LAM, S, MU = 4.0, 0.01, 10.0


def _queue_callee(**queue):
    return ({"client": {"kind": "sender", "rate": LAM},
             "api": {"kind": "service", "servers": "inf", "service": det(S)},
             "jobs": {"kind": "queue", **queue},
             "worker": {"kind": "service", "service": exp(1 / MU)}},
            [["client", "api"], {"from": "api", "to": "jobs", "call": "sync"},
             ["jobs", "worker"]])


def test_a_call_through_a_queue_waits_as_an_mm1_sojourn():
    """The consumer is an M/M/1 fed by the calls (Poisson, lam = 4/s, mu = 10/s): the
    call's response time is the M/M/1 sojourn 1/(mu - lam) = 1/6 s, and a request's
    latency is S + 1/(mu - lam). The api's held server-seconds per second equal the
    calls in flight: lam / (mu - lam) (Little). About 48,000 calls: within 4%."""
    nodes, edges = _queue_callee()
    r = run_model(nodes, edges, duration=6000, warmup=100, replications=2)
    edge = r["edges"]["api->jobs"]
    assert edge["response"]["mean"] == pytest.approx(1 / (MU - LAM), rel=0.04)
    assert r["requests"]["latency"]["mean"] == pytest.approx(S + 1 / (MU - LAM), rel=0.04)
    assert r["nodes"]["api"]["held"]["mean"] == pytest.approx(LAM / (MU - LAM), rel=0.05)
    assert r["nodes"]["jobs"]["arrivals"] == edge["calls"]
    assert r["requests"]["failed"] == 0


def test_the_consumer_replies_to_calls_and_routes_path_messages_on():
    """A queue fed by a path and by calls: its consumer sends on only the path
    messages (the calls reply instead), so the sink after it sees the path's rate
    (2/s of the 6/s served). Counts are exact up to messages in flight at the end."""
    nodes = {"client": {"kind": "sender", "rate": LAM},
             "batch": {"kind": "sender", "rate": 2.0},
             "api": {"kind": "service", "servers": "inf", "service": det(S)},
             "jobs": {"kind": "queue"},
             "worker": {"kind": "service", "servers": 2, "service": exp(0.05)},
             "done": {"kind": "service", "servers": "inf", "service": det(0.001)}}
    edges = [["client", "api"], {"from": "api", "to": "jobs", "call": "sync"},
             ["batch", "jobs"], ["jobs", "worker"], ["worker", "done"]]
    r = run_model(nodes, edges, duration=2000, warmup=0, replications=1)
    worker, done = r["nodes"]["worker"], r["nodes"]["done"]
    calls = r["edges"]["api->jobs"]["calls"]
    assert abs(done["arrivals"] - (worker["completed"] - calls)) <= 3
    assert done["throughput"] == pytest.approx(2.0, rel=0.05)
    assert r["nodes"]["client"]["completed"] == pytest.approx(calls, abs=3)


def test_an_at_least_once_queue_redelivers_a_call_and_the_caller_hears_once():
    """A visibility timeout of 0.3 s on exponential executions of mean 0.2 s: a
    delivery not acked in time (p = exp(-1.5)) is delivered again and its late ack is
    stale, so a call takes k timeouts and one execution under 0.3 s. The caller
    hears each call once; memorylessness makes the mean response
    0.3 p/(1-p) + E[S | S < 0.3] = 0.2 s exactly, and redeliveries per call are
    p/(1-p) = 0.287. About 4,000 calls: within 5% and 12%."""
    nodes, edges = _queue_callee(delivery={"mode": "at_least_once",
                                           "visibility_timeout": 0.3, "max_receives": 50})
    nodes["worker"] = {"kind": "service", "servers": "inf", "service": exp(0.2)}
    r = run_model(nodes, edges, duration=1000, warmup=0, replications=1)
    edge = r["edges"]["api->jobs"]
    p = math.exp(-1.5)
    assert edge["response"]["mean"] == pytest.approx(0.2, rel=0.05)
    assert r["requests"]["failed"] == 0
    assert r["nodes"]["jobs"]["redelivered"] == pytest.approx(edge["calls"] * p / (1 - p),
                                                              rel=0.12)
    assert r["requests"]["completed"] == pytest.approx(edge["calls"], abs=3)
