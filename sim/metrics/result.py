"""Result of a simulation: replications aggregated (docs/reference/results.md).

Counts are summed over replications; ``max`` is the largest over replications;
every other number (rates, ratios, times, lengths) is the mean of the
per-replication values, and ``ci95`` holds the half-width of its 95% Student-t
confidence interval across replications (None with a single replication).
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any, Sequence

from sim.metrics.recovery import aggregate_scenario
from sim.metrics.slo import aggregate_slo
from sim.metrics.stats import ci95_halfwidth

if TYPE_CHECKING:  # imported where used: a short run prints no frame (0.4 s of start-up)
    import pandas as pd

__all__ = ["Result", "Rows", "aggregate", "flatten", "get_path", "COUNT_KEYS"]

COUNT_KEYS = frozenset({"offered", "completed", "failed", "in_flight", "rejected", "timed_out",
                        "retries", "duplicates", "arrivals", "dropped", "errors", "attempts",
                        "expired", "error", "crash", "timeout", "deliveries", "max_receives",
                        "circuit_open", "retries_denied", "redelivered",
                        "duplicate_effects", "crashes", "stale", "calls", "call_timeout", "bulkhead",
                        "call_failed", "shed", "hedges", "pool_timeout", "balked",
                        "acquisitions", "batches", "hits", "misses", "evictions"})
_CONSTANT_KEYS = frozenset({"kind", "servers", "size", "count"})
_META = ("model", "seed", "replications", "duration", "warmup")


def _is_count(path: tuple[str, ...]) -> bool:
    return path[-1] in COUNT_KEYS or "dead_lettered" in path


def _combine(parts: list, path: tuple[str, ...]) -> tuple[Any, Any]:
    """(aggregate, ci95 half-width) of the same leaf across replications."""
    first = next((p for p in parts if p is not None), None)
    if isinstance(first, dict):
        value, ci = {}, {}
        for key in first:
            value[key], ci[key] = _combine([p.get(key) if p else None for p in parts],
                                           path + (key,))
        return value, ci
    if first is None or isinstance(first, str) or path[-1] in _CONSTANT_KEYS:
        return first, None
    numbers = [p for p in parts if p is not None]
    if _is_count(path):
        return int(sum(numbers)), None
    if path[-1] == "max":
        return max(numbers), None
    mean = sum(numbers) / len(numbers)
    return mean, ci95_halfwidth(numbers) if len(parts) > 1 else None


def _prune(ci: Any) -> Any:
    """Drop keys whose half-width is not defined (counts, kinds), keep the shape."""
    if isinstance(ci, dict):
        out = {k: _prune(v) for k, v in ci.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    return ci


def aggregate(reps: Sequence[dict]) -> dict:
    """Combine per-replication result dicts into one (with ``ci95``)."""
    first = reps[0]
    requests, ci_req = _combine([r["requests"] for r in reps], ("requests",))
    nodes, ci_nodes = {}, {}
    for name in first["nodes"]:
        nodes[name], ci_nodes[name] = _combine([r["nodes"][name] for r in reps], (name,))
    out = {key: first[key] for key in _META}
    out["replications"] = len(reps)
    out.update(requests=requests, nodes=nodes)
    if len(reps) > 1:
        out["ci95"] = {"requests": _prune(ci_req), "nodes": _prune(ci_nodes)}
    else:
        out["ci95"] = {"requests": None, "nodes": None}
    if "classes" in first:  # per request class: combined as requests are
        classes, ci_classes = {}, {}
        for name in first["classes"]:
            classes[name], ci_classes[name] = _combine([r["classes"][name] for r in reps],
                                                       ("classes", name))
        out["classes"] = classes
        out["ci95"]["classes"] = _prune(ci_classes) if len(reps) > 1 else None
    if "edges" in first:  # call edges: combined as nodes are
        edges, ci_edges = {}, {}
        for name in first["edges"]:
            edges[name], ci_edges[name] = _combine([r["edges"][name] for r in reps], (name,))
        out["edges"] = edges
        out["ci95"]["edges"] = _prune(ci_edges) if len(reps) > 1 else None
    if "scenario" in first:  # a model with scenario: steps
        out["scenario"], ci_scenario = aggregate_scenario([r["scenario"] for r in reps])
        out["ci95"]["scenario"] = ci_scenario if len(reps) > 1 else None
    if "slo" in first:  # a model with slo: objectives
        out["slo"], ci_slo = aggregate_slo([r["slo"] for r in reps])
        out["ci95"]["slo"] = ci_slo if len(reps) > 1 else None
    return out


def get_path(data: dict | None, path: str) -> Any:
    """The value at dotted ``path`` (``"requests.latency.p99"``) of nested dicts; None
    where a level is missing."""
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def flatten(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out: dict = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


class Rows:
    """A table not yet made a ``pandas.DataFrame``: ``rows`` (sequences in the order of
    ``columns``). The engine hands its time series to :class:`Result` so; a command
    that never reads them (a run printing its table) does not import pandas."""

    __slots__ = ("rows", "columns")

    def __init__(self, rows: Sequence, columns: Sequence[str]) -> None:
        self.rows, self.columns = rows, list(columns)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def _frame(table: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, :class:`Rows` or None (an empty one)."""
    if isinstance(table, Rows):
        return table.frame()
    if table is None:
        import pandas as pd

        return pd.DataFrame()
    return table


