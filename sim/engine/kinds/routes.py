"""Wiring a node's outgoing edges into its ``send`` function (routing policy)."""

from __future__ import annotations

from sim.engine.router import DelayedEdge
from sim.engine.routing import make_send
from sim.rng import Purpose

__all__ = ["wire_sends", "edge_target"]


def edge_target(ctx, edge, runtimes: dict):
    """What a message on ``edge`` arrives at: the target's runtime, or a delayed edge
    in front of it when the edge has a latency."""
    target = runtimes[edge.target]
    if edge.latency is None:
        return target
    draw = ctx.streams.draw(edge.latency, f"{edge.source}->{edge.target}", Purpose.EDGE)
    return DelayedEdge(ctx.env, target, draw)


def wire_sends(ctx, spec, runtimes: dict) -> list:
    """Give the runtime of ``spec`` its ``send`` over its out-edges; returns the targets."""
    edges = ctx.model.out_edges(spec.name)
    targets = [edge_target(ctx, e, runtimes) for e in edges]
    given = [e.p for e in edges]
    probs = given if edges and None not in given else [1.0 / max(len(edges), 1)] * len(edges)
    u = ctx.streams.uniform(spec.name, Purpose.ROUTING) if len(targets) > 1 else None
    runtimes[spec.name].send = make_send(
        spec.routing, targets, probs, u, f"node {spec.name!r}", names=[e.target for e in edges],
        replicas=spec.replicas, key_count=ctx.model.key_count)
    return targets
