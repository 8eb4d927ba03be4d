"""Open networks: every station solved in isolation at its traffic-equation rate.

Jackson's theorem (Jackson 1957; Kleinrock 1975, vol. 1, sec. 4.8) makes this
exact for M/M/c stations with unbounded buffers and Poisson senders, with any
probabilistic routing including feedback; BCMP (Baskett, Chandy, Muntz & Palacios
1975) adds infinite-server stations and pure delays of any distribution. A
finite buffer's blocking probability thins the flow it passes on (found by a
fixed point over the flows). Stations fed by non-Poisson streams (downstream of
a non-exponential, finite-buffer or priority station) are solved as if their
arrivals were Poisson and flagged approximate.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from sim.analytic.figures import entry, quantile, refused_entry, station_entries
from sim.analytic.kinds import error_rate
from sim.analytic.flowsolve import solve_absorption
from sim.analytic.network import Flows, flows, routing_matrix
from sim.analytic.stations import (StationResult, fork_join_2, ggc, mg1, mg1_priority, mm_inf,
                                   mmc, mmc_sojourn_percentile, mmc_wait_percentile, mmck)
from sim.analytic.served import solve_special
from sim.analytic.topology import Station, descendants, non_poisson_nodes
from sim.model.spec import Model

__all__ = ["solve_open"]

INF = math.inf
_PASSES = 200


def _single(st: Station, lam: float) -> StationResult:
    """The isolated station with Poisson arrivals at rate ``lam``."""
    mean, scv, cap = st.service.mean, st.service.scv, st.buffer.capacity
    if mean == 0:
        return StationResult(0.0, lam, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False, "zero service time")
    if st.servers == INF:
        return mm_inf(lam, 1.0 / mean)
    c = int(st.servers)
    if cap != INF:
        res = mmck(lam, 1.0 / mean, c, cap)
        if cap == 0 and not st.exponential:   # Erlang B is insensitive to the service law
            return replace(res, method="M/G/c/c (Erlang B, insensitive)")
        return res
    if st.exponential:
        return mmc(lam, 1.0 / mean, c)
    return mg1(lam, mean, scv) if c == 1 else ggc(lam, mean, c, 1.0, scv)


def _class_rates(model: Model, st: Station, fl: Flows) -> list[float]:
    """Arrival rate of each class at the station, highest priority first."""
    total = {n: fl.open_rate[n] + fl.closed_rate[n] for n in fl.names}
    if len(st.queues) > 1:
        return [total[q] for q in st.queues]
    levels = sorted({s.priority for s in model.senders})
    if st.buffer.discipline in ("priority", "preemptive") and len(levels) > 1:
        rates = [0.0] * len(levels)
        for s in model.senders:
            rates[levels.index(s.priority)] += fl.sent[s.name] * fl.visits[s.name][st.entry]
        return rates
    return [total[st.entry]]


def _solve(model: Model, st: Station, fl: Flows) -> tuple[list[float], list[StationResult], tuple]:
    """Class rates, per-class results and the ``(wait, sojourn)`` p99 of a station."""
    lams = _class_rates(model, st, fl)
    special = solve_special(model, st, lams)
    if special is not None:
        return lams, special, (None, None)
    if len(lams) > 1:
        n = len(lams)
        res = list(mg1_priority(lams, [st.service.mean] * n, [st.service.scv] * n))
        return lams, res, (None, None)
    res = _single(st, lams[0])
    return lams, [res], _p99(st, lams[0], res)


def _p99(st: Station, lam: float, res: StationResult) -> tuple:
    if not res.stable:
        return INF, INF
    if st.servers == INF or st.buffer.capacity == 0 or st.service.mean == 0:
        return 0.0, quantile(st.service, 0.99)
    if st.exponential and st.buffer.capacity == INF and st.buffer.discipline == "fifo":
        mu = 1.0 / st.service.mean
        return (mmc_wait_percentile(lam, mu, st.servers, 0.99),
                mmc_sojourn_percentile(lam, mu, st.servers, 0.99))
    return None, None


def _loss(st: Station, lams: list[float], res: list[StationResult]) -> float:
    """Fraction of the station's arrivals not passed on: blocked, or beyond capacity."""
    lam = sum(lams)
    return 0.0 if lam == 0 else max(0.0, 1.0 - sum(r.throughput for r in res) / lam)


