"""The result entry of each node kind (the result's ``nodes.<name>``), from one registry.

``ENTRIES[kind](raw, duration)`` turns one replication's raw counters of a node (a
dict with a ``kind`` key, from the engine) into its entry. Each kind's entry lives
in its module of :mod:`sim.metrics.kinds` (keyed by ``sim.model.kinds.KIND_NAMES``);
this module looks them up. A kind missing there is an error, never summarised as
another kind.
"""

from __future__ import annotations

from sim.metrics.calls import call_entry
from sim.metrics.classes import node_classes
from sim.metrics.kinds import ENTRIES
from sim.metrics.kinds.common import (CAUSES, EXTRAS, LATENCY_KEYS, REQUEST_COUNTS,
                                      SOJOURN_KEYS, WAIT_KEYS, requests_entry)
from sim.metrics.kinds.queue import entry as queue_entry
from sim.metrics.kinds.router import entry as router_entry
from sim.metrics.kinds.sender import entry as sender_entry
from sim.metrics.kinds.service import entry as service_entry

__all__ = ["ENTRIES", "node_entry", "requests_entry", "service_entry", "queue_entry",
           "router_entry", "sender_entry", "call_entry", "REQUEST_COUNTS", "CAUSES", "EXTRAS",
           "LATENCY_KEYS", "WAIT_KEYS", "SOJOURN_KEYS"]


def node_entry(name: str, raw: dict, duration: float) -> dict:
    """The entry of node ``name`` from its raw counters; a ValueError naming the node
    when its kind has no entry (a kind added without its summary)."""
    kind = raw.get("kind")
    try:
        summarise = ENTRIES[kind]
    except KeyError:
        raise ValueError(f"node {name!r}: no result entry for kind {kind!r} "
                         f"(known: {', '.join(ENTRIES)})") from None
    out = summarise(raw, duration)
    if raw.get("classes"):  # a model with request classes: the node's figures per class
        out["classes"] = node_classes(kind, raw["classes"], duration)
    return out
