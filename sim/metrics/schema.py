"""The result schema: every field of a result, its unit and meaning, in one table.

A result (``Result.to_dict()``, ``--format json``, ``result.json``) has run
fields at the top, a ``requests`` block, one entry per node under ``nodes`` (its
fields depend on the node's kind and, for a few, on how the node is
configured), and ``ci95``, which mirrors the averaged fields. The time series is
a table with the columns of :data:`SERIES_FIELDS`.

The tables here are the declaration; :mod:`sim.metrics.summary` builds the
values. From them come the metric names a model's result will have, without
running anything (:func:`metric_paths`, what sweeps and plans check their
``metrics:`` and objectives against) and the reference page
``docs/reference/results.md`` (:func:`reference_page`; regenerate it with
``python -m sim.metrics.schema > docs/reference/results.md``). Tests check
that a simulated result has exactly the declared fields, and that the page is
current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from sim.model.kinds import KIND_NAMES

__all__ = ["Field", "RUN_FIELDS", "EXTRA_FIELDS", "REQUEST_FIELDS", "NODE_FIELDS",
           "EDGE_FIELDS", "SERIES_FIELDS", "node_fields", "metric_paths", "reference_page"]

Aggregate = Literal["sum", "mean", "max", "constant"]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a result.

    Attributes
    ----------
    path : str
        Dotted path inside its block (``latency.p99``), as flattened names use it.
    unit : str
        ``s`` (seconds of simulated time), ``1/s``, ``requests``, ``messages``,
        ``attempts``, ``calls``, ``servers``, ``server-seconds``, ``ratio``, or ``-`` (text).
    meaning : str
        One sentence for the reference page.
    aggregate : {"sum", "mean", "max", "constant"}
        How replications combine: counts are summed, ``max`` is the largest,
        ``constant`` is the same in every replication, ``mean`` is the mean of the
        per-replication values (with a ``ci95`` half-width).
    when : callable, optional
        ``when(node_spec) -> bool``: the field is present only for nodes so
        configured; None means always present.
    condition : str
        The same condition in words, for the reference page.
    sometimes : bool
        Present only when something happened during the run (not known before).
    """

    path: str
    unit: str
    meaning: str
    aggregate: Aggregate = "mean"
    when: Callable[[object], bool] | None = None
    condition: str = ""
    sometimes: bool = False

    def present_for(self, spec: object) -> bool:
        """Whether a node configured as ``spec`` reports this field in every run."""
        return not self.sometimes and (self.when is None or self.when(spec))


def _f(path: str, unit: str, meaning: str, aggregate: Aggregate = "mean", **kw) -> Field:
    return Field(path, unit, meaning, aggregate, **kw)


RUN_FIELDS: tuple[Field, ...] = (
    _f("model", "-", "The model's name.", "constant"),
    _f("seed", "-", "The root seed of every random stream.", "constant"),
    _f("replications", "-", "Independent replications run.", "constant"),
    _f("duration", "s", "Simulated seconds measured in each replication, after the warm-up.",
       "constant"),
    _f("warmup", "s", "Simulated seconds run and discarded before measuring.", "constant"),
)

EXTRA_FIELDS: tuple[Field, ...] = (
    _f("warmup_method", "-", "How an automatic warm-up was chosen (MSER-5).", "constant",
       condition="with warmup: auto"),
    _f("warmup_detection", "-", "The pilot run behind an automatic warm-up: its "
       "truncation point and whether it is reliable.", "constant",
       condition="with warmup: auto"),
    _f("precision", "-", "The stopping rule of --precision: target, whether it was "
       "reached, replications run, and each metric's relative half-width.", "constant",
       condition="with --precision"),
)

_LATENCY = ("mean", "p50", "p90", "p95", "p99", "p999", "max")
_CAUSES = {
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
}


def _latency(key: str) -> Field:
    what = {"mean": "Mean", "max": "Largest"}.get(key, f"{key[1:]}th percentile of the")
    if key == "p999":
        what = "99.9th percentile of the"
    return _f(f"latency.{key}", "s", f"{what} end-to-end latency of completed requests: "
              "from birth at the sender to the end of the last node's work.",
              "max" if key == "max" else "mean")