def _fixed_point(model: Model, sts: list[Station]) -> tuple[Flows, dict, dict]:
    loss: dict[str, float] = {}
    for _ in range(_PASSES):
        fl = flows(model, loss)
        sols = {st.key: _solve(model, st, fl) for st in sts}
        new = {}
        for st in sts:
            value = _loss(st, *sols[st.key][:2])
            if value > 0:
                node = st.queues[0] if len(st.queues) == 1 else st.services[0]
                new[node] = value
        if new.keys() == loss.keys() and all(abs(new[k] - loss[k]) <= 1e-13 for k in new):
            break
        loss = new
    return fl, sols, loss


def solve_open(model: Model, sts: list[Station], refused: dict[str, str]) -> dict:
    """Node figures and end-to-end latency of a model whose senders are all open Poisson."""
    blocked = dict(refused)
    for node, why in refused.items():
        for d in descendants(model, node):
            blocked.setdefault(d, f"it is downstream of {node!r}: {why}")
    live = [st for st in sts if st.entry not in blocked]
    taint = non_poisson_nodes(model, live)
    fl, sols, loss = _fixed_point(model, live)
    nodes, times = {}, {}
    for st in live:
        lams, res, p99 = sols[st.key]
        exact = (not any(r.approximate for r in res) and not st.approximate
                 and st.entry not in taint)
        method = res[0].method + st.note + ("" if st.entry not in taint
                                            else ", assuming Poisson arrivals")
        e, t = station_entries(model, st, res, lams, p99,
                               {"method": method, "exact": exact, "applies": True})
        nodes.update(e)
        times.update(t)
    for spec in model.nodes:
        if spec.name in blocked:
            nodes[spec.name] = refused_entry(spec, blocked[spec.name])
        elif spec.name not in nodes:
            nodes[spec.name] = _passing(spec, fl, taint)
    refused = {st.queues[0] if len(st.queues) == 1 else st.services[0]:
               max(r.p_block for r in sols[st.key][1]) for st in live}
    return {"nodes": nodes, "flows": fl, "times": times, "sols": sols, "live": live,
            "blocked": blocked, "taint": taint, "loss": loss,
            "refused": {n: p for n, p in refused.items() if p > 0}}


def _passing(spec, fl: Flows, taint: dict) -> dict:
    """A sender, router, or queue without consumers: only its arrival rate."""
    lam = fl.open_rate[spec.name] + fl.closed_rate[spec.name]
    return entry(spec.kind, arrival_rate=lam, throughput=lam, method="traffic equations",
                 exact=spec.name not in taint)


def success(model: Model, loss_at: dict[str, float]) -> tuple[list[str], np.ndarray]:
    """``g[k]``: probability that a message arriving at node k completes (reaches a
    sink without being refused, erring or, for ``loss_at``, passed over), from
    ``g = b + P g`` (first-step analysis of the routing chain)."""
    P = routing_matrix(model, {n: 1.0 - p for n, p in loss_at.items()})
    b = np.zeros(len(P))
    for i, name in enumerate(P.names):
        if model.is_sink(name):
            spec = model.node(name)
            err = error_rate(spec)
            b[i] = (1.0 - loss_at.get(name, 0.0)) * (1.0 - err)
    return P.names, solve_absorption(P, b, P.components())


def single_fork(model: Model):
    """The model's one node that broadcasts to more than one successor, or None when it
    has none or several (the fork-join forms solve a single fork)."""
    forks = [n for n in model.nodes
             if getattr(n, "routing", None) == "broadcast" and len(model.out_edges(n.name)) > 1]
    return forks[0] if len(forks) == 1 else None


def fork_join(model: Model, live: list[Station], fl: Flows) -> tuple[str, float] | None:
    """The one broadcast node and its response time, when it forks to two identical
    M/M/1 sinks (Nelson & Tantawi 1988); None when the model has no such fork."""
    fork = single_fork(model)
    if fork is None:
        return None
    outs = model.out_edges(fork.name)
    branch = [next((st for st in live if st.entry == e.target), None) for e in outs]
    if len(outs) != 2 or any(st is None for st in branch):
        return None
    for st in branch:
        svc = model.node(st.services[0])
        ok = (len(st.services) == 1 and st.servers == 1 and st.exponential
              and st.buffer.capacity == INF and st.buffer.discipline != "priority"
              and model.is_sink(svc.name) and svc.error_rate == 0 and len(st.queues) <= 1
              and len(model.in_edges(st.entry)) == 1
              and (not st.queues or model.node(st.queues[0]).buffer.latency is None)
              and all(e.latency is None
                      for e in model.in_edges(svc.name) + model.in_edges(st.entry)))
        if not ok or st.service.mean != branch[0].service.mean:
            return None
    lam = fl.open_rate[fork.name] + fl.closed_rate[fork.name]
    return fork.name, fork_join_2(lam, 1.0 / branch[0].service.mean)
