"""The report's figures: each ``f(data, ax=None, ...) -> Axes``.

Figures are drawn on matplotlib's object-oriented API with the Agg canvas
(``matplotlib.figure.Figure``, never ``pyplot``), so drawing a report neither
needs a display nor changes the backend of a notebook that imports this
module. Pass ``ax`` to draw into an existing figure.

Text from a model (node names, keys) is shown literally: ``$`` is escaped so
matplotlib never reads it as mathtext.
"""

from __future__ import annotations

import io
import math

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.reports.shapes import group_by_shape

__all__ = ["new_axes", "latency_vs_load", "queue_length", "requests_over_time", "utilization",
           "topology",
           "search_path", "to_png", "literal"]

CMAP = "RdYlGn_r"
PERCENTILE_STYLE = {"p50": "-", "p90": "--", "p95": "-.", "p99": "-"}
VERDICT_COLOURS = {"feasible": "tab:green", "infeasible": "tab:red",
                   "unconfirmed": "tab:orange"}
MAX_NODES = 8


def literal(text: object) -> str:
    """``text`` as matplotlib should print it (no mathtext)."""
    return str(text).replace("$", r"\$")


def new_axes(ax: Axes | None = None, size: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """``ax``, or the axes of a new Agg figure of ``size`` inches."""
    if ax is not None:
        return ax
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def to_png(ax: Axes, dpi: int = 100) -> bytes:
    """The figure of ``ax`` as PNG bytes."""
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _note(ax: Axes, text: str) -> Axes:
    ax.text(0.5, 0.5, literal(text), ha="center", va="center", transform=ax.transAxes,
            color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def latency_vs_load(df: pd.DataFrame, ax: Axes | None = None,
                    slo: list[tuple[str, float]] | None = None) -> Axes:
    """Latency percentiles against offered load (the hockey stick).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``offered`` and ``p50``, ``p90``, ``p95``, ``p99`` (seconds), optional
        ``<p>.ci95`` (drawn as error bars) and ``series`` (one p99 line per value).
        ``df.attrs["xlabel"]`` names the x axis.
    slo : list of (label, seconds), optional
        Horizontal SLO lines.
    """
    ax = new_axes(ax)
    if df.empty:
        return _note(ax, "no latency figures")
    if "series" in df and df["series"].nunique() > 1:
        for name, part in df.groupby("series", sort=False):
            _line(ax, part, "p99", label=f"p99, {literal(name)}", style="-")
    else:
        for key, style in PERCENTILE_STYLE.items():
            if key in df and df[key].notna().any():
                _line(ax, df, key, label=key, style=style)
    for label, value in slo or []:
        ax.axhline(value, color="tab:red", linestyle=":", linewidth=1.5,
                   label=f"SLO {literal(label)}")
    ax.set_xlabel(literal(df.attrs.get("xlabel", "offered load (requests/s)")))
    ax.set_ylabel("latency (s)")
    ax.set_title("Latency percentiles against offered load")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def _line(ax: Axes, df: pd.DataFrame, key: str, *, label: str, style: str) -> None:
    err = df.get(f"{key}.ci95")
    err = None if err is None or not err.notna().any() else err.fillna(0).to_numpy()
    marker = "o" if len(df) < 30 else None
    ax.errorbar(df["offered"], df[key], yerr=err, linestyle=style, marker=marker,
                markersize=4, capsize=2, label=label)


def queue_length(df: pd.DataFrame, ax: Axes | None = None, max_nodes: int = MAX_NODES
                 ) -> Axes:
    """Messages waiting per node over simulated time (mean over replications).

    Parameters
    ----------
    df : pandas.DataFrame
        A time series with columns ``time``, ``node``, ``queue_length`` (and
        ``replication``), as ``Result.timeseries``.
    max_nodes : int
        Only the nodes with the longest mean queues are drawn.
    """
    ax = new_axes(ax)
    if df is None or df.empty:
        return _note(ax, "no time series in this result")
    mean = df.groupby(["node", "time"], sort=False)["queue_length"].mean().reset_index()
    order = mean.groupby("node")["queue_length"].agg(["max", "mean"])
    order = order[order["max"] > 0].sort_values("mean", ascending=False)
    if order.empty:
        return _note(ax, "no message waited in any queue")
    for node in order.index[:max_nodes]:
        part = mean[mean["node"] == node]
        ax.plot(part["time"], part["queue_length"], label=literal(node), linewidth=1)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("messages waiting")
    ax.set_title("Queue length over time")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def requests_over_time(df: pd.DataFrame | None, ax: Axes | None = None,
                       markers=()) -> Axes:
    """Goodput (completed requests per second, left axis) and the p99 latency of the
    requests completed in each interval (right axis) over simulated time, mean over
    replications; ``markers`` ``[(time, label), ...]`` (scenario steps) are drawn as
    labelled vertical lines.

    Parameters
    ----------
    df : pandas.DataFrame
        ``Result.requests_series``: columns ``time`` (end of the interval, s),
        ``goodput`` (1/s), ``latency.p99`` (s) and ``replication``.
    markers : sequence of (float, str)
        Instants (s) to mark, with their labels.
    """
    ax = new_axes(ax)
    if df is None or df.empty:
        return _note(ax, "no requests series in this result")
    mean = df.groupby("time", sort=True)[["goodput", "latency.p99"]].mean().reset_index()
    ax.plot(mean["time"], mean["goodput"], color="C0", linewidth=1.2, label="goodput")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("goodput (requests/s)", color="C0")
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    right.plot(mean["time"], mean["latency.p99"], color="C3", linewidth=1.0,
               linestyle="--", label="p99 latency")
    right.set_ylabel("p99 latency (s)", color="C3")
    right.set_ylim(bottom=0)
    for time, label in markers:
        ax.axvline(float(time), color="0.4", linewidth=0.8, linestyle=":")
        ax.annotate(literal(label), (float(time), 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7, color="0.3")
    ax.set_title("Goodput and p99 latency over time")
    ax.grid(True, alpha=0.3)
    lines = ax.get_lines()[:1] + right.get_lines()[:1]
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower right")
    return ax


def utilization(df: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Utilisation per node as bars (with the 95% CI when given), coloured like the topology.

    Parameters
    ----------
    df : pandas.DataFrame
        Index: node names; columns ``utilization`` and optional ``ci95``.
    """
    ax = new_axes(ax)
    if df is None or df.empty:
        return _note(ax, "no service node reports a utilisation")
    values = df["utilization"].astype(float).to_numpy()
    err = df["ci95"].astype(float).fillna(0).to_numpy() if "ci95" in df else None
    colours = ScalarMappable(Normalize(0, 1), CMAP).to_rgba(np.clip(values, 0, 1))
    ax.bar([literal(n) for n in df.index], values, yerr=err, color=colours, capsize=3,
           edgecolor="0.3")
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_ylim(0, max(1.05, float(np.nanmax(values)) * 1.1 if len(values) else 1.05))
    ax.set_ylabel("utilisation (busy / servers)")
    ax.set_title("Utilisation per node")
    ax.tick_params(axis="x", rotation=30 if len(values) > 4 else 0)
    return ax


def _layers(graph: nx.DiGraph) -> dict:
    """Column of each node: its hop distance from the nearest sender."""
    senders = [n for n, d in graph.nodes(data=True) if d.get("kind") == "sender"]
    dist = nx.multi_source_dijkstra_path_length(graph, senders) if senders else {}
    return {n: int(dist.get(n, 0)) for n in graph.nodes}


CALL_STYLES = {None: {"edge_color": "0.5", "style": "solid"},
               "sync": {"edge_color": "tab:blue", "style": "dashed"},
               "async": {"edge_color": "tab:purple", "style": "dotted"}}
"""How each edge is drawn: a path (solid grey), a sync call (dashed blue, the caller
waits), an async call (dotted purple, fire-and-forget)."""
CALL_LABELS = {None: "path", "sync": "sync call (caller waits)", "async": "async call"}


def topology(graph: nx.DiGraph, ax: Axes | None = None, utilization: dict | None = None
             ) -> Axes:
    """The model's graph, left to right from the senders, services coloured by utilisation.

    Parameters
    ----------
    graph : networkx.DiGraph
        The model (node attribute ``kind`` gives the marker shape,
        :data:`sim.reports.shapes.SHAPES`; a kind without one is an error).
    utilization : dict, optional
        ``{node: utilisation}``; nodes without one are drawn grey.
    """
    ax = new_axes(ax, size=(8.0, 3.6))
    if graph is None or graph.number_of_nodes() == 0:
        return _note(ax, "no model to draw")
    utilization = utilization or {}
    layered = nx.DiGraph()
    layered.add_nodes_from((n, {"layer": k}) for n, k in _layers(graph).items())
    layered.add_edges_from(graph.edges)
    pos = nx.multipartite_layout(layered, subset_key="layer")
    mapper = ScalarMappable(Normalize(0, 1), CMAP)
    for call, style in CALL_STYLES.items():
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d.get("call") == call]
        if edges:
            nx.draw_networkx_edges(layered, pos, edgelist=edges, ax=ax, arrows=True,
                                   arrowsize=14, node_size=900, **style)
    if any(d.get("call") for _u, _v, d in graph.edges(data=True)):
        ax.legend(handles=[Line2D([], [], color=s["edge_color"], linestyle=s["style"],
                                  label=CALL_LABELS[c]) for c, s in CALL_STYLES.items()],
                  loc="upper left", fontsize=7, frameon=False)
    shapes = group_by_shape((n, d.get("kind")) for n, d in graph.nodes(data=True))
    for shape, nodes in shapes.items():
        colours = [mapper.to_rgba(min(float(utilization[n]), 1.0))
                   if _number(utilization.get(n)) else (0.85, 0.85, 0.85, 1.0) for n in nodes]
        if nodes:
            nx.draw_networkx_nodes(layered, pos, nodelist=nodes, node_shape=shape,
                                   node_size=900, node_color=colours, ax=ax, edgecolors="0.3")
    ys = [y for _x, y in pos.values()]
    drop = max(0.07, 0.1 * (max(ys) - min(ys)))
    below = {n: (x, y - drop) for n, (x, y) in pos.items()}
    labels = {n: literal(n) + (f"\n{utilization[n]:.0%}" if _number(utilization.get(n)) else "")
              for n in graph.nodes}
    nx.draw_networkx_labels(layered, below, labels=labels, ax=ax, font_size=8,
                            verticalalignment="top")
    ax.figure.colorbar(mapper, ax=ax, label="utilisation")
    ax.set_title("Topology (colour: utilisation)")
    xs = [x for x, _y in pos.values()]
    pad = max(0.15, 0.12 * (max(xs) - min(xs)))
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - 3 * drop, max(ys) + 2 * drop)
    ax.set_axis_off()
    return ax


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def search_path(df: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The planner's search: cost of each configuration in evaluation order, by verdict.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``step``, ``cost``, ``verdict``, ``config`` (one row per evaluation).
    """
    ax = new_axes(ax)
    if df is None or df.empty:
        return _note(ax, "no configuration was evaluated")
    for verdict, colour in VERDICT_COLOURS.items():
        part = df[df["verdict"] == verdict]
        if not part.empty:
            ax.scatter(part["step"], part["cost"], color=colour, label=verdict, zorder=3, s=40)
    ax.plot(df["step"], df["cost"], color="0.7", linewidth=0.8, zorder=1)
    feasible = df[df["verdict"] == "feasible"]
    if not feasible.empty:
        best = feasible.loc[feasible["cost"].idxmin()]
        ax.scatter([best["step"]], [best["cost"]], marker="*", s=260, color="gold",
                   edgecolors="k", zorder=4, label="chosen")
    for i, (_, row) in enumerate(df.head(40).iterrows()):
        ax.annotate(literal(row["config"]), (row["step"], row["cost"]), fontsize=7,
                    xytext=(5, 5 if i % 2 == 0 else -11), textcoords="offset points")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(0.15)
    ax.set_xlabel("evaluation")
    ax.set_ylabel("cost")
    ax.set_title("Search path")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return ax
