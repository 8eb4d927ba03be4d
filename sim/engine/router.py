"""Routers (gateways, load balancers), delayed edges and token buckets."""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.message import Msg, fail

__all__ = ["Router", "DelayedEdge", "TokenBucket", "Hops", "MAX_HOPS"]

MAX_HOPS = 64
"""Routers forwarded through in one Python call chain before the next hop goes through
the event queue (at the same simulated time). Routers take no time, so a cycle of
routers (A -> B -> A with p < 1) would otherwise recurse once per hop and hit Python's
recursion limit; 64 hops use about 200 frames, well inside the default 1,000."""


class Hops:
    """Depth of the router call chain now running, shared by the routers of one
    replication (not a global, so replications in threads do not see each other)."""

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


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
    """Takes no time, only routes; optionally rate-limited.

    A message that arrives deeper than ``MAX_HOPS`` routers into one call chain is
    forwarded by a zero-delay event instead of a nested call: same simulated time,
    bounded stack. Such a message cannot block its producer (it has moved on), as on
    an edge with latency.
    """

    def __init__(self, env, name: str, admit=None, hops: Hops | None = None) -> None:
        self.env = env
        self.name = name
        self.admit = admit
        self.hops = hops if hops is not None else Hops()
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
        hops = self.hops
        if hops.depth >= MAX_HOPS:
            Call(self.env, 0.0, self._forward, msg)
            return False
        hops.depth += 1
        try:
            return self.send(msg, producer)
        finally:
            hops.depth -= 1

    def _forward(self, event) -> None:
        """A deferred hop (see the class docstring), from the top of the event loop."""
        self.hops.depth += 1
        try:
            self.send(event._value, None)
        finally:
            self.hops.depth -= 1


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
