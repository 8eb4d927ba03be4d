"""Wiring a node's outgoing edges into its ``send`` function (routing policy)."""

from __future__ import annotations

from sim.engine.router import DelayedEdge
from sim.engine.routing import make_send
from sim.rng import Purpose

__all__ = ["wire_sends"]


def _target(ctx, edge, runtimes: dict):
    target = runtimes[edge.target]
    if edge.latency is None:
        return target
    draw = ctx.streams.draw(edge.latency, f"{edge.source}->{edge.target}", Purpose.EDGE)
    return DelayedEdge(ctx.env, target, draw)


def wire_sends(ctx, spec, runtimes: dict) -> list:
    """Give the runtime of ``spec`` its ``send`` over its out-edges; returns the targets."""
    edges = ctx.model.out_edges(spec.name)
    targets = [_target(ctx, e, runtimes) for e in edges]
    given = [e.p for e in edges]
    probs = given if edges and None not in given else [1.0 / max(len(edges), 1)] * len(edges)
    u = ctx.streams.uniform(spec.name, Purpose.ROUTING) if len(targets) > 1 else None
    rt = runtimes[spec.name]
    params = {}
    if spec.routing == "broadcast":
        params = {"quorum": getattr(spec, "quorum", None),
                  "nested": any(getattr(n, "quorum", None) for n in ctx.model.nodes)}
    rt.send = make_send(spec.routing, targets, probs, u, f"node {spec.name!r}", **params)
    if ctx.model.scenario is not None:  # a scenario may re-route it (sim.engine.scenario)
        rt.targets, rt.route_uniform = targets, u
    return targets
