"""Which models the compiled kernel runs, and why not when it does not.

The kernel covers a vocabulary, listed here once: the keys of each kind it reads.
Any other key set to a value other than its default (in a node, a buffer, a retry
policy or an edge), any model-level feature it lacks, is a reason to run the SimPy
engine instead, and the reason names the node and the key. A key added to the
model later is therefore refused by the kernel until someone teaches it the key:
nothing falls back silently.
"""

from __future__ import annotations

import dataclasses
import math

__all__ = ["uncovered", "COVERED_KEYS"]

COVERED_KEYS = {
    "sender": {"name", "kind", "rate", "interarrival", "clients", "think", "timeout", "retry",
               "priority", "routing", "replicas", "profile", "period", "rate_limit",
               "circuit_breaker", "keys"},
    "queue": {"name", "kind", "buffer", "routing"},
    "service": {"name", "kind", "service", "servers", "inputs", "buffer", "error_rate",
                "idempotent", "routing", "has_default", "replicas", "availability", "quorum"},
    "router": {"name", "kind", "routing", "replicas", "rate_limit", "quorum"},
}
"""Keys of each node kind the kernel reads (the others must keep their defaults)."""

_BUFFER_KEYS = {"capacity", "overflow", "discipline", "ttl", "lifo_above", "latency", "balk"}
_RETRY_KEYS = {"max_attempts", "backoff", "jitter", "budget"}
_EDGE_KEYS = {"source", "target", "p", "latency"}
_ROUTINGS = {"probabilistic", "random", "round_robin", "least_loaded", "power_of_two",
             "broadcast", "consistent_hash"}
_OVERFLOWS = {"reject", "drop_oldest", "block"}
_DISCIPLINES = {"fifo", "lifo", "priority", "adaptive_lifo", "ps", "preemptive"}
_SERVING_KEYS = {"ps": {"discipline"},
                 "preemptive": {"discipline", "capacity", "overflow", "latency", "balk"}}
"""The own-buffer keys the kernel reads with a service discipline (ps, preemptive)."""


def _changed(obj, allowed: set[str]) -> list[str]:
    """The fields of dataclass ``obj`` outside ``allowed`` that differ from their default."""
    out = []
    for f in dataclasses.fields(obj):
        if f.name in allowed:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            out.append(f.name)
            continue
        if getattr(obj, f.name) != default:
            out.append(f.name)
    return out


def _buffer_reason(where: str, buffer) -> str | None:
    extra = _changed(buffer, _BUFFER_KEYS)
    if extra:
        return f"{where}: '{extra[0]}' is not compiled"
    if buffer.overflow not in _OVERFLOWS:
        return f"{where}: 'overflow: {buffer.overflow}' is not compiled"
    if buffer.discipline not in _DISCIPLINES:
        return f"{where}: 'discipline: {buffer.discipline}' is not compiled"
    if buffer.discipline == "adaptive_lifo" and buffer.ttl is not None:
        return f"{where}: 'ttl' with 'discipline: adaptive_lifo' is not compiled"
    return None


def _serving_reason(model, where: str, spec) -> str | None:
    """Why the kernel cannot run the servers of service ``spec`` when they are shared
    (ps) or preempted (preemptive), or None. Such servers never wait for room
    downstream: a model with ``overflow: block`` anywhere stays on SimPy."""
    d = getattr(spec, "discipline", "fifo")
    if d not in _SERVING_KEYS:
        return None
    if spec.inputs:
        return f"{where}: 'discipline: {d}' with 'inputs' (queues consumed too) is not compiled"
    if any(getattr(n, "buffer", None) is not None and n.buffer.overflow == "block"
           for n in model.nodes):
        return f"{where}: 'discipline: {d}' in a model with 'overflow: block' is not compiled"
    extra = _changed(spec.buffer, _SERVING_KEYS[d] | {"discipline"})
    if extra:
        return f"{where}: '{extra[0]}' with 'discipline: {d}' is not compiled"
    return None


def _availability_reason(model, where: str, spec) -> str | None:
    """Why the kernel cannot run the crashes and repairs of service ``spec``, or None:
    not with shared or preempted servers, nor beside a blocking buffer (a server
    blocked by a held message is not in service and outlives a crash)."""
    if getattr(spec, "availability", None) is None:
        return None
    d = getattr(spec, "discipline", "fifo")
    if d in _SERVING_KEYS:
        return f"{where}: 'availability' with 'discipline: {d}' is not compiled"
    if any(getattr(n, "buffer", None) is not None and n.buffer.overflow == "block"
           for n in model.nodes):
        return f"{where}: 'availability' in a model with 'overflow: block' is not compiled"
    return None


