"""Objective parsing (no eval) and judging over replications at the pessimistic end."""

from __future__ import annotations

import math

import pytest

from sim.errors import PlanError
from sim.planner.objectives import halfwidth, judge, parse_objective
from sim.metrics.stats import ci95_halfwidth


def test_parses_a_path_a_ratio_and_both_operators():
    o = parse_objective("requests.latency.p99<=0.5")
    assert (o.path, o.denominator, o.op, o.bound) == ("requests.latency.p99", None, "<=", 0.5)
    assert o.text == "requests.latency.p99 <= 0.5"
    r = parse_objective("  requests.failed /requests.offered <= 1e-3 ")
    assert (r.path, r.denominator, r.bound) == ("requests.failed", "requests.offered", 0.001)
    assert parse_objective("requests.throughput >= 100").op == ">="


@pytest.mark.parametrize("text, match", [
    ("requests.latency.p99 < 0.5", r"objectives\[0\].*unknown operator '<'.*<= or >="),
    ("requests.latency.p99 == 0.5", r"unknown operator '=='"),
    ("requests.latency.p99 = 0.5", r"unknown operator '='"),
    ("requests.latency.p99 0.5", r"must be '<path> <= <number>'"),
    ("requests.latency.p99 <= fast", r"must end with a number.*'fast'"),
    ("requests.latency.p99 <= inf", r"finite bound"),
    ("a / b / c <= 1", r"one result path or a ratio of two"),
    ("__import__('os').system('x') <= 1", r"where a result path was expected"),
    ("<= 1", r"one result path or a ratio of two"),
    (42, r"must be a string"),
])
def test_refuses_malformed_objectives_by_index(text, match):
    with pytest.raises(PlanError, match=match):
        parse_objective(text, label="plan", index=0)


def test_value_of_a_ratio_per_replication():
    o = parse_objective("requests.failed / requests.offered <= 0.01")
    assert o.value({"requests.failed": 2, "requests.offered": 400}) == 0.005
    assert o.value({"requests.failed": 0, "requests.offered": 0}) == 0.0
    assert o.value({"requests.failed": 1, "requests.offered": 0}) is None
    assert o.value({"requests.failed": None, "requests.offered": 10}) is None


def test_halfwidth_matches_the_result_ci95():
    values = [1.0, 1.4, 0.9, 1.2]
    assert halfwidth(values) == pytest.approx(ci95_halfwidth(values), rel=1e-12)
    assert halfwidth([1.0]) == math.inf
    assert halfwidth(values, 0.99) > halfwidth(values, 0.95)


def _flats(path, values):
    return [{path: v} for v in values]


def test_holds_only_at_the_pessimistic_end_of_the_interval():
    o = parse_objective("x.y <= 1.0")
    values = [0.90, 0.95, 0.92]
    check = judge(o, _flats("x.y", values))
    half = ci95_halfwidth(values)
    assert check.pessimistic == pytest.approx(sum(values) / 3 + half)
    assert check.status == "holds" and check.margin == pytest.approx(1.0 - check.pessimistic)


def test_straddles_when_the_interval_contains_the_bound_and_fails_beyond_it():
    o = parse_objective("x.y <= 1.0")
    assert judge(o, _flats("x.y", [0.9, 1.05, 0.98])).status == "straddles"
    assert judge(o, _flats("x.y", [1.2, 1.3, 1.25])).status == "fails"
    assert judge(o, _flats("x.z", [1.0, 1.0])).status == "fails"        # no value at all


def test_greater_or_equal_uses_the_lower_end():
    o = parse_objective("x.y >= 100")
    check = judge(o, _flats("x.y", [110, 112, 108]))
    assert check.status == "holds" and check.pessimistic < 110
    assert judge(o, _flats("x.y", [90, 91, 92])).status == "fails"


def test_a_ratio_objective_takes_the_ci_of_per_replication_ratios():
    o = parse_objective("a.f / a.o <= 0.02")
    flats = [{"a.f": f, "a.o": n} for f, n in [(1, 100), (3, 100), (2, 200)]]
    ratios = [0.01, 0.03, 0.01]
    check = judge(o, flats)
    assert check.value == pytest.approx(sum(ratios) / 3)
    assert check.half == pytest.approx(ci95_halfwidth(ratios))


def test_a_call_edge_metric_is_a_path():
    """Call edges' figures are named ``edges.<caller>-><callee>.<field>``."""
    obj = parse_objective("edges.api->db.failures.call_timeout / edges.api->db.calls <= 0.01")
    assert (obj.path, obj.denominator) == ("edges.api->db.failures.call_timeout",
                                           "edges.api->db.calls")
