"""Which buffers can fill, and the buffer features no closed form here captures."""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.analytic.served import erlang_a_applies
from sim.analytic.stations import mmck
from sim.model.spec import Model

__all__ = ["never_fills", "bounded_that_fills", "buffer_reasons", "NEGLIGIBLE"]

NEGLIGIBLE = 1e-12   # a blocking probability below this is taken as 0


def _servers_behind(model: Model, node):
    """Servers that drain a buffer and their (slowest) service law."""
    if node.kind == "service":
        return node.servers, node.service
    consumers = [model.node(e.target) for e in model.out_edges(node.name)]
    if not consumers:
        return 0.0, None
    slowest = max(consumers, key=lambda c: c.service.mean)
    return sum(c.servers for c in consumers), slowest.service


def never_fills(model: Model, name: str, rate: float | None) -> bool:
    """True when a finite buffer practically never fills at Poisson rate ``rate``.

    Its blocking probability is estimated as M/M/c/K's with the capacity scaled by
    ``2 / (1 + scv)``, the diffusion scaling of queue-length tails (Kingman 1962;
    Whitt, *Stochastic-Process Limits*, 2002, ch. 5), and must be below
    :data:`NEGLIGIBLE`. Exact for exponential service.
    """
    buf = model.node(name).buffer
    if buf is None or buf.capacity == math.inf:
        return True
    servers, dist = _servers_behind(model, model.node(name))
    if rate is None or dist is None or servers == 0:
        return False
    if servers == math.inf or dist.mean == 0 or rate == 0:
        return True
    if rate * dist.mean >= servers or not math.isfinite(dist.scv):
        return False
    k = math.floor(buf.capacity * 2.0 / (1.0 + dist.scv))
    return mmck(rate, 1.0 / dist.mean, int(servers), k).p_block < NEGLIGIBLE


def bounded_that_fills(model: Model, node, rates) -> bool:
    """A finite buffer that can fill (every finite buffer when rates are unknown)."""
    buf = getattr(node, "buffer", None)
    if buf is None or buf.capacity == math.inf:
        return False
    return rates is None or not never_fills(model, node.name, rates.get(node.name))


def buffer_reasons(model: Model, node, rates: Mapping[str, float] | None) -> list[str]:
    """What the formulas cannot capture in a node's buffer (ttl, a filling buffer
    that does not reject, redelivery, partitions, shedding). ``adaptive_lifo`` is
    not one: it is work-conserving and blind to service times, so mean waits are
    FIFO's (Kleinrock's conservation law); only FIFO's percentiles are given."""
    name, buf = node.name, getattr(node, "buffer", None)
    if buf is None:
        return []
    out = []
    if buf.ttl is not None and not erlang_a_applies(model, node):
        out.append(f"node {name!r} expires messages (ttl; exact only for exponential "
                   "patience on an M/M/c with an unbounded fifo buffer: Erlang-A)")
    if buf.balk is not None:
        out.append(f"node {name!r} balks (balk: no closed form here)")
    if bounded_that_fills(model, node, rates) and buf.overflow != "reject":
        out.append(f"node {name!r} has a finite buffer with overflow {buf.overflow!r}")
    delivery = getattr(buf, "delivery", None)
    if delivery is not None and delivery.mode != "at_most_once":
        out.append(f"node {name!r} redelivers messages ({delivery.mode})")
    if (getattr(buf, "partitions", None) or 1) > 1:
        out.append(f"node {name!r} is split into partitions")
    if buf.shed is not None:
        out.append(f"node {name!r} sheds load (shed: CoDel)")
    return out
