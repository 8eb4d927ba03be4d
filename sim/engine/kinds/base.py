"""What the engine needs from each node kind, and the context its builders share.

A kind's runtime entry (:class:`KindRuntime`) says how to build the runtime of a
node of that kind, how to wire it once every runtime exists, and how to read it
(raw counters for :mod:`sim.metrics.entries`, a snapshot for the time series, the
sample statistics to fold now and then). All of it runs at build or read time,
never per message: the hot path stays in the runtime classes.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Callable

from sim.errors import ModelError, nearest
from sim.rng import Purpose, generator

__all__ = ["Streams", "Context", "KindRuntime", "lookup", "no_wiring", "bucket"]


class Streams:
    """The seeded streams of one replication, one per (node, purpose)."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed, self.replication = seed, replication

    def rng(self, node: str, purpose: Purpose, extra: int = 0):
        return generator(self.seed, self.replication, node, purpose, extra)

    def draw(self, dist, node: str, purpose: Purpose, extra: int = 0):
        return dist.stream(self.rng(node, purpose, extra))

    def uniform(self, node: str, purpose: Purpose, extra: int = 0):
        rng = self.rng(node, purpose, extra)
        chunks = (rng.random(4096).tolist() for _ in itertools.count())
        return functools.partial(next, itertools.chain.from_iterable(chunks))


@dataclass(frozen=True, slots=True)
class Context:
    """What every builder of one replication receives.

    ``warmup`` and ``end`` are simulated seconds; ``tracked`` says whether senders
    keep each request (duplicate side effects or tracing); ``hops`` is the router
    call-depth counter shared by the routers of this replication.
    """

    env: object
    model: object
    streams: Streams
    warmup: float
    end: float
    tracked: bool
    hops: object


@dataclass(frozen=True, slots=True)
class KindRuntime:
    """The engine's treatment of one node kind.

    build(ctx, spec) -> runtime; wire(ctx, spec, runtimes) connects it to its
    neighbours; raw(rt) -> counters with a ``kind`` key (read by
    :mod:`sim.metrics.entries`); state(rt) -> (queue_length, busy, servers,
    departures) now; samples(rt) -> the SampleStats to fold during the run;
    parts(rt) -> the objects to close and reset at warm-up (the runtime and any
    buffer it owns); start(rt) sets it going when the run starts (a sender's first
    arrival); check(name, rt) verifies its bookkeeping at the end (a sender's
    conservation of requests); traced(rt) -> the (part, role, own) triples a trace
    follows: role is sender, buffer or service (sim.engine.trace), ``own`` marks a
    service's own buffer.
    """

    build: Callable
    wire: Callable
    raw: Callable[[object], dict]
    state: Callable[[object], tuple]
    samples: Callable[[object], list]
    parts: Callable[[object], list] = lambda rt: [rt]
    start: Callable[[object], None] = lambda rt: None
    check: Callable[[str, object], None] = lambda name, rt: None
    traced: Callable[[object], list] = lambda rt: []
    counters: Callable[[object], tuple] | None = None


def lookup(registry: dict, spec, what: str):
    """``registry[spec.kind]``, or a ModelError naming the node and the kinds known."""
    kind = getattr(spec, "kind", None)
    try:
        return registry[kind]
    except KeyError:
        raise ModelError(f"must be a kind {what} knows: one of {', '.join(registry)}",
                         node=getattr(spec, "name", None), key="kind", value=kind,
                         suggestion=nearest(str(kind), registry)) from None


def no_wiring(ctx: Context, spec, runtimes: dict) -> None:
    """For kinds with nothing to connect (a queue: its consumers pull from it)."""


def bucket(env, limit):
    """A token bucket for ``limit`` (a RateLimit), or None."""
    from sim.engine.router import TokenBucket

    return TokenBucket(env, limit.rate, limit.burst) if limit is not None else None
