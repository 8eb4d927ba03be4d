"""Reading the engine's time series: rates over time and recovery after a disturbance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["node_rates", "recovery_time"]


def node_rates(timeseries: pd.DataFrame, node: str, replication: int = 0) -> pd.DataFrame:
    """Per-interval departure rate (1/s) and queue length of ``node``.

    For a sender the departures are its completed requests, so ``rate`` is its
    goodput. Returns columns time (end of the interval, s), rate, queue_length, busy,
    servers.
    """
    rows = timeseries[(timeseries["node"] == node)
                      & (timeseries["replication"] == replication)].sort_values("time")
    times = rows["time"].to_numpy(dtype=float)
    done = rows["departures"].to_numpy(dtype=float)
    rate = np.diff(done) / np.diff(times)
    return pd.DataFrame({"time": times[1:], "rate": rate,
                         "queue_length": rows["queue_length"].to_numpy()[1:],
                         "busy": rows["busy"].to_numpy()[1:],
                         "servers": rows["servers"].to_numpy()[1:]})


def recovery_time(times, rates, *, after: float, target: float, fraction: float = 0.9,
                  hold: float = 30.0) -> float:
    """Seconds from ``after`` until the rate first reaches ``fraction * target`` and
    stays there for ``hold`` seconds (judged on the samples); ``math.inf`` if never.

    Parameters
    ----------
    times, rates : array-like
        Interval end times (s) and rates (1/s), e.g. from :func:`node_rates`.
    after : float
        When the disturbance ended (s).
    target : float
        The rate expected in steady state (1/s), e.g. the offered request rate.
    """
    times = np.asarray(times, dtype=float)
    ok = np.asarray(rates, dtype=float) >= fraction * target
    candidates = np.flatnonzero((times > after) & ok)
    for i in candidates:
        start = times[i]
        window = (times >= start) & (times <= start + hold)
        if times[-1] >= start + hold and ok[window].all():
            return float(start - after)
    return math.inf
