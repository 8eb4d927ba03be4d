"""A cache's capacity as a decision variable: the planner's analytic estimate is the
smallest capacity whose Che hit ratio meets the objective, and simulation confirms it
(the next smaller one fails)."""

from __future__ import annotations

import pytest

from sim.analytic.cache import lru_hit_ratio
from sim.model.keyspace import KeySpace
from sim.planner import plan

TARGET = 0.63   # Che, Zipf(0.9) over 1,000 keys: h(200) = 0.611, h(250) = 0.659


def test_cache_capacity_is_planned_from_ches_approximation():
    """Smallest capacity C on the grid 50, 100, ..., 400 with
    sum_i p_i (1 - exp(-p_i T_C)) >= 0.63 is 250; margins of 2-3 points on both sides
    let 3 x 30 s runs (about 9,000 requests each) decide."""
    p = KeySpace(1000, 0.9).probabilities()
    grid = list(range(50, 401, 50))
    expected = next(c for c in grid if lru_hit_ratio(p, c) >= TARGET)
    assert expected == 250
    body = {
        "name": "cache-size",
        "model": {"name": "read-path", "nodes": {
            "client": {"kind": "sender", "rate": 300,
                       "keys": {"count": 1000, "popularity": {"zipf": 0.9}}},
            "cache": {"kind": "cache", "capacity": 10, "warm": True},
            "api": {"kind": "service", "servers": 8, "service": 0.001},
            "db": {"kind": "service", "servers": 8, "service": 0.002}},
            "edges": [["client", "cache"], {"from": "cache", "to": "api", "when": "hit"},
                      {"from": "cache", "to": "db", "when": "miss"}]},
        "run": {"duration": 30, "warmup": 5, "replications": 3, "seed": 1},
        "objectives": [f"nodes.cache.hit_ratio >= {TARGET}"],
        "variables": {"nodes.cache.capacity": {"min": 50, "max": 400, "step": 50,
                                               "cost": 0.01, "monotone": True}},
        "saturation": {"replications": 1, "steps": 1, "max_multiplier": 1.25}}
    result = plan(body)
    assert result.feasible and result.config == {"nodes.cache.capacity": expected}
    assert result.analytic["estimate"] == {"nodes.cache.capacity": expected}
    verdicts = {e.config["nodes.cache.capacity"]: e.verdict for e in result.search}
    assert verdicts[expected - 50] == "infeasible"
    assert result.cost == pytest.approx(0.01 * expected)
