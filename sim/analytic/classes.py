"""Multiclass open networks: traffic equations per request class, the aggregate flow
they imply, and the per-class response time.

A request is in a state ``(class, node)``; from a node its class takes the edges
it may (``classes``) with its own ``p`` (an equal split where it has none), and an
edge's ``switch`` changes its class. The visits ``V[(c, n)]`` of a request of
sender ``s`` solve the traffic equations of the chain on those states,
``V = e_(class_s, s) + V P`` (Baskett, Chandy, Muntz & Palacios 1975, sec. 2;
Bolch et al., *Queueing Networks and Markov Chains*, 2nd ed., sec. 7.3.1), with
calls adding ``visits`` at their callees for the classes the call edge takes.

The single-class analysis then runs on the aggregate: a node whose edges treat
classes apart passes to each successor the class-weighted share
``sum_c lambda_(c,n) P_c(n, m) / sum_c lambda_(c,n)`` (:func:`aggregate_shares`,
exact for flows, which are linear), and a service with ``by_class`` serves the
mixture of its classes' times weighted by their arrival rates
(:func:`effective_model`: a hyperexponential when every class time is exponential,
else a gamma law with the mixture's mean and cv).

Per-class latency (:func:`class_figures`): ``T_c = sum over (c', n) of V[(c', n)]
t_(c', n)`` plus edge latencies times traversals, where ``t`` is the node's time
per visit from the aggregate solution with the class's own service time in place
of the mixed one. Under BCMP product form (FIFO stations with exponential times
independent of the class; infinite-server stations with any class times) this is
exact; anywhere else it is flagged approximate, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sim.analytic.flowsolve import RoutingMatrix, solve_visits
from sim.distributions import Constant, Gamma, Hyperexponential

__all__ = ["class_visits", "class_rates", "aggregate_shares", "call_share",
           "effective_model", "class_figures", "classed_edges"]

_CACHE: dict[int, tuple[object, dict]] = {}


def classed_edges(edges) -> bool:
    """Whether a node's out-edges route classes apart (``classes`` or ``p`` by class)."""
    return any(e.classes is not None or e.p_by_class is not None for e in edges)


def _class_shares(model, spec, cls: str) -> list[tuple[object, float]]:
    """``(edge, messages passed per message of class cls)`` for a node's out-edges."""
    from sim.analytic.kinds import station_of

    edges = model.out_edges(spec.name)
    if not edges:
        return []
    kind = station_of(spec)
    keep = kind.keep(spec)
    if not classed_edges(edges):
        base = kind.shares(model, spec)
        return [(e, keep * base.get(e.target, 0.0)) for e in edges]
    mine = [e for e in edges if e.takes(cls)]
    given = [e.p_for(cls) for e in mine]
    if spec.routing == "broadcast":
        shares = [1.0] * len(mine)
    elif spec.routing == "probabilistic" and mine and None not in given:
        shares = given
    else:
        shares = [1.0 / len(mine)] * len(mine) if mine else []
    return [(e, keep * s) for e, s in zip(mine, shares)]


def _solve(model) -> dict:
    """States, the routing matrix on them, and each sender's visits (cached per model)."""
    hit = _CACHE.get(id(model))
    if hit is not None and hit[0] is model:
        return hit[1]
    states = [(c, n.name) for n in model.nodes for c in model.classes_at(n.name)]
    P = RoutingMatrix(states)
    for cls, name in states:
        i = P.index[(cls, name)]
        for e, share in _class_shares(model, model.node(name), cls):
            j = P.index.get((e.switched(cls), e.target))
            if j is not None:
                P.add(i, j, share)
    order = P.components()
    visits, paths = {}, {}
    for s in model.senders:
        v = solve_visits(P, P.index[(s.cls, s.name)], order)
        per = {} if v is None else {st: float(x) for st, x in zip(states, v) if x > 1e-15}
        paths[s.name] = dict(per)
        _add_calls(model, per)
        visits[s.name] = per
    out = {"states": states, "P": P, "visits": visits, "paths": paths}
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(model)] = (model, out)
    return out


def _add_calls(model, per: dict) -> None:
    """Calls add ``visits`` arrivals at their callees per execution of the caller, for
    the classes their edge takes; a callee's own calls follow (call chains end)."""
    if not model.calls:
        return
    todo = list(per.items())
    while todo:
        (cls, node), v = todo.pop()
        for e in model.calls_from(node):
            if e.takes(cls):
                w = v * e.mean_visits
                per[(cls, e.target)] = per.get((cls, e.target), 0.0) + w
                todo.append(((cls, e.target), w))


