"""The waterfall of a few sampled requests: where each one's time went, node by node.

One row per (request, node) in the order the request reached the nodes, and on
it a bar per stay: a wait in a queue (or in a service's own queue before
service), a service, a call made (at the caller, labelled with the callee), and
a thin line for the attempt at its sender. Times are milliseconds from the
request's send. Drawn from ``trace_sample.csv`` (see
:mod:`sim.interchange.sample`), through the span tree of
:mod:`sim.interchange.spans`, so the bars are the spans a tracing UI would show.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from sim.interchange.rows import requests
from sim.interchange.spans import CLIENT, PRODUCER, new_ids, request_spans
from sim.reports.figures import literal, new_axes

__all__ = ["waterfall", "waterfall_bars"]

STYLE = {"wait": ("#f2c14e", "queue wait"), "service": ("#3a7ca5", "service"),
         "call": ("#9b5de5", "call (at the caller)"), "attempt": ("0.55", "attempt")}


def waterfall_bars(rows: pd.DataFrame, kinds: dict[str, str]) -> list[tuple]:
    """``(request, node, what, start_ms, end_ms, label)`` for each bar, times from the
    request's send."""
    bars = []
    ids = new_ids()
    for group in requests(rows):
        spans = request_spans(group, kinds, ids)
        origin = min(s.start for s in spans)
        req = int(group[0]["request"])

        def ms(t):
            return (t - origin) * 1e3

        for s in spans:
            if s.row_kind == "attempt":
                bars.append((req, s.service, "attempt", ms(s.start), ms(s.end), ""))
            elif s.kind == PRODUCER:
                bars.append((req, s.destination, "wait", ms(s.start), ms(s.until), ""))
            elif s.kind == CLIENT:
                bars.append((req, s.service, "call", ms(s.start), ms(s.end),
                             f"→ {s.destination}"))
            else:
                if s.queued > 0:
                    bars.append((req, s.service, "wait", ms(s.start - s.queued), ms(s.start),
                                 ""))
                bars.append((req, s.service, "service", ms(s.start), ms(s.end), ""))
    return bars


def waterfall(rows: pd.DataFrame, kinds: dict[str, str] | None = None,
              ax: Axes | None = None) -> Axes:
    """Draw the waterfall of the requests in ``rows`` (trace rows, a few requests)."""
    bars = waterfall_bars(rows, kinds or {})
    lanes: dict[tuple[int, str], int] = {}
    for req, node, *_ in sorted(bars, key=lambda b: (b[0], b[3])):
        lanes.setdefault((req, node), len(lanes))
    ax = new_axes(ax, size=(8.0, max(2.5, 0.32 * len(lanes) + 1.2)))
    for req, node, what, start, end, label in bars:
        y = lanes[(req, node)]
        colour = STYLE[what][0]
        if what == "attempt":
            ax.plot([start, end], [y, y], color=colour, linewidth=1.5)
            continue
        height = 0.35 if what == "call" else 0.7
        offset = 0.3 if what == "call" else 0.0
        ax.barh(y + offset, max(end - start, 1e-9), left=start, height=height, color=colour,
                edgecolor="k", linewidth=0.3)
        if label:
            ax.annotate(literal(label), (end, y + offset), fontsize=6, va="center",
                        xytext=(2, 0), textcoords="offset points")
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([literal(f"#{r} {n}") for (r, n) in lanes], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time since the request was sent (ms)")
    ax.set_title("Sampled requests, hop by hop")
    ax.legend(handles=[Patch(color=c, label=text) for c, text in STYLE.values()], fontsize=7,
              loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
    return ax
