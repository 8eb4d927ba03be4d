"""Turn a station's solution into per-node figures shaped like a simulation result.

The keys mirror the result's (``nodes.<name>.wait.mean`` and so on) so that analytic and
simulated figures, and the planner's objectives, share their dotted paths. On a
queue, ``wait`` runs from arrival until a consumer takes the message (including
the broker's ``latency``); on a service fed by queues ``wait`` is 0 and
``sojourn`` is the service time; on a service with its own buffer ``wait``
includes the buffer's ``latency`` and ``sojourn`` adds the service.
``queue_length`` counts messages waiting (with a buffer latency, also those in
its delay, as Little's law over ``wait`` requires); ``busy`` counts servers in
use; ``utilization`` is ``busy / servers`` (None for ``servers: inf``; 1 when
unstable, where ``offered_load`` shows by how much the load exceeds it).
"""

from __future__ import annotations

import math
from typing import Sequence

from sim.analytic.layers import holding_law, in_calls
from sim.analytic.stations import StationResult
from sim.analytic.topology import Station
from sim.distributions import Distribution
from sim.model.spec import Model

__all__ = ["entry", "quantile", "station_entries", "class_of", "refused_entry", "shift_p99"]

INF = math.inf


def entry(kind: str, **values) -> dict:
    """A node's figures, every key present (None where unknown)."""
    out = {"kind": kind, "arrival_rate": None, "throughput": None, "offered_load": None,
           "utilization": None,
           "busy": {"mean": None}, "queue_length": {"mean": None},
           "wait": {"mean": None, "p99": None}, "sojourn": {"mean": None, "p99": None},
           "p_block": None, "stable": None, "applies": True, "reason": None,
           "method": None, "exact": None}
    for key, value in values.items():
        if isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def quantile(dist: Distribution, q: float) -> float | None:
    """The q-quantile of ``dist`` by bisection on its cdf (relative precision 1e-12);
    None when the mean is infinite."""
    mean = dist.mean
    if not math.isfinite(mean):
        return None
    if dist.scv == 0:
        return mean
    lo, hi = 0.0, max(mean, 1e-300)
    while dist.cdf(hi) < q:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if dist.cdf(mid) >= q:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


def class_of(model: Model, st: Station, sender: str) -> int:
    """Index of a sender's priority class at a station with sender-priority classes."""
    levels = sorted({s.priority for s in model.senders})
    return levels.index(model.node(sender).priority)


def _aggregate(results: Sequence[StationResult]) -> tuple[float, float, float, float]:
    """Total throughput, mean wait (throughput-weighted), total Lq, total L."""
    thr = sum(r.throughput for r in results)
    if thr == 0:
        return 0.0, results[0].mean_wait, 0.0, 0.0
    wait = sum(r.throughput * r.mean_wait for r in results if r.throughput > 0) / thr
    return thr, wait, sum(r.mean_queue_length for r in results), \
        sum(r.mean_in_system for r in results)


def shift_p99(p99: float | None, latency: Distribution | None) -> float | None:
    """A percentile after an independent delay: known only for a constant delay."""
    if latency is None or p99 is None:
        return p99
    return p99 + latency.mean if latency.scv == 0 else None


def _buffer_entry(kind: str, results: Sequence[StationResult], lam: float, p99: float | None,
                  latency: Distribution | None, common: dict) -> dict:
    thr, wait, lq, _ = _aggregate(results)
    delay = latency.mean if latency is not None else 0.0
    stable = all(r.stable for r in results)
    return entry(kind, arrival_rate=lam, throughput=thr, queue_length={"mean": lq + thr * delay},
                 wait={"mean": wait + delay, "p99": shift_p99(p99, latency) if stable else INF},
                 sojourn={"mean": wait + delay, "p99": shift_p99(p99, latency) if stable else INF},
                 p_block=max(r.p_block for r in results), stable=stable, **common)


def _law(model: Model, svc):
    """A consumer's time per message: its service law, or its layered holding time
    when it makes sync calls (:mod:`sim.analytic.layers`)."""
    return holding_law(model, svc) if in_calls(model, svc.name) else svc.service


