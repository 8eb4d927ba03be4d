"""Which parts of a model the closed forms capture, and how nodes form stations.

A *station* is where messages wait and are served: a service with its own buffer,
or one queue with the services consuming it (a pool), or one single-server
service with several input queues (strict priority between them).
:func:`stations` groups the nodes; :func:`model_reasons` lists the features that
make every analytic figure of the model unreliable; :func:`non_poisson_nodes`
finds the nodes whose arrival stream is not (equivalent to) Poisson, where
single-station formulas become approximations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from sim.analytic.buffers import NEGLIGIBLE, bounded_that_fills, never_fills
from sim.analytic.kinds import can_fail, station_of
from sim.analytic.capacity import is_exponential
from sim.analytic.served import keeps_poisson, renewal_sender_ok, special_reason
from sim.analytic.station import Station
from sim.model.spec import Model

__all__ = ["Station", "stations", "model_reasons", "latency_reasons", "non_poisson_nodes",
           "descendants", "ancestors", "never_fills", "NEGLIGIBLE"]


def descendants(model: Model, name: str) -> set[str]:
    """The nodes reachable from node ``name`` along the model's edges, ``name`` itself
    excluded even on a cycle (as ``networkx.descendants``). A walk of the model's own
    edge lists: the analytic solver, and so ``asyncsim plan``, runs without importing
    networkx (about 0.1 s)."""
    return _reached(name, lambda n: (e.target for e in model.out_edges(n)))


def ancestors(model: Model, name: str) -> set[str]:
    """The nodes from which node ``name`` is reachable, ``name`` itself excluded (as
    ``networkx.ancestors``)."""
    return _reached(name, lambda n: (e.source for e in model.in_edges(n)))


def _reached(name: str, neighbours) -> set[str]:
    seen: set[str] = set()
    stack = [name]
    while stack:  # bounded: each node is pushed once
        for nxt in neighbours(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    seen.discard(name)
    return seen


def _failure_sources(model: Model, rates: Mapping[str, float] | None) -> bool:
    """True when an attempt can fail, so that a retry can happen."""
    for n in model.nodes:
        if can_fail(n):
            return True
        buf = getattr(n, "buffer", None)
        if buf is not None and (bounded_that_fills(model, n, rates) or buf.ttl is not None):
            return True
    return False


def _sender_reasons(model: Model, rates: Mapping[str, float] | None) -> list[str]:
    out = []
    kinds = {s.is_closed for s in model.senders}
    if len(kinds) > 1:
        out.append("the model mixes open and closed senders")
    retries = _failure_sources(model, rates)
    for s in model.senders:
        who = f"sender {s.name!r}"
        if s.profile is not None:
            out.append(f"{who} has a time-varying profile")
        if s.trace is not None:
            out.append(f"{who} replays a trace of arrival times")
        if (s.interarrival is not None and not is_exponential(s.interarrival)
                and not renewal_sender_ok(model, s)):
            out.append(f"{who} has non-exponential interarrival times (not Poisson)")
        if s.rate_limit is not None:
            out.append(f"{who} has a rate limit")
        if s.is_closed and s.timeout is not None:
            out.append(f"{who} is closed and has a timeout")
        if s.retry.max_attempts > 1 and retries:
            out.append(f"{who} retries failed attempts, which adds load")
        if getattr(s, "circuit_breaker", None) is not None and retries:
            out.append(f"{who} has a circuit breaker that refuses attempts after failures")
    return out


def model_reasons(model: Model, rates: Mapping[str, float] | None = None) -> list[str]:
    """Features that no closed form here captures, each as a sentence.

    With ``rates`` (arrivals per second per node, open models), finite buffers
    that :func:`never_fills` are taken as unbounded.
    """
    out = _sender_reasons(model, rates)
    for n in model.nodes:
        out.extend(station_of(n).reasons(model, n, rates))
    if any(s.is_closed for s in model.senders) and any(n.routing == "broadcast"
                                                        for n in model.nodes):
        out.append("a closed sender waits for broadcast copies (fork-join in a closed network)")
    return out


def latency_reasons(model: Model) -> list[str]:
    """Features that leave node figures exact but the end-to-end latency unknown."""
    out = [f"sender {s.name!r} has a timeout" for s in model.senders if s.timeout is not None]
    return out


def _priority_levels(model: Model) -> int:
    return len({s.priority for s in model.senders})


def _unbounded_if_never_full(model: Model, st: Station, rates) -> Station:
    if rates is None or st.buffer.capacity == math.inf or st.servers == math.inf:
        return st
    owner = st.queues[0] if st.queues else st.services[0]
    if not never_fills(model, owner, rates.get(st.entry)):
        return st
    return replace(st, buffer=replace(st.buffer, capacity=math.inf),
                   note=f"{st.note}, capacity {st.buffer.capacity:g} never fills",
                   approximate=st.approximate or not st.exponential)


def stations(model: Model, rates: Mapping[str, float] | None = None
             ) -> tuple[list[Station], dict[str, str]]:
    """Group nodes into stations; returns the stations and ``{node: reason}`` for
    nodes that form no station the formulas cover. With ``rates``, a finite
    buffer that :func:`never_fills` is solved as unbounded (flagged approximate
    unless the service is exponential)."""
    out, refused = [], {}
    for n in model.nodes:
        grouped = station_of(n).group(model, n)
        if grouped is None:
            continue
        st, why = grouped
        if st is not None:
            out.append(_unbounded_if_never_full(model, st, rates))
        if why is not None:
            refused[n.name] = why
    for st in out:
        why = _station_reason(model, st)
        if why:
            for node in st.queues + st.services:
                refused[node] = why
    kept = [st for st in out if st.key not in refused]
    covered = {node for st in kept for node in st.queues + st.services}
    for n in model.nodes:
        if (station_of(n).queued(model, n) and n.name not in covered
                and n.name not in refused):
            refused[n.name] = (f"node {n.name!r} shares consumers with queues "
                               "the formulas cannot group")
    return kept, refused


def _station_reason(model: Model, st: Station) -> str | None:
    pulls = [e for e in model.edges
             if e.source in st.queues and e.target in st.services and e.latency is not None]
    if pulls:
        return (f"edge {pulls[0].source!r} -> {pulls[0].target!r} has latency: the consumer's "
                "server is held while the message travels (no closed form)")
    levels = _priority_levels(model)
    why = special_reason(model, st, levels)
    if why is not None:
        return why
    prio = st.buffer.discipline in ("priority", "preemptive") and levels > 1
    cobham = prio and st.exponential and st.buffer.discipline == "priority"
    if (prio or len(st.queues) > 1) and st.servers != 1 and not cobham:
        return f"node {st.key!r} has priority classes on {st.servers} servers"
    if prio and len(st.queues) > 1:
        return f"node {st.key!r} mixes priority queues and priority messages"
    if st.buffer.discipline == "priority" and st.buffer.capacity != math.inf and prio:
        return f"node {st.key!r} has priority classes and a finite buffer"
    finite = st.buffer.capacity != math.inf and st.servers != math.inf
    if finite and st.buffer.capacity > 0 and not st.exponential:
        return f"node {st.key!r} has a finite buffer and non-exponential service (no M/G/c/K form)"
    return None


def _preserves_poisson(model: Model, st: Station) -> bool:
    """Whether the station's output keeps the Jackson/BCMP product form downstream."""
    if st.servers == math.inf or st.service.mean == 0:
        return True        # M/G/inf: Poisson in, Poisson out (BCMP type 3)
    special = keeps_poisson(model, st)
    if special is not None:
        return special
    prio = len(st.queues) > 1 or (st.buffer.discipline == "priority"
                                  and _priority_levels(model) > 1)
    return st.exponential and st.buffer.capacity == math.inf and not prio


def non_poisson_nodes(model: Model, sts: list[Station]) -> dict[str, str]:
    """``{node: why}`` for nodes whose arrivals are not Poisson-equivalent:
    downstream of a non-exponential, finite-buffer or priority station, or of
    two branches of one broadcast."""
    out: dict[str, str] = {}
    for st in sts:
        if not _preserves_poisson(model, st):
            for svc in st.services:
                for node in descendants(model, svc):
                    out.setdefault(node, f"its arrivals come from station {st.key!r}, "
                                         "whose departures are not Poisson")
    for n in model.nodes:
        if n.routing != "broadcast" or len(model.out_edges(n.name)) < 2:
            continue
        seen: dict[str, int] = {}
        for e in model.out_edges(n.name):
            for node in descendants(model, e.target) | {e.target}:
                seen[node] = seen.get(node, 0) + 1
        for node, count in seen.items():
            if count > 1:
                out.setdefault(node, f"it merges copies of broadcast {n.name!r}")
    return out