REQUEST_FIELDS: tuple[Field, ...] = (
    _f("offered", "requests", "Requests born after the warm-up (first attempts); "
       "offered = completed + failed + in_flight.", "sum"),
    _f("completed", "requests", "Requests that reached a sink without failing.", "sum"),
    _f("failed", "requests", "Requests that failed for good (after any retries).", "sum"),
    _f("in_flight", "requests", "Requests still unresolved at the end of the run.", "sum"),
    _f("rejected", "requests", "Failed requests whose last attempt was refused by a full "
       "buffer or a rate limit.", "sum"),
    _f("timed_out", "requests", "Failed requests whose last attempt timed out.", "sum"),
    _f("retries", "attempts", "Attempts after the first one.", "sum"),
    _f("duplicates", "attempts", "Attempts that completed after their request had already "
       "completed or failed (wasted copies).", "sum"),
    _f("throughput", "1/s", "Completed requests per simulated second of the measured "
       "period."),
    *(_latency(k) for k in _LATENCY),
    _f("attempts", "attempts", "Attempts sent, first ones and retries.", "sum"),
    _f("amplification", "ratio", "attempts / offered: the load retries add (null when "
       "nothing was offered)."),
    _f("attempts_per_request", "ratio", "attempts / (completed + failed) (null when no "
       "request was resolved)."),
    *(_f(f"dead_lettered.{cause}", "requests", f"Failed requests whose message was "
         f"{text}.", "sum") for cause, text in _CAUSES.items()),
    _f("circuit_open", "attempts", "Attempts refused by the sender's circuit breaker.",
       "sum"),
    _f("retries_denied", "attempts", "Retries not sent because the retry budget was spent.",
       "sum"),
    _f("wasted_work", "server-seconds", "Service time spent on attempts that did not "
       "complete their request (timed out, duplicated or failed)."),
)


def _kind(name: str) -> Field:
    return _f("kind", "-", f"The node's kind: {name}.", "constant")


_WAIT = ("mean", "p50", "p95", "p99")
_SOJOURN = ("mean", "p95", "p99")
_FLOW = (
    _f("arrivals", "messages", "Messages that arrived at the node.", "sum"),
    _f("completed", "messages", "Messages the node finished with (taken by a consumer, "
       "served, or routed).", "sum"),
    _f("dropped", "messages", "Messages lost at the node: refused or pushed out of a full "
       "buffer, or refused by a rate limit.", "sum"),
)


def _queueing(wait: Callable[[str], str], sojourn: Callable[[str], str]) -> tuple[Field, ...]:
    """Queue length, wait and sojourn fields; ``wait(key)`` and ``sojourn(key)`` say
    what the statistic ``key`` (``mean``, ``p95``...) of each is."""
    waits = tuple(_f(f"wait.{k}", "s", wait(k)) for k in _WAIT)
    stays = tuple(_f(f"sojourn.{k}", "s", sojourn(k)) for k in _SOJOURN)
    return (
        _f("queue_length.mean", "messages", "Time-averaged number of messages waiting (not "
           "those in service)."),
        _f("queue_length.max", "messages", "Most messages waiting at once.", "max"),
        *waits, *stays)


def _stat(key: str) -> str:
    return "Mean" if key == "mean" else f"{key[1:]}th percentile of the"


def _at_least_once(spec) -> bool:
    buffer = spec.buffer
    return (not buffer.partitions and buffer.delivery is not None
            and buffer.delivery.mode == "at_least_once")


_NO_SERVERS = (
    _f("errors", "messages", "Always 0: only services fail messages.", "sum"),
    _f("throughput", "1/s", "Messages completed per simulated second."),
    _f("utilization", "ratio", "Always null: it has no servers.", "constant"),
    _f("busy", "servers", "Always null: it has no servers.", "constant"),
)

SERVICE_FIELDS: tuple[Field, ...] = (
    _kind("service"),
    _f("servers", "servers", "Servers configured (null for servers: inf).", "constant"),
    *_FLOW,
    _f("errors", "messages", "Messages failed by error_rate.", "sum"),
    _f("throughput", "1/s", "Messages served per simulated second."),
    _f("utilization", "ratio", "busy.mean / servers (the time-averaged servers provisioned "
       "when autoscaling); null for servers: inf."),
    _f("busy.mean", "servers", "Time-averaged number of servers in use (held on calls "
       "included)."),
    _f("held.mean", "servers", "Time-averaged number of servers held waiting on sync calls "
       "(server-seconds per second, part of busy.mean; 0 for a service that makes none)."),
    *_queueing(lambda k: f"{_stat(k)} time a message waits in the service's own buffer "
               "(0 when only queues feed it).",
               lambda k: f"{_stat(k)} time from arrival to the end of service (wait + "
               "service)."),
    _f("expired", "messages", "Messages that waited longer than ttl in its own buffer.",
       "sum"),
    _f("servers_mean", "servers", "Time-averaged servers provisioned.",
       when=lambda s: s.autoscale is not None, sometimes=True,
       condition="with autoscale, when the count changed during the run"),
    _f("crashes", "-", "Times a server crashed.", "sum",
       when=lambda s: s.availability is not None, condition="with availability"),
    _f("duplicate_effects", "messages", "Side effects applied more than once (redelivered "
       "or retried work on a service that is not idempotent).", "sum",
       when=lambda s: not s.idempotent, condition="with idempotent: false"),
)

