"""Analytic treatment of ``kind: queue``: a broker queue and its competing consumers.

A message is taken by one consumer; the split is proportional to each consumer's
capacity ``servers / holding time`` (consumers with ``servers: inf`` take
everything). It is exact for one consumer and the long-run split under heavy load.
The queue's utilisation is its arrival rate over the capacity its consumers have
left after their higher-priority inputs (``inputs`` order; a service's own buffer
counted first). With ``partitions: k`` at most k messages are in service at once
(one per partition), so that capacity is at most ``k / holding time``.
"""

from __future__ import annotations

import math

from sim.analytic.capacity import (availability_factor, capacity, holding_time, input_queues,
                                   is_exponential, partitions_of, unbounded)
from sim.analytic.kinds.base import RATES, StationKind, keep_all, stable
from sim.analytic.layers import LAYERS, holding_law, in_calls
from sim.analytic.station import Station

__all__ = ["STATION", "consumer_shares"]


def consumer_shares(model, spec) -> dict[str, float]:
    """Share of the queue's messages each consumer takes (``broadcast``: a copy each)."""
    edges = model.out_edges(spec.name)
    if not edges:
        return {}
    if spec.routing == "broadcast":
        return {e.target: 1.0 for e in edges}
    caps = {e.target: capacity(model, model.node(e.target)) for e in edges}
    if any(c == math.inf for c in caps.values()):
        caps = {t: float(c == math.inf) for t, c in caps.items()}
    total = sum(caps.values())
    return {t: (c / total if total > 0 else 1.0 / len(caps)) for t, c in caps.items()}


def _higher_util(model, svc, queue: str, rates: dict, P, names: list[str]) -> float:
    """Utilisation of ``svc`` by inputs served before ``queue``: its own buffer's
    feed first, then the queues ahead of ``queue`` in its ``inputs`` order."""
    c = svc.autoscale.max if svc.autoscale is not None else svc.servers
    if c == math.inf:
        return 0.0
    index = P.index
    j, per = index[svc.name], holding_time(model, svc) / (c * availability_factor(svc))
    load = sum(rates[e.source] * P[index[e.source], j] for e in model.in_edges(svc.name)
               if model.node(e.source).kind != "queue")
    for q in input_queues(model, svc):
        if q == queue:
            break
        load += rates[q] * P[index[q], j]
    return load * per


def partition_capacity(model, spec) -> float:
    """Messages per second ``k`` partitions let through: ``k`` over the consumers'
    mean holding time (weighted by their shares); inf without partitions."""
    k = partitions_of(spec)
    if not k:
        return math.inf
    shares = consumer_shares(model, spec)
    total = sum(shares.values())
    if total <= 0:
        return math.inf
    hold = sum(s * holding_time(model, model.node(t)) for t, s in shares.items()) / total
    return k / hold if hold > 0 else math.inf


def utilisation(model, spec, rates: dict, P, names: list[str]) -> float:
    """Arrival rate of a queue over the capacity its consumers have left for it."""
    if rates[spec.name] == 0:
        return 0.0
    left = []
    for e in model.out_edges(spec.name):
        svc = model.node(e.target)
        cap = capacity(model, svc) * availability_factor(svc)
        left.append(cap * max(0.0, 1.0 - _higher_util(model, svc, spec.name, rates, P, names)))
    if spec.routing == "broadcast":
        return max((rates[spec.name] / c if c > 0 else math.inf) for c in left)
    total = min(sum(left), partition_capacity(model, spec))
    return rates[spec.name] / total if total > 0 else math.inf


def row(rates, spec) -> dict:
    model, n, P, names = rates.model, spec.name, rates.P, rates.names
    u_open = utilisation(model, spec, rates.open_rate, P, names)
    load = sum(rates.total[n] * P[P.index[n], P.index[e.target]]
               * holding_time(model, model.node(e.target)) for e in model.out_edges(n))
    grows = unbounded(spec.buffer)
    out = {"offered_load": float(load),
           "utilization": utilisation(model, spec, rates.total, P, names),
           "open_utilization": u_open, "bounded": not grows, "stable": stable(u_open, grows)}
    k = partitions_of(spec)
    if k:
        out.update(effective_servers=float(k), servers_bound="partitions")
    return out


def demand(model, spec, visits: float) -> float | None:
    """With partitions, ``V / (k / holding time)`` seconds per request; else None
    (the consumers' own demands count)."""
    cap = partition_capacity(model, spec)
    return None if cap == math.inf else visits / cap


def reasons(model, spec, rates) -> list[str]:
    from sim.analytic.buffers import buffer_reasons  # here: the traffic (check) needs none

    out = buffer_reasons(model, spec, rates)
    if spec.routing == "broadcast" and len(model.out_edges(spec.name)) > 1:
        out.append(f"queue {spec.name!r} broadcasts to competing consumers")
    return out


def group(model, spec):
    """A queue with consumers heads a pool: the queue and the services that consume
    only from it, identical in service time (else the reason why not)."""
    if not model.out_edges(spec.name):
        return None
    consumers = [model.node(e.target) for e in model.out_edges(spec.name)]
    if any(len(model.in_edges(c.name)) > len(input_queues(model, c))
           or model.calls_into(c.name) for c in consumers):
        return None, f"queue {spec.name!r} is consumed by a service that is also fed directly"
    if any(len(input_queues(model, c)) > 1 for c in consumers):
        return None, None    # handled as a multi-input station, or refused there
    # a consumer that makes sync calls holds its server for them too (method of layers)
    layered = any(in_calls(model, c.name) for c in consumers)
    laws = [holding_law(model, c) if layered else c.service for c in consumers]
    first = laws[0]
    same = all(law.mean == first.mean and law.scv == first.scv
               and is_exponential(law) == is_exponential(first) for law in laws)
    if not same:
        return None, f"queue {spec.name!r} has competing consumers with different service times"
    return Station(spec.name, (spec.name,), tuple(c.name for c in consumers),
                   sum(c.servers for c in consumers), first, spec.buffer,
                   note=LAYERS if layered else "", approximate=layered), None


def queued(model, spec) -> bool:
    return bool(model.out_edges(spec.name))


def metrics(model, spec) -> tuple[str, ...]:
    return RATES + ("queue_length.mean", "wait.mean", "wait.p99")


STATION = StationKind(shares=consumer_shares, keep=keep_all, row=row, demand=demand,
                      reasons=reasons, metrics=metrics, group=group, queued=queued,
                      closed_form="a pool: the queue and the services consuming it as one "
                                  "station (M/M/c, M/M/c/K, M/G/1, Allen-Cunneen; Erlang-A "
                                  "with exponential patience, GI/M/c behind a renewal sender)")