def _is_frame(table: Any) -> bool:
    return table is not None and not isinstance(table, Rows)


class Result:
    """What :func:`sim.simulate` returns.

    Attributes
    ----------
    replications : list of dict
        The result dictionary of each replication.
    timeseries : pandas.DataFrame
        Columns replication, time, node, queue_length, busy, servers, departures
        (cumulative since time 0), sampled at regular instants.
    requests_series : pandas.DataFrame
        One row per interval of the time series and replication: the requests
        offered, completed and failed in it, goodput and latency percentiles
        (columns of ``sim.metrics.windows.REQUEST_SERIES_COLUMNS``).
    engine : (name, reason) or None
        The engine that simulated (``simpy`` or ``compiled``) and why it was chosen;
        None for a result not made by :func:`sim.simulate`.
    """

    def __init__(self, replications: Sequence[dict],
                 timeseries: pd.DataFrame | Rows | None = None,
                 extra: dict | None = None, *,
                 requests_series: pd.DataFrame | Rows | None = None) -> None:
        self.replications = list(replications)
        self._timeseries, self._requests_series = timeseries, requests_series
        self.extra = dict(extra or {})
        self.engine = None
        self._dict = aggregate(self.replications)

    @property
    def timeseries(self) -> pd.DataFrame:
        if not _is_frame(self._timeseries):
            self._timeseries = _frame(self._timeseries)
        return self._timeseries

    @timeseries.setter
    def timeseries(self, frame: pd.DataFrame) -> None:
        self._timeseries = frame

    @property
    def requests_series(self) -> pd.DataFrame:
        if not _is_frame(self._requests_series):
            self._requests_series = _frame(self._requests_series)
        return self._requests_series

    @requests_series.setter
    def requests_series(self, frame: pd.DataFrame) -> None:
        self._requests_series = frame

    def to_dict(self) -> dict:
        """The result dictionary (a fresh copy)."""
        out = json.loads(json.dumps(self._dict))
        out.update(self.extra)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=_jsonable)

    @property
    def requests(self) -> dict:
        return self._dict["requests"]

    def nodes_frame(self) -> pd.DataFrame:
        """One row per node, flattened metric columns (``wait.p99`` ...), index = node."""
        import pandas as pd

        rows = {name: flatten(entry) for name, entry in self._dict["nodes"].items()}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "node"
        return frame

    def replications_frame(self) -> pd.DataFrame:
        """One row per replication, every metric flattened (``requests.latency.p99``...)."""
        import pandas as pd

        rows = []
        for i, rep in enumerate(self.replications):
            row = {"replication": i}
            row.update(flatten({"requests": rep["requests"], "nodes": rep["nodes"],
                                **({"edges": rep["edges"]} if "edges" in rep else {}),
                                **({"classes": rep["classes"]} if "classes" in rep
                                   else {})}))
            rows.append(row)
        return pd.DataFrame(rows)

    def to_csv(self) -> str:
        """The node table as CSV, after a first row of end-to-end figures.

        The first column, ``scope``, tells the rows apart: ``requests`` for the
        end-to-end aggregate (its ``node`` cell is empty) and ``node`` for each
        node, so a node named ``requests`` cannot be mistaken for the aggregate.
        Text cells a spreadsheet would evaluate are quoted (:func:`sim.files.safe_cell`).
        """
        import pandas as pd

        from sim.files import safe_frame

        nodes = self.nodes_frame().reset_index()
        nodes.insert(0, "scope", "node")
        total = pd.DataFrame([{"scope": "requests", "node": "",
                               **flatten(self._dict["requests"])}])
        buf = io.StringIO()
        safe_frame(pd.concat([total, nodes], ignore_index=True)).to_csv(buf, index=False)
        return buf.getvalue()

    def __repr__(self) -> str:
        req = self._dict["requests"]
        return (f"Result(model={self._dict['model']!r}, replications={len(self.replications)}, "
                f"completed={req['completed']}, latency_mean={req['latency']['mean']})")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")
