"""Which exact form a station's service discipline, its customers' behaviour and its
arrival stream call for (:mod:`sim.analytic.behaviour`), or why there is none.

Read by :mod:`sim.analytic.opennet` (solving), :mod:`sim.analytic.topology`
(refusals, Poisson departures) and :mod:`sim.analytic.buffers` (what a buffer's
impatience allows): processor sharing (any servers, any service law), preemptive
priority on one server, non-preemptive priority on exponential servers (Cobham's
multi-server form), exponential patience on an M/M/c (Erlang-A), and a renewal
sender feeding exponential servers on its own (GI/M/c).
"""

from __future__ import annotations

import math

from sim.analytic.behaviour import (erlang_a, gimc, lst, mg1_preemptive, mgc_ps,
                                   mmc_priority, quorum_mean)
from sim.analytic.capacity import is_exponential
from sim.analytic.station import Station
from sim.analytic.stations import StationResult

__all__ = ["solve_special", "special_reason", "patience_rate", "renewal_input",
           "renewal_sender_ok", "keeps_poisson", "order_join", "erlang_a_applies"]


def _discipline(model, st: Station) -> str:
    """``ps``, ``preemptive`` or the buffer's discipline."""
    return st.buffer.discipline


def patience_rate(buf, service=None) -> float | None:
    """The rate theta of an exponential ``ttl`` (patience), else None."""
    ttl = getattr(buf, "ttl", None)
    if ttl is None or isinstance(ttl, (int, float)) or not is_exponential(ttl):
        return None
    return 1.0 / ttl.mean


def erlang_a_applies(model, node) -> bool:
    """Exponential patience on a service's own buffer (or a queue's, with one
    consumer) with exponential service, finite servers, an unbounded fifo buffer
    without balking: the Erlang-A model."""
    buf = getattr(node, "buffer", None)
    if patience_rate(buf) is None or buf.capacity != math.inf or buf.discipline != "fifo":
        return False
    if buf.balk is not None or buf.shed is not None or buf.latency is not None:
        return False
    if node.kind == "service":
        svc = node
    else:
        outs = model.out_edges(node.name)
        if len(outs) != 1 or (getattr(buf, "partitions", None) or 1) > 1:
            return False
        svc = model.node(outs[0].target)
        delivery = getattr(buf, "delivery", None)
        if delivery is not None and delivery.mode != "at_most_once":
            return False
    return is_exponential(svc.service) and svc.servers != math.inf


def renewal_input(model, st: Station):
    """The interarrival law of the one renewal (non-Poisson) sender that alone feeds
    the station, or None."""
    feeders = model.in_edges(st.entry)
    if len(feeders) != 1 or feeders[0].latency is not None:
        return None
    sender = model.node(feeders[0].source)
    if sender.kind != "sender" or getattr(sender, "interarrival", None) is None:
        return None
    return None if is_exponential(sender.interarrival) else sender.interarrival


def renewal_sender_ok(model, sender) -> bool:
    """A renewal sender whose only edge feeds, on its own, one exponential FIFO pool
    with an unbounded buffer (a GI/M/c station) whose interarrival transform is known."""
    outs = model.out_edges(sender.name)
    if len(outs) != 1 or outs[0].latency is not None or lst(sender.interarrival) is None:
        return False
    node = model.node(outs[0].target)
    if len(model.in_edges(node.name)) != 1 or model.calls_into(node.name):
        return False
    buf = getattr(node, "buffer", None)
    if buf is None or buf.capacity != math.inf or buf.discipline != "fifo":
        return False
    if buf.ttl is not None or buf.balk is not None or buf.shed is not None:
        return False
    if buf.latency is not None:
        return False
    if node.kind == "service":
        svc = node
    else:
        consumers = model.out_edges(node.name)
        if len(consumers) != 1 or consumers[0].latency is not None:
            return False
        svc = model.node(consumers[0].target)
        if len(model.in_edges(svc.name)) != 1:
            return False
    return (is_exponential(svc.service) and svc.servers != math.inf
            and svc.error_rate == 0 and svc.availability is None)


def special_reason(model, st: Station, levels: int) -> str | None:
    """Why a station's discipline has no closed form here, or None."""
    d = _discipline(model, st)
    if d == "preemptive" and levels > 1 and st.servers != 1:
        return (f"node {st.key!r} has preemptive priority on {st.servers} servers (exact "
                "only on one server)")
    if d == "priority" and levels > 1 and st.servers != 1 and not st.exponential:
        return (f"node {st.key!r} has priority classes on {st.servers} servers with "
                "non-exponential service (Cobham's multi-server form needs exponential)")
    return None


def keeps_poisson(model, st: Station) -> bool | None:
    """Whether departures stay Poisson for a special station (None: not special).
    Processor sharing is quasi-reversible (BCMP type 2; Kelly 1979); abandonment,
    preemption and renewal input are not."""
    if st.buffer.discipline == "ps":
        return True
    if patience_rate(st.buffer) is not None or st.buffer.discipline == "preemptive":
        return False
    if renewal_input(model, st) is not None:
        return False
    return None


def solve_special(model, st: Station, lams: list[float]) -> list[StationResult] | None:
    """The per-class results of a station under a special form, or None (plain)."""
    d, mean = _discipline(model, st), st.service.mean
    if d == "ps" and mean > 0:
        return [mgc_ps(sum(lams), mean, st.servers)]
    if d == "preemptive" and len(lams) > 1 and st.servers == 1:
        n = len(lams)
        return list(mg1_preemptive(lams, [mean] * n, [st.service.scv] * n))
    if d in ("priority", "preemptive") and len(lams) > 1 and st.servers != 1:
        return list(mmc_priority(lams, 1.0 / mean, int(st.servers)))
    if len(lams) > 1 and st.servers != 1 and st.exponential:   # several input queues
        return list(mmc_priority(lams, 1.0 / mean, int(st.servers)))
    theta = patience_rate(st.buffer)
    if theta is not None and st.exponential and st.servers != math.inf:
        return [erlang_a(sum(lams), 1.0 / mean, int(st.servers), theta)]
    gaps = renewal_input(model, st)
    if gaps is not None and st.exponential and st.servers != math.inf:
        res = gimc(gaps, 1.0 / mean, int(st.servers))
        return None if res is None else [res]
    return None


def order_join(model, live: list, fl) -> tuple[str, float] | None:
    """The one broadcast node and its response time when its copies go to sink
    services with unbounded servers and exponential service, entered only from it:
    each copy's time is its own service time, independent of the others, so the
    request goes on after the ``quorum``-th order statistic (every copy without a
    quorum) of independent exponentials (:func:`sim.analytic.behaviour.quorum_mean`).
    None when the model has no such fork."""
    from sim.analytic.opennet import single_fork  # it imports this module

    fork = single_fork(model)
    if fork is None:
        return None
    outs = model.out_edges(fork.name)
    rates = []
    for e in outs:
        st = next((s for s in live if s.entry == e.target), None)
        if st is None or st.queues or st.servers != math.inf or not st.exponential:
            return None
        svc = model.node(e.target)
        if (not model.is_sink(svc.name) or svc.error_rate or svc.availability is not None
                or e.latency is not None or len(model.in_edges(svc.name)) != 1
                or st.buffer.latency is not None):
            return None
        rates.append(1.0 / st.service.mean)
    k = getattr(fork, "quorum", None) or len(outs)
    try:
        return fork.name, quorum_mean(rates, k)
    except ValueError:
        return None