QUEUE_FIELDS: tuple[Field, ...] = (
    _kind("queue"),
    *_FLOW,
    *_NO_SERVERS,
    *_queueing(lambda k: f"{_stat(k)} time from arrival until a consumer takes the "
               "message.", lambda k: f"Same as wait.{k}: a queue does no work."),
    _f("expired", "messages", "Messages that waited longer than ttl.", "sum"),
    *(_f(key, "messages", text, "sum", when=_at_least_once,
         condition="with delivery: at_least_once (not partitioned)")
      for key, text in (
          ("deliveries", "Messages handed to consumers, redeliveries included."),
          ("redelivered", "Messages made visible again after visibility_timeout."),
          ("stale", "Acknowledgements that came too late (the message had been "
                    "redelivered or dead-lettered)."))),
)

ROUTER_FIELDS: tuple[Field, ...] = (
    _kind("router"),
    *_FLOW,
    *_NO_SERVERS,
    *_queueing(lambda k: "Always 0: a router holds nothing.",
               lambda k: "Always 0: a router takes no time."),
)

SENDER_FIELDS: tuple[Field, ...] = (_kind("sender"), *REQUEST_FIELDS)

NODE_FIELDS: dict[str, tuple[Field, ...]] = {
    "sender": SENDER_FIELDS, "queue": QUEUE_FIELDS, "service": SERVICE_FIELDS,
    "router": ROUTER_FIELDS,
}

EDGE_FIELDS: tuple[Field, ...] = (
    _f("call", "-", "sync or async, as on the edge.", "constant"),
    _f("calls", "calls", "Calls made on the edge (every visit counts).", "sum"),
    _f("throughput", "1/s", "Calls made per simulated second."),
    _f("failures.call_timeout", "calls", "Sync calls that got no reply within the edge's "
       "timeout (the caller's execution failed; the callee's work was wasted).", "sum"),
    _f("failures.call_failed", "calls", "Calls whose execution at the callee failed (its "
       "error_rate, a full buffer, a crash, a ttl).", "sum"),
    *(_f(f"response.{k}", "s", f"{_stat(k)} time from sending a call to its reply (calls "
         "that timed out left out).") for k in ("mean", "p50", "p95", "p99")),
    _f("in_flight.mean", "calls", "Time-averaged calls outstanding: awaited by their caller "
       "(sync; a timed-out call no longer is) or at the callee (async)."),
    _f("in_flight.max", "calls", "Most calls outstanding at once.", "max"),
)
"""The fields of each call edge's entry, ``edges."caller->callee"`` (models with calls)."""

SERIES_FIELDS: tuple[Field, ...] = (
    _f("replication", "-", "The replication (0, 1, ...)."),
    _f("time", "s", "The instant, from 0 (the warm-up included) to warmup + duration, at "
       "regular steps."),
    _f("node", "-", "The node's name."),
    _f("queue_length", "messages", "Messages waiting at that instant."),
    _f("busy", "servers", "Servers in use at that instant (services)."),
    _f("servers", "servers", "Servers provisioned at that instant (services)."),
    _f("departures", "messages", "Messages completed since time 0 (cumulative; a sender "
       "counts its completed requests)."),
)


def node_fields(spec) -> tuple[Field, ...]:
    """The fields a node configured as ``spec`` reports in every run, in result order."""
    return tuple(f for f in NODE_FIELDS[spec.kind] if f.present_for(spec))


def metric_paths(model, *, text: bool = False) -> list[str]:
    """The flattened names of a result of ``model``, in result order, without running it.

    Parameters
    ----------
    model : Model
        A validated model.
    text : bool
        Include the text field ``kind`` of each node (False: numbers only, which
        is what sweeps tabulate and objectives compare).

    Returns
    -------
    list of str
        ``requests.<path>`` then ``nodes.<node>.<path>`` for each node in model
        order, e.g. ``requests.latency.p99``, ``nodes.worker.utilization``, then
        ``edges.<caller->callee>.<path>`` for each call edge (``edges.api->db.calls``).
        Fields that appear only when something happened (``servers_mean``) are
        left out.
    """
    names = [f"requests.{f.path}" for f in REQUEST_FIELDS]
    for spec in model.nodes:
        names += [f"nodes.{spec.name}.{f.path}" for f in node_fields(spec)
                  if text or f.path != "kind"]
    for edge in getattr(model, "calls", ()):
        names += [f"edges.{edge.name}.{f.path}" for f in EDGE_FIELDS
                  if text or f.path != "call"]
    return names


# -- the reference page -----------------------------------------------------------------

_AGGREGATE_WORDS = {"sum": "sum", "mean": "mean ± ci95", "max": "largest",
                    "constant": "same in all"}


