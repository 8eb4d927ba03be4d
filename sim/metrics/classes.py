"""Figures per request class: the result's top-level ``classes`` (each class with the
fields of ``requests``) and, in a model that names classes, each queue's, service's
and router's ``classes`` (arrivals, completed, throughput, and on buffers and
services the wait and sojourn of that class's messages).

A request belongs at the top level to the class it was born with (its sender's),
so that ``offered = completed + failed + in_flight`` holds per class; at a node,
to the class it has there (after any ``switch`` on the way).
"""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import (CAUSES, EXTRAS, REQUEST_COUNTS, SOJOURN_KEYS, WAIT_KEYS,
                                      empty_wait, requests_entry, stat)
from sim.metrics.stats import SampleStats

__all__ = ["CLASS_NODE_FIELDS", "class_requests", "node_classes", "class_node_paths"]

_FLOW = (
    Field("arrivals", "messages", "Messages of the class that arrived at the node.", "sum"),
    Field("completed", "messages", "Messages of the class the node finished with (taken "
          "by a consumer, served, or passed on).", "sum"),
    Field("throughput", "1/s", "completed per simulated second."),
)
_WAIT = tuple(Field(f"wait.{k}", "s", f"{stat(k)} time a message of the class waited in "
                    "the node's buffer (0 for a service fed only by queues).")
              for k in WAIT_KEYS)
_SOJOURN = tuple(Field(f"sojourn.{k}", "s", f"{stat(k)} time from arrival to the end of "
                       "service of a message of the class.") for k in SOJOURN_KEYS)

CLASS_NODE_FIELDS: dict[str, tuple[Field, ...]] = {
    "queue": _FLOW + _WAIT,
    "service": _FLOW + _WAIT + _SOJOURN,
    "router": _FLOW,
}
"""The fields of ``nodes.<node>.classes.<class>`` by kind (other kinds have none)."""


def _stats(stats: SampleStats, keys) -> dict:
    return stats.summary(keys) if stats.count else empty_wait(keys)


def node_classes(kind: str, figures: dict, duration: float) -> dict:
    """``{class: entry}`` of a node from its per-class figures (the engine's
    ``ClassFigures``: arrivals, completed, wait and sojourn samples)."""
    out = {}
    for cls, f in figures.items():
        entry = {"arrivals": int(f.arrivals), "completed": int(f.completed),
                 "throughput": f.completed / duration}
        if kind in ("queue", "service"):
            entry["wait"] = _stats(f.wait, WAIT_KEYS)
        if kind == "service":
            entry["sojourn"] = _stats(f.sojourn, SOJOURN_KEYS)
        out[cls] = entry
    return out


def class_requests(senders: list[dict], duration: float) -> dict:
    """``{class: requests entry}``: the raw figures of the senders of each class (in
    sender order) merged as ``requests`` merges every sender's."""
    groups: dict[str, list[dict]] = {}
    for raw in senders:
        groups.setdefault(raw["class"], []).append(raw)
    out = {}
    for cls, group in groups.items():
        totals = {key: sum(s["counts"][key] for s in group) for key in REQUEST_COUNTS}
        dead = {c: sum(s["dead"].get(c, 0) for s in group) for c in CAUSES}
        extras = {key: sum(s["extras"][key] for s in group) for key in EXTRAS}
        latency = SampleStats.merged(s["latency"] for s in group)
        out[cls] = requests_entry(totals, extras, dead, latency, duration)
    return out


def class_node_paths(model, spec) -> list[str]:
    """``nodes.<node>.classes.<class>.<field>`` of a node, in result order (they follow
    the node's own fields); empty in a model without classes."""
    if not getattr(model, "classed", False):
        return []
    return [f"nodes.{spec.name}.classes.{cls}.{f.path}"
            for cls in model.classes_at(spec.name)
            for f in CLASS_NODE_FIELDS.get(spec.kind, ())]


def class_paths(model) -> list[str]:
    """``classes.<class>.<field>`` (the fields of ``requests``) for each class a sender
    has, in sender order."""
    from sim.metrics.kinds.common import REQUEST_FIELDS

    seen: list[str] = []
    for s in model.senders:
        if s.cls not in seen:
            seen.append(s.cls)
    return [f"classes.{cls}.{f.path}" for cls in seen for f in REQUEST_FIELDS]