def _service_entry(model: Model, st: Station, name: str, results: Sequence[StationResult],
                   share: float, common: dict) -> dict:
    svc = model.node(name)
    law = _law(model, svc)
    thr = sum(r.throughput for r in results) * share
    util = min(1.0, results[0].utilization) if svc.servers != INF else None
    busy = util * svc.servers if util is not None else thr * law.mean
    return entry("service", arrival_rate=thr, throughput=thr, utilization=util,
                 offered_load=thr * law.mean,
                 busy={"mean": busy}, queue_length={"mean": 0.0},
                 wait={"mean": 0.0, "p99": 0.0},
                 sojourn={"mean": law.mean, "p99": quantile(law, 0.99)},
                 p_block=0.0, stable=all(r.stable for r in results), **common)


def _direct_entry(model: Model, st: Station, results: Sequence[StationResult], lam: float,
                  p99: tuple, common: dict) -> dict:
    thr, wait, lq, total = _aggregate(results)
    mean, latency = st.service.mean, st.buffer.latency
    delay = latency.mean if latency is not None else 0.0
    stable = all(r.stable for r in results)
    util = min(1.0, results[0].utilization) if st.servers != INF else None
    busy = util * st.servers if util is not None else total - lq
    return entry("service", arrival_rate=lam, throughput=thr, utilization=util,
                 offered_load=lam * mean, busy={"mean": busy},
                 queue_length={"mean": lq + thr * delay},
                 wait={"mean": wait + delay, "p99": shift_p99(p99[0], latency) if stable else INF},
                 sojourn={"mean": _sojourn(results, thr, wait + mean) + delay,
                          "p99": shift_p99(p99[1], latency) if stable else INF},
                 p_block=max(r.p_block for r in results), stable=stable, **common)


def _sojourn(results: Sequence[StationResult], thr: float, plain: float) -> float:
    """Throughput-weighted mean sojourn of the classes: wait + service for queueing
    forms, more than that where service is shared (processor sharing) or preempted."""
    if thr == 0:
        return plain
    return sum(r.throughput * r.mean_sojourn for r in results if r.throughput > 0) / thr


def _shares(model: Model, st: Station) -> dict[str, float]:
    servers = {s: model.node(s).servers for s in st.services}
    if st.servers == INF:
        inf = [s for s, c in servers.items() if c == INF]
        return {s: (1.0 / len(inf) if s in inf else 0.0) for s in servers}
    return {s: c / st.servers for s, c in servers.items()}


def station_entries(model: Model, st: Station, results: Sequence[StationResult],
                    lams: Sequence[float], p99: tuple, common: dict
                    ) -> tuple[dict[str, dict], dict[str, dict[str, float]]]:
    """Node entries of a station and the time each sender spends per visit at each node.

    ``results`` holds one :class:`StationResult` per class: per input queue for a
    service with several queues, per sender priority level at a priority buffer,
    else exactly one. ``lams`` are the class arrival rates, ``p99`` the station's
    ``(wait, sojourn)`` 99th percentiles (None where unknown), ``common`` the
    ``method``/``exact``/``applies`` keys.
    """
    senders = [s.name for s in model.senders]
    def pick(sender: str) -> StationResult:
        return results[class_of(model, st, sender)] if len(results) > 1 else results[0]

    entries, times = {}, {}
    if not st.queues:
        name = st.services[0]
        entries[name] = _direct_entry(model, st, results, sum(lams), p99, common)
        delay = st.buffer.latency.mean if st.buffer.latency is not None else 0.0
        times[name] = {s: pick(s).mean_sojourn + delay for s in senders}
        return entries, times
    per_queue = len(st.queues) > 1
    for i, q in enumerate(st.queues):
        latency = model.node(q).buffer.latency
        mine = [results[i]] if per_queue else list(results)
        lam = lams[i] if per_queue else sum(lams)
        entries[q] = _buffer_entry("queue", mine, lam, None if per_queue else p99[0],
                                   latency, common)
        delay = latency.mean if latency is not None else 0.0
        times[q] = {s: (results[i] if per_queue else pick(s)).mean_wait + delay for s in senders}
    split = dict(common)
    if len(st.services) > 1:   # which consumer takes a message depends on their order
        split.update(exact=False, method=f"{common['method']}, split between consumers "
                                         "in proportion to servers (approximate)")
    for name, share in _shares(model, st).items():
        entries[name] = _service_entry(model, st, name, results, share, split)
        times[name] = {s: _law(model, model.node(name)).mean for s in senders}
    return entries, times


def refused_entry(spec, reason: str) -> dict:
    """The entry of a node whose figures the formulas cannot give."""
    return entry(spec.kind, applies=False, reason=reason, exact=False)
