"""Analytic treatment of ``kind: service``: a pool of ``c`` servers.

Its capacity is ``c / holding time`` scaled by availability, where ``c`` is the most
servers it can have at once: ``autoscale.max`` when it autoscales, and at most one
per partition when all it serves comes from partitioned queues
(:func:`sim.analytic.capacity.servers_bound`). Its figures come from the station
formulas of :mod:`sim.analytic.stations` (with its own buffer, or as the consumer of
a queue's pool).
"""

from __future__ import annotations

import math

from sim.analytic.capacity import (availability_factor, holding_time, input_queues,
                                   routing_shares, servers_bound, unbounded)
from sim.analytic.kinds.base import RATES, StationKind, balancing_reasons, stable
from sim.analytic.layers import LAYERS, holding_law, in_calls
from sim.analytic.station import UNBOUNDED, Station

__all__ = ["STATION"]


def keep(spec) -> float:
    """A service with ``error_rate`` e passes on only ``1 - e`` of its messages."""
    return 1.0 - spec.error_rate


def row(rates, spec) -> dict:
    model, n = rates.model, spec.name
    lam, lam_open = rates.total[n], rates.open_rate[n]
    mean, a = holding_time(model, spec), availability_factor(spec)
    c, bound = servers_bound(model, spec)
    finite = c != math.inf
    open_util = lam_open * mean / (c * a) if finite else 0.0
    buffers = [spec.buffer] + [model.node(q).buffer for q in input_queues(model, spec)]
    grows = any(unbounded(b) for b in buffers)
    return {"servers": spec.servers, "effective_servers": c, "servers_bound": bound,
            "mean_service": mean, "offered_load": lam * mean,
            "utilization": lam * mean / c if finite else 0.0,
            "open_utilization": open_util, "availability": a,
            "bounded": not grows, "stable": stable(open_util, grows)}


def demand(model, spec, visits: float) -> float | None:
    """``V * S / (c * availability)`` seconds per request (None for ``inf`` servers)."""
    c, _bound = servers_bound(model, spec)
    if c == math.inf:
        return None
    return visits * holding_time(model, spec) / (c * availability_factor(spec))


def reasons(model, spec, rates) -> list[str]:
    from sim.analytic.buffers import buffer_reasons  # here: the traffic (check) needs none

    out = []
    if spec.availability is not None:
        out.append(f"service {spec.name!r} breaks down (availability)")
    if spec.autoscale is not None:
        out.append(f"service {spec.name!r} autoscales (its servers change over time)")
    if spec.slowdown is not None:
        out.append(f"service {spec.name!r} slows down under load (slowdown)")
    if spec.uses:
        out.append(f"service {spec.name!r} waits for units of {', '.join(spec.uses)} (uses)")
    if getattr(spec, "batch", None) is not None:
        out.append(f"service {spec.name!r} serves batches (its capacity assumes full "
                   f"batches)")
    return out + buffer_reasons(model, spec, rates) + balancing_reasons(model, spec)


def _multi_input(model, svc, queues: list[str]):
    """A single-server service consuming several queues in strict priority."""
    if svc.servers != 1:
        return None, f"service {svc.name!r} serves several queues with {svc.servers} servers"
    if any(len(model.out_edges(q)) > 1 for q in queues):
        return None, f"service {svc.name!r} shares its input queues with other consumers"
    if any(model.node(q).buffer.capacity != math.inf for q in queues):
        return None, f"service {svc.name!r} serves several queues, one with a finite capacity"
    if any(model.node(q).buffer.discipline != "fifo" for q in queues):
        return None, f"service {svc.name!r} serves several queues, one not FIFO"
    return Station(svc.name, tuple(queues), (svc.name,), 1, svc.service, UNBOUNDED), None


def group(model, spec):
    """A service fed directly heads a station with its own buffer; one consuming
    several queues heads a priority station; one consuming a single queue belongs to
    that queue's pool (None here)."""
    queues = input_queues(model, spec)
    direct = len(model.in_edges(spec.name)) > len(queues) or bool(model.calls_into(spec.name))
    if queues and direct:
        return None, f"service {spec.name!r} is fed both by queues and directly"
    if direct and in_calls(model, spec.name):
        return Station(spec.name, (), (spec.name,), spec.servers, holding_law(model, spec),
                       spec.buffer or UNBOUNDED, note=LAYERS, approximate=True), None
    if direct:
        return Station(spec.name, (), (spec.name,), spec.servers, spec.service,
                       spec.buffer or UNBOUNDED), None
    if len(queues) > 1:
        return _multi_input(model, spec, queues)
    return None


def metrics(model, spec) -> tuple[str, ...]:
    """A service fed only by queues has no buffer of its own (its wait is 0)."""
    waits = ("queue_length.mean", "wait.mean", "wait.p99") if spec.buffer is not None else ()
    return RATES + ("utilization",) + waits + ("sojourn.mean", "sojourn.p99")


STATION = StationKind(shares=routing_shares, keep=keep, row=row, demand=demand,
                      reasons=reasons, metrics=metrics, serves=True, group=group,
                      queued=lambda model, spec: True,
                      fails=lambda s: s.error_rate > 0 or s.availability is not None,
                      closed_form="M/M/c, M/M/c/K, M/G/1, M/G/inf, Cobham priority (one "
                                  "server, or M/M/c), Allen-Cunneen (sim.analytic.stations); "
                                  "preemptive-resume priority, processor sharing, Erlang-A, "
                                  "GI/M/c (sim.analytic.behaviour)")
