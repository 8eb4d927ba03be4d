"""Sync calls in ``check`` and ``analyze``: the method of layers (a caller's holding
time is its own service time plus visits x the callee's response time)."""

from __future__ import annotations

import pytest

from sim.analytic.network import bottleneck, traffic
from sim.analytic.solve import analyze
from sim.engine import simulate
from sim.model import from_dict, validate


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def det(value):
    return {"dist": "deterministic", "value": value}


def model(nodes, edges):
    return validate(from_dict({"name": "calls", "nodes": nodes, "edges": edges}))


LAM, S, D, V = 5.0, 0.05, 0.02, 2


def delay_callee():
    """client -> api (M/G/1, S ~ Exp(0.05)) calling db (inf servers, d = 0.02) twice."""
    return model({"client": {"kind": "sender", "rate": LAM},
                  "api": {"kind": "service", "service": exp(S)},
                  "db": {"kind": "service", "service": det(D), "servers": "inf"}},
                 [["client", "api"], {"from": "api", "to": "db", "call": "sync", "visits": V}])


def test_check_counts_the_holding_time_and_the_calls():
    """Holding time H = S + V d = 0.09; utilisation lam H = 0.45; db receives lam V."""
    rows = {r["node"]: r for r in traffic(delay_callee())}
    assert rows["api"]["mean_service"] == pytest.approx(S + V * D)
    assert rows["api"]["utilization"] == pytest.approx(LAM * (S + V * D))
    assert rows["db"]["arrival_rate"] == pytest.approx(LAM * V)
    assert rows["api"]["arrival_rate"] == pytest.approx(LAM)


def test_check_reports_a_caller_held_into_instability():
    """lam H >= 1 although lam S < 1: unstable because of the calls."""
    m = model({"client": {"kind": "sender", "rate": 12.0},
               "api": {"kind": "service", "service": exp(S)},
               "db": {"kind": "service", "service": det(D), "servers": "inf"}},
              [["client", "api"], {"from": "api", "to": "db", "call": "sync", "visits": V}])
    rows = {r["node"]: r for r in traffic(m)}
    assert rows["api"]["utilization"] == pytest.approx(12.0 * (S + V * D))
    assert not rows["api"]["stable"]
    assert bottleneck(m) == ("api", pytest.approx(1 / (S + V * D)))


def test_analyze_gives_pollaczek_khinchine_with_the_holding_time_flagged_approximate():
    """Wq = lam E[H^2] / (2 (1 - lam E[H])), E[H^2] = 2 S^2 + 2 S V d + (V d)^2; the
    request's latency is the caller's sojourn (the calls are inside it)."""
    h, h2 = S + V * D, 2 * S * S + 2 * S * V * D + (V * D) ** 2
    wq = LAM * h2 / (2 * (1 - LAM * h))
    out = analyze(delay_callee())
    api = out["nodes"]["api"]
    assert api["wait"]["mean"] == pytest.approx(wq, rel=1e-9)
    assert api["sojourn"]["mean"] == pytest.approx(wq + h, rel=1e-9)
    assert "method of layers" in api["method"] and api["exact"] is False
    assert out["requests"]["latency"]["mean"] == pytest.approx(wq + h, rel=1e-9)


def test_nested_calls_add_up_down_the_layers():
    """api (0.01) -> svc (0.02, inf) -> db (0.03, inf, 2 visits), latency 0.005 on
    api->svc: H_api = 0.01 + 0.005 + 0.02 + 2 * 0.03 = 0.095."""
    m = model({"client": {"kind": "sender", "rate": 1.0},
               "api": {"kind": "service", "service": det(0.01), "servers": 4},
               "svc": {"kind": "service", "service": det(0.02), "servers": "inf"},
               "db": {"kind": "service", "service": det(0.03), "servers": "inf"}},
              [["client", "api"],
               {"from": "api", "to": "svc", "call": "sync", "latency": 0.005},
               {"from": "svc", "to": "db", "call": "sync", "visits": 2}])
    rows = {r["node"]: r for r in traffic(m)}
    assert rows["api"]["mean_service"] == pytest.approx(0.095)
    assert rows["svc"]["mean_service"] == pytest.approx(0.08)
    assert rows["db"]["arrival_rate"] == pytest.approx(2.0)


def test_three_tier_layered_estimate_is_close_to_the_simulation():
    """api (6 servers, Exp 0.01) calls auth (2, Exp 0.01) once and db (4, Exp 0.02)
    twice at 40 requests/s. The layered estimate of the mean latency (0.0624 s) is
    within 5% of the simulation (measured 0.7% apart over 2 x 3000 s)."""
    m = model({"client": {"kind": "sender", "rate": 40.0},
               "api": {"kind": "service", "servers": 6, "service": exp(0.01)},
               "auth": {"kind": "service", "servers": 2, "service": exp(0.01)},
               "db": {"kind": "service", "servers": 4, "service": exp(0.02)}},
              [["client", "api"], {"from": "api", "to": "auth", "call": "sync"},
               {"from": "api", "to": "db", "call": "sync", "visits": 2}])
    est = analyze(m)
    sim = simulate(m, duration=1500, warmup=20, replications=1, seed=2).to_dict()
    assert est["requests"]["latency"]["mean"] == pytest.approx(
        sim["requests"]["latency"]["mean"], rel=0.05)
    for node in ("api", "auth", "db"):
        assert est["nodes"][node]["utilization"] == pytest.approx(
            sim["nodes"][node]["utilization"], rel=0.05)


