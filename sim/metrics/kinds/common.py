"""What the result entries of several kinds share, declared once: the request-level
fields and their entry (a sender's entry, and the result's ``requests`` block), the
flow and queueing fields of the nodes that pass messages on (queue, service, router),
and :class:`KindResult`, what each kind module declares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.metrics.fields import Field
from sim.metrics.stats import SampleStats

__all__ = ["KindResult", "kind_field", "REQUEST_COUNTS", "CAUSES", "EXTRAS", "LATENCY_KEYS",
           "WAIT_KEYS", "SOJOURN_KEYS", "REQUEST_FIELDS", "requests_entry", "FLOW_FIELDS",
           "NO_SERVERS_FIELDS", "queueing_fields", "stat", "empty_wait", "optional_counts"]


@dataclass(frozen=True, slots=True)
class KindResult:
    """A kind's part of the result: its ``fields`` (the declaration, in result order:
    what the reference page lists and sweeps may name) and ``entry(raw, duration)``,
    which turns one replication's raw counters of a node (from the engine; times in
    simulated seconds, ``duration`` the measured seconds) into its entry."""

    name: str
    fields: tuple[Field, ...]
    entry: Callable[[dict, float], dict]


def kind_field(name: str) -> Field:
    """The ``kind`` field every entry starts with."""
    return Field("kind", "-", f"The node's kind: {name}.", "constant")


# -- requests: a sender's entry and the result's ``requests`` block -------------------

REQUEST_COUNTS = ("offered", "completed", "failed", "in_flight", "rejected", "timed_out",
                  "retries", "duplicates")
CAUSES = ("rejected", "dropped", "expired", "error", "crash", "timeout", "max_receives",
          "circuit_open", "call_timeout", "call_failed", "bulkhead",
          "pool_timeout",
          "shed", "balked")
EXTRAS = ("attempts", "circuit_open", "retries_denied", "wasted_work")
LATENCY_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999", "max")

_CAUSE_TEXT = {
    "rejected": "refused by a full buffer with overflow: reject",
    "dropped": "pushed out of a full buffer by overflow: drop_oldest",
    "expired": "waited longer than the buffer's ttl",
    "error": "failed by a service's error_rate on the last attempt",
    "crash": "lost in a crash of a service (availability)",
    "timeout": "timed out on the last attempt",
    "max_receives": "received max_receives times from an at-least-once queue",
    "circuit_open": "refused by an open circuit breaker on the last attempt",
    "call_timeout": "failed on the last attempt because a sync call timed out",
    "call_failed": "failed on the last attempt because a sync call failed at its callee",
    "bulkhead": "failed on the last attempt because a call edge's max_in_flight refused "
                "a sync call",
    "pool_timeout": "failed on the last attempt because it waited longer than a pool's "
                    "timeout for a unit",
    "shed": "dropped by a buffer's CoDel shedding (shed)",
    "balked": "refused on arrival by a buffer's balk (too many waiting)",
}


def _latency(key: str) -> Field:
    what = {"mean": "Mean", "max": "Largest"}.get(key, f"{key[1:]}th percentile of the")
    if key == "p999":
        what = "99.9th percentile of the"
    return Field(f"latency.{key}", "s", f"{what} end-to-end latency of completed requests: "
                 "from birth at the sender to the end of the last node's work.",
                 "max" if key == "max" else "mean")


REQUEST_FIELDS: tuple[Field, ...] = (
    Field("offered", "requests", "Requests born after the warm-up (first attempts); "
          "offered = completed + failed + in_flight.", "sum"),
    Field("completed", "requests", "Requests that reached a sink without failing.", "sum"),
    Field("failed", "requests", "Requests that failed for good (after any retries).", "sum"),
    Field("in_flight", "requests", "Requests still unresolved at the end of the run.", "sum"),
    Field("rejected", "requests", "Failed requests whose last attempt was refused by a full "
          "buffer or a rate limit.", "sum"),
    Field("timed_out", "requests", "Failed requests whose last attempt timed out.", "sum"),
    Field("retries", "attempts", "Attempts after the first one.", "sum"),
    Field("duplicates", "attempts", "Attempts that completed after their request had "
          "already completed or failed (wasted copies).", "sum"),
    Field("throughput", "1/s", "Completed requests per simulated second of the measured "
          "period."),
    *(_latency(k) for k in LATENCY_KEYS),
    Field("attempts", "attempts", "Attempts sent, first ones and retries.", "sum"),
    Field("amplification", "ratio", "attempts / offered: the load retries add (null when "
          "nothing was offered)."),
    Field("attempts_per_request", "ratio", "attempts / (completed + failed) (null when no "
          "request was resolved)."),
    *(Field(f"dead_lettered.{cause}", "requests", f"Failed requests whose message was "
            f"{_CAUSE_TEXT[cause]}.", "sum") for cause in CAUSES),
    Field("circuit_open", "attempts", "Attempts refused by the sender's circuit breaker.",
          "sum"),
    Field("retries_denied", "attempts", "Retries not sent because the retry budget was "
          "spent.", "sum"),
    Field("wasted_work", "server-seconds", "Service time spent on attempts that did not "
          "complete their request (timed out, duplicated or failed)."),
)


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


# -- nodes that pass messages on: queue, service, router ------------------------------

WAIT_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999")
SOJOURN_KEYS = ("mean", "p50", "p90", "p95", "p99", "p999")

FLOW_FIELDS: tuple[Field, ...] = (
    Field("arrivals", "messages", "Messages that arrived at the node.", "sum"),
    Field("completed", "messages", "Messages the node finished with (taken by a consumer, "
          "served, or routed).", "sum"),
    Field("dropped", "messages", "Messages lost at the node: refused or pushed out of a "
          "full buffer, or refused by a rate limit.", "sum"),
)

NO_SERVERS_FIELDS: tuple[Field, ...] = (
    Field("errors", "messages", "Always 0: only services fail messages.", "sum"),
    Field("throughput", "1/s", "Messages completed per simulated second."),
    Field("utilization", "ratio", "Always null: it has no servers.", "constant"),
    Field("busy", "servers", "Always null: it has no servers.", "constant"),
)
"""The fields of a node without servers (queue, router)."""


def queueing_fields(wait: Callable[[str], str],
                    sojourn: Callable[[str], str]) -> tuple[Field, ...]:
    """Queue length, wait and sojourn fields; ``wait(key)`` and ``sojourn(key)`` say
    what the statistic ``key`` (``mean``, ``p95``...) of each is."""
    waits = tuple(Field(f"wait.{k}", "s", wait(k)) for k in WAIT_KEYS)
    stays = tuple(Field(f"sojourn.{k}", "s", sojourn(k)) for k in SOJOURN_KEYS)
    return (
        Field("queue_length.mean", "messages", "Time-averaged number of messages waiting "
              "(not those in service)."),
        Field("queue_length.max", "messages", "Most messages waiting at once.", "max"),
        *waits, *stays)


def stat(key: str) -> str:
    """The words for statistic ``key`` at the start of a meaning: Mean, 95th percentile of the..."""
    if key == "mean":
        return "Mean"
    return "99.9th percentile of the" if key == "p999" else f"{key[1:]}th percentile of the"


def empty_wait(keys) -> dict:
    """Every statistic ``keys`` of a wait nothing waited: 0 s."""
    return {key: 0.0 for key in keys}


def optional_counts(raw: dict, keys) -> dict:
    """The counters ``keys`` the engine kept for this node (those configured), as ints."""
    return {key: int(raw[key]) for key in keys if raw.get(key) is not None}
