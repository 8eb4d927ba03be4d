"""Message buffers: broker queues (``kind: queue``) and services' own buffers.

A buffer hands a message straight to an idle consumer when there is one, and
otherwise keeps it under its discipline. ``put`` returns True only when the
message is held back by ``overflow: block``; the producer then waits for
``unblocked()``. Counters and time-weighted areas are plain attributes that the
result layer reads at the end of a replication.
"""

from __future__ import annotations

import math
from collections import deque

from sim.engine.disciplines import PARAMETERS, make_container
from sim.engine.message import Msg, fail
from sim.metrics.stats import SampleStats

__all__ = ["Buffer"]


class Buffer:
    """Waiting room with capacity, overflow policy and discipline (see docs/reference/model.md).

    ``acknowledged`` is True for buffers whose consumers must ack through ``msg.rcpt``.
    """

    acknowledged = False

    def __init__(self, env, name: str, spec) -> None:
        self.env = env
        self.name = name
        self.capacity = spec.capacity
        self.overflow = spec.overflow
        self.discipline = spec.discipline
        self.consumers: list = []
        self.blocked: deque = deque()
        self.wait = SampleStats()
        self._wait_buf = self.wait.buf
        self._make_container(spec.discipline, **{
            key: getattr(spec, key) for key in PARAMETERS.get(spec.discipline, ())})
        self.reset(0.0)
        self.n = 0

    def _make_container(self, discipline: str, **params) -> None:
        box = make_container(discipline, f"node {self.name!r}", **params)
        self._items, self._push, self._pop = box.items, box.push, box.pop
        self._oldest = box.remove_oldest

    def _remove_oldest(self) -> Msg:
        """Take out the message that has waited longest (``overflow: drop_oldest``)."""
        return self._oldest()

    def reset(self, now: float) -> None:
        """Start the statistics afresh at ``now`` (end of warm-up).

        ``span`` is the sum of leaving times minus the sum of entering times of the
        messages that waited since ``now``, the ones still waiting counted from
        ``now``: the time-weighted length is ``span + n * t`` at any time t. Two
        additions per message instead of a multiply-and-add per change (W1 of
        benchmarks/throughput.py).
        """
        self.arrivals = self.taken = self.dropped = self.expired = 0
        n = getattr(self, "n", 0)
        self.span = -n * now
        self.area = 0.0
        self.peak = n
        self.wait.reset()

    def close(self, now: float) -> None:
        """Account the time-weighted length (message-seconds waited) up to ``now``."""
        self.area = self.span + self.n * now
        self.wait.flush()

    def load(self) -> int:
        return self.n + sum(c.busy for c in self.consumers)

    def put(self, msg: Msg, producer=None, arrived: float | None = None) -> bool:
        """A message arrives (at ``arrived``, s, if it was delayed by the broker)."""
        now = self.env._now
        self.arrivals += 1
        msg.t = now if arrived is None else arrived
        for consumer in self.consumers:
            if consumer.busy < consumer.servers:
                self._hand_over(msg, consumer)
                return False
        if self.n >= self.capacity:
            return self._overflow(msg, producer)
        self._enter(msg, now)
        return False

    def _hand_over(self, msg: Msg, consumer) -> None:
        """Give a message straight to an idle ``consumer`` (it waited only for the broker)."""
        self.taken += 1          # _handed inlined: once per message (W1)
        waited = self.env._now - msg.t
        self._wait_buf.append(waited)
        msg.waited += waited
        consumer.begin(msg, self)

    arrive = put

    def _enter(self, msg: Msg, now: float) -> None:
        self.span -= now
        self.n = n = self.n + 1
        if n > self.peak:
            self.peak = n
        self._push(msg)

    def _overflow(self, msg: Msg, producer) -> bool:
        if self.overflow == "block":
            self.blocked.append((msg, producer))
            return producer is not None
        self.dropped += 1
        if self.overflow == "drop_oldest" and self.n:
            now = self.env._now
            oldest = self._remove_oldest()
            self._leave(now)
            self._enter(msg, now)
            fail(oldest, "dropped")
        else:
            fail(msg, "rejected")
        return False

    def _leave(self, now: float) -> None:
        """One waiting message left (taken, expired): account the length."""
        self.span += now
        self.n -= 1

    def take(self) -> Msg | None:
        """The next message for a consumer, or None when nothing waits."""
        if not self.n:
            return self._take_blocked() if self.blocked else None
        now = self.env._now
        msg = self._pop()
        self.span += now
        self.n -= 1
        self.taken += 1          # _handed inlined: take runs once per message (W1)
        waited = now - msg.t
        self._wait_buf.append(waited)
        msg.waited += waited
        if self.blocked:
            self._admit_blocked(now)
        return msg

    def _handed(self, msg: Msg, now: float) -> None:
        """``msg`` leaves for a consumer at ``now``: count it and its wait (in the
        buffer's figures and the message's own)."""
        self.taken += 1
        waited = now - msg.t
        self._wait_buf.append(waited)
        msg.waited += waited

    def _take_blocked(self) -> Msg:
        msg, producer = self.blocked.popleft()
        self._handed(msg, self.env._now)
        if producer is not None:
            producer.unblocked()
        return msg

    def _admit_blocked(self, now: float) -> None:
        while self.blocked and self.n < self.capacity:
            msg, producer = self.blocked.popleft()
            self._enter(msg, now)
            if producer is not None:
                producer.unblocked()

    @property
    def unbounded(self) -> bool:
        return math.isinf(self.capacity)