def class_visits(model) -> dict[str, dict[tuple[str, str], float]]:
    """``{sender: {(class, node): visits per request}}``: the traffic equations per
    class solved for each sender's requests (a sender whose messages multiply without
    bound gets none)."""
    return _solve(model)["visits"]


def _weight(sender) -> float:
    """A sender's request rate for weighting classes: its long-run rate when open;
    its population when closed (relative weights only, flagged approximate)."""
    from sim.analytic.network import long_run_rate

    rate = long_run_rate(sender)
    return float(sender.clients) if rate is None else rate


def class_rates(model) -> dict[tuple[str, str], float]:
    """``{(class, node): arrivals per second}`` from the open senders' long-run rates
    (closed senders weigh by their population)."""
    out: dict[tuple[str, str], float] = {}
    for s in model.senders:
        w = _weight(s)
        for state, v in class_visits(model)[s.name].items():
            out[state] = out.get(state, 0.0) + w * v
    return out


def call_share(model, edge) -> float:
    """The share of its caller's executions that make the calls of a call edge with
    ``classes``: those serving its classes, by arrival rate."""
    rates = class_rates(model)
    here = [(c, rates.get((c, edge.source), 0.0)) for c in model.classes_at(edge.source)]
    total = sum(lam for _c, lam in here)
    return sum(lam for c, lam in here if edge.takes(c)) / total if total > 0 else 0.0


def aggregate_shares(model, spec) -> dict[str, float]:
    """Messages passed to each successor per message received, over every class that
    reaches the node, weighted by the classes' arrival rates there."""
    rates = class_rates(model)
    total, out = 0.0, {e.target: 0.0 for e in model.out_edges(spec.name)}
    for cls in model.classes_at(spec.name):
        lam = rates.get((cls, spec.name), 0.0)
        total += lam
        for e, share in _class_shares(model, spec, cls):
            out[e.target] += lam * share
    if total <= 0:
        return {t: 1.0 / len(out) for t in out} if out else {}
    from sim.analytic.kinds import station_of

    keep = station_of(spec).keep(spec)
    return {t: x / total / keep if keep > 0 else 0.0 for t, x in out.items()}


def _mixture(laws: list, weights: list[float]):
    """The service law of a mixture of class laws: exact for exponential laws
    (hyperexponential), else a gamma law with its mean and cv."""
    total = sum(weights)
    probs = [w / total for w in weights]
    if len({(law.mean, law.scv) for law in laws}) == 1:
        return laws[0]
    from sim.analytic.capacity import is_exponential

    if all(is_exponential(law) for law in laws):
        return Hyperexponential(means=tuple(law.mean for law in laws), probs=tuple(probs))
    mean = sum(p * law.mean for p, law in zip(probs, laws))
    second = sum(p * (1 + law.scv) * law.mean ** 2 for p, law in zip(probs, laws))
    cv = math.sqrt(max(second / mean ** 2 - 1, 0.0)) if mean > 0 else 0.0
    return Constant(mean) if cv == 0 else Gamma(mean=mean, cv=cv)


def effective_model(model):
    """The model the single-class formulas see: each service with ``by_class`` serves
    the mixture of the times of the classes that reach it, by their arrival rates.
    The model itself when nothing serves by class."""
    if not any(getattr(n, "by_class", None) for n in model.nodes):
        return model
    rates = class_rates(model)
    nodes = []
    for n in model.nodes:
        if getattr(n, "by_class", None) is None:
            nodes.append(n)
            continue
        classes = [c for c in model.classes_at(n.name) if rates.get((c, n.name), 0) > 0]
        if not classes:
            nodes.append(n)
            continue
        law = _mixture([n.law_of(c) for c in classes], [rates[(c, n.name)] for c in classes])
        nodes.append(replace(n, service=law))
    return replace(model, nodes=tuple(nodes))


def _per_visit(model, spec, cls: str, entry: dict) -> float | None:
    """Mean time (s) a message of class ``cls`` spends per visit at a node, from its
    aggregate entry: a service's sojourn with the class's own time in place of the
    mixed one; a queue's wait (broker latency included); 0 elsewhere."""
    sojourn = (entry.get("sojourn") or {}).get("mean")
    wait = (entry.get("wait") or {}).get("mean")
    buf = getattr(spec, "buffer", None)
    delay = buf.latency.mean if buf is not None and buf.latency is not None else 0.0
    if spec.kind == "service":
        if sojourn is None:
            return None
        own = spec.law_of(cls).mean - spec.service.mean if spec.by_class else 0.0
        if any(e.classes is not None for e in model.calls_from(spec.name)):
            from sim.analytic.layers import call_time  # the class's own calls, not the mix

            own += call_time(model, spec.name, cls) - call_time(model, spec.name)
        return sojourn + own + delay
    if spec.kind == "queue":
        return None if wait is None else wait + delay
    return 0.0


