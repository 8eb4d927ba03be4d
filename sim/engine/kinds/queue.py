"""Runtime of ``kind: queue``: a broker buffer (sim.engine.broker, sim.engine.delivery).

A queue routes nothing itself: the services downstream consume from it (they are
wired to it by the service's ``wire``).
"""

from __future__ import annotations

from sim.engine.classes import figures_for, tap_buffer
from sim.engine.delivery import make_buffer
from sim.engine.kinds.base import KindRuntime, no_wiring
from sim.engine.transit import with_broker_delay
from sim.rng import Purpose

__all__ = ["RUNTIME", "make_owned_buffer"]


def make_owned_buffer(ctx, name: str, spec):
    """The buffer a BufferSpec asks for, with its broker latency (queues and services'
    own buffers alike)."""
    streams = ctx.streams
    patience = None
    if spec.ttl is not None and not isinstance(spec.ttl, (int, float)):
        patience = streams.draw(spec.ttl, name, Purpose.MISC, extra=1)
    balk = None if spec.balk is None else streams.uniform(name, Purpose.MISC, extra=2)
    buffer = make_buffer(ctx.env, name, spec, streams.uniform(name, Purpose.MISC),
                         ctx.model.key_count, patience, balk)
    if spec.latency is not None:
        with_broker_delay(buffer, streams.draw(spec.latency, name, Purpose.LATENCY))
    return buffer


def build(ctx, spec):
    buffer = make_owned_buffer(ctx, spec.name, spec.buffer)
    buffer.by_class = {}
    if ctx.model.classed:
        buffer.by_class = figures_for(ctx.model.classes_at(spec.name))
        tap_buffer(ctx.env, buffer, buffer.by_class)
    return buffer


def raw(rt) -> dict:
    return {"kind": "queue", "arrivals": rt.arrivals, "completed": rt.taken,
            "dropped": rt.dropped, "expired": rt.expired, "q_area": rt.area,
            "q_peak": rt.peak, "wait": rt.wait,
            "deliveries": getattr(rt, "deliveries", None),
            "redelivered": getattr(rt, "redelivered", None),
            "stale": getattr(rt, "stale", None), "shed": getattr(rt, "shed", None),
            "classes": rt.by_class,
            "part_taken": getattr(rt, "part_taken", None),
            "part_area": getattr(rt, "part_area", None),
            "balked": getattr(rt, "balked", None)}


def state(rt) -> tuple:
    return rt.n, None, None, rt.taken


RUNTIME = KindRuntime(build=build, wire=no_wiring, raw=raw, state=state,
                      samples=lambda rt: [rt.wait, *(f.wait for f in rt.by_class.values())],
                      parts=lambda rt: [rt, *rt.by_class.values()],
                      traced=lambda rt: [(rt, "buffer", False)])
