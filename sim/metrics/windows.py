"""Request figures of one window of time: the time series' intervals and the windows
of service-level objectives.

The engine keeps one :class:`WindowStats` per windowing (the series, each SLO window
length). It is an observer of every sender's latency statistics, so it sees each
latency once, in the batches the engine flushes (the hot path appends nothing more);
at the end of a window it is flushed, closed, and starts afresh. Memory is one
window's latencies (at most ``exact_cap`` exact values, then a fixed histogram),
whatever the run length.
"""

from __future__ import annotations

import numpy as np

from sim.metrics.kinds.common import LATENCY_KEYS
from sim.metrics.stats import SampleStats

__all__ = ["WindowStats", "REQUEST_SERIES_COLUMNS", "series_row"]

REQUEST_SERIES_COLUMNS = ["replication", "time", "offered", "completed", "failed", "goodput",
                          "latency.p50", "latency.p99"]
"""The columns of ``Result.requests_series`` (``requests_series.csv``)."""

_EXACT_CAP = 20_000


class WindowStats:
    """The requests of the window that started at ``start`` (s): latencies of those
    completed in it, and the senders' cumulative counters when it started.

    ``observe`` is the observer hooked on the senders' latency
    :class:`~sim.metrics.stats.SampleStats`; ``close(end, counts)`` returns the
    window's figures (see :meth:`close`) and starts the next one at ``end``.
    """

    __slots__ = ("latency", "base", "start")

    def __init__(self, start: float, exact_cap: int = _EXACT_CAP) -> None:
        self.latency = SampleStats(exact_cap)
        self.base = (0, 0, 0)
        self.start = start

    def observe(self, arr: np.ndarray) -> None:
        """A batch of latencies (s) of requests completed since the last batch."""
        self.latency.fold(arr)

    def close(self, end: float, counts: tuple[int, int, int]) -> dict:
        """The figures of the window [start, end): ``offered``, ``completed``, ``failed``
        (requests born after the warm-up, from the senders' cumulative ``counts`` in
        that order), ``throughput`` (completed / (end - start), 1/s) and
        ``latency.<key>`` (s; None when nothing completed). Then starts the next window."""
        offered, completed, failed = (now - before for now, before in zip(counts, self.base))
        span = end - self.start
        figures: dict = {"offered": offered, "completed": completed, "failed": failed,
                         "throughput": completed / span if span > 0 else None}
        summary = self.latency.summary(LATENCY_KEYS) if self.latency.count else {}
        figures.update({f"latency.{k}": summary.get(k) for k in LATENCY_KEYS})
        self.latency.reset()
        self.base = tuple(counts)
        self.start = end
        return figures


def series_row(replication: int, time: float, figures: dict) -> tuple:
    """One row of ``Result.requests_series`` (columns :data:`REQUEST_SERIES_COLUMNS`)."""
    return (replication, time, figures["offered"], figures["completed"], figures["failed"],
            figures["throughput"], figures["latency.p50"], figures["latency.p99"])
