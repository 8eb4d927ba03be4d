"""Sync calls by the method of layers (Rolia & Sevcik 1995, "The Method of Layers",
IEEE TSE 21(8); Woodside et al. 1995, "The Stochastic Rendezvous Network Model").

A caller holds its server for its own service time and then for each sync call:
``H = S + sum_e visits_e * (latency_e + R_e)``, where the callee's response time
``R = H_callee + Wq_callee`` (its own holding time, calls included, plus its
queueing wait). The waits depend on the callees' arrival rates, and with closed
senders the rates depend on the holding times, so the holding times are iterated
with the flows to a fixed point. Every figure that uses them is approximate: the
callee's wait takes its calls as Poisson (Allen-Cunneen), which overestimates it
when its callers have few servers between them (at most that many calls are
outstanding: a finite-source effect the layers ignore). ``analyze`` applies the
layers to open load only; with closed senders ``check`` still does (MVA on each
caller's holding time, the callees counted inside it).

Calls add arrivals at their callees that do not follow the callee's paths:
``visits(callee) += visits(caller) * visits_e`` (times the caller's success share for
an async call, sent only when the execution succeeds), callers before callees. A
sync call edge with ``retry`` makes ``(1 - e^k) / (1 - e)`` attempts per call on
average (``k`` its max_attempts, ``e`` the callee's error_rate); hedged copies,
timeouts and bulkheads are left out.
"""

from __future__ import annotations

import math

from sim.distributions import Constant, Gamma

__all__ = ["call_time", "call_visits", "path_visits", "holding_law", "in_calls", "LAYERS"]

LAYERS = ", method of layers (sync calls)"
"""The note of a station whose figures use layered holding times."""

_PASSES = 50
_CACHE: list = []   # [model, {callee: wait}] of the last model solved


def in_calls(model, name: str) -> bool:
    """True when service ``name`` makes or serves calls (its figures are layered)."""
    return bool(model.calls) and any(e.source == name or e.target == name
                                     for e in model.calls)


def _consumers(model, queue: str) -> dict[str, float]:
    """A called queue's consumers and the share of its calls each serves (the queue
    kind's split: :func:`sim.analytic.kinds.queue.consumer_shares`)."""
    from sim.analytic.kinds.queue import consumer_shares  # the kinds import this module

    return consumer_shares(model, model.node(queue))


def _called_queues(model) -> list[str]:
    return sorted({e.target for e in model.calls if model.node(e.target).kind == "queue"})


def _successors(model, name: str) -> list[str]:
    """Where calls go from ``name``: its callees, or a called queue's consumers."""
    if model.node(name).kind == "queue":
        return list(_consumers(model, name))
    return [e.target for e in model.calls_from(name)]


def _order(model) -> list[str]:
    """Callers before their callees, a called queue before its consumers (the call
    graph is acyclic: validation refuses cycles, through queues too)."""
    nodes = {e.source for e in model.calls} | {e.target for e in model.calls}
    for q in _called_queues(model):
        nodes.update(_consumers(model, q))
    into = dict.fromkeys(nodes, 0)
    for n in nodes:
        for t in _successors(model, n):
            into[t] += 1
    ready = sorted((n for n, k in into.items() if k == 0), reverse=True)
    out = []
    while ready:
        n = ready.pop()
        out.append(n)
        for t in _successors(model, n):
            into[t] -= 1
            if not into[t]:
                ready.append(t)
    return out


def _calls(model, e, shared: bool = True) -> float:
    """Mean attempts made on call edge ``e`` per execution of its caller: visits times
    the attempts per call of its ``retry`` against the callee's error_rate; for an edge
    with ``classes`` (``shared``), times the share of the caller's executions that serve
    those classes (:func:`sim.analytic.classes.call_share`)."""
    share = 1.0
    if shared and getattr(e, "classes", None) is not None:
        from sim.analytic.classes import call_share  # it solves the flows per class

        share = call_share(model, e)
    if e.retry is None or e.retry.max_attempts == 1:
        return e.mean_visits * share
    err = _error_rate(model, e.target)
    k = e.retry.max_attempts
    return share * e.mean_visits * (k if err >= 1.0 else (1.0 - err ** k) / (1.0 - err))


def _error_rate(model, callee: str) -> float:
    """The share of a callee's executions that fail by ``error_rate`` (for a called
    queue, its consumers' weighted by their shares)."""
    if model.node(callee).kind == "queue":
        return sum(s * _error_rate(model, c) for c, s in _consumers(model, callee).items())
    return getattr(model.node(callee), "error_rate", 0.0)


