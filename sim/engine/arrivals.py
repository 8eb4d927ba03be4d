"""Arrival clocks of open senders: the delay (s) from now to the next arrival.

A ``profile`` multiplies the rate by a step function of simulated time; it is
applied as a time change (the base process runs in "operational time" that
advances at the multiplier's pace), which is exact for Poisson arrivals and
keeps the shape of any other interarrival law. A ``trace`` replays times.
"""

from __future__ import annotations

import math
from bisect import bisect_right

__all__ = ["gap_function"]


def gap_function(spec, base_draw, env) -> callable:
    """A zero-argument function giving the delay (s) to the next arrival of ``spec``.

    ``math.inf`` means no further arrival.
    """
    if spec.trace is not None:
        return _trace_gaps(spec.trace, env)
    if spec.profile:
        return _profiled_gaps(spec.profile, spec.period, base_draw, env)
    return base_draw


def _trace_gaps(times, env):
    it = iter(times)

    def gap() -> float:
        for t in it:
            if t >= env.now:
                return t - env.now
        return math.inf

    return gap


def _profiled_gaps(profile, period, base_draw, env):
    starts = [float(t) for t, _ in profile]
    mults = [float(m) for _, m in profile]
    if starts[0] > 0:
        starts.insert(0, 0.0)
        mults.insert(0, 1.0)

    def multiplier_segment(t: float) -> tuple[float, float]:
        """(multiplier, end of its segment) at absolute time t."""
        offset = 0.0
        if period:
            offset = math.floor(t / period) * period
            t -= offset
        i = bisect_right(starts, t) - 1
        end = starts[i + 1] if i + 1 < len(starts) else (period if period else math.inf)
        return mults[i], end + offset

    def gap() -> float:
        work = base_draw()
        t = env.now
        for _ in range(1_000_000):
            m, end = multiplier_segment(t)
            span = end - t
            if m > 0 and work <= m * span:
                return t + work / m - env.now
            if math.isinf(end):
                return math.inf
            work -= m * span
            t = end
        return math.inf

    return gap
