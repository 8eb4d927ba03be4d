"""Call edges (``call: sync | async``): their keys' values and the rules that join
them with the kinds at both ends. Declared in :data:`sim.model.format.EDGE`; the
engine's treatment is :mod:`sim.engine.calls`.

A call edge is not a path: it has no ``p``, takes no part in routing or in the
reach-a-sink check, and its calls do not follow the callee's outgoing edges.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import ModelError
from sim.model.checks import Ctx, find_loop, is_number
from sim.model.format import ADAPTIVE_LIMIT, CALL_MODES, EDGE
from sim.model.keys import check_value, read
from sim.model.kinds.sender import _retry
from sim.model.spec import AdaptiveLimit, EdgeSpec

__all__ = ["CALL_KEYS", "call_edge", "check_calls"]

CALL_KEYS: tuple[str, ...] = ("call", "visits", "timeout", "max_in_flight", "hedge", "retry")
"""An edge's keys that make sense only on a call edge (any of them asks for one)."""

_SYNC_ONLY = ("timeout", "hedge", "retry")
_KEY = {k.name: k for k in EDGE}

_NOT_A_CALL = "only applies to a call edge (add call: sync or call: async)"


def call_edge(ctx: Ctx, attrs: Mapping, source_kind: str, target_kind: str) -> EdgeSpec:
    """The spec of an edge that has ``call``, ``visits`` or ``timeout``: a ModelError
    naming the edge and the key for each rule broken (checked in key order)."""
    u, v = ctx.edge
    if "call" not in attrs:
        key = next(k for k in CALL_KEYS if k in attrs)
        raise ctx.error(key, _NOT_A_CALL, value=attrs[key])
    mode = ctx.choice("call", attrs["call"], CALL_MODES)
    if source_kind != "service":
        raise ctx.error("call", f"must leave a service: only a service makes calls (a call "
                                f"holds the caller's server while it waits), and {u!r} is a "
                                f"{source_kind}", value=mode)
    if target_kind not in ("service", "queue"):
        raise ctx.error("call", f"must go into a service (which serves the call and replies) "
                                f"or a queue (whose consumer replies), and {v!r} is a "
                                f"{target_kind}", value=mode)
    if u == v:
        raise ctx.error("call", "cannot go from a service to itself (its held server would "
                                "wait on itself)", value=mode)
    if "p" in attrs:
        raise ctx.error("p", "does not apply to a call edge: a call is made at every "
                             "execution of the caller, not routed (give visits for how many "
                             "calls)", value=attrs["p"])
    for key in _SYNC_ONLY:
        if key in attrs and mode != "sync":
            raise ctx.error(key, "only applies with call: sync (an async call is not "
                                 "waited for)", value=attrs[key])
    g = {k: check_value(ctx, _KEY[k], attrs[k]) for k in ("hedge", "retry") if k in attrs}
    if "max_in_flight" in attrs:
        g["max_in_flight"] = _max_in_flight(ctx, attrs["max_in_flight"])
    if "retry" in g:
        g["retry"]["budget"] = None  # not a call edge's key (refused as unknown above)
    return EdgeSpec(source=u, target=v, call=mode,
                    latency=ctx.distribution("latency", attrs["latency"])
                    if "latency" in attrs else None,
                    visits=_visits(ctx, attrs.get("visits", 1)),
                    timeout=ctx.number("timeout", attrs["timeout"], positive=True)
                    if "timeout" in attrs else None,
                    max_in_flight=g.get("max_in_flight"),
                    hedge=g["hedge"]["after"] if g.get("hedge") is not None else None,
                    retry=_retry(g["retry"]) if g.get("retry") is not None else None)


def _max_in_flight(ctx: Ctx, value):
    """A fixed limit (an integer >= 1) or an :class:`AdaptiveLimit`."""
    if isinstance(value, Mapping):
        v = read(ctx, ADAPTIVE_LIMIT.keys, value, "max_in_flight")
        if not v["min"] <= v["initial"] <= v["max"]:
            raise ctx.error("max_in_flight", f"needs min <= initial <= max, got min "
                                             f"{v['min']}, initial {v['initial']}, max "
                                             f"{v['max']}", value=value)
        return AdaptiveLimit(**v)
    if isinstance(value, bool) or not is_number(value):
        raise ctx.error("max_in_flight", "must be an integer >= 1 or a mapping with adaptive: "
                                         "aimd or gradient", value=value)
    return int(ctx.integer("max_in_flight", value, low=1))


def _visits(ctx: Ctx, value):
    """A positive integer, or a distribution (rounded at each execution) with a
    positive mean."""
    if is_number(value):
        if float(value).is_integer() and value >= 1:
            return int(value)
        raise ctx.error("visits", "must be a positive integer, or a distribution (rounded to "
                                  "the nearest integer at each execution)", value=value)
    if not isinstance(value, Mapping):
        raise ctx.error("visits", "must be a positive integer or a distribution", value=value)
    return ctx.distribution("visits", value, positive_mean=True)


def check_calls(calls: tuple[EdgeSpec, ...], consumers: Mapping[str, list[str]]) -> None:
    """Refuse a call into a queue that no service consumes (nobody would reply), and
    calls that form a cycle (a call chain must end: a cycle of sync calls holds
    servers that wait on each other). ``consumers`` maps each queue to the services
    its edges lead to; a call into a queue is served by them."""
    pairs = []
    for e in calls:
        pairs.append((e.source, e.target))
        if e.target in consumers:
            if not consumers[e.target]:
                raise ModelError(f"goes into queue {e.target!r}, which no service consumes "
                                 f"(its consumer serves the call and replies); add an edge "
                                 f"from {e.target!r} to a service", edge=(e.source, e.target),
                                 key="call")
            pairs += [(e.target, c) for c in consumers[e.target]]
    loop = find_loop(pairs)
    if loop is not None:
        raise ModelError(f"calls form a cycle ({' -> '.join(map(repr, loop))}); a chain of "
                         f"calls must end", edge=(loop[-2], loop[-1]), key="call")
