"""Wiring a node's outgoing edges into its ``send`` function (routing policy)."""

from __future__ import annotations

from sim.engine.classes import SwitchEdge, class_send
from sim.engine.router import DelayedEdge
from sim.engine.routing import make_send
from sim.rng import Purpose

__all__ = ["wire_sends", "edge_target"]


def edge_target(ctx, edge, runtimes: dict):
    """What a message on ``edge`` arrives at: the target's runtime, or a delayed edge
    in front of it when the edge has a latency."""
    target = runtimes[edge.target]
    if edge.latency is not None:
        draw = ctx.streams.draw(edge.latency, f"{edge.source}->{edge.target}", Purpose.EDGE)
        target = DelayedEdge(ctx.env, target, draw)
    if edge.switch is not None:
        target = SwitchEdge(target, edge.switch)
    return target


def route_params(ctx, spec, edges) -> dict:
    """The policy parameters :func:`sim.engine.routing.make_send` takes beyond the
    targets and probabilities (consistent_hash: successor names, replicas, key count)."""
    return {"names": [e.target for e in edges], "replicas": getattr(spec, "replicas", None),
            "key_count": ctx.model.key_count}


def wire_sends(ctx, spec, runtimes: dict) -> list:
    """Give the runtime of ``spec`` its ``send`` over its out-edges; returns the targets.

    Where the out-edges restrict classes or give a ``p`` by class, each class is routed
    over its own edges (sim.engine.classes); elsewhere the send ignores classes."""
    edges = ctx.model.out_edges(spec.name)
    targets = [edge_target(ctx, e, runtimes) for e in edges]
    if any(e.classes is not None or e.p_by_class is not None for e in edges):
        u = ctx.streams.uniform(spec.name, Purpose.ROUTING)
        runtimes[spec.name].send = class_send(spec, edges, targets,
                                              ctx.model.classes_at(spec.name), u)
        return targets
    given = [e.p for e in edges]
    probs = given if edges and None not in given else [1.0 / max(len(edges), 1)] * len(edges)
    u = ctx.streams.uniform(spec.name, Purpose.ROUTING) if len(targets) > 1 else None
    rt = runtimes[spec.name]
    params = route_params(ctx, spec, edges)
    if spec.routing == "broadcast":
        params.update(quorum=getattr(spec, "quorum", None),
                      nested=any(getattr(n, "quorum", None) for n in ctx.model.nodes))
    rt.send = make_send(spec.routing, targets, probs, u, f"node {spec.name!r}", **params)
    if ctx.model.scenario is not None:  # a scenario may re-route it (sim.engine.scenario)
        rt.targets, rt.route_uniform = targets, u
    return targets
