"""Traffic equations, offered load, stability and bottleneck of a model.

The flow of a model is linear: the mean number of times a request of sender
``s`` reaches node ``j`` (its *visit ratio*) solves ``v = e_s + v P``, where
``P[i, j]`` is the mean number of messages node ``i`` passes to ``j`` per
message it receives (Jackson 1957; Bolch et al., *Queueing Networks and Markov
Chains*, 2nd ed., sec. 7.1; Lazowska et al., *Quantitative System Performance*,
sec. 3.5). ``P`` is built as follows:

* ``probabilistic`` edges pass ``p`` (an equal split where no edge has one);
  ``round_robin``, ``random``, ``least_loaded`` and ``power_of_two`` split evenly
  (their long-run shares over identical successors);
* ``broadcast`` passes a copy to every successor: each copy is a visit;
* a queue's successors are competing consumers: a message is taken by
  one of them, and the split is taken proportional to each consumer's capacity
  ``servers / mean service`` (consumers with ``servers: inf`` take everything).
  It is exact for one consumer and the long-run split under heavy load; at light
  load consumers tried first take more. ``broadcast`` on a queue still copies;
* a service with ``error_rate`` e passes on only ``1 - e`` of its messages;
* a ``rate_limit`` on a sender or router passes at most ``rate`` per second:
  found by a short fixed-point iteration on the flows;
* a call edge adds ``visits`` arrivals at its callee per execution of its caller,
  which go no further (:mod:`sim.analytic.layers`); a caller's holding time adds
  the callees' response times (method of layers, approximate).

Retries, timeouts, ttl and finite buffers are ignored here: the figures are
the *offered* load of first attempts. An open sender's rate is its long-run
rate (:func:`long_run_rate`: a ``profile`` counts by its time average over
``period``, or by its last step when it does not repeat). Closed senders get
their throughput by mean value analysis (:func:`sim.analytic.mva.mva`), with the
open load's
utilisation ``U`` inflating their demands by ``1 / (1 - U)`` (the mixed-network
solution of Lazowska et al. 1984, sec. 7.4); pure delays (edge and broker
latencies) are added to the think time. A service with ``availability`` has its
capacity scaled by ``mtbf / (mtbf + mttr)``.

Stability (docs/reference/model.md): a node is unstable when the utilisation of its *open*
load, on the capacity left by higher-priority inputs, is >= 1 and its buffer is
unbounded. ``overflow: block`` counts as unbounded, since the backlog only
moves upstream. A service fed by queues is unstable when it is overloaded and
one of its input queues is unbounded; that queue is then reported as well.
A queue's utilisation is its arrival rate over the capacity its consumers
have left after their higher-priority inputs (``inputs`` order; a service's own
buffer counted first).

Servers are counted at their bound: an autoscaled service at ``autoscale.max``
(the most it can reach), and behind ``partitions: k`` at most k messages are in
service at once, so a service fed only by partitioned queues has
``min(servers, k)`` effective servers (each row says which bound it used, in
``servers_bound``). Each kind's part lives in :mod:`sim.analytic.kinds`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from sim.analytic.capacity import (availability_factor, holding_time, input_queues,
                                   is_exponential)
from sim.analytic.classes import effective_model
from sim.analytic.flowsolve import RoutingMatrix, solve_visits
from sim.analytic.kinds import Rates, station_of
from sim.analytic.layers import call_visits, path_visits
from sim.model.kinds.sender import SenderSpec
from sim.model.spec import Model

__all__ = ["is_exponential", "availability_factor", "input_queues", "long_run_rate",
           "routing_matrix", "visit_ratios", "Flows", "flows", "pure_delay", "traffic",
           "unstable_nodes", "bottleneck", "jackson_response"]

_MAX_PASSES = 60


def long_run_rate(sender: SenderSpec) -> float | None:
    """An open sender's long-run arrival rate (1/s), profile multipliers included:
    their time average over ``period``, else the last step's multiplier (which holds
    for ever). None for a closed sender."""
    rate = sender.mean_rate
    if rate is None or not sender.profile:
        return rate
    steps = list(sender.profile)
    if sender.period is None:
        return rate * steps[-1][1]
    bounds = [t for t, _ in steps[1:]] + [sender.period]
    area = steps[0][0] * 1.0 + sum(m * (end - t) for (t, m), end in zip(steps, bounds))
    return rate * area / sender.period


def routing_matrix(model: Model, thinning: Mapping[str, float] | None = None
                   ) -> RoutingMatrix:
    """``P[i, j]``, messages passed from node i to node j per message arriving at i,
    including error and rate-limit thinning; rows in model order (sparse)."""
    P = RoutingMatrix([n.name for n in model.nodes])
    for spec in model.nodes:
        kind = station_of(spec)
        keep = (thinning or {}).get(spec.name, 1.0) * kind.keep(spec)
        i = P.index[spec.name]
        for target, share in kind.shares(model, spec).items():
            P.add(i, P.index[target], keep * share)
    return P


def visit_ratios(model: Model, thinning: Mapping[str, float] | None = None
                 ) -> dict[str, dict[str, float]]:
    """``{sender: {node: visits per request}}``: solves ``v = e_s + v P`` per sender.

    A sender whose messages can multiply without bound (a broadcast inside a
    cycle) gets ``inf`` at every node it reaches: on the nodes reachable from
    the sender, a finite non-negative solution exists exactly when the series
    ``sum_k e P^k`` converges (spectral radius < 1), so a failed or negative
    solution means divergence.
    """
    P = routing_matrix(model, thinning)
    order = P.components()
    out = {}
    for s in model.senders:
        start = P.index[s.name]
        v = solve_visits(P, start, order)
        if v is None:
            v = [math.inf if seen else 0.0 for seen in _reach(P, start)]
        out[s.name] = {n: max(float(x), 0.0) for n, x in zip(P.names, v)}
        if model.calls:  # calls arrive at their callees and go no further
            for n, extra in call_visits(model, out[s.name]).items():
                out[s.name][n] += extra
    return out


def _reach(P: RoutingMatrix, start: int) -> list[bool]:
    seen, todo = [False] * len(P), [start]
    while todo:
        i = todo.pop()
        if not seen[i]:
            seen[i] = True
            todo.extend(j for j, w in P.rows[i].items() if w > 0)
    return seen


def pure_delay(model: Model, visits: Mapping[str, float], P: RoutingMatrix, names: list[str]
               ) -> float:
    """Mean pure delay per request (s): edge latencies times traversals, plus buffer
    (broker) latencies times visits."""
    index = {n: i for i, n in enumerate(names)}
    total = 0.0
    for e in model.edges:
        if e.latency is not None:
            total += visits[e.source] * P[index[e.source], index[e.target]] * e.latency.mean
    for n in model.nodes:
        buf = getattr(n, "buffer", None)
        if buf is not None and buf.latency is not None:
            total += visits[n.name] * buf.latency.mean
    return total


def _closed_throughput(model: Model, visits: dict, open_rate: dict, P: RoutingMatrix,
                       names: list[str]) -> dict[str, float]:
    """Throughput of each closed sender by (mixed-network) MVA."""
    closed = [s for s in model.senders if s.is_closed]
    if not closed:
        return {}
    import numpy as np

    from sim.analytic.mva import mva

    services = [n for n in model.nodes if station_of(n).serves]
    # a caller's holding time holds its callees' response times: path visits only
    path = {s.name: path_visits(model, visits[s.name]) if model.calls else visits[s.name]
            for s in closed}
    demands = np.zeros((len(closed), len(services)))
    servers = np.array([float(svc.servers) for svc in services])
    for k, svc in enumerate(services):
        a = availability_factor(svc)
        u_open = open_rate[svc.name] * holding_time(model, svc) / (svc.servers * a)
        inflate = 1.0 if svc.servers == math.inf else (
            1.0 / (1.0 - u_open) if u_open < 1 else math.inf)
        for r, s in enumerate(closed):
            v = path[s.name][svc.name]
            demands[r, k] = 0.0 if v == 0 else v * holding_time(model, svc) / a * inflate
    think = np.array([(s.think.mean if s.think is not None else 0.0)
                      + pure_delay(model, visits[s.name], P, names) for s in closed])
    blocked = ~np.all(np.isfinite(demands), axis=1) | ~np.isfinite(think)
    result = {s.name: 0.0 for s in closed}
    live = [r for r in range(len(closed)) if not blocked[r]]
    if live:
        sol = mva(demands[live], [closed[r].clients for r in live], think[live], servers)
        for r, x in zip(live, sol.throughput):
            result[closed[r].name] = x
    return result


class Flows(NamedTuple):
    """Mean flows of a model (see :func:`flows`)."""

    visits: dict[str, dict[str, float]]   # {sender: {node: arrivals per request}}
    open_rate: dict[str, float]           # node -> arrivals per second from open senders
    closed_rate: dict[str, float]         # node -> arrivals per second from closed senders
    sent: dict[str, float]                # sender -> requests per second
    P: RoutingMatrix                      # routing matrix with every thinning applied
    names: list[str]                      # node order of P


def flows(model: Model, loss: Mapping[str, float] | None = None) -> Flows:
    """Visits and arrival rates of every node, iterating on rate-limit thinning.

    ``loss`` maps a node to the fraction of its arrivals it refuses (e.g. a
    finite buffer's blocking probability); they are not passed on.
    """
    limits = [n for n in model.nodes if getattr(n, "rate_limit", None) is not None]
    keep = {n: 1.0 - p for n, p in (loss or {}).items()}
    thinning = dict(keep)
    for _ in range(_MAX_PASSES):
        visits = visit_ratios(model, thinning)
        P = routing_matrix(model, thinning)
        names = P.names
        sent = {s.name: float(long_run_rate(s)) for s in model.senders if not s.is_closed}
        open_rate = {n: float(sum(r * visits[s][n] for s, r in sent.items())) for n in names}
        sent.update(_closed_throughput(model, visits, open_rate, P, names))
        closed_rate = {n: float(sum(sent[s.name] * visits[s.name][n]
                                    for s in model.senders if s.is_closed)) for n in names}
        new = dict(keep)
        for n in limits:
            lam = open_rate[n.name] + closed_rate[n.name]
            cut = min(1.0, n.rate_limit.rate / lam) if lam else 1.0
            new[n.name] = new.get(n.name, 1.0) * cut
        if all(abs(new[k] - thinning.get(k, 1.0)) <= 1e-12 for k in new):
            break
        thinning = new
    return Flows(visits, open_rate, closed_rate, sent, P, names)


def traffic(model: Model) -> list[dict]:
    """Per-node arrival rates, offered load, utilisation and stability.

    Parameters
    ----------
    model : Model
        A validated model.

    Returns
    -------
    list of dict
        One dict per node, in model order, with keys ``node``, ``kind``,
        ``arrival_rate`` (1/s, open plus closed), ``open_rate``, ``closed_rate``,
        ``visits`` (``{sender: visits per request}``), ``servers`` and
        ``mean_service`` (services; else None), ``offered_load`` (busy servers
        needed, ``arrival_rate * mean_service``; a queue's is its consumers' load
        from it; 0 for senders and routers), ``utilization`` (services:
        ``offered_load / servers``, 0 for ``inf`` servers; queues: see the module
        notes; None for senders and routers), ``open_utilization`` (the same from
        open load only, capacity scaled by availability), ``bounded`` and ``stable``.
        A sender's ``arrival_rate`` is its offered rate (open) or its MVA
        throughput (closed).

    Notes
    -----
    Traffic equations of Jackson (1957); closed and mixed load by MVA
    (Lazowska et al. 1984, ch. 6-7). See the module docstring for the rules.

    The rows of the last model asked for are kept (a Model is immutable): ``check``
    asks three times, for the table, the stability verdicts and the work estimate,
    and a 20,000-node model takes seconds (benchmarks/load_scaling.py). Each call
    returns fresh row dicts.
    """
    if _LAST_TRAFFIC and _LAST_TRAFFIC[0] is model:
        return [dict(row) for row in _LAST_TRAFFIC[1]]
    rows = _traffic(model)
    _LAST_TRAFFIC[:] = [model, rows]
    return [dict(row) for row in rows]


_LAST_TRAFFIC: list = []


def _traffic(model: Model) -> list[dict]:
    model = effective_model(model)  # a service by class serves its classes' mixture
    visits, open_rate, closed_rate, sent, P, names = flows(model)
    total = {n: open_rate[n] + closed_rate[n] for n in names}
    rates = Rates(model, total, open_rate, sent, P, names)
    rows = []
    for spec in model.nodes:
        n = spec.name
        row = {"node": n, "kind": spec.kind, "arrival_rate": total[n], "open_rate": open_rate[n],
               "closed_rate": closed_rate[n], "visits": {s: v[n] for s, v in visits.items()},
               "servers": None, "mean_service": None, "offered_load": 0.0,
               "utilization": None, "open_utilization": None, "availability": None,
               "effective_servers": None, "servers_bound": None,
               "bounded": True, "stable": True}
        row.update(station_of(spec).row(rates, spec))
        rows.append(row)
    return rows


def unstable_nodes(model: Model) -> list[str]:
    """Names of the nodes :func:`traffic` reports unstable, in model order."""
    return [row["node"] for row in traffic(model) if not row["stable"]]


def bottleneck(model: Model) -> tuple[str | None, float]:
    """The node that saturates first and the request throughput (1/s) at which it does.

    Asymptotic bound analysis (Lazowska et al. 1984, ch. 5): with ``V_k`` the
    visits per request (senders weighted by their throughput in the current mix)
    the demand per server is ``D_k = V_k * S_k / (c_k * availability)``, and
    ``X_max = 1 / max_k D_k``. A rate-limited sender or router counts with
    ``D = V / rate``. Returns ``(None, inf)`` when nothing limits throughput.
    """
    rows = {row["node"]: row for row in traffic(model)}
    visits = visit_ratios(model)          # per offered request, before rate limiting
    weights = {s.name: rows[s.name]["arrival_rate"] for s in model.senders}
    if sum(weights.values()) <= 0:
        weights = {s: 1.0 for s in weights}
    norm = sum(weights.values())
    best, worst = None, 0.0
    for spec in model.nodes:
        v = sum(w * visits[s][spec.name] for s, w in weights.items()) / norm
        d = station_of(spec).demand(model, spec, v)
        if d is not None and d > worst:
            best, worst = spec.name, d
    return best, (1.0 / worst if worst > 0 else math.inf)


def jackson_response(visits: Mapping[str, float], sojourns: Mapping[str, float],
                     delay: float = 0.0) -> float:
    """Mean end-to-end response time of an open network: ``sum_k V_k W_k + delay``.

    By Jackson's theorem each station of an open network of M/M/c stations
    behaves as an isolated M/M/c with its total arrival rate (Jackson 1957;
    Kleinrock 1975, vol. 1, sec. 4.8), so by Little's law the mean time in the
    network is the visit-weighted sum of the station sojourns ``W_k``; ``delay``
    adds the pure delays (edge and broker latencies) per request.
    """
    return sum(v * sojourns[k] for k, v in visits.items() if v > 0) + delay
