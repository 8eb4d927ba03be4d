"""Runtime of ``kind: router``: takes no time, only routes (sim.engine.router)."""

from __future__ import annotations

from sim.engine.kinds.base import KindRuntime, bucket
from sim.engine.kinds.routes import wire_sends
from sim.engine.router import Router

__all__ = ["RUNTIME"]


def build(ctx, spec) -> Router:
    return Router(ctx.env, spec.name, admit=bucket(ctx.env, spec.rate_limit), hops=ctx.hops)


def wire(ctx, spec, runtimes: dict) -> None:
    runtimes[spec.name].targets = wire_sends(ctx, spec, runtimes)


def raw(rt) -> dict:
    return {"kind": "router", "arrivals": rt.arrivals, "completed": rt.completed,
            "dropped": rt.dropped}


def state(rt) -> tuple:
    return None, None, None, rt.completed


RUNTIME = KindRuntime(build=build, wire=wire, raw=raw, state=state, samples=lambda rt: [],
                      traced=lambda rt: [])
