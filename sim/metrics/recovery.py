"""Recovery time after a scenario's faults, from the windowed request series.

The system has recovered at the start ``t`` of the first series window at or
after the last fault's end from which, over the next ``hold`` seconds (30 by
default), both hold:

- goodput is within ``tolerance`` (10%) of the offered rate: the requests
  completed in those windows are at least 90% of the requests offered in them
  (summed over the windows, so one window's Poisson noise does not decide);
- latency is back within ``tolerance`` of its value before the fault: every
  window's p99 is at most 110% of the p99 the windows before the first step
  (after the warm-up) reached, taken as the 90th percentile of their p99s (the
  top of their normal range: a window's p99 of a few hundred requests varies by
  more than 10% at random, so one typical value would rarely be met 30 s long).

The recovery time is ``t`` minus the fault's end, so it is known to within one
series interval; None when the run ends first. Windows with no completed
request have no p99 and are left out of the medians.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.fields import Field

__all__ = ["recovery_time", "scenario_entry", "aggregate_scenario", "SCENARIO_FIELDS",
           "HOLD", "TOLERANCE"]

HOLD = 30.0
TOLERANCE = 0.1

SCENARIO_FIELDS: tuple[Field, ...] = (
    Field("steps", "-", "Each step of the scenario: at (s), for (s or null), change (the "
          "keys set and their values, or the action) and node (actions).", "constant"),
    Field("recovery", "s", "Seconds from the end of the last fault until goodput is back "
          "within 10% of the offered load and every window's p99 within 10% of the top of "
          "its range before the fault, holding for 30 s (known to within one series "
          "interval; --series sets it); the mean over the replications that recovered, "
          "null if none did."),
    Field("recovered", "replications", "Replications that recovered before the run ended.",
          "sum"),
)
"""The fields of the result's ``scenario`` block (a model with ``scenario:``)."""


def recovery_time(starts, width: float, offered, completed, p99, *, fault_start: float,
                  fault_end: float, warmup: float = 0.0, hold: float = HOLD,
                  tolerance: float = TOLERANCE) -> float | None:
    """Seconds from ``fault_end`` to recovery (see the module docstring), or None.

    Parameters
    ----------
    starts : array of float
        Each window's start (s), increasing, windows ``width`` seconds long.
    offered, completed : arrays of int
        Requests born, and requests completed successfully, in each window.
    p99 : array of float
        The p99 latency (s) of the requests completed in each window (NaN if none).
    fault_start, fault_end : float
        When the first step began and the last fault ended (s).
    """
    starts = np.asarray(starts, dtype=float)
    offered = np.asarray(offered, dtype=float)
    completed = np.asarray(completed, dtype=float)
    p99 = np.asarray(p99, dtype=float)
    before = (starts >= warmup) & (starts + width <= fault_start + 1e-9)
    normal = p99[before & ~np.isnan(p99)]
    if not normal.size:
        return None
    limit = (1.0 + tolerance) * float(np.quantile(normal, 0.9))
    span = max(1, math.ceil(hold / width - 1e-9))
    first = int(np.searchsorted(starts, fault_end - 1e-9))
    for i in range(first, len(starts) - span + 1):
        window = slice(i, i + span)
        if completed[window].sum() < (1.0 - tolerance) * offered[window].sum():
            continue
        if np.any(p99[window] > limit):   # NaN (no completion) compares False
            continue
        return max(0.0, float(starts[i]) - fault_end)
    return None


def scenario_entry(scenario, rows: list[tuple], warmup: float) -> dict:
    """One replication's ``scenario`` block: each step's time (``steps``) and the
    recovery time after the last fault (``recovery``, s, or None), from the rows of
    the requests series (``replication, time, offered, completed, failed, goodput,
    latency.p50, latency.p99``; each row closes the interval ending at ``time``)."""
    steps = [{"at": s.at, "for": s.duration,
              "change": s.action if s.action is not None
              else ", ".join(f"{k.label()} = {_show(v)}" for k, v in s.changes),
              **({"node": s.node} if s.node is not None else {})} for s in scenario.steps]
    if not rows:
        return {"steps": steps, "recovery": None, "recovered": 0}
    ends = np.array([r[1] for r in rows], dtype=float)
    starts = np.concatenate(([0.0], ends[:-1]))
    width = float(np.median(ends - starts))
    p99 = np.array([np.nan if r[7] is None else r[7] for r in rows], dtype=float)
    fault_start = min(s.at for s in scenario.steps)
    recovery = recovery_time(starts, width, [r[2] for r in rows], [r[3] for r in rows], p99,
                             fault_start=fault_start, fault_end=scenario.last_end,
                             warmup=warmup)
    return {"steps": steps, "recovery": recovery, "recovered": int(recovery is not None)}


def aggregate_scenario(parts: list[dict]) -> tuple[dict, dict]:
    """Replications' ``scenario`` blocks combined: the steps (the same in all), the
    mean recovery time of the replications that recovered (None if none did, with
    its ci95 half-width), and how many did."""
    from sim.metrics.stats import ci95_halfwidth

    times = [p["recovery"] for p in parts if p["recovery"] is not None]
    out = {"steps": parts[0]["steps"],
           "recovery": sum(times) / len(times) if times else None,
           "recovered": sum(p["recovered"] for p in parts)}
    half = ci95_halfwidth(times) if len(times) > 1 else None
    return out, ({"recovery": half} if half is not None else {})


def _show(value) -> str:
    return repr(value) if not isinstance(value, (int, float)) else f"{value:g}"
