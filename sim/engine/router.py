"""Routers (gateways, load balancers), delayed edges and token buckets."""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import Msg, fail

__all__ = ["Router", "DelayedEdge", "TokenBucket"]


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` stored; a call takes one token.

    Calling the bucket returns False when no token is left (the request is rejected).
    """

    __slots__ = ("env", "rate", "burst", "tokens", "last")

    def __init__(self, env, rate: float, burst: float) -> None:
        self.env, self.rate, self.burst = env, rate, burst
        self.tokens = burst
        self.last = 0.0

    def __call__(self) -> bool:
        now = self.env._now
        tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if tokens >= 1.0:
            self.tokens = tokens - 1.0
            return True
        self.tokens = tokens
        return False


class Router:
    """Takes no time, only routes; optionally rate-limited."""

    def __init__(self, env, name: str, admit=None) -> None:
        self.env = env
        self.name = name
        self.admit = admit
        self.send = None
        self.targets: list = []
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.arrivals = self.completed = self.dropped = 0

    def close(self, now: float) -> None:
        pass

    def load(self) -> int:
        return sum(t.load() for t in self.targets)

    def arrive(self, msg: Msg, producer=None) -> bool:
        self.arrivals += 1
        if self.admit is not None and not self.admit():
            self.dropped += 1
            fail(msg, "rejected")
            return False
        self.completed += 1
        return self.send(msg, producer)


class DelayedEdge:
    """An edge with network latency: the message reaches ``target`` after a draw (s).

    A message delivered late cannot block its producer, which has moved on.
    """

    def __init__(self, env, target, draw) -> None:
        self.env, self.target, self.draw = env, target, draw

    def load(self) -> int:
        return self.target.load()

    def arrive(self, msg: Msg, producer=None) -> bool:
        Call(self.env, self.draw(), self._deliver, msg)
        return False

    def _deliver(self, event) -> None:
        self.target.arrive(event._value, None)
