"""The result schema: every field of a result, its unit and meaning, declared once.

A result (``Result.to_dict()``, ``--format json``, ``result.json``) has run
fields at the top, a ``requests`` block, one entry per node under ``nodes`` (its
fields depend on the node's kind and, for a few, on how the node is
configured), and ``ci95``, which mirrors the averaged fields. The time series is
a table with the columns of :data:`SERIES_FIELDS`.

The tables here (run fields, series columns) and those of each kind's module
in :mod:`sim.metrics.kinds` (its entry's fields; the request-level fields in
:mod:`sim.metrics.kinds.common`) are the declaration; :mod:`sim.metrics.summary`
builds the values. From them come the metric names a model's result will have,
without running anything (:func:`metric_paths`, what sweeps and plans check their
``metrics:`` and objectives against) and the reference page
``docs/reference/results.md`` (:func:`reference_page`; regenerate it with
``python -m sim.metrics.schema > docs/reference/results.md``). Tests check
that a simulated result has exactly the declared fields, and that the page is
current.
"""

from __future__ import annotations

from sim.metrics.calls import EDGE_FIELDS
from sim.metrics.classes import CLASS_NODE_FIELDS, class_node_paths, class_paths
from sim.metrics.fields import Aggregate, Field
from sim.metrics.kinds import NODE_FIELDS
from sim.metrics.kinds.common import REQUEST_FIELDS
from sim.metrics.recovery import SCENARIO_FIELDS
from sim.metrics.trace_columns import trace_section
from sim.model.kinds import KIND_NAMES

__all__ = ["Field", "RUN_FIELDS", "EXTRA_FIELDS", "REQUEST_FIELDS", "NODE_FIELDS",
           "EDGE_FIELDS", "SERIES_FIELDS", "REQUEST_SERIES_FIELDS", "SLO_FIELDS", "node_fields",
           "metric_paths", "reference_page"]


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
    _f("slo", "-", "Each objective's windows, burn rate and alerts (see `slo` below).",
       "constant", condition="with slo: in the model"),
    _f("precision", "-", "The stopping rule of --precision: target, whether it was "
       "reached, replications run, and each metric's relative half-width.", "constant",
       condition="with --precision"),
)

SENDER_FIELDS = NODE_FIELDS["sender"]
QUEUE_FIELDS = NODE_FIELDS["queue"]
SERVICE_FIELDS = NODE_FIELDS["service"]
ROUTER_FIELDS = NODE_FIELDS["router"]
"""Each kind's fields under their former names; each is declared in its module of
:mod:`sim.metrics.kinds`."""

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
    _f("hits", "messages", "A cache's hits since time 0 (cumulative; empty for other "
       "kinds): the hit ratio over an interval is its hits over its hits + misses."),
    _f("misses", "messages", "A cache's misses since time 0 (cumulative; empty for other "
       "kinds)."),
)


REQUEST_SERIES_FIELDS: tuple[Field, ...] = (
    _f("replication", "-", "The replication (0, 1, ...)."),
    _f("time", "s", "The end of the interval: an instant of the time series other than 0."),
    _f("offered", "requests", "Requests born in the interval (after the warm-up)."),
    _f("completed", "requests", "Requests completed in the interval (born after the "
       "warm-up)."),
    _f("failed", "requests", "Requests that failed for good in the interval (born after the "
       "warm-up)."),
    _f("goodput", "1/s", "completed / the interval's length: requests completed per second."),
    _f("latency.p50", "s", "Median latency of the requests completed in the interval (empty "
       "when none completed)."),
    _f("latency.p99", "s", "99th percentile of the latency of the requests completed in the "
       "interval (empty when none completed)."),
)