def _table(fields: tuple[Field, ...], conditions: bool = True) -> list[str]:
    head = "| field | unit | over replications | meaning |"
    rows = [head, "|---|---|---|---|"]
    for f in fields:
        meaning = f.meaning + (f" Only {f.condition}." if conditions and f.condition else "")
        rows.append(f"| `{f.path}` | {f.unit} | {_AGGREGATE_WORDS[f.aggregate]} | "
                    f"{meaning} |")
    return rows + [""]


_INTRO = """\
# Result fields

<!-- Generated from sim/metrics/schema.py by
     python -m sim.metrics.schema > docs/reference/results.md
     Edit the tables there, not this page. -->

What `asyncsim run --format json` prints, what `result.json` holds, and what
`sim.simulate(...).to_dict()` returns. Times are seconds of simulated time,
rates are per simulated second. Flattened names join the levels with dots:
`requests.latency.p99`, `nodes.worker.utilization`; these are the names that
objectives of a plan and `metrics:` of an experiment use.

## How replications are combined

Each replication is simulated with its own random streams; the result combines
them field by field, as the column "over replications" says:

- **sum**: counts (requests, messages, attempts) are totals over all replications.
- **mean ± ci95**: rates, ratios, times and lengths are the mean of the
  per-replication values; `ci95` holds, under the same path, the half-width of
  the 95% confidence interval of that mean (Student t over the replications).
- **largest**: `max` fields are the largest value of any replication.
- **same in all**: the value does not depend on the replication.

A field that is null in a replication (a ratio with nothing to divide, the
utilisation of an infinite pool) is left out of its mean.

## What the warm-up covers

Statistics cover requests born after `warmup` and time from `warmup` to
`warmup + duration`: counters restart at the end of the warm-up, time
averages (`queue_length.mean`, `busy.mean`, `utilization`) divide by
`duration`, and latencies and waits are of requests and messages that arrived
after it. Requests still unresolved at the end are `in_flight`. The time
series is the exception: it covers the whole run, warm-up included.

## Run fields

At the top of the result:

"""


def _ci95_section() -> list[str]:
    return [
        "## `ci95`", "",
        "`ci95.requests` and `ci95.nodes.<node>` mirror `requests` and `nodes.<node>`, "
        "holding the 95% confidence half-width of every **mean ± ci95** field, e.g. "
        "`ci95.requests.latency.p99`. Fields without a half-width (counts, `max`, "
        "constants, nulls) are left out. With a single replication both are null.", ""]


def _series_section() -> list[str]:
    return [
        "## Time series", "",
        "`timeseries.csv` (`Result.timeseries` in Python) has one row per node and "
        "sampling instant of each replication:", "", *_table(SERIES_FIELDS)]


def _csv_section() -> list[str]:
    return [
        "## CSV tables", "",
        "`asyncsim run --format csv` prints the node table after one row of end-to-end "
        "figures. Its first column, `scope`, tells them apart: `requests` for the "
        "request aggregate (its `node` cell is empty) and `node` for each node, so a node "
        "named `requests` is never taken for the aggregate. The other columns are the "
        "flattened fields above (`latency.p99`, `wait.mean`, ...). `nodes.csv` written by "
        "`--out` is the node table alone; `replications.csv` has one row per replication "
        "and one column per flattened name (`requests.latency.p99`, ...).", "",
        "A text cell that a spreadsheet would evaluate as a formula (one starting with "
        "`=`, `+`, `-`, `@`, a tab or a carriage return, as a node name may) is written "
        "with a single quote in front: `'=1+1`. asyncsim removes that quote when it "
        "reads its own files back.", ""]


def reference_page() -> str:
    """The Markdown reference of every result field (``docs/reference/results.md``)."""
    lines = [_INTRO.rstrip("\n"), "", *_table(RUN_FIELDS),
             "Present only for some runs:", "", *_table(EXTRA_FIELDS),
             "## `requests`", "",
             "End-to-end figures of every sender's requests together.", "",
             *_table(REQUEST_FIELDS),
             "## `nodes`", "",
             "One entry per node, by name. Its fields depend on the node's kind; a few "
             "appear only for nodes configured a certain way, as the meaning says.", ""]
    for kind in KIND_NAMES:
        if kind == "sender":
            lines += ["### sender", "",
                      "`kind: sender`, then the fields of `requests` above, for this "
                      "sender's own requests only, so classes of traffic can be told "
                      "apart.", ""]
            continue
        lines += [f"### {kind}", "", *_table(NODE_FIELDS[kind])]
    lines += ["## `edges`", "",
              "Only in a model with call edges (`call: sync | async`): one entry per call "
              "edge, keyed `\"caller->callee\"` (flattened: `edges.api->db.response.p99`). "
              "`ci95.edges` mirrors it.", "", *_table(EDGE_FIELDS)]
    lines += [*_ci95_section(), *_series_section(), *_csv_section()]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(reference_page())
