"""The report's part on request classes: a table per class (requests and latency),
a table of each node's figures per class, and a figure of the latency percentiles
of each class. Present for a run whose result has several classes, or classes at
its nodes (a model that names classes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics.result import get_path
from sim.reports.sections import MAX_ROWS, Section, Table, fmt

__all__ = ["has_classes", "classes_section", "class_frame", "class_latency"]

PERCENTILES = ("mean", "p50", "p95", "p99")
_COUNTS = ("offered", "completed", "failed", "throughput")


def has_classes(result: dict | None) -> bool:
    """Whether a run result has figures per class worth a section."""
    if not result or not result.get("classes"):
        return False
    nodes = result.get("nodes") or {}
    return len(result["classes"]) > 1 or any("classes" in e for e in nodes.values())


def _class_table(result: dict) -> Table:
    rows = []
    for cls in result["classes"]:
        base = f"classes.{cls}"
        rows.append([cls] + [fmt(get_path(result, f"{base}.{k}"),
                                 get_path(result, f"ci95.{base}.{k}")) for k in _COUNTS]
                    + [fmt(get_path(result, f"{base}.latency.{k}"),
                           get_path(result, f"ci95.{base}.latency.{k}"))
                       for k in PERCENTILES])
    return Table("Requests per class (by the class they were born with; times in seconds; "
                 "± is the 95% CI half-width)",
                 ["class", *_COUNTS, *(f"latency {k}" for k in PERCENTILES)], rows)


def _node_table(result: dict) -> Table | None:
    rows = []
    for name, e in (result.get("nodes") or {}).items():
        for cls, f in (e.get("classes") or {}).items():
            rows.append([name, cls, fmt(f.get("arrivals")), fmt(f.get("throughput")),
                         fmt(get_path(f, "wait.mean")), fmt(get_path(f, "wait.p95")),
                         fmt(get_path(f, "sojourn.mean"))])
    if not rows:
        return None
    return Table("Nodes per class (the class a message has at the node; times in seconds)",
                 ["node", "class", "arrivals", "throughput (1/s)", "wait mean", "wait p95",
                  "sojourn mean"], rows[:MAX_ROWS])


def classes_section(result: dict) -> Section:
    """The ``classes`` section of a run report."""
    tables = [_class_table(result)]
    nodes = _node_table(result)
    if nodes is not None:
        tables.append(nodes)
    text = ["Each request counts in the class its sender gave it; at a node, a message "
            "counts in the class it has there (after any switch)."]
    return Section("classes", "Request classes", text, tables, figure="classes")


def class_frame(result: dict) -> pd.DataFrame:
    """Index: classes; columns: the latency statistics of :data:`PERCENTILES` (s)."""
    rows = {cls: {k: get_path(e, f"latency.{k}") for k in PERCENTILES}
            for cls, e in (result.get("classes") or {}).items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(PERCENTILES))


def class_latency(df: pd.DataFrame, ax=None):
    """Latency mean and percentiles of each class as grouped bars."""
    from sim.reports.figures import literal, new_axes

    ax = new_axes(ax)
    if df is None or df.empty:
        ax.text(0.5, 0.5, "no request class", ha="center", va="center",
                transform=ax.transAxes)
        return ax
    x = np.arange(len(df.index))
    width = 0.8 / len(df.columns)
    for i, col in enumerate(df.columns):
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        ax.bar(x + (i - (len(df.columns) - 1) / 2) * width, values, width, label=col)
    ax.set_xticks(x, [literal(c) for c in df.index])
    ax.set_ylabel("latency (s)")
    ax.set_title("Latency per request class")
    ax.legend(fontsize="small")
    return ax
