"""One replication's raw counters -> the SPEC section 4 dictionary.

The engine hands over plain numbers and :class:`SampleStats`; everything derived
(throughput, utilisation, time averages, percentiles) is computed here, so the
arithmetic is testable without SimPy.
"""

from __future__ import annotations

import math

from sim.metrics.stats import SampleStats

__all__ = ["summarize_replication", "REQUEST_COUNTS", "CAUSES"]

REQUEST_COUNTS = ("offered", "completed", "failed", "in_flight", "rejected", "timed_out",
                  "retries", "duplicates")
CAUSES = ("rejected", "dropped", "expired", "error", "crash", "timeout")
LATENCY_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999", "max")
WAIT_KEYS = ("mean", "p50", "p95", "p99")
SOJOURN_KEYS = ("mean", "p95", "p99")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def requests_entry(counts: dict, attempts: int, dead: dict, latency: SampleStats,
                   duration: float) -> dict:
    """The ``requests`` block (also a sender's flat entry) of SPEC 4."""
    out = {key: int(counts[key]) for key in REQUEST_COUNTS}
    out["throughput"] = counts["completed"] / duration
    out["latency"] = latency.summary(LATENCY_KEYS)
    out["attempts"] = int(attempts)
    out["amplification"] = _ratio(attempts, counts["offered"])
    out["dead_lettered"] = {cause: int(dead.get(cause, 0)) for cause in CAUSES}
    return out


def _empty_wait(keys) -> dict:
    return {key: 0.0 for key in keys}


def service_entry(raw: dict, duration: float) -> dict:
    servers = raw["servers"]
    busy_mean = raw["busy_area"] / duration
    return {
        "kind": "service",
        "servers": None if math.isinf(servers) else int(servers),
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": int(raw["errors"]),
        "throughput": raw["completed"] / duration,
        "utilization": None if math.isinf(servers) else busy_mean / servers,
        "busy": {"mean": busy_mean},
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else _empty_wait(WAIT_KEYS),
        "sojourn": raw["sojourn"].summary(SOJOURN_KEYS) if raw["sojourn"].count
        else _empty_wait(SOJOURN_KEYS),
    }


def queue_entry(raw: dict, duration: float) -> dict:
    wait = raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else _empty_wait(WAIT_KEYS)
    return {
        "kind": "queue",
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": 0,
        "throughput": raw["completed"] / duration,
        "utilization": None, "busy": None,
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": wait,
        "sojourn": {key: wait[key] for key in SOJOURN_KEYS},
    }


def router_entry(raw: dict, duration: float) -> dict:
    return {
        "kind": "router",
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": 0,
        "throughput": raw["completed"] / duration,
        "utilization": None, "busy": None,
        "queue_length": {"mean": 0.0, "max": 0},
        "wait": _empty_wait(WAIT_KEYS), "sojourn": _empty_wait(SOJOURN_KEYS),
    }


def sender_entry(raw: dict, duration: float) -> dict:
    entry = {"kind": "sender"}
    entry.update(requests_entry(raw["counts"], raw["attempts"], raw["dead"], raw["latency"],
                                duration))
    return entry


_ENTRIES = {"service": service_entry, "queue": queue_entry, "router": router_entry,
            "sender": sender_entry}


def summarize_replication(model_name: str, raw_nodes: dict, *, seed: int, duration: float,
                          warmup: float) -> dict:
    """The SPEC 4 dictionary of one replication (``ci95`` left empty).

    ``raw_nodes`` maps node name -> raw counters with a ``kind`` key; senders carry
    ``counts``, ``attempts``, ``dead`` and a ``latency`` SampleStats.
    """
    nodes = {name: _ENTRIES[raw["kind"]](raw, duration) for name, raw in raw_nodes.items()}
    senders = [raw for raw in raw_nodes.values() if raw["kind"] == "sender"]
    totals = {key: sum(s["counts"][key] for s in senders) for key in REQUEST_COUNTS}
    dead = {c: sum(s["dead"].get(c, 0) for s in senders) for c in CAUSES}
    latency = SampleStats.merged(s["latency"] for s in senders)
    requests = requests_entry(totals, sum(s["attempts"] for s in senders), dead, latency,
                              duration)
    return {"model": model_name, "seed": seed, "replications": 1, "duration": float(duration),
            "warmup": float(warmup), "requests": requests, "nodes": nodes,
            "ci95": {"requests": None, "nodes": None}}