def _not_product_form(model, visited: set[str]) -> str | None:
    """Why a class's response time is not BCMP product form, or None."""
    from sim.analytic.capacity import is_exponential

    for name in sorted(visited):
        spec = model.node(name)
        if getattr(spec, "by_class", None) is None or math.isinf(spec.servers):
            continue
        laws = {(spec.law_of(c).mean, spec.law_of(c).scv) for c in model.classes_at(name)}
        if len(laws) > 1 or not all(is_exponential(spec.law_of(c))
                                    for c in model.classes_at(name)):
            return (f"FIFO service {name!r} serves classes with different service times "
                    f"(by_class): BCMP product form needs one exponential time for every "
                    f"class at a FIFO station; its wait is that of the mixed service "
                    f"(approximate)")
    return None


def _sender_latency(model, sol: dict, nodes: dict, sender) -> tuple[float, str | None, set]:
    """Mean latency (s) of a sender's requests, why there is none, and the nodes where
    they spend time. Path visits only: a caller's sojourn holds its calls."""
    paths = sol["paths"][sender.name]
    if not paths:
        return 0.0, f"requests of sender {sender.name!r} multiply without bound", set()
    mean, visited = 0.0, set()
    for (c, n), v in paths.items():
        t = _per_visit(model, model.node(n), c, nodes.get(n, {}))
        if t is None or t == math.inf:
            return 0.0, f"node {n!r} has no finite mean time per visit", visited
        mean += v * t
        if t > 0:
            visited.add(n)
    return mean + _edge_delay(model, sol, paths), None, visited


def _losses(model, nodes: dict, visited: set[str]) -> str | None:
    from sim.analytic.kinds import error_rate

    for n in sorted(visited):
        if error_rate(model.node(n)) > 0 or (nodes.get(n) or {}).get("p_block"):
            return (f"requests can fail at {n!r} (error_rate or a full buffer): the mean "
                    f"per class counts every visit, not only those of completed requests")
    return None


def class_figures(model, nodes: dict, exact: bool, reason: str | None) -> dict:
    """``{class: {arrival_rate, visits, latency: {mean, p99}, exact, method, reason}}``
    for the classes senders have; ``nodes`` is the aggregate analysis (per node
    entries), ``exact`` and ``reason`` whether it and why not. ``visits`` maps each
    node to the visits per request of the class there, by the class it has there
    (calls included); a class with several senders averages them by rate."""
    sol = _solve(model)
    groups: dict[str, list] = {}
    for s in model.senders:
        groups.setdefault(s.cls, []).append(s)
    out: dict[str, dict] = {}
    for cls, senders in groups.items():
        weights = [_weight(s) for s in senders]
        total = sum(weights)
        visits: dict[str, dict[str, float]] = {}
        mean, why, visited = 0.0, reason, set()
        for s, w in zip(senders, weights):
            share = w / total if total > 0 else 1.0 / len(senders)
            for (c, n), v in sol["visits"][s.name].items():
                visits.setdefault(n, {})[c] = visits.get(n, {}).get(c, 0.0) + share * v
            m, no, seen = _sender_latency(model, sol, nodes, s)
            mean, why, visited = mean + share * m, why or no, visited | seen
        closed = any(s.is_closed for s in senders)
        approx = None if why else (_not_product_form(model, visited)
                                   or _losses(model, nodes, visited)
                                   or ("closed senders: classes weighed by population"
                                       if closed else None))
        out[cls] = {"arrival_rate": None if closed else total,
                    "visits": {x.name: visits[x.name] for x in model.nodes
                               if x.name in visits},
                    "latency": {"mean": None if why else mean, "p99": None},
                    "exact": why is None and approx is None and exact,
                    "method": "multiclass traffic equations; BCMP (Baskett et al. 1975) "
                              "response time per class",
                    "reason": why or approx}
    return out


def _edge_delay(model, sol: dict, per: dict) -> float:
    """Mean edge latency per request: each edge's latency times its traversals."""
    P = sol["P"]
    total = 0.0
    for e in model.edges:
        if e.latency is None:
            continue
        for (c, n), v in per.items():
            if n != e.source:
                continue
            j = P.index.get((e.switched(c), e.target))
            if j is not None:
                total += v * P[P.index[(c, n)], j] * e.latency.mean
    return total