def test_a_queue_consumer_that_calls_is_layered_too():
    """client -> jobs (queue) -> worker (M/G/1 pool of the queue) calling db: the
    queue's wait is Pollaczek-Khinchine with the holding time S + V d."""
    h, h2 = S + V * D, 2 * S * S + 2 * S * V * D + (V * D) ** 2
    wq = LAM * h2 / (2 * (1 - LAM * h))
    m = model({"client": {"kind": "sender", "rate": LAM}, "jobs": {"kind": "queue"},
               "worker": {"kind": "service", "service": exp(S)},
               "db": {"kind": "service", "service": det(D), "servers": "inf"}},
              [["client", "jobs"], ["jobs", "worker"],
               {"from": "worker", "to": "db", "call": "sync", "visits": V}])
    out = analyze(m)
    assert out["nodes"]["jobs"]["wait"]["mean"] == pytest.approx(wq, rel=1e-9)
    assert "method of layers" in out["nodes"]["jobs"]["method"]
    assert out["requests"]["latency"]["mean"] == pytest.approx(wq + h, rel=1e-9)


def test_closed_senders_with_sync_calls_are_refused_by_analyze_not_check():
    """Layers are applied to open load only; check's MVA counts each caller's holding
    time once (path visits), not the callee's time twice: with 1 client, no think
    time and inf servers, throughput = 1 / (S + V d)."""
    m = model({"client": {"kind": "sender", "clients": 1},
               "api": {"kind": "service", "service": det(S), "servers": "inf"},
               "db": {"kind": "service", "service": det(D), "servers": "inf"}},
              [["client", "api"], {"from": "api", "to": "db", "call": "sync", "visits": V}])
    rows = {r["node"]: r for r in traffic(m)}
    assert rows["client"]["arrival_rate"] == pytest.approx(1 / (S + V * D))
    assert rows["db"]["arrival_rate"] == pytest.approx(V / (S + V * D))
    out = analyze(m)
    assert out["requests"]["applies"] is False
    assert "method of layers is applied to open load only" in out["requests"]["reason"]


def test_check_counts_the_retries_of_a_call_edge():
    """Retry k = 3 against a callee with error_rate e = 0.2: (1 - e^3) / (1 - e) = 1.24
    attempts per call, so db receives lam V 1.24 and api holds H = S + 1.24 V d; the
    simulation's db arrivals agree within 3% (about 25,000 calls)."""
    e, k = 0.2, 3
    tries = (1 - e ** k) / (1 - e)
    nodes = {"client": {"kind": "sender", "rate": LAM},
             "api": {"kind": "service", "service": exp(S)},
             "db": {"kind": "service", "service": det(D), "servers": "inf", "error_rate": e}}
    edges = [["client", "api"], {"from": "api", "to": "db", "call": "sync", "visits": V,
                                 "retry": {"max_attempts": k}}]
    rows = {r["node"]: r for r in traffic(model(nodes, edges))}
    assert rows["db"]["arrival_rate"] == pytest.approx(LAM * V * tries)
    assert rows["api"]["mean_service"] == pytest.approx(S + tries * V * D)
    sim = simulate(validate(from_dict({"name": "calls", "nodes": nodes, "edges": edges,
                                       "run": {"duration": 2000}}))).to_dict()
    assert sim["nodes"]["db"]["throughput"] == pytest.approx(LAM * V * tries, rel=0.03)


def test_a_call_through_a_queue_holds_the_caller_for_the_consumers_sojourn():
    """api (inf servers, d) calls through ``jobs`` whose one consumer is M/M/1
    (mu = 10, lam = 4): the call's response is the M/M/1 sojourn 1/(mu - lam), so
    api's holding time is d + 1/(mu - lam) (exact here: the calls are Poisson); the
    queue and the consumer receive lam, the consumer's path successor nothing."""
    lam, d, mu = 4.0, 0.01, 10.0
    m = model({"client": {"kind": "sender", "rate": lam},
               "api": {"kind": "service", "service": det(d), "servers": "inf"},
               "jobs": {"kind": "queue"},
               "worker": {"kind": "service", "service": exp(1 / mu)},
               "after": {"kind": "service", "service": det(d), "servers": "inf"}},
              [["client", "api"], {"from": "api", "to": "jobs", "call": "sync"},
               ["jobs", "worker"], ["worker", "after"]])
    rows = {r["node"]: r for r in traffic(m)}
    assert rows["api"]["mean_service"] == pytest.approx(d + 1 / (mu - lam), rel=1e-9)
    assert rows["jobs"]["arrival_rate"] == pytest.approx(lam)
    assert rows["worker"]["arrival_rate"] == pytest.approx(lam)
    assert rows["after"]["arrival_rate"] == pytest.approx(0.0)
    out = analyze(m)
    assert out["requests"]["latency"]["mean"] == pytest.approx(d + 1 / (mu - lam), rel=1e-9)
