"""Delays at brokers: a queue's ``latency`` (before a message can be taken) and the
``latency`` of an edge from a queue to its consumer (the pull's transit).

Both are mixins chosen when the model is built, so queues and services without
them pay nothing.
"""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import Msg

__all__ = ["with_broker_delay", "PullTransit"]


class _BrokerDelay:
    """A message becomes visible (and counts against capacity) after a broker delay;
    its wait at the queue counts from its arrival at the broker."""

    broker_delay = None

    def put(self, msg: Msg, producer=None, arrived: float | None = None) -> bool:
        now = self.env._now if arrived is None else arrived
        Call(self.env, self.broker_delay(), self._visible, (msg, now))
        return False

    arrive = put

    def _visible(self, event) -> None:
        msg, arrived = event._value
        super().put(msg, None, arrived)


_DELAYED: dict = {}


def with_broker_delay(buffer, draw) -> None:
    """Give ``buffer`` a broker delay drawn by ``draw`` (seconds) before visibility."""
    cls = type(buffer)
    if cls not in _DELAYED:
        _DELAYED[cls] = type(f"Delayed{cls.__name__}", (_BrokerDelay, cls), {})
    buffer.__class__ = _DELAYED[cls]
    buffer.broker_delay = draw


class PullTransit:
    """Mixin for a service with latency on edges from its queues: the server that
    takes a message is held while it travels (a pull), then serves it."""

    transit: dict = {}

    def begin(self, msg: Msg, source) -> None:
        draw = self.transit.get(source)
        if draw is None:
            super().begin(msg, source)
            return
        now = self.env._now
        self.arrivals += 1
        self._wait_buf.append(0.0)
        self.busy_span -= now
        self.busy += 1
        Call(self.env, draw(), self._landed, msg)

    def _continue(self, msg: Msg, take, now: float) -> None:
        draw = self.transit.get(getattr(take, "__self__", None))
        if draw is None:
            super()._continue(msg, take, now)
            return
        self.arrivals += 1
        self._wait_buf.append(0.0)
        Call(self.env, draw(), self._landed, msg)

    def _landed(self, event) -> None:
        msg = event._value
        msg.t = self.env._now
        self._work(msg)  # a service by class draws its class's time there
