"""Request classes against theory: per-class latency under BCMP product form, and the
visits per class when classes switch, from the traffic equations per class."""

from __future__ import annotations

import pytest

from sim.analytic import analyze
from sim.engine import simulate
from sim.model import from_dict, validate

MU = 1.0          # service rate of every station (mean 1 s), the same for both classes
LA, LB = 0.3, 0.2  # arrival rates of classes a and b


def _exp(mean):
    return {"dist": "exponential", "mean": mean}


def two_routes() -> dict:
    """a: s1 -> s2; b: s1 -> s3 -> s2. s1 and s2 are shared FIFO M/M/1 stations."""
    return {"name": "two-routes", "nodes": {
        "a": {"kind": "sender", "rate": LA},
        "b": {"kind": "sender", "rate": LB},
        "s1": {"kind": "service", "service": _exp(1 / MU)},
        "s2": {"kind": "service", "service": _exp(1 / MU)},
        "s3": {"kind": "service", "service": _exp(1 / MU)}},
        "edges": [["a", "s1"], ["b", "s1"],
                  {"from": "s1", "to": "s2", "classes": ["a"]},
                  {"from": "s1", "to": "s3", "classes": ["b"]},
                  ["s3", "s2"]]}


def test_per_class_latency_equals_the_product_form_value():
    """BCMP (Baskett et al. 1975): FIFO exponential stations with class-independent
    rates are product form, so every class's mean time per visit at station n is the
    M/M/1 value 1 / (mu - lambda_n) with lambda_n the total rate there, and a class's
    mean latency is sum over its stations of visits / (mu - lambda_n):
    T_a = 1/(mu - 0.5) + 1/(mu - 0.5) = 4 s; T_b = 2 + 1/(mu - 0.2) + 2 = 5.25 s.
    Tolerance: 5% relative, and at most twice the 95% CI half-width of 4 replications
    plus 1% (a 20,000 s run gives each class 4,000 to 6,000 requests per replication,
    a standard error near 1.5% over the four at utilisation 0.5)."""
    model = validate(from_dict(two_routes()))
    lam = {"s1": LA + LB, "s2": LA + LB, "s3": LB}
    expected = {"a": 1 / (MU - lam["s1"]) + 1 / (MU - lam["s2"]),
                "b": 1 / (MU - lam["s1"]) + 1 / (MU - lam["s3"]) + 1 / (MU - lam["s2"])}
    assert expected == pytest.approx({"a": 4.0, "b": 5.25})

    theory = analyze(model)["classes"]
    for cls, value in expected.items():
        assert theory[cls]["latency"]["mean"] == pytest.approx(value, rel=1e-9)
        assert theory[cls]["exact"] is True and theory[cls]["reason"] is None

    result = simulate(model, duration=20_000, warmup=500, replications=4, seed=3).to_dict()
    for cls, value in expected.items():
        mean = result["classes"][cls]["latency"]["mean"]
        half = result["ci95"]["classes"][cls]["latency"]["mean"]
        assert abs(mean - value) / value < 0.05, (cls, mean, value)
        assert abs(mean - value) <= 2 * half + 0.01 * value, (cls, mean, half, value)
    # the stations shared by both classes serve them alike (same mean sojourn)
    s1 = result["nodes"]["s1"]["classes"]
    assert s1["a"]["sojourn"]["mean"] == pytest.approx(s1["b"]["sojourn"]["mean"], rel=0.05)


def switching() -> dict:
    """Class a enters n1; from n1 a leaves with p 0.4 or goes to n2 as class b (switch)
    with p 0.6; b at n1 leaves with p 0.7 or goes round n1 -> n2 -> n1 with p 0.3."""
    fast = {"kind": "service", "servers": "inf", "service": _exp(0.01)}
    return {"name": "switching", "nodes": {
        "src": {"kind": "sender", "rate": 20, "class": "a"},
        "n1": dict(fast), "n2": dict(fast), "out": dict(fast)},
        "edges": [["src", "n1"],
                  {"from": "n1", "to": "n2", "switch": {"a": "b"},
                   "p": {"a": 0.6, "b": 0.3}},
                  {"from": "n1", "to": "out", "p": {"a": 0.4, "b": 0.7}},
                  ["n2", "n1"]]}


def test_visits_per_class_match_the_solved_traffic_equations():
    """Traffic equations per class: V(a,n1) = 1; V(b,n2) = 0.6 V(a,n1) + 0.3 V(b,n1);
    V(b,n1) = V(b,n2), so V(b,n1) = V(b,n2) = 0.6 / 0.7; V(a,out) = 0.4,
    V(b,out) = 0.7 * 0.6 / 0.7 = 0.6. Simulated visits are per-class arrivals at each
    node over requests offered (about 24,000 over 1,200 s): within 3%, which is more
    than six standard errors of a count of that size."""
    model = validate(from_dict(switching()))
    solved = analyze(model)["classes"]["a"]["visits"]
    expected = {("n1", "a"): 1.0, ("n1", "b"): 0.6 / 0.7, ("n2", "b"): 0.6 / 0.7,
                ("out", "a"): 0.4, ("out", "b"): 0.6}
    for (node, cls), v in expected.items():
        assert solved[node][cls] == pytest.approx(v, rel=1e-9)
    assert "b" not in solved["n2"] or solved["n2"].get("a", 0.0) == 0.0

    result = simulate(model, duration=1_200, warmup=10, replications=1, seed=5).to_dict()
    offered = result["classes"]["a"]["offered"]
    for (node, cls), v in expected.items():
        seen = result["nodes"][node]["classes"][cls]["arrivals"] / offered
        assert seen == pytest.approx(v, rel=0.03), (node, cls, seen, v)
    assert set(result["nodes"]["n2"]["classes"]) == {"b"}
    # every request is born class a: the top level has class a only
    assert list(result["classes"]) == ["a"]
