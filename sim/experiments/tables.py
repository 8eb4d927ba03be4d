"""Tidy tables of a sweep: one row per (point, replication), one row per point."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics.stats import t_quantile

__all__ = ["runs_table", "summarize", "KEY_COLUMNS"]

KEY_COLUMNS = ("point", "replication")


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _param_column(values: list) -> list:
    """Parameter values as one column type: numbers, or text when they mix."""
    for kind in (_is_number, lambda v: isinstance(v, str), lambda v: isinstance(v, bool)):
        if all(kind(v) for v in values):
            return values
    return [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values]


def runs_table(points: Sequence[Mapping], params: Sequence[str], metrics: Sequence[str],
               results: Mapping[tuple[int, int], Mapping]) -> pd.DataFrame:
    """One row per finished (point, replication), sorted by point then replication.

    Parameters
    ----------
    points : sequence of mapping
        The overrides of each point (``{dotted key: value}``).
    params : sequence of str
        The swept keys: one column each, named by the key.
    metrics : sequence of str
        The flattened metric names to keep, in column order.
    results : mapping of (point, replication) to mapping
        Flattened metrics of each task (see ``metric_values``).
    """
    keys = sorted(results)
    table: dict[str, list] = {"point": [p for p, _ in keys],
                              "replication": [r for _, r in keys]}
    for name in params:
        table[name] = _param_column([points[p][name] for p, _ in keys])
    for name in metrics:
        table[name] = [results[key].get(name) for key in keys]
    frame = pd.DataFrame(table)
    for name in metrics:
        if frame[name].dtype == object:
            frame[name] = pd.to_numeric(frame[name]).astype(float)
    return frame


def summarize(runs: pd.DataFrame, params: Sequence[str] | None = None,
              metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Per point: the mean of each metric over replications and its 95% CI half-width.

    Parameters
    ----------
    runs : pandas.DataFrame
        A runs table (what :func:`sim.experiments.sweep` returns).
    params, metrics : sequence of str, optional
        Parameter and metric columns; by default ``runs.attrs["params"]`` and
        every other column but ``point`` and ``replication``.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, the parameters, ``replications``, then for each metric
        ``<metric>`` (the mean) and ``<metric>.ci95`` (Student-t half-width, NaN
        with fewer than two finite values), like the result's ``ci95``.
    """
    params = list(runs.attrs.get("params", ()) if params is None else params)
    if metrics is None:
        metrics = [c for c in runs.columns if c not in (*KEY_COLUMNS, *params)]
    values = runs[list(metrics)].apply(pd.to_numeric).astype(float)
    values = values.where(np.isfinite(values))
    groups = values.groupby(runs["point"], sort=True)
    mean, std, count = groups.mean(), groups.std(ddof=1), groups.count()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantile(0.975, np.maximum(count.to_numpy() - 1, 1)) * std / np.sqrt(count)
    half = half.where(count >= 2)
    first = runs.groupby("point", sort=True)[list(params)].first()
    out = first.assign(replications=runs.groupby("point", sort=True).size())
    columns = {}
    for name in metrics:
        columns[name] = mean[name]
        columns[f"{name}.ci95"] = half[name]
    out = pd.concat([out, pd.DataFrame(columns, index=mean.index)], axis=1)
    return out.reset_index()

