"""Runtime of ``kind: router``: takes no time, only routes (sim.engine.router)."""

from __future__ import annotations

from sim.engine.classes import figures_for, tap_arrive
from sim.engine.kinds.base import KindRuntime, bucket
from sim.engine.kinds.routes import wire_sends
from sim.engine.router import Router

__all__ = ["RUNTIME"]


def build(ctx, spec) -> Router:
    router = Router(ctx.env, spec.name, admit=bucket(ctx.env, spec.rate_limit), hops=ctx.hops)
    router.by_class = {}
    if ctx.model.classed:
        router.by_class = figures_for(ctx.model.classes_at(spec.name))
        tap_arrive(router, router.by_class)
    return router


def wire(ctx, spec, runtimes: dict) -> None:
    runtimes[spec.name].targets = wire_sends(ctx, spec, runtimes)


def raw(rt) -> dict:
    return {"kind": "router", "arrivals": rt.arrivals, "completed": rt.completed,
            "dropped": rt.dropped, "classes": rt.by_class}


def state(rt) -> tuple:
    return None, None, None, rt.completed


RUNTIME = KindRuntime(build=build, wire=wire, raw=raw, state=state,
                      samples=lambda rt: [f.wait for f in rt.by_class.values()],
                      parts=lambda rt: [rt, *rt.by_class.values()],
                      traced=lambda rt: [])
