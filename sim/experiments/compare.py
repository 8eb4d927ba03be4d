"""Analytic and simulated figures side by side, with a verdict per figure.

``compare(model)`` simulates ``model``, solves it with :func:`sim.analytic.analyze`,
and returns one row per node and metric (and ``end-to-end`` rows for the
requests): the analytic figure, the simulated mean over replications, the
half-width of its 95% confidence interval, the relative difference and a flag:

``ok``
    within the simulation's 95% CI (plus ``resolution``: percentiles are exact or
    within 1%, docs/reference/results.md), or within ``tolerance`` when there is no CI (one
    replication);
``DIFFERS``
    further apart than that;
``approx``
    the analytic figure is an approximation (e.g. Allen-Cunneen for G/G/c), so a
    difference says nothing about the simulator;
``n/a``
    no formula applies (timeouts, retries, finite buffers that block...; the
    ``reason`` column says which), or the node is unstable.

This is how JMT and LINE validate a simulation against exact solvers: a
simulated mean whose 95% CI misses the exact value happens by chance in 5% of
figures, and consistently only when something is wrong.
"""

from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

from sim.analytic import analyze
from sim.analytic.kinds import station_of
from sim.engine import simulate
from sim.metrics.result import get_path
from sim.metrics.stats import ci95_halfwidth

__all__ = ["compare", "flag_for", "COLUMNS", "END_TO_END", "TOLERANCE", "RESOLUTION"]

COLUMNS = ["node", "metric", "analytic", "simulated", "ci95", "rel_diff", "flag", "method",
           "reason"]
END_TO_END = "end-to-end"
TOLERANCE = 0.05    # relative, used when the simulation has no CI (one replication)
RESOLUTION = 0.01   # relative, always allowed: percentiles are within 1% (docs/reference/results.md)
UNSTABLE = "unstable (utilisation >= 1): no steady state, the analytic figure is infinite"

_RATES = ("arrival_rate", "throughput")
REQUEST_METRICS = _RATES + ("loss", "latency.mean", "latency.p99")


def flag_for(analytic: float | None, simulated: float | None, ci95: float | None, *,
             exact: bool = True, applies: bool = True, tolerance: float = TOLERANCE,
             resolution: float = RESOLUTION) -> str:
    """The verdict on one figure: ``ok``, ``DIFFERS``, ``approx`` or ``n/a``.

    Parameters
    ----------
    analytic, simulated : float or None
        The two figures (None: there is none).
    ci95 : float or None
        Half-width of the simulated figure's 95% CI (None with one replication).
    exact : bool
        False when the analytic figure is an approximation.
    applies : bool
        False when no formula applies.
    tolerance : float
        Relative difference accepted when ``ci95`` is None.
    resolution : float
        Relative difference always accepted on top of the CI.

    Returns
    -------
    str
    """
    if not applies or analytic is None or simulated is None or math.isinf(analytic):
        return "n/a"
    if not exact:
        return "approx"
    scale = abs(analytic)
    slack = (tolerance * scale if ci95 is None else ci95 + resolution * scale)
    return "ok" if abs(simulated - analytic) <= slack * (1 + 1e-9) + 1e-12 else "DIFFERS"


def _rel_diff(analytic: float | None, simulated: float | None) -> float | None:
    if analytic is None or simulated is None or math.isinf(analytic):
        return None
    if analytic == 0:
        return 0.0 if simulated == 0 else None
    return (simulated - analytic) / abs(analytic)


def _simulated(entry: dict, metric: str, duration: float) -> float | None:
    """One replication's figure: rates from counts, loss of resolved requests."""
    if metric == "arrival_rate":
        count = entry["offered"] if "offered" in entry else entry.get("arrivals")
        return None if count is None else count / duration
    if metric == "loss":
        done = entry["completed"] + entry["failed"]
        return entry["failed"] / done if done else None
    value = get_path(entry, metric)
    return None if isinstance(value, str) else value


