"""Which parts of a model the closed forms capture, and how nodes form stations.

A *station* is where messages wait and are served: a service with its own buffer,
or one queue with the services consuming it (a pool), or one single-server
service with several input queues (strict priority between them, SPEC 2.2).
:func:`stations` groups the nodes; :func:`model_reasons` lists the features that
make every analytic figure of the model unreliable; :func:`non_poisson_nodes`
finds the nodes whose arrival stream is not (equivalent to) Poisson, where
single-station formulas become approximations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import networkx as nx

from sim.analytic.buffers import NEGLIGIBLE, bounded_that_fills, never_fills
from sim.analytic.kinds import station_of
from sim.analytic.network import input_queues, is_exponential
from sim.distributions import Distribution
from sim.model.spec import BufferSpec, Model, QueueSpec, RouterSpec, SenderSpec, ServiceSpec

__all__ = ["Station", "stations", "model_reasons", "latency_reasons", "non_poisson_nodes",
           "digraph", "never_fills", "NEGLIGIBLE"]

_UNBOUNDED = BufferSpec()


@dataclass(frozen=True, slots=True)
class Station:
    """Nodes that form one queueing station.

    ``queues`` are the broker queues it serves (empty for a service's own buffer;
    several means strict priority in that order); ``services`` the consumers;
    ``buffer`` the buffer messages wait in (a queue's, or the service's own).
    """

    key: str
    queues: tuple[str, ...]
    services: tuple[str, ...]
    servers: float
    service: Distribution
    buffer: BufferSpec
    note: str = ""
    approximate: bool = False

    @property
    def entry(self) -> str:
        """The node whose arrivals are the station's arrivals."""
        return self.queues[0] if self.queues else self.services[0]

    @property
    def exponential(self) -> bool:
        return is_exponential(self.service)


def digraph(model: Model) -> nx.DiGraph:
    """The model's topology as a DiGraph of node names."""
    g = nx.DiGraph()
    g.add_nodes_from(n.name for n in model.nodes)
    g.add_edges_from((e.source, e.target) for e in model.edges)
    return g


def _failure_sources(model: Model, rates: Mapping[str, float] | None) -> bool:
    """True when an attempt can fail, so that a retry can happen."""
    for n in model.nodes:
        if isinstance(n, SenderSpec) and (n.timeout is not None or n.rate_limit is not None):
            return True
        if isinstance(n, RouterSpec) and n.rate_limit is not None:
            return True
        if isinstance(n, ServiceSpec) and (n.error_rate > 0 or n.availability is not None):
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
        if s.interarrival is not None and not is_exponential(s.interarrival):
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


def _pool(model: Model, q: QueueSpec) -> tuple[Station | None, str | None]:
    """A queue and the services that consume only from it."""
    consumers = [model.node(e.target) for e in model.out_edges(q.name)]
    if any(len(model.in_edges(c.name)) > len(input_queues(model, c)) for c in consumers):
        return None, f"queue {q.name!r} is consumed by a service that is also fed directly"
    if any(len(input_queues(model, c)) > 1 for c in consumers):
        return None, None    # handled as a multi-input station, or refused there
    first = consumers[0]
    same = all(c.service.mean == first.service.mean and c.service.scv == first.service.scv
               and is_exponential(c.service) == is_exponential(first.service) for c in consumers)
    if not same:
        return None, (f"queue {q.name!r} has competing consumers with different service times")
    return Station(q.name, (q.name,), tuple(c.name for c in consumers),
                   sum(c.servers for c in consumers), first.service, q.buffer), None


def _multi_input(model: Model, svc: ServiceSpec) -> tuple[Station | None, str | None]:
    """A single-server service consuming several queues in strict priority."""
    queues = input_queues(model, svc)
    if svc.servers != 1:
        return None, f"service {svc.name!r} serves several queues with {svc.servers} servers"
    if any(len(model.out_edges(q)) > 1 for q in queues):
        return None, f"service {svc.name!r} shares its input queues with other consumers"
    if any(model.node(q).buffer.capacity != math.inf for q in queues):
        return None, f"service {svc.name!r} serves several queues, one with a finite capacity"
    if any(model.node(q).buffer.discipline != "fifo" for q in queues):
        return None, f"service {svc.name!r} serves several queues, one not FIFO"
    return Station(svc.name, tuple(queues), (svc.name,), 1, svc.service, _UNBOUNDED), None


