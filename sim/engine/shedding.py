"""CoDel load shedding at a buffer's dequeue (``shed: {target, interval}``).

Nichols & Jacobson, "Controlling Queue Delay" (ACM Queue, 2012), as RFC 8289 writes
it, with a message's wait in the buffer as the sojourn. When a consumer takes a
message: a wait below ``target`` (or an empty buffer) ends any episode; the first
wait at or above ``target`` starts a clock, and once waits have stayed above it for
``interval`` seconds the message taken is dropped (cause ``shed``) and dropping
starts. While dropping, each take drops the messages whose turn has come, the n-th
drop ``interval / sqrt(n)`` after the previous one, until a wait falls below
``target``. The last waiting message is never dropped (RFC 8289 keeps a packet
when the queue holds no more than one: dropping it would only idle the server). A new episode soon after the last (within 16 intervals) resumes the
drop count where it stopped, as RFC 8289 does.

A mixin over :class:`~sim.engine.broker.Buffer` (and its ttl variant), chosen at
build time, so a buffer without ``shed`` pays nothing. Shed messages fail in a
zero-delay event, after the take, so a retry they cause cannot re-enter the buffer
while a consumer is taking from it.
"""

from __future__ import annotations

import math

from sim.engine.events import Call
from sim.engine.message import Msg, fail

__all__ = ["Shedding", "shedding_class"]

_CLASSES: dict = {}


class Shedding:
    """CoDel state of one buffer; ``shed`` counts the messages dropped by it."""

    def __init__(self, env, name: str, spec, *args) -> None:
        super().__init__(env, name, spec, *args)
        self.target = spec.shed.target
        self.interval = spec.shed.interval
        self.first_above = None     # time when waits above target will allow a drop
        self.dropping = False
        self.drop_next = 0.0
        self.count = 0
        self.last_count = 0

    def reset(self, now: float) -> None:
        super().reset(now)
        self.shed = 0

    def _hand_over(self, msg: Msg, consumer) -> None:
        """Taken at once: the buffer was empty, which ends any episode."""
        self.first_above = None
        self.dropping = False
        super()._hand_over(msg, consumer)

    def _dequeue(self, now: float):
        """(message, ok_to_drop) for the next waiting message, or (None, False)."""
        if not self.n:
            self.first_above = None
            return None, False
        msg = self._pop()
        self.span += now
        self.n -= 1
        if now - msg.t < self.target or not self.n:
            self.first_above = None
            return msg, False
        if self.first_above is None:
            self.first_above = now + self.interval
            return msg, False
        return msg, now >= self.first_above

    def _drop(self, msg: Msg, now: float) -> None:
        self.shed += 1
        self.dropped += 1
        Call(self.env, 0.0, self._shed_now, msg)

    def _shed_now(self, event) -> None:
        fail(event._value, "shed")

    def _law(self, t: float) -> float:
        return t + self.interval / math.sqrt(self.count)

    def take(self) -> Msg | None:
        """RFC 8289's dequeue: the message to serve after any drops, or None."""
        if not self.n:
            self.first_above = None
            self.dropping = False
            return self._take_blocked() if self.blocked else None
        now = self.env._now
        msg, ok = self._dequeue(now)
        if self.dropping:
            if not ok:
                self.dropping = False
            while self.dropping and now >= self.drop_next:
                self._drop(msg, now)
                self.count += 1
                msg, ok = self._dequeue(now)
                if not ok:
                    self.dropping = False
                else:
                    self.drop_next = self._law(self.drop_next)
        elif ok:
            self._drop(msg, now)
            msg, ok = self._dequeue(now)
            self.dropping = True
            delta = self.count - self.last_count
            recent = now - self.drop_next < 16 * self.interval
            self.count = delta if delta > 1 and recent else 1
            self.drop_next = self._law(now)
            self.last_count = self.count
        if msg is None:
            return self._take_blocked() if self.blocked else None
        self._handed(msg, now)
        if self.blocked:
            self._admit_blocked(now)
        return msg


def shedding_class(base: type) -> type:
    """``base`` (a Buffer class) with CoDel shedding (built once per base)."""
    if base not in _CLASSES:
        _CLASSES[base] = type(base.__name__, (Shedding, base), {})
    return _CLASSES[base]