def _mean_ci(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    finite = [float(v) for v in values if v is not None]
    if not finite:
        return None, None
    return sum(finite) / len(finite), ci95_halfwidth(finite)


def _scope(entry: dict) -> dict:
    return {k: entry.get(k) for k in ("applies", "exact", "method", "reason")}


def _row(node: str, metric: str, analytic: float | None, sims: list, scope: dict,
         limits: dict) -> dict | None:
    """A row, or None where the formula applies but has no figure (e.g. no p99).

    A figure given by a block that does not apply as a whole (the request rates of
    a model whose latency has no closed form) is judged, as exact as the stations."""
    applies = bool(scope["applies"])
    if applies and analytic is None:
        return None
    simulated, ci = _mean_ci(sims)
    if not applies and simulated is None:
        return None
    exact = bool(scope["exact"] if applies else scope.get("stations_exact"))
    flag = flag_for(analytic, simulated, ci, exact=exact,
                    applies=applies or analytic is not None, **limits)
    reason = scope["reason"] if not applies else None
    if analytic is not None and math.isinf(analytic):
        reason = UNSTABLE
    return {"node": node, "metric": metric, "analytic": analytic, "simulated": simulated,
            "ci95": ci, "rel_diff": _rel_diff(analytic, simulated), "flag": flag,
            "method": scope["method"], "reason": reason}


def _metrics(model, name: str) -> tuple[str, ...]:
    """The metrics worth a row, as the node's kind says (``metrics`` of
    :data:`sim.analytic.kinds.STATIONS`)."""
    spec = model.node(name)
    return station_of(spec).metrics(model, spec)


def _node_rows(model, name: str, entry: dict, requests: dict, reps: list[dict],
               limits: dict) -> list[dict]:
    rows = []
    for metric in _metrics(model, name):
        latency = metric.startswith("latency.")
        scope = _scope(requests if latency else entry)
        value = get_path(entry, metric)
        sims = [_simulated(r["nodes"][name], metric, r["duration"]) for r in reps]
        row = _row(name, metric, value, sims, scope, limits)
        if row is not None:
            rows.append(row)
    return rows


def _request_rows(requests: dict, nodes: dict, reps: list[dict], limits: dict) -> list[dict]:
    rows = []
    scope = _scope(requests)
    scope["stations_exact"] = all(e.get("exact") for e in nodes.values())
    for metric in REQUEST_METRICS:
        sims = [_simulated(r["requests"], metric, r["duration"]) for r in reps]
        row = _row(END_TO_END, metric, get_path(requests, metric), sims, scope, limits)
        if row is not None:
            rows.append(row)
    return rows


def _class_rows(classes: dict, reps: list[dict], limits: dict) -> list[dict]:
    """Rows ``class <name>`` of each request class's arrival rate and mean latency (a
    model that names classes; :func:`sim.analytic.classes.class_figures`)."""
    rows = []
    for cls, entry in classes.items():
        scope = {"applies": entry["latency"]["mean"] is not None, "exact": entry["exact"],
                 "method": entry["method"], "reason": entry["reason"],
                 "stations_exact": entry["exact"]}
        for metric in ("arrival_rate", "latency.mean"):
            sims = [_simulated(r["classes"][cls], metric, r["duration"])
                    for r in reps if cls in r.get("classes", {})]
            row = _row(f"class {cls}", metric, get_path(entry, metric), sims, scope, limits)
            if row is not None:
                rows.append(row)
    return rows


def compare(model, *, result=None, analytic: dict | None = None,
            tolerance: float = TOLERANCE, resolution: float = RESOLUTION,
            **run_settings) -> pd.DataFrame:
    """Analytic and simulated figures of ``model`` side by side (long format).

    Parameters
    ----------
    model : Model
        A validated model (:func:`sim.model.load_model`).
    result : Result, optional
        A simulation of ``model`` already run; otherwise one is run with
        ``run_settings``.
    analytic : dict, optional
        An answer of :func:`sim.analytic.analyze` to compare with (by default
        ``analyze(model)``); e.g. the analysis of the model as planned.
    tolerance : float
        Relative difference accepted as ``ok`` when there is no CI (one replication).
    resolution : float
        Relative difference always accepted on top of the CI.
    **run_settings
        ``duration``, ``warmup`` (seconds or "auto"), ``replications``, ``seed``,
        ``progress``, ``precision``... as :func:`sim.engine.simulate`.

    Returns
    -------
    pandas.DataFrame
        Columns ``node`` (``"end-to-end"`` for the requests, ``"class <name>"`` for
        a request class of a model that names classes), ``metric`` (dotted,
        as in the result: ``wait.mean``, ``latency.p99``...), ``analytic``,
        ``simulated`` (mean over replications), ``ci95`` (its half-width),
        ``rel_diff`` ((simulated - analytic) / analytic), ``flag`` (``ok``,
        ``DIFFERS``, ``approx``, ``n/a``), ``method`` (the formula) and ``reason``
        (why there is no analytic figure). ``attrs`` holds the run settings.

    Notes
    -----
    Rates are per second from counts per replication; ``loss`` is failed /
    (completed + failed). Percentile rows appear only where the analytic figure
    has a closed form (M/M/c waiting time; Gross & Harris 2008).
    """
    if result is None:
        result = simulate(model, **run_settings)
    ana = analyze(model) if analytic is None else analytic
    reps = result.replications
    limits = {"tolerance": tolerance, "resolution": resolution}
    rows = []
    for name, entry in ana["nodes"].items():
        rows.extend(_node_rows(model, name, entry, ana["requests"], reps, limits))
    rows.extend(_request_rows(ana["requests"], ana["nodes"], reps, limits))
    rows.extend(_class_rows(ana.get("classes") or {}, reps, limits))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    info = result.to_dict()
    frame.attrs.update({k: info.get(k) for k in ("model", "seed", "replications", "duration",
                                                 "warmup")})
    frame.attrs.update({k: info[k] for k in ("warmup_method", "warmup_detection", "precision")
                        if k in info})
    frame.attrs["bottleneck"] = ana.get("bottleneck")
    return frame
