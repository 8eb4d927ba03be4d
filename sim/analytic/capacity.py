"""Capacities shared by the stations of several kinds: holding times, servers and
their bounds (autoscaling, partitions), availability, input queues and the routing
split of a node's out-edges.

These are the pieces :mod:`sim.analytic.kinds` assembles per kind; they read the
typed model only (no flows), so every kind's module can use them.
"""

from __future__ import annotations

import math

from sim.distributions import Exponential
from sim.model.spec import BufferSpec, Model

__all__ = ["is_exponential", "availability_factor", "holding_time", "input_queues", "unbounded",
           "reachable_servers", "servers_bound", "capacity", "partitions_of",
           "routing_shares"]


def is_exponential(dist) -> bool:
    """True when ``dist`` is exponential: scv 1 and the exponential cdf at three points.

    An :class:`~sim.distributions.Exponential` has that cdf by definition, so only
    other laws evaluate theirs (which imports numpy: ``asyncsim check`` of a model of
    exponential laws does not)."""
    if dist is None or not math.isclose(dist.scv, 1.0, rel_tol=1e-9) or not dist.mean > 0:
        return False
    if isinstance(dist, Exponential):
        return True
    import numpy as np

    xs = np.array([0.5, 1.0, 3.0]) * dist.mean
    return bool(np.allclose(dist.cdf(xs), -np.expm1(-xs / dist.mean), rtol=1e-9, atol=1e-12))


def availability_factor(svc) -> float:
    """Long-run fraction of time a service is up: ``mtbf / (mtbf + mttr)``."""
    if svc.availability is None:
        return 1.0
    up, down = svc.availability.mtbf.mean, svc.availability.mttr.mean
    return up / (up + down)


def holding_time(model: Model, svc) -> float:
    """Mean time (s) a server is held per message: the service time, plus the transit
    when the message is pulled over an edge with latency from a queue (the engine
    holds the consumer's server while it travels; averaged over such edges), plus
    the time held on sync calls (:func:`sim.analytic.layers.call_time`, approximate)."""
    pulls = [e.latency.mean for e in model.in_edges(svc.name)
             if e.latency is not None and model.node(e.source).kind == "queue"]
    own = svc.service.mean + (sum(pulls) / len(pulls) if pulls else 0.0)
    batch = getattr(svc, "batch", None)
    if batch is not None:  # full batches: (service + size x per_item) / size a message
        per_item = batch.per_item.mean if batch.per_item is not None else 0.0
        own = own / batch.size + per_item
    if not model.calls:
        return own
    from sim.analytic.layers import call_time  # it reads the flows, which read this

    return own + call_time(model, svc.name)


def input_queues(model: Model, svc) -> list[str]:
    """The queues a service consumes from, highest priority first."""
    fed = [e.source for e in model.in_edges(svc.name) if model.node(e.source).kind == "queue"]
    return [q for q in svc.inputs if q in fed] + [q for q in fed if q not in svc.inputs]


def unbounded(buffer: BufferSpec | None) -> bool:
    """A buffer that can grow without bound (``overflow: block`` moves the backlog
    upstream, so it counts as unbounded). Impatience bounds it: with a ``ttl`` (a
    number, or a patience law of finite mean) every message leaves within its
    patience, and a ``balk`` entry of probability 1 caps the line, so the load
    cannot make such a buffer grow (Erlang-A is stable at any load)."""
    if buffer is None:
        return False
    ttl = buffer.ttl
    if ttl is not None and math.isfinite(getattr(ttl, "mean", ttl)):
        return False
    if buffer.balk is not None and any(p >= 1.0 for _n, p in buffer.balk):
        return False
    return buffer.capacity == math.inf or buffer.overflow == "block"


def partitions_of(spec) -> int | None:
    """The partition count of a node's buffer, or None."""
    buffer = getattr(spec, "buffer", None)
    return getattr(buffer, "partitions", None) if buffer is not None else None


def reachable_servers(svc) -> float:
    """The most servers a service can have at once: ``autoscale.max`` when it
    autoscales (its count moves within [min, max]), else ``servers``."""
    return float(svc.autoscale.max) if svc.autoscale is not None else svc.servers


def servers_bound(model: Model, svc) -> tuple[float, str]:
    """``(effective servers, which bound)`` for stability and saturation.

    The servers a service can reach (:func:`reachable_servers`), and when every
    message it serves comes from partitioned queues, at most one message per
    partition is in service: ``min(c, sum of partitions)``.
    """
    c = reachable_servers(svc)
    bound = "autoscale max" if svc.autoscale is not None else "servers"
    queues = input_queues(model, svc)
    direct = len(model.in_edges(svc.name)) > len(queues)
    parts = [partitions_of(model.node(q)) for q in queues]
    if queues and not direct and all(parts) and sum(parts) < c:
        return float(sum(parts)), "partitions"
    return c, bound


def capacity(model: Model, svc) -> float:
    """Messages per second the service can complete at most: reachable servers over
    the mean holding time (before availability and partitions)."""
    mean = holding_time(model, svc)
    c = reachable_servers(svc)
    return math.inf if c == math.inf or mean == 0 else c / mean


def routing_shares(model: Model, spec) -> dict[str, float]:
    """Messages passed to each successor per message received by a node that routes
    (sender, service, router): ``broadcast`` copies to all, ``probabilistic`` with
    ``p`` passes ``p``, ``consistent_hash`` the popularity of the keys each successor
    owns (sim.analytic.keys), every other policy splits evenly (their long-run shares
    over identical successors); where the edges route request classes apart, the
    class-weighted shares (:func:`sim.analytic.classes.aggregate_shares`)."""
    edges = model.out_edges(spec.name)
    if not edges:
        return {}
    if model.classed and any(e.classes is not None or e.p_by_class is not None
                             for e in edges):
        from sim.analytic.classes import aggregate_shares  # it reads the kinds' shares

        return aggregate_shares(model, spec)
    if spec.routing == "broadcast":
        return {e.target: 1.0 for e in edges}
    if spec.routing == "probabilistic" and edges[0].p is not None:
        return {e.target: float(e.p) for e in edges}
    if spec.routing == "consistent_hash":
        from sim.analytic.keys import hash_shares

        return hash_shares(model, spec)
    return {e.target: 1.0 / len(edges) for e in edges}
