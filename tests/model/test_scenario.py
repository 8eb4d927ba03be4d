"""``scenario:`` in a model: what validation accepts, the timeline it makes, and one
test per refusal."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import apply_overrides, from_dict, validate


def model(scenario):
    return {"name": "m", "scenario": scenario,
            "nodes": {"client": {"kind": "sender", "rate": 2.0},
                      "lb": {"kind": "router"},
                      "db": {"kind": "service", "servers": 2,
                             "service": {"dist": "exponential", "mean": 0.1}},
                      "q": {"kind": "queue"},
                      "w": {"kind": "service", "service": 0.1}},
            "edges": [["client", "lb"], ["lb", "db", 0.5], ["lb", "q", 0.5], ["q", "w"]]}


def test_the_timeline_restores_what_was_in_force():
    """Two overlapping steps on db.servers: 4 from 10 to 50, 6 from 20 to 30; at 30
    the value goes back to 4 (the earlier step still in force), at 50 to the
    model's 2."""
    m = validate(from_dict(model([
        {"at": 10, "for": 40, "set": {"nodes.db.servers": 4}},
        {"at": 20, "for": 10, "set": {"nodes.db.servers": 6}},
        {"at": 5, "for": 1, "node": "w", "action": "crash"}])))
    got = [(a.time, a.setting.label(), a.value) for a in m.scenario.timeline]
    assert got == [(5, "w.action", "crash"), (6, "w.action", "recover"),
                   (10, "db.servers", 4), (20, "db.servers", 6), (30, "db.servers", 4),
                   (50, "db.servers", 2)]


def test_set_values_are_typed_as_at_load():
    m = validate(from_dict(model([{"at": 1, "set": {"nodes.db.service.mean": 0.3,
                                                    "nodes.q.capacity": "inf"}}])))
    (s1, v1), (s2, v2) = m.scenario.steps[0].changes
    assert (s1.label(), v1.mean) == ("db.service", 0.3)
    assert (s2.label(), v2) == ("q.capacity", float("inf"))


def test_a_step_is_reachable_by_a_dotted_override():
    """Sweeps change a fault's size or duration by path."""
    base = from_dict(model([{"at": 10, "for": 40, "set": {"nodes.db.service.mean": 0.2}}]))
    H = apply_overrides(base, {"scenario.0.for": 90, "scenario.0.set.nodes.db.service.mean": 0.5})
    step = validate(H).scenario.steps[0]
    assert step.duration == 90 and step.changes[0][1].mean == 0.5


@pytest.mark.parametrize("scenario, message", [
    ({"at": 1}, r"'scenario' must be a list of steps"),
    ([{"at": -1, "set": {"nodes.db.servers": 3}}],
     r"'scenario\[0\].at' must be a non-negative finite number of seconds \(got -1\)"),
    ([{"at": 1, "for": 0, "set": {"nodes.db.servers": 3}}],
     r"'scenario\[0\].for' must be a positive finite number"),
    ([{"at": 1, "fro": 2, "set": {"nodes.db.servers": 3}}],
     r"'scenario\[0\]' has unknown key 'fro' \(did you mean 'for'\?\)"),
    ([{"set": {"nodes.db.servers": 3}}], r"'scenario\[0\]' needs at"),
    ([{"at": 1}], r"needs either set \(keys to change\) or action with node"),
    ([{"at": 1, "set": {"nodes.db.servers": 0}}],
     r"scenario\[0\].set: node 'db': 'servers' must be a positive integer or inf"),
    ([{"at": 1, "set": {"nodes.db.routing": "random"}}],
     r"cannot change 'routing' of a service while running \(a scenario may set: servers, "
     r"service, error_rate, capacity\)"),
    ([{"at": 1, "set": {"nodes.dbb.servers": 3}}],
     r"unknown node 'dbb' .*\(did you mean 'db'\?\)"),
    ([{"at": 1, "set": {"edges.lb->db.p": 0.9}}],
     r"scenario\[0\].set: node 'lb'.*sum"),
    ([{"at": 1, "set": {"edges.q->w.latency": 0.1}}],
     r"'scenario\[0\].set.edges.q->w.latency' cannot change while running"),
    ([{"at": 1, "node": "db", "action": "explode"}],
     r"'scenario\[0\].action' must be one of crash \| recover \| flush"),
    ([{"at": 1, "node": "q", "action": "crash"}],
     r"action crash applies to a service, and 'q' is a queue"),
    ([{"at": 1, "action": "crash"}], r"action crash needs node"),
    ([{"at": 1, "node": "db", "action": "recover", "for": 3}],
     r"for applies to set and crash steps"),
    ([{"at": 1, "node": "db", "set": {"nodes.db.servers": 3}}],
     r"'scenario\[0\].node' node goes with action"),
])
def test_refusals(scenario, message):
    with pytest.raises(ModelError, match=message):
        validate(from_dict(model(scenario)))


@pytest.mark.parametrize("extra, message", [
    ({"uses": ["p"]}, r"node 'w': 'batch' cannot be combined with 'uses'"),
    ({"slowdown": [[0, 1], [1, 2]]}, r"'batch' cannot be combined with 'slowdown'"),
])
def test_batch_refusals(extra, message):
    d = model([{"at": 1, "set": {"nodes.db.servers": 3}}])
    d["nodes"]["w"].update(batch={"size": 3}, **extra)
    d["nodes"]["p"] = {"kind": "pool", "size": 2}
    with pytest.raises(ModelError, match=message):
        validate(from_dict(d))


def test_a_batching_service_makes_no_calls_and_does_not_crash():
    d = model([{"at": 1, "node": "w", "action": "crash"}])
    d["nodes"]["w"]["batch"] = {"size": 3}
    with pytest.raises(ModelError, match=r"action crash cannot apply to 'w', which serves "
                                         r"batches"):
        validate(from_dict(d))
    d = model([])
    d["nodes"]["w"]["batch"] = {"size": 3}
    d["edges"].append({"from": "w", "to": "db", "call": "sync"})
    with pytest.raises(ModelError, match=r"node 'w': 'batch' cannot be combined with call "
                                         r"edges"):
        validate(from_dict(d))
