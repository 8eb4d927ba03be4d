"""Preemptive-resume priority (``discipline: preemptive``): an arrival of higher
priority (lower ``prio``) than the lowest-priority message in service takes that
message's server; the preempted message waits again, ahead of the messages of its
own priority, and later resumes with its remaining work (no work is lost).

A service class and a buffer class chosen at build time (sim.engine.kinds.service),
so a service without ``preemptive`` pays nothing. Each start schedules a completion
event with a token; a preemption invalidates the token of the message it stops.
"""

from __future__ import annotations

import itertools
from heapq import heappush

from sim.engine.broker import Buffer
from sim.engine.events import Call
from sim.engine.message import Msg
from sim.engine.service import Service

__all__ = ["Preemptive", "PreemptiveBuffer"]


class PreemptiveBuffer(Buffer):
    """The waiting room of a preemptive service: priority order, and an arrival may
    preempt. It records no wait samples: a message's wait is all its time here,
    before and after preemptions, which the service records when it completes."""

    def __init__(self, env, name: str, spec, *args) -> None:
        super().__init__(env, name, spec, *args)
        self._front = itertools.count(-1, -1)

    def put(self, msg: Msg, producer=None, arrived: float | None = None) -> bool:
        consumer = self.consumers[0]
        if consumer.busy >= consumer.servers and consumer.would_preempt(msg):
            now = self.env._now
            self.arrivals += 1
            msg.t = now if arrived is None else arrived
            self.taken += 1
            consumer.preempt(msg, now)
            return False
        return super().put(msg, producer, arrived)

    arrive = put

    def _hand_over(self, msg: Msg, consumer) -> None:
        self.taken += 1
        consumer.begin(msg, self)

    def requeue(self, msg: Msg, now: float) -> None:
        """A preempted message waits again, first among its priority."""
        self.span -= now
        self.n = n = self.n + 1
        if n > self.peak:
            self.peak = n
        heappush(self._items, (msg.prio, next(self._front), msg))

    def take(self) -> Msg | None:
        if not self.n:
            return self._take_blocked() if self.blocked else None
        now = self.env._now
        msg = self._pop()
        self.span += now
        self.n -= 1
        if msg not in self.consumers[0].left:
            self.taken += 1
        if self.blocked:
            self._admit_blocked(now)
        return msg


class Preemptive(Service):
    """Servers that a higher-priority arrival may take from a lower-priority message.

    ``running`` maps each message in service to ``(end time, token)``; ``left`` the
    preempted messages to their remaining work (s); ``size`` each message's work
    here (s), so that its wait, recorded when it completes, is its sojourn minus
    its work: all the time it spent waiting, before and after preemptions.
    """

    def __init__(self, env, name: str, servers, draw, own=None, inputs=()) -> None:
        self.running: dict = {}
        self.left: dict = {}
        self.size: dict = {}
        self._tokens = itertools.count()
        super().__init__(env, name, servers, draw, own=own, inputs=inputs)

    def begin(self, msg: Msg, source) -> None:
        now = self.env._now
        if source is not self.own:
            self.arrivals += 1
            msg.t = now
        self.busy_span -= now
        self.busy += 1
        self._start(msg, now)

    def _continue(self, msg: Msg, take, now: float) -> None:
        self._start(msg, now)

    def _start(self, msg: Msg, now: float) -> None:
        work = self.left.pop(msg, None)
        if work is None:
            work = self.draw()
            msg.work += work
            self.size[msg] = work
        token = next(self._tokens)
        self.running[msg] = (now + work, token)
        Call(self.env, work, self._finished, (msg, token))

    def _victim(self) -> Msg:
        """The lowest-priority message in service, the latest to end among equals."""
        running = self.running
        return max(running, key=lambda m: (m.prio, running[m][0]))

    def would_preempt(self, msg: Msg) -> bool:
        return bool(self.running) and self._victim().prio > msg.prio

    def preempt(self, msg: Msg, now: float) -> None:
        """``msg`` takes the server of the lowest-priority message in service."""
        victim = self._victim()
        end, _token = self.running.pop(victim)
        self.left[victim] = end - now
        self.own.requeue(victim, now)
        self._start(msg, now)

    def _finished(self, event) -> None:
        msg, token = event._value
        entry = self.running.get(msg)
        if entry is None or entry[1] != token:
            return          # preempted since: a later start will finish it
        del self.running[msg]
        now = self.env._now
        self.completed += 1
        sojourn = now - msg.t
        self._sojourn_buf.append(sojourn)
        self._wait_buf.append(max(0.0, sojourn - self.size.pop(msg)))
        if self.plain or self._passes(msg):
            if self.send(msg, self):
                self.blocked += 1
                return
        self._next(now)
