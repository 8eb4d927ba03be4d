"""Validation of the overload keys: slowdown, adaptive_lifo's lifo_above, shed, hedge."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from tests.conftest import make_model


def service_model(**keys):
    nodes = {"s": {"kind": "sender", "rate": 1.0},
             "w": {"kind": "service", "service": 0.5, **keys}}
    return make_model(nodes, [["s", "w"]])


def test_valid_keys_reach_the_specs():
    model = service_model(slowdown=[[0.5, 1], [1, 3]], discipline="adaptive_lifo",
                          lifo_above=4, shed={"target": 0.1})
    w = model.node("w")
    assert w.slowdown == ((0.5, 1.0), (1.0, 3.0))
    assert w.buffer.lifo_above == 4
    assert w.buffer.shed.target == 0.1 and w.buffer.shed.interval == 0.1


@pytest.mark.parametrize("points, where", [
    ([], "slowdown"),
    ([[1.5, 2]], "slowdown.0"),
    ([[0, 0]], "slowdown.0"),
    ([[0.5, 1], [0.5, 2]], "slowdown.1"),
    ([[0.5, 1, 2]], "slowdown.0"),
    ("fast", "slowdown"),
])
def test_slowdown_refused(points, where):
    with pytest.raises(ModelError) as err:
        service_model(slowdown=points)
    assert where in str(err.value)


def test_adaptive_lifo_needs_lifo_above():
    with pytest.raises(ModelError, match="lifo_above.*required"):
        service_model(discipline="adaptive_lifo")


def test_lifo_above_only_with_adaptive_lifo():
    with pytest.raises(ModelError, match="only applies with 'discipline: adaptive_lifo'"):
        service_model(lifo_above=3)


def test_shed_needs_a_positive_target():
    with pytest.raises(ModelError, match="target"):
        service_model(shed={"target": 0})
    with pytest.raises(ModelError, match="target"):
        service_model(shed={"interval": 1})


def test_shed_refused_with_partitions_and_redelivery():
    for extra in ({"partitions": 2}, {"delivery": {"mode": "at_least_once"}}):
        nodes = {"s": {"kind": "sender", "rate": 1.0},
                 "q": {"kind": "queue", "shed": {"target": 1}, **extra},
                 "w": {"kind": "service", "service": 0.5}}
        with pytest.raises(ModelError, match="shed.*cannot be combined"):
            make_model(nodes, [["s", "q"], ["q", "w"]])


def test_hedge_after_required_and_not_negative():
    for hedge in ({}, {"after": -1}):
        nodes = {"s": {"kind": "sender", "rate": 1.0, "hedge": hedge},
                 "w": {"kind": "service", "service": 0.5}}
        with pytest.raises(ModelError, match="after"):
            make_model(nodes, [["s", "w"]])


def test_slowdown_on_a_sender_names_the_kind_that_takes_it():
    nodes = {"s": {"kind": "sender", "rate": 1.0, "slowdown": [[0, 1]]},
             "w": {"kind": "service", "service": 0.5}}
    with pytest.raises(ModelError, match="applies to a service"):
        make_model(nodes, [["s", "w"]])
