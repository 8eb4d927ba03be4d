"""Human-readable text for the terminal: result tables and the ``check`` report."""

from __future__ import annotations

import math

__all__ = ["format_table", "format_check", "fmt", "node_table", "text_table"]

_NODE_COLUMNS = {
    "kind": "kind", "arrivals": "arrivals", "completed": "completed", "dropped": "dropped",
    "errors": "errors", "throughput": "thru/s", "utilization": "util",
    "queue_length.mean": "queue", "queue_length.max": "q.max", "wait.mean": "wait",
    "wait.p99": "wait.p99", "sojourn.mean": "sojourn", "sojourn.p99": "soj.p99",
}


def fmt(value, digits: int = 4) -> str:
    """A number for people: 4 significant digits, '-' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if value.is_integer() and abs(value) >= 1000:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def _with_ci(value, ci) -> str:
    text = fmt(value)
    return f"{text} ±{fmt(ci, 2)}" if isinstance(ci, (int, float)) else text


def format_table(result) -> str:
    d = result.to_dict()
    req, ci = d["requests"], (d["ci95"].get("requests") or {})
    lines = [
        f"model {d['model']}  seed {d['seed']}  replications {d['replications']}  "
        f"duration {fmt(d['duration'])} s  warmup {fmt(d['warmup'])} s",
        "requests  " + "  ".join(f"{k} {req[k]}" for k in (
            "offered", "completed", "failed", "in_flight", "rejected", "timed_out", "retries",
            "duplicates")),
        f"throughput {_with_ci(req['throughput'], ci.get('throughput'))} /s",
        "latency (s)  " + "  ".join(
            f"{k} {_with_ci(v, (ci.get('latency') or {}).get(k))}"
            for k, v in req["latency"].items()),
        "",
    ]
    lines.append(node_table(result))
    ci_nodes = d["ci95"].get("nodes") or {}
    for name, node in d["nodes"].items():
        if node.get("kind") == "cache":
            half = (ci_nodes.get(name) or {}).get("hit_ratio")
            lines.append(f"cache {name}: hit_ratio {_with_ci(node['hit_ratio'], half)}  hits "
                         f"{node['hits']}  misses {node['misses']}  evictions "
                         f"{node['evictions']}  expired {node['expired']}")
        parts = node.get("partitions")
        if parts:
            busy, mean = parts["busiest"], parts["mean"]
            lines.append(f"queue {name}: {parts['count']} partitions; busiest "
                         f"{fmt(busy['throughput'])}/s (share {fmt(busy['share'])}), queue "
                         f"{fmt(busy['queue_length'])}; mean {fmt(mean['throughput'])}/s, "
                         f"queue {fmt(mean['queue_length'])}")
    lines += _slo_lines(d.get("slo") or {})
    lines += _scenario_lines(d.get("scenario"), d["replications"])
    return "\n".join(lines)


def node_table(result) -> str:
    """The node table of :func:`format_table`: the text
    ``result.nodes_frame()[columns].rename(...).map(fmt).to_string()`` gives, laid out
    here without pandas (whose import is most of a short run's start-up). A label or
    cell pandas would escape or trim (a tab, a newline, an edge space, an empty name)
    is left to pandas itself."""
    from sim.metrics.result import flatten

    rows = {name: flatten(entry) for name, entry in result.to_dict()["nodes"].items()}
    cols = [c for c in _NODE_COLUMNS if any(c in row for row in rows.values())]
    cells = {name: [fmt(row.get(c)) for c in cols] for name, row in rows.items()}
    texts = [str(n) for n in rows] + [t for row in cells.values() for t in row]
    if not all(t and t.isprintable() and t == t.strip() for t in texts):
        frame = result.nodes_frame()
        table = frame[cols].rename(columns=_NODE_COLUMNS)
        table = table.map(fmt) if hasattr(table, "map") else table.applymap(fmt)
        return table.to_string()
    return text_table("node", [str(n) for n in rows], [_NODE_COLUMNS[c] for c in cols],
                      list(cells.values()))


def text_table(index_name: str, labels: list[str], headers: list[str],
               rows: list[list[str]]) -> str:
    """Cells of text laid out as ``pandas.DataFrame.to_string`` does for a frame of
    non-empty strings without edge spaces or escapes, whose index is named: labels
    left-aligned under the index name (on a line
    of its own), each column right-aligned to its widest cell, where a cell counts one
    leading space; columns one space apart."""
    index = ["", index_name, *labels]
    width = max(len(t) for t in index)
    columns = [[t.ljust(width) for t in index]]
    for k, header in enumerate(headers):
        values = [" " + row[k] for row in rows]
        w = max([len(header), *(len(v) for v in values)])
        columns.append([header.rjust(w), " " * w, *(v.rjust(w) for v in values)])
    return "\n".join(" ".join(parts) for parts in zip(*columns))


def _scenario_lines(scenario: dict | None, replications: int) -> list[str]:
    """The scenario's steps and the recovery time after its last fault."""
    if not scenario:
        return []
    lines = [""]
    for step in scenario["steps"]:
        span = f" for {fmt(step['for'])} s" if step["for"] is not None else ""
        node = f" {step['node']}" if "node" in step else ""
        lines.append(f"scenario at {fmt(step['at'])} s{span}: {step['change']}{node}")
    recovery = scenario["recovery"]
    lines.append(f"recovery: {fmt(recovery)} s after the last fault "
                 f"({scenario['recovered']} of {replications} replications recovered)"
                 if recovery is not None else
                 f"recovery: none within the run ({replications} replications)")
    return lines


def _slo_lines(slo: dict) -> list[str]:
    """One line per objective (good windows, burn rate) and per alert that fired."""
    lines = [""] if slo else []
    for name, entry in slo.items():
        lines.append(f"slo {name}: {entry['objective']}  good windows "
                     f"{entry['good_windows']}/{entry['windows']}  burn rate "
                     f"{fmt(entry['burn_rate'])}")
        for alert in entry["alerts"]:
            if alert["fired"]:
                several = any(f["replication"] for f in alert["fired"])
                times = ", ".join(fmt(f["at"]) + (f" (replication {f['replication']})"
                                                  if several else "")
                                  for f in alert["fired"][:10])
                more = " ..." if len(alert["fired"]) > 10 else ""
                lines.append(f"  alert {fmt(alert['long'])} s / {fmt(alert['short'])} s at "
                             f"{fmt(alert['burn'])}x fired at {times}{more} s")
    return lines


def format_check(model) -> str:
    """Per-node arrival rate, offered load, utilisation and stability of ``model``, and
    the estimated work of running it with its own run settings."""
    from sim.analytic import traffic, unstable_nodes

    columns = ["node", "kind", "arrival_rate", "servers", "mean_service", "offered_load",
               "utilization", "stable"]
    rows = traffic(model)
    for row in rows:
        if row.get("servers") == math.inf:
            row["utilization"] = None       # no utilisation for an infinite pool
    unstable = unstable_nodes(model)
    calls = f", {len(model.calls)} call edges" if model.calls else ""
    lines = [f"model {model.name}: valid, {len(model.nodes)} nodes, {len(model.edges)} edges"
             f"{calls}"]
    if rows:
        lines.append(_columns(columns, [[fmt(row.get(c)) for c in columns] for row in rows]))
    for name in unstable:
        lines.append(f"UNSTABLE: node {name!r}: offered load meets or exceeds its capacity "
                     f"(utilisation >= 1)")
    if not unstable:
        bounded = [row["node"] for row in rows if (row.get("utilization") or 0) >= 1]
        lines.append("stable: every node's utilisation is below 1" if not bounded else
                     f"stable: every queue is bounded; {', '.join(map(repr, bounded))} "
                     f"offered at or above capacity (its buffer refuses, drops or loses "
                     f"impatient messages)")
    for row in rows:
        if row.get("hit_ratio") is not None:
            lines.append(f"cache {row['node']!r}: expected hit ratio {row['hit_ratio']:.3f} "
                         f"({row['hit_method']}); miss path {row['miss_node']!r} gets "
                         f"{fmt(row['miss_rate'])}/s")
        if row.get("servers_bound") in ("autoscale max", "partitions"):
            lines.append(f"node {row['node']!r}: judged at its {row['servers_bound']} "
                         f"({fmt(row['effective_servers'])} servers)")
    if model.classed:
        lines += _class_lines(model)
    lines.append(format_workload(model))
    lines.append(engine_line(model))
    return "\n".join(lines)


def engine_line(model) -> str:
    """Whether the compiled kernel covers ``model`` (without importing numba or SimPy:
    ``check`` stays fast)."""
    import importlib.util

    from sim.engine.compiled.coverage import uncovered

    reason = uncovered(model)
    if reason is not None:
        return f"engine: simpy only ({reason})"
    if importlib.util.find_spec("numba") is None:
        return "engine: compiled kernel covers this model (numba is not installed: simpy runs it)"
    return "engine: compiled kernel covers this model"


def _class_lines(model) -> list[str]:
    """One line per request class: its rate, visits per request by node (and the class
    it has there), and the analytic mean latency, marked when approximate."""
    from sim.analytic import analyze

    lines = []
    for cls, e in analyze(model).get("classes", {}).items():
        visits = ", ".join(f"{node} {fmt(v)}" + ("" if list(per) == [cls] else f" ({c})")
                           for node, per in e["visits"].items() for c, v in per.items())
        mean = e["latency"]["mean"]
        note = "" if e["exact"] else " (approximate)"
        latency = f"mean latency {fmt(mean)} s{note}" if mean is not None else (
            f"no latency formula: {e['reason']}")
        lines.append(f"class {cls!r}: {fmt(e['arrival_rate'])}/s; visits {visits}; {latency}")
    return lines


def _columns(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table, every column right-aligned (no pandas: ``check`` starts fast)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    return "\n".join(" ".join(cell.rjust(w + 1) for cell, w in zip(line, widths))
                     for line in [header, *rows])


def format_workload(model) -> str:
    """One line: the estimated events of a run with the model's settings, and whether
    it would be announced or refused."""
    from sim.analytic.workload import MAX_EVENTS, describe_seconds, estimate

    run = model.run
    work = estimate(model, run)
    line = (f"estimated work: about {work.events:.3g} events (node visits) for "
            f"{fmt(run.duration)} s + {run.warmup if run.warmup == 'auto' else fmt(run.warmup)}"
            f" s warm-up x {run.replications} replications, "
            f"{describe_seconds(work.seconds)} here (an estimate)")
    if not work.feasible:
        line += f"; above the {MAX_EVENTS:g} events a run may take: run refuses it"
    return line
