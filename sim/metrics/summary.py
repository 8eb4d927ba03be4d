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
CAUSES = ("rejected", "dropped", "expired", "error", "crash", "timeout", "max_receives",
          "circuit_open")
EXTRAS = ("attempts", "circuit_open", "retries_denied", "wasted_work")
LATENCY_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999", "max")
WAIT_KEYS = ("mean", "p50", "p95", "p99")
SOJOURN_KEYS = ("mean", "p95", "p99")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def requests_entry(counts: dict, extras: dict, dead: dict, latency: SampleStats,
                   duration: float) -> dict:
    """The ``requests`` block (also a sender's flat entry) of SPEC 4, plus:
    ``attempts`` sent, ``amplification`` (attempts / offered), ``attempts_per_request``
    (attempts / requests resolved), ``dead_lettered`` by cause, ``circuit_open``
    (attempts refused by the breaker), ``retries_denied`` (by the retry budget) and
    ``wasted_work`` (server-seconds spent on copies that did not complete a request)."""
    out = {key: int(counts[key]) for key in REQUEST_COUNTS}
    out["throughput"] = counts["completed"] / duration
    out["latency"] = latency.summary(LATENCY_KEYS)
    attempts = extras["attempts"]
    out["attempts"] = int(attempts)
    out["amplification"] = _ratio(attempts, counts["offered"])
    out["attempts_per_request"] = _ratio(attempts, counts["completed"] + counts["failed"])
    out["dead_lettered"] = {cause: int(dead.get(cause, 0)) for cause in CAUSES}
    out["circuit_open"] = int(extras["circuit_open"])
    out["retries_denied"] = int(extras["retries_denied"])
    out["wasted_work"] = float(extras["wasted_work"])
    return out


def _empty_wait(keys) -> dict:
    return {key: 0.0 for key in keys}


def _optional_counts(raw: dict, keys) -> dict:
    return {key: int(raw[key]) for key in keys if raw.get(key) is not None}


def service_entry(raw: dict, duration: float) -> dict:
    """A service's entry; utilisation divides by the time-averaged servers provisioned
    (the fixed count, unless the service autoscales)."""
    servers = raw["servers"]
    busy_mean = raw["busy_area"] / duration
    servers_mean = raw["servers_area"] / duration
    entry = {
        "kind": "service",
        "servers": None if math.isinf(servers) else int(servers),
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": int(raw["errors"]),
        "throughput": raw["completed"] / duration,
        "utilization": None if math.isinf(servers) or servers_mean <= 0
        else busy_mean / servers_mean,
        "busy": {"mean": busy_mean},
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else _empty_wait(WAIT_KEYS),
        "sojourn": raw["sojourn"].summary(SOJOURN_KEYS) if raw["sojourn"].count
        else _empty_wait(SOJOURN_KEYS),
        "expired": int(raw.get("expired", 0)),
    }
    if not math.isinf(servers) and abs(servers_mean - servers) > 1e-9:
        entry["servers_mean"] = servers_mean
    entry.update(_optional_counts(raw, ("crashes", "duplicate_effects")))
    return entry


def queue_entry(raw: dict, duration: float) -> dict:
    wait = raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else _empty_wait(WAIT_KEYS)
    entry = {
        "kind": "queue",
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": 0,
        "throughput": raw["completed"] / duration,
        "utilization": None, "busy": None,
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": wait,
        "sojourn": {key: wait[key] for key in SOJOURN_KEYS},
        "expired": int(raw.get("expired", 0)),
    }
    entry.update(_optional_counts(raw, ("deliveries", "redelivered", "stale")))
    return entry


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
    entry.update(requests_entry(raw["counts"], raw["extras"], raw["dead"], raw["latency"],
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
    extras = {key: sum(s["extras"][key] for s in senders) for key in EXTRAS}
    requests = requests_entry(totals, extras, dead, latency, duration)
    return {"model": model_name, "seed": seed, "replications": 1, "duration": float(duration),
            "warmup": float(warmup), "requests": requests, "nodes": nodes,
            "ci95": {"requests": None, "nodes": None}}
