"""The analytic layer on the overload features: slowdown, shed and hedge have no
closed form here (each flagged by name); adaptive_lifo keeps FIFO's mean figures
(conservation law) and gives no percentile."""

from __future__ import annotations

import pytest

from sim import analyze
from sim.analytic.topology import model_reasons
from tests.conftest import make_model


def model(sender=None, **service):
    nodes = {"s": {"kind": "sender", "rate": 0.5, **(sender or {})},
             "w": {"kind": "service", "servers": 1,
                   "service": {"dist": "exponential", "mean": 1.6}, **service}}
    return make_model(nodes, [["s", "w"]])


@pytest.mark.parametrize("sender, service, sentence", [
    (None, {"slowdown": [[0, 1], [1, 2]]}, "service 'w' slows down under load (slowdown)"),
    (None, {"shed": {"target": 1.0}}, "node 'w' sheds load (shed: CoDel)"),
    ({"hedge": {"after": 1.0}}, {}, "sender 's' hedges its attempts (hedge)"),
])
def test_no_closed_form_named(sender, service, sentence):
    assert sentence in model_reasons(model(sender, **service))


def test_adaptive_lifo_mean_is_fifo_and_no_percentile():
    """M/M/1, lambda 0.5, mean 1.6: Wq = rho / (mu - lambda) = 0.8 / 0.125 = 6.4 s
    whatever the order (work-conserving, blind to service times); FIFO's p99 is not
    adaptive_lifo's, so none is given."""
    m = model(discipline="adaptive_lifo", lifo_above=5)
    assert model_reasons(m) == []
    w = analyze(m)["nodes"]["w"]
    assert w["wait"]["mean"] == pytest.approx(6.4)
    assert w["wait"]["p99"] is None and w["exact"]
    assert analyze(model())["nodes"]["w"]["wait"]["p99"] is not None


def test_analyze_flags_hedge_as_no_closed_form():
    result = analyze(model({"hedge": {"after": 1.0}}))
    assert result["applies"] is False
    assert result["reason"] == "sender 's' hedges its attempts (hedge)"