def _unbounded_if_never_full(model: Model, st: Station, rates) -> Station:
    if rates is None or st.buffer.capacity == math.inf or st.servers == math.inf:
        return st
    owner = st.queues[0] if st.queues else st.services[0]
    if not never_fills(model, owner, rates.get(st.entry)):
        return st
    return replace(st, buffer=replace(st.buffer, capacity=math.inf),
                   note=f", capacity {st.buffer.capacity:g} never fills",
                   approximate=not st.exponential)


def stations(model: Model, rates: Mapping[str, float] | None = None
             ) -> tuple[list[Station], dict[str, str]]:
    """Group nodes into stations; returns the stations and ``{node: reason}`` for
    nodes that form no station the formulas cover. With ``rates``, a finite
    buffer that :func:`never_fills` is solved as unbounded (flagged approximate
    unless the service is exponential)."""
    out, refused = [], {}
    for n in model.nodes:
        if isinstance(n, QueueSpec) and model.out_edges(n.name):
            st, why = _pool(model, n)
        elif isinstance(n, ServiceSpec):
            queues = input_queues(model, n)
            direct = len(model.in_edges(n.name)) > len(queues)
            if queues and direct:
                st, why = None, f"service {n.name!r} is fed both by queues and directly"
            elif direct:
                st, why = Station(n.name, (), (n.name,), n.servers, n.service,
                                  n.buffer or _UNBOUNDED), None
            elif len(queues) > 1:
                st, why = _multi_input(model, n)
            else:
                continue
        else:
            continue
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
        if (isinstance(n, ServiceSpec) or (isinstance(n, QueueSpec) and model.out_edges(n.name))) \
                and n.name not in covered and n.name not in refused:
            refused[n.name] = (f"node {n.name!r} shares consumers with queues "
                               "the formulas cannot group")
    return kept, refused


def _station_reason(model: Model, st: Station) -> str | None:
    pulls = [e for e in model.edges
             if e.source in st.queues and e.target in st.services and e.latency is not None]
    if pulls:
        return (f"edge {pulls[0].source!r} -> {pulls[0].target!r} has latency: the consumer's "
                "server is held while the message travels (no closed form)")
    prio = st.buffer.discipline == "priority" and _priority_levels(model) > 1
    if (prio or len(st.queues) > 1) and st.servers != 1:
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
    prio = len(st.queues) > 1 or (st.buffer.discipline == "priority"
                                  and _priority_levels(model) > 1)
    return st.exponential and st.buffer.capacity == math.inf and not prio


def non_poisson_nodes(model: Model, sts: list[Station]) -> dict[str, str]:
    """``{node: why}`` for nodes whose arrivals are not Poisson-equivalent:
    downstream of a non-exponential, finite-buffer or priority station, or of
    two branches of one broadcast."""
    g = digraph(model)
    out: dict[str, str] = {}
    for st in sts:
        if not _preserves_poisson(model, st):
            for svc in st.services:
                for node in nx.descendants(g, svc):
                    out.setdefault(node, f"its arrivals come from station {st.key!r}, "
                                         "whose departures are not Poisson")
    for n in model.nodes:
        if n.routing != "broadcast" or len(model.out_edges(n.name)) < 2:
            continue
        seen: dict[str, int] = {}
        for e in model.out_edges(n.name):
            for node in nx.descendants(g, e.target) | {e.target}:
                seen[node] = seen.get(node, 0) + 1
        for node, count in seen.items():
            if count > 1:
                out.setdefault(node, f"it merges copies of broadcast {n.name!r}")
    return out
