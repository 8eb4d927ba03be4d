"""Arrival clocks of open senders: the delay (s) from now to the next arrival.

A ``profile`` multiplies the rate by a step function of simulated time; it is
applied as a time change (the base process runs in "operational time" that
advances at the multiplier's pace), which is exact for Poisson arrivals and
keeps the shape of any other interarrival law. A ``trace`` replays times.
"""

from __future__ import annotations

import math
from bisect import bisect_right

__all__ = ["gap_function", "profile_segments"]


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


def profile_segments(profile, period) -> tuple[list, list, list, float]:
    """A rate profile as segments: (starts, multipliers, ends, work of one period).

    A profile starting after 0 gets a segment of multiplier 1 before it; the last
    segment ends at ``period`` (or never); the work of a period is the integral of
    the multiplier over it (inf without a period). Both engines walk these.
    """
    starts = [float(t) for t, _ in profile]
    mults = [float(m) for _, m in profile]
    if starts[0] > 0:
        starts.insert(0, 0.0)
        mults.insert(0, 1.0)
    bounds = starts[1:] + [float(period) if period else math.inf]
    cycle_work = (sum(m * (b - s) for m, s, b in zip(mults, starts, bounds))
                  if period else math.inf)
    return starts, mults, bounds, cycle_work


def _profiled_gaps(profile, period, base_draw, env):
    """Gaps of the base process run in operational time (the integral of the multiplier).

    The walk goes segment by segment by index (cycle ``k``, segment ``i``), never by
    re-locating a floating-point time: a segment that is empty in floating point (its
    end rounds to its start) is passed over instead of being found again forever.
    Whole periods are skipped at once when the work left exceeds one period's worth.
    """
    starts, mults, bounds, cycle_work = profile_segments(profile, period)
    last = len(starts) - 1

    def locate(t: float) -> tuple[int, int]:
        """(cycle, segment index) holding absolute time t."""
        if not period:
            return 0, max(bisect_right(starts, t) - 1, 0)
        k = math.floor(t / period)
        local = t - k * period
        if local >= period:
            k, local = k + 1, local - period
        elif local < 0:
            k, local = k - 1, local + period
        return k, max(bisect_right(starts, local) - 1, 0)

    def gap() -> float:
        work = base_draw()
        now = t = env.now
        k, i = locate(t)
        while True:
            m = mults[i]
            end = bounds[i] + k * period if period else bounds[i]
            span = end - t if end > t else 0.0
            if m > 0 and work <= m * span:
                return t + work / m - now
            if math.isinf(end):
                return math.inf
            work -= m * span
            t = end if end > t else t
            if i < last:
                i += 1
                continue
            if cycle_work <= 0:
                return math.inf  # a periodic profile that is zero throughout
            i, k = 0, k + 1
            skip = math.floor(work / cycle_work)
            if skip > 0:
                k += skip
                work -= skip * cycle_work
                t = k * period

    return gap
