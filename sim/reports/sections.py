"""The content of a report, as sections of text and tables (rendered by :mod:`render`).

Sections, in order, each with a stable ``id``: ``summary``, for a run with request
classes ``classes``, ``latency``, ``queues``, ``utilization``, ``topology``, and for
a plan ``search``. Text here
is plain; the renderers escape it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.metrics.result import get_path
from sim.reports.data import ReportData, search_frame

__all__ = ["Section", "Table", "build_sections", "fmt", "SECTION_IDS"]

SECTION_IDS = ("summary", "latency", "queues", "utilization", "topology")
MAX_ROWS = 60
REQUEST_KEYS = ("offered", "completed", "failed", "rejected", "timed_out", "retries",
                "throughput")
LATENCY_KEYS = ("mean", "p50", "p90", "p99", "max")


@dataclass
class Table:
    """A table: a caption, column headers and rows of text."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One part of the report; ``figure`` names the image drawn for it (if any)."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figure: str | None = None


def fmt(value, half=None) -> str:
    """A number for a table (4 significant digits, ``± half`` when given); '-' for none."""
    if value is None or isinstance(value, bool) or (isinstance(value, float)
                                                     and not math.isfinite(value)):
        return "-" if not isinstance(value, bool) else str(value).lower()
    if not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:d}" if isinstance(value, int) else f"{value:.4g}"
    if isinstance(half, (int, float)) and math.isfinite(half) and half > 0:
        text += f" ± {half:.2g}"
    return text


def _requests_table(result: dict) -> Table:
    rows = [[k, fmt(get_path(result, f"requests.{k}"), get_path(result, f"ci95.requests.{k}"))]
            for k in REQUEST_KEYS]
    rows += [[f"latency.{k}", fmt(get_path(result, f"requests.latency.{k}"),
                                  get_path(result, f"ci95.requests.latency.{k}"))]
             for k in LATENCY_KEYS]
    return Table("Requests (counts are totals over replications; times in seconds; "
                 "± is the 95% CI half-width)", ["metric", "value"], rows)


def _nodes_table(result: dict) -> Table:
    rows = []
    for name, e in (result.get("nodes") or {}).items():
        ci = get_path(result, "ci95.nodes") or {}
        c = ci.get(name, {}) if isinstance(ci, dict) else {}
        rows.append([name, str(e.get("kind")), fmt(e.get("throughput"), c.get("throughput")),
                     fmt(e.get("utilization"), c.get("utilization")),
                     fmt(get_path(e, "queue_length.mean"), get_path(c, "queue_length.mean")),
                     fmt(get_path(e, "wait.p99"), get_path(c, "wait.p99"))])
    return Table("Nodes", ["node", "kind", "throughput (1/s)", "utilisation",
                           "queue length (mean)", "wait p99 (s)"], rows)


def _run_summary(data: ReportData) -> Section:
    res = data.result or {}
    text = [f"Model {res.get('model', '')}: {res.get('replications')} replications of "
            f"{fmt(res.get('duration'))} s after a {fmt(res.get('warmup'))} s warm-up, "
            f"seed {res.get('seed')}."]
    if data.description:
        text.append(data.description)
    return Section("summary", "Summary", text, [_requests_table(res), _nodes_table(res)])


def _sweep_summary(data: ReportData) -> Section:
    s, m = data.summary, data.manifest
    params = [p for p in m.get("params", []) if p in s]
    metrics = [c for c in ("requests.throughput", "requests.latency.mean",
                           "requests.latency.p99", "requests.failed") if c in s]
    rows = [[fmt(_plain(r[p])) for p in params]
            + [fmt(_plain(r[c]), _plain(r.get(f"{c}.ci95"))) for c in metrics]
            for _, r in s.head(MAX_ROWS).iterrows()]
    text = [f"Experiment {m.get('experiment', data.folder.name)}: {len(s)} points "
            f"({m.get('design', 'design unknown')}) over {', '.join(params) or 'no parameter'}."]
    if len(s) > MAX_ROWS:
        text.append(f"The first {MAX_ROWS} points are listed; summary.csv has them all.")
    if data.description:
        text.append(data.description)
    return Section("summary", "Summary", text,
                   [Table("Points (mean ± 95% CI over replications)", params + metrics, rows)])


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _objectives_table(chosen: dict) -> Table:
    rows = [[o["objective"], fmt(o.get("value"), o.get("ci95")), fmt(o.get("pessimistic")),
             fmt(o.get("margin")), "yes" if o.get("holds") else "no"]
            for o in chosen.get("objectives", [])]
    return Table("Objectives at the chosen configuration (pessimistic: the end of the 95% "
                 "CI worse for the objective)", ["objective", "value ± CI", "pessimistic",
                                                 "margin", "holds"], rows)


