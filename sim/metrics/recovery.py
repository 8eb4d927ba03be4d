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

__all__ = ["recovery_time", "HOLD", "TOLERANCE"]

HOLD = 30.0
TOLERANCE = 0.1


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
