"""The kernel's timer ring: when every sender with a timeout has the same one, the
attempts' timeouts fall due in the order they are set, so they wait in a ring
(first in, first out) instead of the event heap, and ``advance`` takes the ring's
head or the heap's top, whichever comes first by time and sequence number: the
order the heap alone gives. The figures must be those of the SimPy engine, the
ring must grow when it fills, and a model whose senders' timeouts differ keeps
its timeouts on the heap."""

from __future__ import annotations

import pytest

from sim.engine import simulate
from sim.engine.compiled import layout as L
from sim.engine.compiled.replication import _Driver
from sim.engine.compiled.state import build_state
from tests.conftest import make_model
from tests.engine.compiled.corpus import CORPUS
from tests.engine.compiled.test_differential import _differences

pytest.importorskip("numba")


@pytest.mark.parametrize("name, on", [
    ("request_reply_retries", 1),               # one sender with a timeout
    ("equal_and_decorrelated_jitter", 1),       # three senders, all 0.5 s
    ("preemptive_three_classes_retries", 0),    # 6, 5 and 8 s: not in order
    ("mm1", 0),                                 # no timeout at all
])
def test_the_ring_holds_the_timeouts_when_every_sender_has_the_same(name, on):
    model = make_model(*CORPUS[name])
    assert build_state(model, 1, 0, 0.0).state.g[L.G_TQ_ON] == on


def test_the_ring_grows_and_the_figures_stay_those_of_the_simpy_engine():
    """Two senders with the same 1,000 s timeout into one server at twice its rate:
    about 2,000 timeouts wait at once, more than the ring's first room, so it grows
    before the first of them falls due at 1,000 s, and timers of both senders
    interleave. The queue grows by one a second, so a request sent at t waits about
    t seconds: those sent after 1,000 s time out, about 2 x 1,000 of them by 3,000 s
    (at least half that is asked)."""
    nodes = {"a": {"kind": "sender", "rate": 1.2, "timeout": 1000.0},
             "b": {"kind": "sender", "rate": 0.8, "timeout": 1000.0},
             "s": {"kind": "service", "servers": 1,
                   "service": {"dist": "exponential", "mean": 1.0}}}
    model = make_model(nodes, [["a", "s"], ["b", "s"]], duration=3000, warmup=0, seed=4)
    built = build_state(model, 4, 0, 0.0)
    first = built.state.tq.shape[0]
    driver = _Driver(model, built, 0, 0.0, 3000.0, None, None, False)
    driver.run()
    state = built.state
    assert state.g[L.G_TQ_ON] == 1
    assert state.g[L.G_TQ_TAIL] - state.g[L.G_TQ_HEAD] > first - L.HEAP_MARGIN
    assert state.tq.shape[0] >= 2 * first
    compiled = simulate(model, engine="compiled", replications=1)
    reference = simulate(model, engine="simpy", replications=1)
    assert compiled.to_dict()["requests"]["timed_out"] > 1000
    assert _differences(compiled.to_dict(), reference.to_dict()) == []


def test_timeouts_that_fire_come_off_the_ring_in_the_simpy_engines_order():
    """A timeout shorter than most service times: most attempts time out and are
    retried, so ring entries and heap entries (retries, completions) interleave at
    every instant; every figure equals the SimPy engine's."""
    nodes = {"c": {"kind": "sender", "rate": 3.0, "timeout": 0.4,
                   "retry": {"max_attempts": 3, "backoff": {"initial": 0.05}}},
             "s": {"kind": "service", "servers": 2,
                   "service": {"dist": "exponential", "mean": 0.5}}}
    model = make_model(nodes, [["c", "s"]], duration=2000, warmup=100, seed=9)
    compiled = simulate(model, engine="compiled", replications=2)
    reference = simulate(model, engine="simpy", replications=2)
    assert compiled.to_dict()["requests"]["timed_out"] > 1000
    assert _differences(compiled.to_dict(), reference.to_dict()) == []
