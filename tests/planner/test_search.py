"""The search logic on a stub evaluator: bisection, cheapest-first order, pruning, budget.

The stub decides feasibility by a known rule, so these tests check the search
itself (how many and which configurations it simulates) without simulating.
"""

from __future__ import annotations

import itertools

import pytest

from sim.planner import load_plan
from sim.planner.analytic import Start
from sim.planner.evaluate import Evaluation
from sim.planner.objectives import Check, parse_objective
from sim.planner.search import search
from tests.planner.conftest import mmc_model

OBJECTIVE = parse_objective("nodes.srv.wait.mean <= 1")


class Stub:
    """Judges configuration values by ``rule(values) -> bool``; records what it saw."""

    def __init__(self, plan, rule):
        self.plan, self.rule, self.path = plan, rule, []

    def evaluate(self, index, reason):
        for done in self.path:
            if done.index == index:
                return done
        config = self.plan.overrides(index)
        ok = self.rule(*config.values())
        check = Check(OBJECTIVE, 0.5 if ok else 2.0, 0.0, 0.5 if ok else 2.0,
                      0.5 if ok else -1.0, "holds" if ok else "fails")
        ev = Evaluation(index, config, self.plan.cost(index), 3, [check],
                        "feasible" if ok else "infeasible", reason, len(self.path) + 1)
        self.path.append(ev)
        return ev


def _plan(variables: dict, **extra):
    model = mmc_model()
    model["nodes"]["two"] = {"kind": "service", "servers": 1,
                             "service": {"dist": "exponential", "mean": 0.01}}
    model["edges"].append(["srv", "two"])
    return load_plan({"model": model, "objectives": ["nodes.srv.wait.mean <= 1"],
                      "variables": variables, **extra})


def _start(plan, lower=None, estimate=None):
    lower = lower or tuple(0 for _ in plan.variables)
    return Start(lower, estimate)


@pytest.mark.parametrize("threshold", [1, 7, 33, 64])
def test_bisection_finds_the_smallest_feasible_value_in_log_steps(threshold):
    plan = _plan({"nodes.srv.servers": {"min": 1, "max": 64, "cost": 1}})
    stub = Stub(plan, lambda c: c >= threshold)
    out = search(plan, stub, _start(plan))
    assert out.method == "bisection" and out.best.config == {"nodes.srv.servers": threshold}
    assert len(stub.path) <= 14                               # about 2 log2(64): gallop + bisect


def test_bisection_starting_at_an_exact_estimate_needs_two_evaluations():
    plan = _plan({"nodes.srv.servers": {"min": 1, "max": 64, "cost": 1}})
    stub = Stub(plan, lambda c: c >= 13)
    out = search(plan, stub, _start(plan, lower=(11,), estimate=(12,)))   # values 12, 13
    assert out.best.config["nodes.srv.servers"] == 13
    assert [e.config["nodes.srv.servers"] for e in stub.path] == [13, 12]
    assert stub.path[0].reason == "analytic estimate"


def test_bisection_reports_infeasible_after_the_largest_fails():
    plan = _plan({"nodes.srv.servers": {"min": 1, "max": 8, "cost": 1}})
    stub = Stub(plan, lambda c: False)
    out = search(plan, stub, _start(plan))
    assert out.best is None and out.closest is not None
    assert stub.path[-1].config == {"nodes.srv.servers": 8}


TWO = {"nodes.srv.servers": {"min": 1, "max": 12, "cost": 2},
       "nodes.two.servers": {"min": 1, "max": 12, "cost": 1}}


def _rule(a, b):
    return a >= 6 and b >= 4 and a + b >= 11


def _cheapest(plan, rule):
    configs = itertools.product(*(v.values for v in plan.variables))
    return min((2 * a + b, (a, b)) for a, b in configs if rule(a, b))


def test_enumeration_returns_the_cheapest_feasible_configuration():
    plan = _plan(TWO)
    stub = Stub(plan, _rule)
    out = search(plan, stub, _start(plan))
    cost, (a, b) = _cheapest(plan, _rule)
    assert out.method == "enumeration"
    assert out.best.config == {"nodes.srv.servers": a, "nodes.two.servers": b}
    assert out.best.cost == cost
    walked = [e.cost for e in stub.path if e.reason == "enumeration"]
    assert walked == sorted(walked) and max(walked) == cost    # cost order, nothing dearer
    bounds = [e for e in stub.path if e.reason.startswith("bound on")]
    assert {e.reason for e in bounds} == {"bound on srv.servers", "bound on two.servers"}


def test_enumeration_prunes_by_monotonicity():
    plan = _plan(TWO)
    stub = Stub(plan, _rule)
    out = search(plan, stub, _start(plan))
    # cost order alone would simulate all 57 configurations cheaper than the answer
    assert len(stub.path) <= 16 and out.pruned >= 40
    for i, ev in enumerate(stub.path):          # never simulate below an earlier failure
        earlier = [e.index for e in stub.path[:i] if not e.feasible]
        assert not any(all(x <= y for x, y in zip(ev.index, bad)) for bad in earlier)


def test_enumeration_starts_at_the_analytic_bounds_and_estimate():
    plan = _plan(TWO)
    stub = Stub(plan, _rule)
    lower = (5, 3)                                           # values 6 and 4
    out = search(plan, stub, _start(plan, lower=lower, estimate=(6, 4)))
    assert stub.path[0].reason == "analytic estimate"
    assert all(e.index[0] >= 5 and e.index[1] >= 3 for e in stub.path)
    assert out.best.cost == _cheapest(plan, _rule)[0]


def test_non_monotone_variables_are_never_pruned_across_values():
    plan = _plan({"nodes.srv.servers": {"min": 1, "max": 4, "cost": 1},
                  "nodes.src.timeout": {"min": 1, "max": 3, "cost": 0}})
    stub = Stub(plan, lambda c, t: c >= 3 and t == 2)
    out = search(plan, stub, _start(plan))
    assert out.best.config == {"nodes.srv.servers": 3, "nodes.src.timeout": 2}


def test_the_budget_stops_the_search():
    plan = _plan(TWO, max_evaluations=3)
    stub = Stub(plan, _rule)
    out = search(plan, stub, _start(plan))
    assert out.exhausted and len(stub.path) == 3
