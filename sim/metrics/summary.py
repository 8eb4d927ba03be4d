"""One replication's raw counters -> the result dictionary.

The engine hands over plain numbers and :class:`SampleStats`; everything derived
(throughput, utilisation, time averages, percentiles) is computed here, so the
arithmetic is testable without SimPy.
"""

from __future__ import annotations

from sim.metrics.classes import class_requests
from sim.metrics.entries import (CAUSES, EXTRAS, REQUEST_COUNTS, call_entry, node_entry,
                                 requests_entry)
from sim.metrics.stats import SampleStats

__all__ = ["summarize_replication", "REQUEST_COUNTS", "CAUSES"]


def summarize_replication(model_name: str, raw_nodes: dict, *, seed: int, duration: float,
                          warmup: float) -> dict:
    """The result dictionary of one replication (``ci95`` left empty).

    ``raw_nodes`` maps node name -> raw counters with a ``kind`` key; senders carry
    ``counts``, ``attempts``, ``dead`` and a ``latency`` SampleStats; a calling
    service carries ``calls``, the raw figures of its call edges, which become the
    top-level ``edges`` block. ``classes`` holds the requests of each class (by their
    senders' ``class``).
    """
    nodes = {name: node_entry(name, raw, duration) for name, raw in raw_nodes.items()}
    senders = [raw for raw in raw_nodes.values() if raw["kind"] == "sender"]
    totals = {key: sum(s["counts"][key] for s in senders) for key in REQUEST_COUNTS}
    dead = {c: sum(s["dead"].get(c, 0) for s in senders) for c in CAUSES}
    latency = SampleStats.merged(s["latency"] for s in senders)
    extras = {key: sum(s["extras"][key] for s in senders) for key in EXTRAS}
    requests = requests_entry(totals, extras, dead, latency, duration)
    out = {"model": model_name, "seed": seed, "replications": 1, "duration": float(duration),
           "warmup": float(warmup), "requests": requests, "nodes": nodes,
           "ci95": {"requests": None, "nodes": None}}
    out["classes"] = class_requests(senders, duration)
    edges = {name: call_entry(edge, duration) for raw in raw_nodes.values()
             for name, edge in raw.get("calls", {}).items()}
    if edges:  # only a model with call edges has the block
        out["edges"] = edges
        out["ci95"]["edges"] = None
    return out
