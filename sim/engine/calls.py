"""Calls between services (edges with ``call: sync | async``, docs/reference/model.md).

A call is a :class:`CallMsg` whose ``src`` is its :class:`CallEdge`: the callee
serves it like any message (its buffer, its servers, its own calls), and what a
sender would hear (``complete``, ``fail``) goes to the edge, which replies to the
waiting caller. The :class:`Calls` mixin gives a service the caller's side (hold
the server after its own work while it makes its sync calls in edge order, one
after the other) and the callee's side (reply at the end of an execution instead
of routing on). Only services that call or are called get it, chosen at build
time (sim.engine.kinds.service), so a model without calls pays nothing
(benchmarks/throughput.py, W1).
"""

from __future__ import annotations

import itertools

from sim.engine.events import Call
from sim.engine.message import Msg, fail
from sim.metrics.stats import SampleStats

__all__ = ["CallMsg", "CallEdge", "Calls", "Execution", "fixed", "rounded"]


class CallMsg(Msg):
    """One call: ``ex`` the caller's :class:`Execution` waiting for it (None for an
    async call), ``root`` the sender of the request (wasted work is charged to it),
    ``sent`` when it left the caller (s), ``first`` the call itself, or for a copy
    (a redelivery by an at-least-once queue the call went through) the call it
    copies: the caller awaits that one. ``cid`` numbers a traced call (set only
    when tracing, sim.engine.trace)."""

    __slots__ = ("ex", "root", "sent", "first", "cid")

    def copy(self) -> "CallMsg":
        twin = CallMsg(self.src, self.req, self.born, self.attempt, self.prio, self.t,
                       self.join)
        twin.work = self.work
        twin.ex, twin.root, twin.sent, twin.first = self.ex, self.root, self.sent, self.first
        twin.cid = getattr(self, "cid", 0)
        return twin


class Execution:
    """A caller's execution held on its sync calls: ``i`` the edge being called,
    ``left`` the calls still to make on it, ``current`` the call awaited (None once
    it replied or timed out)."""

    __slots__ = ("msg", "i", "left", "current")

    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        self.i = -1
        self.left = 0
        self.current = None


def _root(msg: Msg):
    return msg.root if msg.__class__ is CallMsg else msg.src


class CallEdge:
    """The runtime of one call edge: makes calls, hears replies, keeps the edge's
    figures (calls, failures by cause, response time, calls in flight).

    Parameters
    ----------
    env : simpy.Environment
    spec : EdgeSpec
        A call edge (``spec.call`` set).
    caller : Calls
        The calling service's runtime.
    target : object
        What a call arrives at (the callee, or a delayed edge to it): ``arrive(msg, p)``.
    count : callable
        Calls to make at one execution (``visits``, drawn and rounded).
    """

    def __init__(self, env, spec, caller, target, count) -> None:
        self.env = env
        self.name = spec.name
        self.mode = spec.call
        self.timeout = spec.timeout
        self.caller = caller
        self.arrive = target.arrive
        self.count = count
        self.classes = spec.classes  # only executions serving these classes call
        self.classed = False         # copy the class onto calls (a model with classes)
        self.response = SampleStats()
        self._resp_buf = self.response.buf
        self.n = 0
        self.reset(0.0)

    # -- statistics ---------------------------------------------------------------------
    def reset(self, now: float) -> None:
        """Start the figures afresh at ``now`` (end of warm-up)."""
        self.calls = 0
        self.failures = {"call_timeout": 0, "call_failed": 0, "bulkhead": 0}
        self.retries = 0
        self.hedges = 0
        self.span = -self.n * now
        self.area = 0.0
        self.peak = self.n
        self.response.reset()

    def close(self, now: float) -> None:
        self.area = self.span + self.n * now
        self.response.flush()

    def _out(self, now: float) -> None:
        self.calls += 1
        self.span -= now
        self.n = n = self.n + 1
        if n > self.peak:
            self.peak = n

    def _back(self, now: float) -> None:
        self.span += now
        self.n -= 1

    # -- making calls -------------------------------------------------------------------
    def _new(self, parent: Msg, ex, now: float) -> CallMsg:
        call = CallMsg(self, parent.req, parent.born, parent.attempt, parent.prio, now)
        call.ex, call.root, call.sent = ex, _root(parent), now
        call.first = call
        if self.classed:
            call.cls = parent.cls
        call.key = parent.key
        self._out(now)
        return call

    def call(self, ex: Execution) -> None:
        """Make one sync call for ``ex``; its reply (or timeout) resumes the caller."""
        now = self.env._now
        call = self._new(ex.msg, ex, now)
        ex.current = call
        self.arrive(call, None)  # a refusal replies at once (fail -> self.fail)
        if self.timeout is not None and ex.current is call:
            Call(self.env, self.timeout, self._expire, call)

    def cast(self, parent: Msg) -> None:
        """Send this execution's async calls (not waited for)."""
        if self.classes is not None and parent.cls not in self.classes:
            return
        now = self.env._now
        for _ in range(self.count()):
            self.arrive(self._new(parent, None, now), None)

    # -- what the callee reports (a sender's interface) ---------------------------------
    def waste(self, born: float, work: float) -> None:
        """Called by ``fail`` before :meth:`fail`, which charges the waste itself."""

    def complete(self, call: CallMsg) -> None:
        """The callee's execution of ``call`` ended well: reply."""
        ex = call.ex
        if ex is None:
            self._settle(call)
            return
        if ex.current is not call.first:  # it timed out before: the work was wasted
            call.root.waste(call.born, call.work)
            return
        ex.current = None
        self._settle(call)
        ex.msg.work += call.work
        self.caller.resume(ex)

    def fail(self, call: CallMsg, cause: str) -> None:
        """The callee's execution of ``call`` failed (error, refusal, crash, expiry)."""
        call.root.waste(call.born, call.work)
        ex = call.ex
        if ex is None:
            self.failures["call_failed"] += 1
            self._settle(call)
            return
        if ex.current is not call.first:
            return
        ex.current = None
        self.failures["call_failed"] += 1
        self._settle(call)
        self.caller.abandon(ex, "call_failed")

    def _settle(self, call: CallMsg) -> None:
        now = self.env._now
        self._back(now)
        self._resp_buf.append(now - call.sent)

    def _expire(self, event) -> None:
        call = event._value
        ex = call.ex
        if ex.current is not call:
            return
        ex.current = None
        self._back(self.env._now)
        self.failures["call_timeout"] += 1
        self.caller.abandon(ex, "call_timeout")

    def raw(self) -> dict:
        return {"call": self.mode, "calls": self.calls, "failures": dict(self.failures),
                "response": self.response, "area": self.area, "peak": self.peak,
                "retries": self.retries, "hedges": self.hedges}