def _node_reason(model, spec) -> str | None:
    where = f"node {spec.name!r}"
    if spec.kind not in COVERED_KEYS:
        return f"{where}: kind '{spec.kind}' is not compiled"
    extra = _changed(spec, COVERED_KEYS[spec.kind])
    if extra:
        return f"{where}: '{extra[0]}' is not compiled"
    if spec.kind == "service" and not spec.idempotent:
        return f"{where}: 'idempotent: false' is not compiled"
    if spec.routing not in _ROUTINGS:
        return f"{where}: 'routing: {spec.routing}' is not compiled"
    if spec.routing in ("least_loaded", "power_of_two") and any(
            model.node(e.target).kind == "router" for e in model.out_edges(spec.name)):
        return f"{where}: '{spec.routing}' over a router is not compiled"
    buffer = getattr(spec, "buffer", None)
    if buffer is not None:
        reason = _buffer_reason(where, buffer) or _serving_reason(model, where, spec)
        if reason:
            return reason
    reason = _availability_reason(model, where, spec)
    if reason:
        return reason
    retry = getattr(spec, "retry", None)
    if retry is not None:
        extra = _changed(retry, _RETRY_KEYS)
        if extra:
            return f"{where}: 'retry.{extra[0]}' is not compiled"
    return None


def _keys_reason(model) -> str | None:
    """Request keys are compiled for consistent-hash routing only: the other readers of
    a key (a cache's lookups, a partitioned queue's placement) are named."""
    for spec in model.nodes:
        if spec.kind == "cache":
            return (f"node {spec.name!r}: kind 'cache' (a lookup of each request's key) "
                    "is not compiled")
        buffer = getattr(spec, "buffer", None)
        if buffer is not None and buffer.partitions:
            return (f"node {spec.name!r}: 'partitions' (each request placed on a partition "
                    "by its key) is not compiled")
    return None


def _fan(model, name: str, path: tuple, memo: dict) -> float:
    """Copies one message leaving ``name`` can become at one instant: a broadcast adds
    its edges' copies, another policy takes its largest; a copy stops at anything but a
    router reached without latency. A broadcast in a cycle of routers is unbounded."""
    if name in memo:
        return memo[name]
    if name in path:
        cycle = path[path.index(name):]
        return math.inf if any(model.node(n).routing == "broadcast" for n in cycle) else 1
    counts = [1 if e.latency is not None or model.node(e.target).kind != "router"
              else _fan(model, e.target, path + (name,), memo)
              for e in model.out_edges(name)]
    fan = (sum(counts) if model.node(name).routing == "broadcast" else max(counts, default=1))
    memo[name] = fan
    return fan


def _fan_reason(model) -> str | None:
    """Copies of a broadcast block no producer (a model with ``overflow: block`` stays
    on SimPy). The kernel grows its tables between events only, keeping FORK_MARGIN message
    slots free (sim.engine.compiled.layout): refuse a model where one attempt could
    take more (a copy and a join per leaf of its forks), times its retries at one
    instant."""
    if not any(spec.routing == "broadcast" for spec in model.nodes):
        return None
    if any(getattr(n, "buffer", None) is not None and n.buffer.overflow == "block"
           for n in model.nodes):
        return "a broadcast in a model with 'overflow: block' is not compiled"
    from sim.engine.compiled.layout import FORK_MARGIN, SLOT_MARGIN  # imports the engine

    memo: dict = {}
    fan = max(_fan(model, spec.name, (), memo) for spec in model.nodes
              if spec.kind != "queue")
    if math.isinf(fan):
        return ("a broadcast in a cycle of routers (copies without bound at one instant) "
                "is not compiled")
    attempts = max(s.retry.max_attempts for s in model.senders)
    room = (FORK_MARGIN - SLOT_MARGIN) // 2
    if fan * attempts > room:
        tries = f", times {attempts} attempts," if attempts > 1 else ""
        return (f"broadcasts making {fan:,} copies of one message at one instant{tries} "
                f"are not compiled (the kernel keeps room for {room:,})")
    return None


def uncovered(model, *, trace: bool = False) -> str | None:
    """Why the compiled kernel cannot run ``model`` (a validated model), or None.

    ``trace`` says whether the run writes a trace (only the SimPy engine does).
    """
    if trace:
        return "a trace is written only by the SimPy engine"
    for present, reason in ((model.calls, "call edges are not compiled"),
                            (model.scenario, "a scenario is not compiled"),
                            (model.classed, "request classes are not compiled"),
                            (model.slo, "slo objectives are not compiled")):
        if present:
            return reason
    if model.key_count:
        reason = _keys_reason(model)
        if reason:
            return reason
    for spec in model.nodes:
        reason = _node_reason(model, spec)
        if reason:
            return reason
    for edge in model.edges:
        extra = _changed(edge, _EDGE_KEYS)
        if extra:
            return f"edge {edge.source}->{edge.target}: '{extra[0]}' is not compiled"
    return _fan_reason(model)
