"""Call edges' keys as decision variables of a plan: a call timeout and a bulkhead
(``max_in_flight``), addressed by the edge's ends, against exact answers."""

from __future__ import annotations

import math

from sim.analytic.stations import erlang_b
from sim.planner import plan


def _model(callee: dict, **edge) -> dict:
    return {"name": "calls",
            "nodes": {"client": {"kind": "sender", "rate": RATE},
                      "api": {"kind": "service", "servers": "inf", "service": 0.0001},
                      "db": {"kind": "service", **callee}},
            "edges": [["client", "api"], {"from": "api", "to": "db", "call": "sync", **edge}]}


RATE = 5.0


def test_the_shortest_call_timeout_that_keeps_timeouts_rare():
    """An M/M/1 callee (lam = 5, mu = 10) answers within T with probability
    1 - exp(-(mu - lam) T), so P(call_timeout) <= 1% needs T >= ln(100)/5 = 0.92 s:
    on the grid 0.6, 0.8, ..., 1.4 the answer is 1.0 (P = 0.67%; 0.8 gives 1.83%)."""
    mu, target = 10.0, 0.01
    grid = [0.6, 0.8, 1.0, 1.2, 1.4]
    expected = next(t for t in grid if math.exp(-(mu - RATE) * t) <= target)
    assert expected == 1.0
    result = plan({"name": "timeout", "run": {"duration": 2000, "warmup": 50,
                                              "replications": 3, "seed": 4},
                   "model": _model({"servers": 1, "service": {"dist": "exponential",
                                                              "mean": 1 / mu}}, timeout=0.6),
                   "objectives": [f"edges.api->db.failures.call_timeout / edges.api->db.calls "
                                  f"<= {target}"],
                   "variables": {"edges.api->db.timeout": {"min": 0.6, "max": 1.4, "step": 0.2,
                                                           "cost": 1, "monotone": True}},
                   "saturation": {"replications": 1, "steps": 0}})
    assert result.feasible
    assert result.config == {"edges.api->db.timeout": expected}


def test_the_smallest_bulkhead_that_refuses_few_calls():
    """Calls (Poisson, 5/s) to a callee with infinite servers and deterministic
    d = 1 s through a bulkhead of N: the calls in flight are an M/G/N/N loss system,
    so the share refused is Erlang B(N, lam d) (insensitive to the law of d). At
    most 1.2% refused: B(10, 5) = 1.84%, B(11, 5) = 0.83%, so N = 11."""
    target = 0.012
    expected = next(n for n in range(1, 40) if erlang_b(RATE * 1.0, n) <= target)
    assert expected == 11
    result = plan({"name": "bulkhead", "run": {"duration": 2500, "warmup": 50,
                                               "replications": 3, "seed": 5},
                   "model": _model({"servers": "inf", "service": 1.0}, max_in_flight=6),
                   "objectives": [f"edges.api->db.failures.bulkhead / edges.api->db.calls "
                                  f"<= {target}"],
                   "variables": {"edges.api->db.max_in_flight": {"min": 6, "max": 16, "cost": 1,
                                                                 "monotone": True}},
                   "saturation": {"replications": 1, "steps": 0}})
    assert result.feasible
    assert result.config == {"edges.api->db.max_in_flight": expected}
