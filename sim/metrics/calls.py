"""The result entry of each call edge (``edges."caller->callee"``) and its fields.

A call edge is not a node kind: it has no runtime of its own, only the counters
its caller keeps (sim.engine.calls), so its entry and fields live here, beside
the kinds' (:mod:`sim.metrics.kinds`).
"""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import empty_wait, stat

__all__ = ["EDGE_FIELDS", "RESPONSE_KEYS", "call_entry"]

RESPONSE_KEYS = ("mean", "p50", "p95", "p99")

EDGE_FIELDS: tuple[Field, ...] = (
    Field("call", "-", "sync or async, as on the edge.", "constant"),
    Field("calls", "calls", "Calls made on the edge (every visit counts).", "sum"),
    Field("throughput", "1/s", "Calls made per simulated second."),
    Field("failures.call_timeout", "calls", "Sync calls that got no reply within the edge's "
          "timeout (the caller's execution failed; the callee's work was wasted).", "sum"),
    Field("failures.call_failed", "calls", "Calls whose execution at the callee failed (its "
          "error_rate, a full buffer, a crash, a ttl).", "sum"),
    Field("failures.bulkhead", "calls", "Calls refused because max_in_flight calls were "
          "outstanding on the edge (the caller's execution failed; async: the call was not "
          "sent). With retry, every failure count is of calls whose last attempt failed.",
          "sum"),
    Field("retries", "calls", "Attempts made again after a failure, timeout or refusal "
          "(retry on the edge); counted in calls.", "sum"),
    Field("hedges", "calls", "Hedged copies sent (hedge on the edge); counted in calls.",
          "sum"),
    *(Field(f"response.{k}", "s", f"{stat(k)} time from sending a call to its reply (calls "
            "that timed out left out).") for k in RESPONSE_KEYS),
    Field("in_flight.mean", "calls", "Time-averaged calls outstanding: awaited by their "
          "caller (sync; a timed-out call no longer is) or at the callee (async)."),
    Field("in_flight.max", "calls", "Most calls outstanding at once.", "max"),
    Field("limit.mean", "calls", "Time-averaged limit of an adaptive max_in_flight (only on "
          "an edge with one)."),
    Field("limit.lowest", "calls", "Lowest limit an adaptive max_in_flight reached."),
    Field("limit.max", "calls", "Highest limit an adaptive max_in_flight reached.", "max"),
)
"""The fields of each call edge's entry, ``edges."caller->callee"`` (models with calls)."""


def call_entry(raw: dict, duration: float) -> dict:
    """A call edge's entry: calls made, failures by cause, response time of the calls
    that got a reply, calls in flight (awaited by their callers, or still at the
    callee for async ones)."""
    resp = raw["response"]
    return {
        "call": raw["call"],
        "calls": int(raw["calls"]),
        "throughput": raw["calls"] / duration,
        "failures": {cause: int(n) for cause, n in raw["failures"].items()},
        "retries": int(raw["retries"]),
        "hedges": int(raw["hedges"]),
        "response": resp.summary(RESPONSE_KEYS) if resp.count else empty_wait(RESPONSE_KEYS),
        "in_flight": {"mean": raw["area"] / duration, "max": int(raw["peak"])},
        **({"limit": {"mean": raw["limit"]["area"] / duration,
                      "lowest": int(raw["limit"]["lowest"]), "max": int(raw["limit"]["max"])}}
           if "limit" in raw else {}),
    }
