"""Runtime of ``kind: cache`` (sim.engine.cache): its hit and miss edges are wired to
its successors (with their latency); ``warm`` fills it with the most popular keys."""

from __future__ import annotations

from sim.engine.cache import make_cache
from sim.engine.kinds.base import KindRuntime
from sim.engine.kinds.routes import edge_target
from sim.rng import Purpose

__all__ = ["RUNTIME"]


def build(ctx, spec):
    draw = ctx.streams.draw(spec.fill, spec.name, Purpose.SERVICE) if spec.fill else None
    cache = make_cache(ctx.env, spec, draw)
    if spec.warm:
        # keys are numbered by popularity (0 the most popular) in every sender's space
        top = min(spec.capacity, ctx.model.key_count)
        cache.warm(range(top - 1, -1, -1))
    return cache


def wire(ctx, spec, runtimes: dict) -> None:
    rt = runtimes[spec.name]
    for edge in ctx.model.out_edges(spec.name):
        target = edge_target(ctx, edge, runtimes).arrive
        if edge.when == "hit":
            rt.hit = target
        else:
            rt.miss = target


def raw(rt) -> dict:
    return {"kind": "cache", "hits": rt.hits, "misses": rt.misses,
            "evictions": rt.evictions, "expired": rt.expired}


def state(rt) -> tuple:
    return None, None, None, rt.hits + rt.misses


def counters(rt) -> tuple:
    """Hits and misses since the start (the time series' cache columns)."""
    return rt.total_hits, rt.total_misses


RUNTIME = KindRuntime(build=build, wire=wire, raw=raw, state=state, samples=lambda rt: [],
                      counters=counters)
