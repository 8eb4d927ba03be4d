"""Processor sharing (``discipline: ps``): every message is in service at once, and
with n in service on c servers each progresses at rate min(1, c / n).

Virtual time ``v`` advances at that rate; a message of work x arriving at virtual
time v0 finishes when ``v`` reaches ``v0 + x``, so the messages are kept in a heap of
virtual finishing times and only the first is scheduled. When n changes (an arrival
or a completion) the pending event is superseded (an epoch number) and the next
completion rescheduled: one event per arrival and per departure. Chosen at build
time (sim.engine.kinds.service), so a service without ``ps`` pays nothing.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush

from sim.engine.events import Call
from sim.engine.message import Msg
from sim.engine.service import Service

__all__ = ["ProcessorSharing"]


class ProcessorSharing(Service):
    """A service whose servers share their capacity among all the messages present.

    ``busy`` is min(n, servers): the capacity in use, so utilisation keeps its meaning.
    Nothing waits in its own buffer (wait 0); its arrivals are the buffer's.
    """

    def __init__(self, env, name: str, servers, draw, own=None, inputs=()) -> None:
        self.jobs: list = []
        self.v = 0.0
        self.v_at = 0.0
        self.share_area = 0.0
        self.epoch = 0
        self._seq = itertools.count()
        super().__init__(env, name, servers, draw, own=own, inputs=inputs)

    def rebind(self) -> None:
        super().rebind()
        if self.own is not None:
            self.arrive = self._arrive_ps

    def reset(self, now: float) -> None:
        super().reset(now)
        if hasattr(self, "jobs"):
            self._advance(now)
            self.share_area = 0.0

    def busy_integral(self, now: float) -> float:
        self._advance(now)
        return self.share_area

    def load(self) -> int:
        return len(self.jobs)

    def _advance(self, now: float) -> None:
        """Bring virtual time and the capacity-in-use area up to ``now``."""
        n = len(self.jobs)
        if n:
            dt = now - self.v_at
            used = min(n, self.servers)
            self.v += dt * used / n
            self.share_area += dt * used
        self.v_at = now

    def _arrive_ps(self, msg: Msg, producer=None) -> bool:
        own, now = self.own, self.env._now
        own.arrivals += 1
        own.taken += 1
        msg.t = now
        self._wait_buf.append(0.0)
        self._advance(now)
        work = self.draw()
        msg.work += work
        heappush(self.jobs, (self.v + work, next(self._seq), msg))
        self.busy = min(len(self.jobs), self.servers)
        self._schedule()
        return False

    def begin(self, msg: Msg, source) -> None:
        """A message handed over by a queue (not used: ps needs its own buffer)."""
        self._arrive_ps(msg)

    def _schedule(self) -> None:
        self.epoch += 1
        if not self.jobs:
            return
        n = len(self.jobs)
        rate = min(n, self.servers) / n
        delay = max(0.0, (self.jobs[0][0] - self.v) / rate)
        Call(self.env, delay, self._ps_done, self.epoch)

    def _ps_done(self, event) -> None:
        if event._value != self.epoch:
            return          # superseded: n changed since it was scheduled
        now = self.env._now
        self._advance(now)
        msg = heappop(self.jobs)[2]
        self.busy = min(len(self.jobs), self.servers)
        self._schedule()
        self.completed += 1
        self._sojourn_buf.append(now - msg.t)
        if self.plain or self._passes(msg):
            if self.send(msg, self):
                self.blocked += 1

    def unblocked(self) -> None:
        """A blocked send does not hold capacity under processor sharing."""
        self.blocked -= 1

    def provision(self, servers: int) -> None:
        """New capacity: bring the shares up to now, then reschedule at the new rate."""
        self._advance(self.env._now)
        super().provision(servers)
        self.busy = min(len(self.jobs), self.servers)
        self._schedule()

    def fill(self) -> None:
        """Nothing waits under processor sharing."""
        return None


