"""The result entry of each node kind (the result's ``nodes.<name>``), from one table.

``ENTRIES[kind](raw, duration)`` turns one replication's raw counters of a node (a
dict with a ``kind`` key, from the engine) into its entry. The table is keyed by
``sim.model.kinds.KIND_NAMES``; a kind missing here is an error, never summarised
as another kind.
"""

from __future__ import annotations

import math

from sim.metrics.stats import SampleStats

__all__ = ["ENTRIES", "node_entry", "requests_entry", "service_entry", "queue_entry",
           "router_entry", "sender_entry", "call_entry", "REQUEST_COUNTS", "CAUSES"]

REQUEST_COUNTS = ("offered", "completed", "failed", "in_flight", "rejected", "timed_out",
                  "retries", "duplicates")
CAUSES = ("rejected", "dropped", "expired", "error", "crash", "timeout", "max_receives",
          "circuit_open", "call_timeout", "call_failed")
EXTRAS = ("attempts", "circuit_open", "retries_denied", "wasted_work")
LATENCY_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999", "max")
WAIT_KEYS = ("mean", "p50", "p95", "p99")
SOJOURN_KEYS = ("mean", "p95", "p99")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def requests_entry(counts: dict, extras: dict, dead: dict, latency: SampleStats,
                   duration: float) -> dict:
    """The ``requests`` block (also a sender's flat entry) of docs/reference/results.md, plus:
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
        "held": {"mean": raw.get("held_area", 0.0) / duration},
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




RESPONSE_KEYS = ("mean", "p50", "p95", "p99")


def call_entry(raw: dict, duration: float) -> dict:
    """A call edge's entry (the result's ``edges."caller->callee"``): calls made,
    failures by cause, response time of the calls that got a reply, calls in flight
    (awaited by their callers, or still at the callee for async ones)."""
    resp = raw["response"]
    return {
        "call": raw["call"],
        "calls": int(raw["calls"]),
        "throughput": raw["calls"] / duration,
        "failures": {cause: int(n) for cause, n in raw["failures"].items()},
        "response": resp.summary(RESPONSE_KEYS) if resp.count else _empty_wait(RESPONSE_KEYS),
        "in_flight": {"mean": raw["area"] / duration, "max": int(raw["peak"])},
    }


ENTRIES = {"sender": sender_entry, "queue": queue_entry, "service": service_entry,
           "router": router_entry}


def node_entry(name: str, raw: dict, duration: float) -> dict:
    """The entry of node ``name`` from its raw counters; a ValueError naming the node
    when its kind has no entry (a kind added without its summary)."""
    kind = raw.get("kind")
    try:
        summarise = ENTRIES[kind]
    except KeyError:
        raise ValueError(f"node {name!r}: no result entry for kind {kind!r} "
                         f"(known: {', '.join(ENTRIES)})") from None
    return summarise(raw, duration)