SLO_FIELDS: tuple[Field, ...] = (
    _f("objective", "-", "The objective as written (normalised spacing).", "constant"),
    _f("window", "s", "The window's length.", "constant"),
    _f("target", "ratio", "The fraction of windows that must meet the objective.",
       "constant"),
    _f("windows", "-", "Windows judged (whole windows of the measured period).", "sum"),
    _f("good_windows", "-", "Windows that met the objective.", "sum"),
    _f("good_fraction", "ratio", "good_windows / windows."),
    _f("burn_rate", "ratio", "The error budget's burn rate over the run: (1 - "
       "good_fraction) / (1 - target); 1 spends the budget exactly."),
    _f("alerts", "-", "One entry per burn-rate alert: its long, short (s) and burn, and "
       "fired, the list of {replication, at} with the end (s) of each window at which it "
       "started firing.", "constant"),
)
"""The fields of each objective under the result's ``slo.<name>``."""


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
        names += class_node_paths(model, spec)
    for edge in getattr(model, "calls", ()):
        adaptive = hasattr(getattr(edge, "max_in_flight", None), "adaptive")
        names += [f"edges.{edge.name}.{f.path}" for f in EDGE_FIELDS
                  if (text or f.path != "call")
                  and (adaptive or not f.path.startswith("limit."))]
    if getattr(model, "scenario", None) is not None:
        names += [f"scenario.{f.path}" for f in SCENARIO_FIELDS if f.path != "steps"]
    return names + class_paths(model)


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

<!-- Generated from the field tables in sim/metrics/kinds/ and sim/metrics/schema.py by
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


def _classes_section() -> list[str]:
    lines = [
        "## `classes`", "",
        "One entry per request class (a sender's `class`, else its name), with the "
        "fields of `requests` for the requests born in that class (a `switch` on the "
        "way does not move a request to another class here): "
        "`classes.read.latency.p99`. `ci95.classes` mirrors it.", "",
        "In a model that names classes (`class`, `classes`, a `p` by class, `switch` or "
        "a `service` by class), each queue, service and router entry ends with `classes`: "
        "one entry per class that can reach the node, for the messages of that class "
        "there (after any `switch`), e.g. `nodes.db.classes.write.wait.p95`:", ""]
    for kind, fields in CLASS_NODE_FIELDS.items():
        lines += [f"### {kind} classes", "", *_table(fields)]
    return lines


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
        "The time series samples the run every `series` seconds (`--series`, `run.series`; "
        "by default 200 intervals over warm-up plus duration), both ends included; when "
        "the run's length is not a multiple of the interval, the last one is shorter. "
        "`timeseries.csv` (`Result.timeseries` in Python) has one row per node and "
        "sampling instant of each replication:", "", *_table(SERIES_FIELDS),
        "`requests_series.csv` (`Result.requests_series`) has one row per interval of each "
        "replication, with the requests of all senders in it:", "",
        *_table(REQUEST_SERIES_FIELDS)]


def _slo_section() -> list[str]:
    return [
        "## `slo`", "",
        "Only for a model with `slo:` objectives: one entry per objective, keyed by its "
        "name (`slo.slo1.burn_rate`). Each is judged on consecutive windows of the measured "
        "period; a window meets a latency objective only with requests completed in it "
        "(or none offered). An alert fires, as Google's SRE workbook's multi-window "
        "burn-rate alerts, at the end of a window when the burn rate over both its long and "
        "its short span exceeds its burn. `ci95.slo.<name>` holds the half-widths of "
        "`good_fraction` and `burn_rate`.", "", *_table(SLO_FIELDS)]


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
            own = tuple(f for f in NODE_FIELDS[kind][1:] if f not in REQUEST_FIELDS)
            lines += ["### sender", "",
                      "`kind: sender`, then the fields of `requests` above, for this "
                      "sender's own requests only, so classes of traffic can be told "
                      "apart, then its own:", "", *_table(own)]
            continue
        lines += [f"### {kind}", "", *_table(NODE_FIELDS[kind])]
    lines += ["## `edges`", "",
              "Only in a model with call edges (`call: sync | async`): one entry per call "
              "edge, keyed `\"caller->callee\"` (flattened: `edges.api->db.response.p99`). "
              "`ci95.edges` mirrors it.", "", *_table(EDGE_FIELDS)]
    lines += ["## `scenario`", "",
              "Only for a model with `scenario:` (timed changes). `ci95.scenario` holds the "
              "half-width of `recovery`.", "", *_table(SCENARIO_FIELDS)]
    lines += [*_classes_section(), *_slo_section(), *_ci95_section(), *_series_section(),
              *_csv_section(), *trace_section()]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(reference_page())
