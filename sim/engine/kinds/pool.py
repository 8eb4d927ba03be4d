"""Runtime of ``kind: pool``: a shared, passive resource (sim.engine.pool). It has no
edges; the services that use it are wired to it (sim.engine.kinds.service)."""

from __future__ import annotations

from sim.engine.kinds.base import KindRuntime, no_wiring
from sim.engine.pool import Pool

__all__ = ["RUNTIME"]


def build(ctx, spec) -> Pool:
    return Pool(ctx.env, spec.name, spec.size, spec.timeout)


def state(rt) -> tuple:
    """Executions waiting for a unit, units in use, size, units handed out."""
    return rt.waiting(), rt.used, rt.size, rt.acquisitions


RUNTIME = KindRuntime(build=build, wire=no_wiring, raw=lambda rt: rt.raw(), state=state,
                      samples=lambda rt: [rt.wait])
