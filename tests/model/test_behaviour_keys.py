"""Refusals of the customer-behaviour keys: ttl as a distribution, balk, discipline
preemptive / ps, quorum; each message names the node, the key, the value and what
was wanted."""

from __future__ import annotations

import pytest

from sim.engine import simulate
from sim.errors import ModelError
from sim.model import from_dict, validate
from tests.conftest import make_model

EXP = {"dist": "exponential", "mean": 1.0}
SRC = {"kind": "sender", "rate": 1.0}


def _direct(**keys):
    return {"src": SRC, "w": {"kind": "service", "service": EXP, **keys}}, [["src", "w"]]


def _fork(**keys):
    nodes = {"src": SRC, "r": {"kind": "router", **keys},
             "a": {"kind": "service", "service": EXP}, "b": {"kind": "service", "service": EXP}}
    return nodes, [["src", "r"], ["r", "a"], ["r", "b"]]


@pytest.mark.parametrize("model, match", [
    (_direct(ttl=-1), r"node 'w': 'ttl' must be a positive number \(got -1\)"),
    (_direct(ttl={"dist": "deterministic", "value": 0}),
     r"node 'w': 'ttl' must be a distribution with a positive mean"),
    (_direct(balk=5), r"node 'w': 'balk' must be a non-empty list of \[waiting, probability\]"),
    (_direct(balk=[[3, 0.5], [2, 1]]),
     r"node 'w': 'balk.1' must be a point .* greater than the previous one \(3\).*got \[2, 1\]"),
    (_direct(balk=[[3, 1.5]]), r"'balk.0' must be a point .* probability in \[0, 1\]"),
    (_direct(discipline="preempt"), r"'discipline' must be one of .*did you mean 'preemptive'"),
    (_direct(discipline="ps", capacity=5),
     r"node 'w': 'capacity' cannot be combined with 'discipline: ps' \(under processor "
     r"sharing"),
    (_direct(discipline="ps", balk=[[1, 1]]), r"'balk' cannot be combined with 'discipline: ps'"),
    (_direct(discipline="preemptive", ttl=5),
     r"node 'w': 'ttl' cannot be combined with 'discipline: preemptive' \(engine limitation"),
    (_direct(discipline="ps", availability={"mtbf": 10, "mttr": 1}),
     r"'availability' cannot be combined with 'discipline: ps'"),
    (_direct(discipline="preemptive", idempotent=False),
     r"node 'w': 'idempotent' false cannot be combined with 'discipline: preemptive'"),
    (({"src": SRC, "q": {"kind": "queue", "discipline": "ps"},
       "w": {"kind": "service", "service": EXP}}, [["src", "q"], ["q", "w"]]),
     r"node 'q': 'discipline' ps describes how a service's servers serve, so it applies "
     r"only to a service fed directly"),
    (_fork(quorum=2), r"node 'r': 'quorum' only applies with 'routing: broadcast' \(its "
                      r"routing is 'probabilistic'"),
    (_fork(routing="broadcast", quorum=3),
     r"node 'r': 'quorum' must be at most the number of outgoing edges \(2\).*got 3"),
    (_fork(routing="broadcast", quorum=0), r"node 'r': 'quorum' must be a positive integer"),
    (_fork(routing="broadcast", quorom=1), r"unknown key 'quorom' \(did you mean 'quorum'"),
])
def test_behaviour_keys_refused(model, match):
    nodes, edges = model
    with pytest.raises(ModelError, match=match):
        make_model(nodes, edges)


def test_ps_with_a_scenario_crash_is_refused_before_running():
    """A crash in a scenario on a ps service: the engine does not combine them."""
    data = {"name": "t", "nodes": {"src": SRC, "w": {"kind": "service", "service": EXP,
                                                     "discipline": "ps"}},
            "edges": [["src", "w"]], "scenario": [{"at": 10, "node": "w", "action": "crash"}],
            "run": {"duration": 100}}
    with pytest.raises(ModelError, match=r"node 'w': 'discipline' cannot be combined with "
                                         r"crashes"):
        simulate(validate(from_dict(data)))


def test_behaviour_keys_accepted():
    nodes, edges = _direct(ttl={"dist": "exponential", "mean": 3}, balk=[[0, 0.1], [4, 1]])
    spec = make_model(nodes, edges).node("w")
    assert spec.buffer.balk == ((0, 0.1), (4, 1.0)) and spec.buffer.ttl.mean == 3
    nodes, edges = _fork(routing="broadcast", quorum=1)
    assert make_model(nodes, edges).node("r").quorum == 1
    nodes, edges = _direct(discipline="ps", servers=3)
    assert make_model(nodes, edges).node("w").discipline == "ps"