def _add_calls(model, added: dict[str, float], node: str, v: float) -> None:
    """Add the arrivals that ``v`` executions of ``node`` send along its calls; a
    called queue passes the calls it received (only those: its path arrivals
    follow the routing) on to its consumers."""
    if model.node(node).kind == "queue":
        v = added.get(node, 0.0)
        for c, share in _consumers(model, node).items():
            added[c] = added.get(c, 0.0) + v * share
        return
    if v <= 0:
        return
    ok = 1.0 - getattr(model.node(node), "error_rate", 0.0)
    for e in model.calls_from(node):
        share = 1.0 if e.call == "sync" else ok
        added[e.target] = added.get(e.target, 0.0) + v * _calls(model, e) * share


def call_visits(model, visits: dict[str, float]) -> dict[str, float]:
    """Arrivals per request that calls add at each callee, given a sender's path
    visits (``{node: visits}``), callers before callees (nested calls)."""
    added: dict[str, float] = {}
    for caller in _order(model):
        _add_calls(model, added, caller, visits.get(caller, 0.0) + added.get(caller, 0.0))
    return added


def path_visits(model, total: dict[str, float]) -> dict[str, float]:
    """A sender's visits along paths only, from its total visits (calls included):
    a caller's sojourn already holds its calls' response times."""
    added: dict[str, float] = {}
    path = dict(total)
    for caller in _order(model):
        path[caller] = total.get(caller, 0.0) - added.get(caller, 0.0)
        _add_calls(model, added, caller, total.get(caller, 0.0))
    return path


def call_time(model, name: str, cls: str | None = None) -> float:
    """Seconds a server of ``name`` is held on sync calls per execution (0 without);
    with ``cls``, per execution serving a request of that class (only the call edges
    that class takes, each in full)."""
    waits = _waits(model)
    from sim.analytic.capacity import holding_time

    total = 0.0
    for e in model.calls_from(name):
        if e.call != "sync" or (cls is not None and not e.takes(cls)):
            continue
        lat = e.latency.mean if e.latency is not None else 0.0
        response = _served(model, e.target, holding_time) + waits.get(e.target, 0.0)
        total += _calls(model, e, shared=cls is None) * (lat + response)
    return total


def _served(model, callee: str, figure) -> float:
    """``figure(model, svc)`` of a callee; for a called queue, its broker latency plus
    its consumers' figures weighted by their shares."""
    spec = model.node(callee)
    if spec.kind != "queue":
        return figure(model, spec)
    latency = spec.buffer.latency.mean if spec.buffer.latency is not None else 0.0
    return latency + sum(s * figure(model, model.node(c))
                         for c, s in _consumers(model, callee).items())


def holding_law(model, svc):
    """The holding time of a caller as a law for the station formulas: its mean
    (:func:`sim.analytic.capacity.holding_time`) and a variance of the own service
    time plus each call's (visits x the callee's holding variance); a gamma law of
    that mean and cv, or a constant when the variance is 0."""
    from sim.analytic.capacity import holding_time

    mean = holding_time(model, svc)
    var = _variance(model, svc)
    if not math.isfinite(mean) or mean <= 0:
        return svc.service
    cv = math.sqrt(var) / mean
    return Gamma(mean=mean, cv=cv) if cv > 1e-12 else Constant(mean)


def _variance(model, svc) -> float:
    own = svc.service.mean ** 2 * svc.service.scv
    for e in model.calls_from(svc.name):
        if e.call == "sync":
            own += _calls(model, e) * _served(model, e.target, _variance)
    return own


def _waits(model) -> dict[str, float]:
    """Each sync callee's mean queueing wait (s), at the fixed point with the flows."""
    if _CACHE and _CACHE[0] is model:
        return _CACHE[1]
    waits: dict[str, float] = {}
    _CACHE[:] = [model, waits]   # seen (zero waits) while the flows below ask for them
    callees = sorted({e.target for e in model.calls if e.call == "sync"})
    from sim.analytic.network import flows

    for _ in range(_PASSES):
        fl = flows(model)
        new = {n: _wait(model, model.node(n), fl.open_rate[n] + fl.closed_rate[n])
               for n in callees}
        same = all(math.isclose(new[n], waits.get(n, 0.0), rel_tol=1e-9, abs_tol=1e-12)
                   for n in callees)
        waits.update(new)
        if same:
            break
    return waits


def _wait(model, svc, lam: float) -> float:
    """Allen-Cunneen wait of a callee (Poisson calls assumed); inf when overloaded. A
    called queue waits as the station of its consumers together (their servers
    summed, the first consumer's holding law: the queue kind's pool)."""
    from sim.analytic.stations import ggc

    if svc.kind == "queue":
        consumers = [model.node(c) for c in _consumers(model, svc.name)]
        servers = sum(c.servers for c in consumers)
        law = holding_law(model, consumers[0]) if consumers else None
    else:
        servers, law = svc.servers, holding_law(model, svc)
    if law is None or servers == math.inf or lam <= 0 or law.mean <= 0:
        return 0.0
    if lam * law.mean >= servers:
        return math.inf
    return ggc(lam, law.mean, int(servers), 1.0, law.scv).mean_wait