def _plan_text(plan: dict) -> list[str]:
    chosen, sat, neck = plan.get("chosen") or {}, plan.get("saturation") or {}, \
        plan.get("bottleneck") or {}
    config = ", ".join(f"{k} = {v}" for k, v in (chosen.get("config") or {}).items())
    if plan.get("feasible"):
        text = [f"Cheapest configuration meeting every objective: {config} "
                f"(cost {fmt(chosen.get('cost'))}; binding objective: "
                f"{chosen.get('binding')})."]
    else:
        text = [f"No configuration within the bounds meets every objective. Best found: "
                f"{config} (cost {fmt(chosen.get('cost'))}); binding objective: "
                f"{chosen.get('binding')}."]
    if sat.get("throughput") is not None:
        bound = "" if sat.get("bounded_above", True) else " at least"
        text.append(f"Saturation throughput:{bound} {fmt(sat['throughput'])} requests/s "
                    f"(x{fmt(sat.get('multiplier'))} the forecast {fmt(sat.get('forecast_rate'))}"
                    f"/s); headroom at the forecast load: {100 * sat['headroom']:.1f}%.")
    if neck.get("node") is not None:
        text.append(f"Bottleneck: {neck['node']} (analytic maximum throughput "
                    f"{fmt(neck.get('max_throughput'))} requests/s).")
    text.append(f"{plan.get('evaluations')} configurations simulated by {plan.get('method')} "
                f"({plan.get('replications_run')} replications in all, {plan.get('pruned', 0)} "
                f"configurations pruned by monotonicity) in {fmt(plan.get('elapsed'))} s.")
    return text + list(get_path(plan, "analytic.notes") or [])


def _plan_summary(data: ReportData) -> Section:
    plan = data.plan
    tables = []
    if plan.get("chosen"):
        tables.append(_objectives_table(plan["chosen"]))
    if data.result:
        tables.append(_nodes_table(data.result))
    text = _plan_text(plan)
    if plan.get("description"):
        text.append(plan["description"])
    return Section("summary", "Summary", text, tables)


def _search_section(data: ReportData) -> Section:
    frame = search_frame(data)
    rows = [[str(r.step), r.config, fmt(r.cost), r.verdict, str(r.binding),
             str(r.replications), str(r.reason)] for r in frame.itertuples()]
    return Section("search", "Search path",
                   ["Every configuration simulated, in order, with its verdict and the "
                    "objective that binds (least relative margin)."],
                   [Table("Search path", ["step", "configuration", "cost", "verdict",
                                          "binding objective", "replications", "why"], rows)],
                   figure="search")


def _requests_section(data: ReportData) -> list[Section]:
    """Goodput and p99 over time, when the result has the requests of each interval."""
    if data.requests_series is None or data.requests_series.empty:
        return []
    text = ("Requests completed per second in each interval of the time series, and the "
            "p99 latency of those completed in it (mean over replications).")
    if data.markers:
        text += " Dotted lines mark the scenario's steps."
    return [Section("requests", "Goodput and p99 latency over time", [text],
                    figure="requests")]


def build_sections(data: ReportData) -> list[Section]:
    """The report's sections for ``data`` (see the module notes for the ids)."""
    summary = {"run": _run_summary, "sweep": _sweep_summary, "plan": _plan_summary}[data.kind]
    load = {"run": "One load level: a sweep or a plan draws the curve.",
            "sweep": "One point per sweep point; error bars are 95% CIs.",
            "plan": "Probes of the saturation search on the chosen configuration (the "
                    "mean of a few replications each); dotted: the SLOs."}[data.kind]
    util = ("At the most loaded point of the sweep." if data.kind == "sweep"
            else "Busy servers over servers, mean over replications (95% CI).")
    queues = {"run": "Messages waiting per node, mean over replications.",
              "plan": "Messages waiting per node in the first replication of the chosen "
                      "configuration."}.get(data.kind, "")
    if data.timeseries is None:
        queues = "This result has no time series (sweeps keep none)."
    out = [summary(data),
           Section("latency", "Latency against offered load", [load], figure="latency"),
           Section("queues", "Queue length over time",
                   [queues], figure="queues"),
           *_requests_section(data),
           Section("utilization", "Utilisation per node", [util], figure="utilization"),
           Section("topology", "Topology",
                   ["The model's graph from its senders; services coloured by utilisation."],
                   figure="topology")]
    if data.kind == "run":
        from sim.reports.classes import classes_section, has_classes  # it imports this

        if has_classes(data.result):
            out.insert(1, classes_section(data.result))
    if data.kind == "plan":
        out.append(_search_section(data))
    if data.kind == "run" and data.trace_sample is not None and not data.trace_sample.empty:
        out.append(Section("waterfall", "Sampled requests, hop by hop", [
            "A few traced requests (--trace with --out), one row per node each reached, in "
            "order: queue waits, services, and calls (at the caller, labelled with the "
            "callee). The same spans as the .otlp.json and .perfetto.json traces."],
            figure="waterfall"))
    return out