class Calls:
    """Mixin for a service that calls or is called (see the module docstring).

    ``sync`` and ``casts`` are its sync and async :class:`CallEdge` s, in edge order;
    ``holding`` counts its servers held on calls, ``held_span`` accounts their
    server-seconds as ``busy_span`` does the busy ones.
    """

    sync: tuple = ()
    casts: tuple = ()
    holding = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.held_span = -getattr(self, "holding", 0) * now
        self.held_area = 0.0

    def close(self, now: float) -> None:
        super().close(now)
        self.held_area = self.held_span + self.holding * now

    def _done(self, event) -> None:
        msg = event._value
        if self.sync:
            self.holding += 1
            self.held_span -= self.env._now
            self.resume(Execution(msg))
            return
        self._end(msg)

    def resume(self, ex: Execution) -> None:
        """Make ``ex``'s next sync call, or end the execution after the last reply."""
        edges = self.sync
        while not ex.left:
            ex.i += 1
            if ex.i == len(edges):
                self._release()
                self._end(ex.msg)
                return
            edge = edges[ex.i]
            ex.left = (edge.count() if edge.classes is None or ex.msg.cls in edge.classes
                       else 0)
        ex.left -= 1
        edges[ex.i].call(ex)

    def abandon(self, ex: Execution, cause: str) -> None:
        """A sync call failed or timed out: the execution fails with ``cause``."""
        self._release()
        now = self.env._now
        msg = ex.msg
        self.completed += 1
        self._sojourn_buf.append(now - msg.t)
        if msg.rcpt is None:
            fail(msg, cause)
        else:
            msg.rcpt.lost(msg, cause)
        self._next(now)

    def _release(self) -> None:
        self.holding -= 1
        self.held_span += self.env._now

    def _end(self, msg: Msg) -> None:
        """The execution is over: reply to a call, or route the message on."""
        now = self.env._now
        self.completed += 1
        self._sojourn_buf.append(now - msg.t)
        if self.plain or self._passes(msg):
            for edge in self.casts:
                edge.cast(msg)
            if msg.__class__ is CallMsg:
                msg.src.complete(msg)
            elif self.send(msg, self):
                self._block(now)
                return
        self._next(now)


def fixed(n: int):
    """``count`` for a constant number of visits."""
    return itertools.repeat(n).__next__


def rounded(draw):
    """``count`` for visits drawn from a distribution, rounded to the nearest integer."""
    def count() -> int:
        return int(draw() + 0.5)

    return count
