"""``analyze(model)``: the analytic figures of a model, or why there are none.

The answer has the shape of a simulation result (docs/reference/results.md): ``requests`` and
``nodes`` with the same keys (``nodes.worker.wait.p99``,
``requests.latency.mean``), so that the planner's objectives and the tests read
both alike. Every figure block carries ``method`` (the formula), ``exact``
(False for an approximation) and ``applies``; when ``applies`` is False the
figures are None and ``reason`` says which feature of the model the formulas
cannot capture. No number is given where the formulas do not hold.

Open models are solved station by station at their traffic-equation rates
(:mod:`sim.analytic.opennet`); closed models by mean value analysis
(:mod:`sim.analytic.closednet`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.analytic.classes import class_figures, effective_model
from sim.analytic.closednet import solve_closed, success_closed
from sim.analytic.figures import entry, refused_entry, shift_p99
from sim.analytic.kinds import error_rate
from sim.analytic.layers import path_visits
from sim.analytic.network import bottleneck, flows, traffic
from sim.analytic.opennet import fork_join, solve_open, success
from sim.analytic.served import order_join
from sim.analytic.topology import ancestors, latency_reasons, model_reasons, stations
from sim.model.spec import Model

__all__ = ["analyze"]

INF = math.inf


def _requests(**values) -> dict:
    out = {"arrival_rate": None, "throughput": None, "loss": None,
           "latency": {"mean": None, "p99": None}, "applies": True, "reason": None,
           "method": None, "exact": None}
    out.update(values)
    return out


def analyze(model: Model) -> dict:
    """Analytic steady-state figures of a validated model.

    Parameters
    ----------
    model : Model
        A validated model (:mod:`sim.model.spec`).

    Returns
    -------
    dict
        ``model`` (name); ``applies``, ``reason``, ``method``, ``exact`` for the
        whole answer; ``requests`` with ``arrival_rate`` (1/s offered),
        ``throughput`` (1/s completed), ``loss`` (fraction refused or failed),
        ``latency`` ``{mean, p99}`` (seconds, first departure to completion;
        p99 only where a closed form exists); ``nodes``: per node ``kind``,
        ``arrival_rate``, ``throughput``, ``offered_load``, ``utilization``,
        ``busy.mean``, ``queue_length.mean``, ``wait.{mean, p99}``,
        ``sojourn.{mean, p99}``, ``p_block``, ``stable``, ``applies``, ``reason``,
        ``method``, ``exact`` (a sender's entry adds ``latency`` for its own
        requests); ``bottleneck``: ``{node, max_throughput}`` from asymptotic
        bounds on the offered load (:func:`sim.analytic.network.bottleneck`);
        in a model that names request classes, ``classes``: per class of a sender
        its ``arrival_rate``, ``visits`` (node -> class there -> visits per request,
        from the traffic equations per class), ``latency`` ``{mean, p99}``,
        ``exact`` and ``reason`` (:func:`sim.analytic.classes.class_figures`).

    Notes
    -----
    Jackson (1957) and BCMP (Baskett et al. 1975) networks for open models,
    with per-station M/M/c, M/M/c/K, M/G/1, M/G/inf, Cobham priority and
    Allen-Cunneen formulas (:mod:`sim.analytic.stations`); exact or Schweitzer
    MVA for closed ones (Reiser & Lavenberg 1980); the two-way fork-join of
    Nelson & Tantawi (1988), and order statistics of exponential copies for a
    fork or quorum over unbounded servers; Erlang-A, preemptive-resume priority,
    processor sharing, GI/M/c and Cobham on M/M/c (:mod:`sim.analytic.behaviour`).
    An unstable node has ``stable: False`` and infinite waits.
    """
    model = effective_model(model)  # a service by class serves its classes' mixture
    neck, xmax = bottleneck(model)
    out = {"model": model.name, "applies": True, "reason": None, "method": None,
           "exact": None, "requests": _requests(), "nodes": {},
           "bottleneck": {"node": neck, "max_throughput": xmax}}
    closed = all(s.is_closed for s in model.senders)
    rates = None if closed else _rates(model)
    reasons = model_reasons(model, rates)
    if reasons:
        out["nodes"] = {n.name: refused_entry(n, reasons[0]) for n in model.nodes}
        out["requests"] = _requests(applies=False, reason=reasons[0], exact=False)
    else:
        sts, refused = stations(model, rates)
        if closed:
            body = solve_closed(model, sts, refused)
            out["requests"] = _closed_requests(model, body)
        else:
            body = solve_open(model, sts, refused)
            out["requests"] = _open_requests(model, body)
        out["nodes"] = body["nodes"]
    _pool_entries(model, out["nodes"])
    _cache_entries(model, out["nodes"])
    out = _summary(model, out)
    if model.classed:
        req = out["requests"]
        out["classes"] = class_figures(model, out["nodes"], bool(out["exact"]),
                                       req["reason"] if not req["applies"] else None)
    return out


def _cache_entries(model: Model, nodes: dict) -> None:
    """A cache's expected hit ratio and the load its misses leave on the miss path
    (``miss_rate``, 1/s, the miss edge's traffic: (1 - hit ratio) x arrivals), with
    the formula used (sim.analytic.cache); exact only where the formula is."""
    caches = [n.name for n in model.nodes if n.kind == "cache"]
    if not caches:
        return
    rows = {r["node"]: r for r in traffic(model)}
    for name in caches:
        row, node = rows[name], nodes.get(name) or {}
        exact = bool(node.get("exact", True))
        nodes[name] = {**node, "kind": "cache", "hit_ratio": row["hit_ratio"],
                       "miss_rate": row["miss_rate"], "miss_node": row["miss_node"],
                       "method": row["hit_method"],
                       "exact": exact and _cache_exact(model, name)}


def _cache_exact(model: Model, name: str) -> bool:
    from sim.analytic.kinds.cache import expected

    return expected(model, model.node(name)).exact


def _pool_entries(model: Model, nodes: dict) -> None:
    """A pool's utilisation, sum over its users of arrival rate x holding time / size,
    and its wait for a unit, G/G/size by Allen-Cunneen (sim.analytic.kinds.pool),
    flagged approximate."""
    pools = [n.name for n in model.nodes if n.kind == "pool"]
    if not pools:
        return
    rows = {r["node"]: r for r in traffic(model)}
    for name in pools:
        row = rows[name]
        nodes[name] = entry("pool", offered_load=row["offered_load"],
                            utilization=row["utilization"], stable=row["stable"],
                            wait={"mean": row["unit_wait"]},
                            exact=False, method="units held / size: sum over its users "
                                                "of arrival rate x holding time; wait for "
                                                "a unit: G/G/size (Allen-Cunneen)")


def _rates(model: Model) -> dict[str, float]:
    """Offered arrival rate per node (first attempts, no refusals)."""
    fl = flows(model)
    return {n: fl.open_rate[n] + fl.closed_rate[n] for n in fl.names}


def _summary(model: Model, out: dict) -> dict:
    req, nodes = out["requests"], out["nodes"]
    for s in model.senders:
        unknown = {"mean": None, "p99": None}
        nodes[s.name]["latency"] = req.get("per_sender", {}).get(s.name, unknown)
    req.pop("per_sender", None)
    out["nodes"] = nodes = {n.name: nodes[n.name] for n in model.nodes}
    why = req["reason"] or next((e["reason"] for e in nodes.values() if not e["applies"]), None)
    out["applies"] = why is None
    out["reason"] = why
    out["method"] = req["method"]
    out["exact"] = bool(req["exact"]) and all(e["exact"] for e in nodes.values())
    return out


def _closed_requests(model: Model, body: dict) -> dict:
    if body["reason"] is not None:
        return _requests(applies=False, reason=body["reason"], exact=False)
    fl, sol = body["flows"], body["mva"]
    ok = success_closed(model, fl)
    per, thr = {}, 0.0
    errors = any(error_rate(n) > 0 for n in model.nodes)
    for r, s in enumerate(model.senders):
        mean = None if errors else sol.response_time[r] + body["delays"][r]
        per[s.name] = {"mean": mean, "p99": None}
        body["nodes"][s.name].update(arrival_rate=sol.throughput[r],
                                     throughput=sol.throughput[r] * ok[s.name])
        thr += sol.throughput[r] * ok[s.name]
    offered = sum(sol.throughput)
    done = [sol.throughput[r] * ok[s.name] for r, s in enumerate(model.senders)]
    mean = None if errors else _weighted([per[s.name]["mean"] for s in model.senders], done)
    return _requests(arrival_rate=offered, throughput=thr,
                     loss=1.0 - _weighted(list(ok.values()), list(sol.throughput)),
                     latency={"mean": mean, "p99": None}, applies=not errors,
                     reason="errors make completed requests a biased sample" if errors else None,
                     method=body["method"], exact=body["exact"] and not errors,
                     per_sender=per)


def _weighted(values: list[float], weights: list[float]) -> float | None:
    """Weighted mean; infinite weights (a class with no delay at all) share equally."""
    if any(w == INF for w in weights):
        values = [v for v, w in zip(values, weights) if w == INF]
        weights = [1.0] * len(values)
    total = sum(weights)
    return sum(v * w for v, w in zip(values, weights)) / total if total > 0 else None


def _latency_refusal(model: Model, body: dict) -> str | None:
    reasons = latency_reasons(model)
    if reasons:
        return reasons[0]
    if body["blocked"]:
        node, why = next(iter(body["blocked"].items()))
        return f"node {node!r}: {why}"
    return None


def _open_requests(model: Model, body: dict) -> dict:
    fl = body["flows"]
    index = {n: i for i, n in enumerate(fl.names)}
    broadcast = any(n.routing == "broadcast" and len(model.out_edges(n.name)) > 1
                    for n in model.nodes)
    fj, order = None, None
    if broadcast:
        fj = order = order_join(model, body["live"], fl)
        quorum = any(getattr(n, "quorum", None) for n in model.nodes)
        if fj is None and not quorum:
            fj = fork_join(model, body["live"], fl)
    why = _latency_refusal(model, body)
    lossy = bool(body["refused"]) or any(error_rate(n) > 0 for n in model.nodes)
    if why is None and broadcast and (fj is None or lossy):
        why = ("broadcast fork-join latency has a closed form only for a two-way fork to "
               "identical M/M/1 sinks, or a fork (or quorum) to exponential sinks with "
               "unbounded servers, without losses")
    ones = np.ones(len(fl.names))
    g_all = ones if broadcast else success(model, body["loss"])[1]    # completes at all
    g = ones if broadcast else success(model, body["refused"])[1]     # not refused or erring
    per, thr, offered, done, exact = {}, 0.0, 0.0, 0.0, why is None
    for s in model.senders:
        rate = fl.sent[s.name]
        offered, done = offered + rate, done + rate * float(g[index[s.name]])
        thr += rate * float(g_all[index[s.name]])
        body["nodes"][s.name].update(throughput=rate * float(g_all[index[s.name]]))
        mean, p99, s_exact = ((None, None, False) if why
                              else _sender_latency(model, s.name, body, g, fj))
        per[s.name] = {"mean": mean, "p99": p99}
        exact = exact and s_exact
    mean = None
    if why is None and done > 0:
        mean = float(sum(fl.sent[s] * g[index[s]] * per[s]["mean"]
                         for s in per if g[index[s]] > 0) / done)
    p99 = per[model.senders[0].name]["p99"] if len(per) == 1 and why is None else None
    join = (" + order statistics of the copies (quorum)" if order
            else " + fork-join (Nelson & Tantawi 1988)")
    method = "Jackson/BCMP network" + (join if fj else "")
    return _requests(arrival_rate=offered, throughput=thr,
                     loss=1.0 - done / offered if offered > 0 else 0.0,
                     latency={"mean": mean, "p99": p99}, applies=why is None, reason=why,
                     method=method, exact=exact, per_sender=per)


def _sender_latency(model: Model, sender: str, body: dict, g: np.ndarray,
                    fj: tuple[str, float] | None) -> tuple[float | None, float | None, bool]:
    """Mean latency of a sender's completed requests: ``E[T 1{done}] / P(done)``,
    summing per-visit times weighted by visits and the chance to complete afterwards."""
    fl, times, nodes = body["flows"], body["times"], body["nodes"]
    index = {n: i for i, n in enumerate(fl.names)}
    v = fl.visits[sender]
    if model.calls:  # a caller's sojourn holds its calls: count path visits only
        v = path_visits(model, v)
    skip = set()
    if fj is not None:
        skip = {e.target for e in model.out_edges(fj[0])}
        skip |= {t.target for s in list(skip) for t in model.out_edges(s)}
    # a queue-fed consumer always takes its mean service time, whatever its split
    consumers = {n for st in body["live"] if st.queues for n in st.services}
    total, exact, visited = 0.0, True, []
    for node, per in times.items():
        if node in skip or v[node] <= 0:
            continue
        if per[sender] == INF:   # unstable: p99 inf too; infinite variance: p99 unknown
            return INF, (INF if nodes[node]["stable"] is False else None), True
        total += v[node] * per[sender] * g[index[node]]
        exact = exact and (node in consumers or bool(nodes[node]["exact"]))
        visited.append(node)
    exact = exact and not _blocking_after_waiting(model, visited, nodes)
    for e in model.edges:
        if e.latency is not None and v[e.source] > 0:
            total += (v[e.source] * fl.P[index[e.source], index[e.target]] * e.latency.mean
                      * g[index[e.target]])
    if fj is not None:
        total += v[fj[0]] * fj[1]
        exact = exact and all(nodes[n]["exact"] for n in skip)
    done = g[index[sender]]
    mean = float(total / done) if done > 0 else None
    p99 = None if fj is not None else _single_station_p99(model, sender, body, visited)
    return mean, p99, exact


def _blocking_after_waiting(model: Model, visited: list[str], nodes: dict) -> bool:
    """True when a request can be refused after spending time elsewhere: then the
    refusal correlates with the time spent, and the conditional mean is approximate."""
    timed = {n for n in visited if nodes[n]["sojourn"]["mean"]}
    return any(nodes[n]["p_block"] and ancestors(model, n) & (timed - {n}) for n in visited)


def _single_station_p99(model: Model, sender: str, body: dict, visited: list[str]) -> float | None:
    """The latency p99 when a sender's requests visit exactly one station once,
    with no latencies and no losses: the station's sojourn p99."""
    fl = body["flows"]
    v = fl.visits[sender]
    hit = [st for st in body["live"] if any(n in visited for n in st.queues + st.services)]
    if len(hit) != 1 or not math.isclose(v[hit[0].entry], 1.0, rel_tol=1e-12):
        return None
    if set(body["loss"]) - set(hit[0].queues + hit[0].services):
        return None        # refusals elsewhere: only the station's own keep it exact
    if any(e.latency is not None and v[e.source] > 0 for e in model.edges):
        return None
    st = hit[0]
    if any(error_rate(n) > 0 and v[n.name] > 0 for n in model.nodes):
        return None
    latency = model.node(st.queues[0]).buffer.latency if st.queues else st.buffer.latency
    return shift_p99(body["sols"][st.key][2][1], latency)
