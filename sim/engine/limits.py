"""Adaptive concurrency limits for a call edge's bulkhead (``max_in_flight:
{adaptive: aimd | gradient, ...}``), after Netflix's concurrency-limits library.

A limiter hears every attempt that ended (its round-trip time, s, and whether it
succeeded) and gives the limit the edge enforces next (calls outstanding), always
within ``[min, max]``.

- AIMD: a success adds 1 when the limit was in use (at least half of it outstanding);
  a failure, a timeout, or a round trip above ``threshold`` multiplies it by
  ``backoff``.
- Gradient: ``new = limit * clamp(rtt_min / rtt, 0.5, 1) + sqrt(limit)``, smoothed as
  ``limit = 0.8 limit + 0.2 new``; ``rtt`` is the round trip smoothed over the last
  ten or so (an exponential average of weight 0.1), ``rtt_min`` its lowest value
  seen; a failure counts as a round trip of the timeout, or twice the smoothed one
  without a timeout. Where the callee queues, the limit settles near its servers
  plus sqrt(limit); where it slows down, it shrinks (to 4 at the 0.5 clamp).
"""

from __future__ import annotations

import math

__all__ = ["AIMD", "Gradient", "limiter"]


class AIMD:
    """Additive increase, multiplicative decrease."""

    def __init__(self, spec) -> None:
        self.lo, self.hi = spec.min, spec.max
        self.value = float(spec.initial)
        self.backoff = spec.backoff
        self.threshold = math.inf if spec.threshold is None else spec.threshold

    def sample(self, rtt: float, ok: bool, outstanding: int) -> int:
        if not ok or rtt > self.threshold:
            self.value = max(self.lo, self.value * self.backoff)
        elif 2 * outstanding >= self.value:
            self.value = min(self.hi, self.value + 1)
        return int(self.value)


class Gradient:
    """Limit scaled by the ratio of the shortest round trip to the current one."""

    def __init__(self, spec, timeout: float | None) -> None:
        self.lo, self.hi = spec.min, spec.max
        self.value = float(spec.initial)
        self.timeout = timeout
        self.rtt_min = math.inf
        self.rtt = None

    def sample(self, rtt: float, ok: bool, outstanding: int) -> int:
        if not ok:
            if self.rtt is None:
                return int(self.value)
            rtt = self.timeout if self.timeout is not None else 2 * self.rtt
        self.rtt = rtt if self.rtt is None else 0.9 * self.rtt + 0.1 * rtt
        self.rtt_min = min(self.rtt_min, self.rtt)
        if self.rtt > 0:
            gradient = min(1.0, max(0.5, self.rtt_min / self.rtt))
            new = self.value * gradient + math.sqrt(self.value)
            self.value = min(self.hi, max(self.lo, 0.8 * self.value + 0.2 * new))
        return int(self.value)


def limiter(spec, timeout: float | None):
    """The limiter of an adaptive ``max_in_flight`` (an AdaptiveLimit)."""
    return AIMD(spec) if spec.adaptive == "aimd" else Gradient(spec, timeout)
