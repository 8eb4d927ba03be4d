"""Sender-side guards: retry budget and circuit breaker (bounded memory, per sender)."""

from __future__ import annotations

from collections import deque

__all__ = ["RetryBudgetGate", "Breaker"]


class RetryBudgetGate:
    """Retries at most ``ratio`` x requests of the last ``window`` s + ``min_per_second``
    x ``window`` (Finagle's RetryBudget; gRPC's retry throttling has the same aim)."""

    def __init__(self, spec) -> None:
        self.ratio, self.window = spec.ratio, spec.window
        self.reserve = spec.min_per_second * spec.window
        self.requests: deque = deque()
        self.retries: deque = deque()

    def _trim(self, now: float) -> None:
        horizon = now - self.window
        for times in (self.requests, self.retries):
            while times and times[0] < horizon:
                times.popleft()

    def deposit(self, now: float) -> None:
        """A new request was sent."""
        self.requests.append(now)

    def withdraw(self, now: float) -> bool:
        """May a retry be sent now? Counts it when it may."""
        self._trim(now)
        if len(self.retries) + 1 > self.ratio * len(self.requests) + self.reserve:
            return False
        self.retries.append(now)
        return True


CLOSED, OPEN, HALF_OPEN = 0, 1, 2


class Breaker:
    """Circuit breaker: closed -> open on a failure ratio over a sliding time window,
    open -> half-open after ``cooldown``, half-open -> closed when ``probes`` succeed."""

    def __init__(self, spec) -> None:
        self.spec = spec
        self.state = CLOSED
        self.outcomes: deque = deque()
        self.failures = 0
        self.opened_at = 0.0
        self.probing = 0
        self.probe_ok = 0

    def allow(self, now: float) -> bool:
        """May an attempt be sent now?"""
        if self.state == OPEN:
            if now - self.opened_at < self.spec.cooldown:
                return False
            self.state, self.probing, self.probe_ok = HALF_OPEN, 0, 0
        if self.state == HALF_OPEN:
            if self.probing >= self.spec.probes:
                return False
            self.probing += 1
        return True

    def record(self, now: float, ok: bool) -> None:
        """An attempt resolved: ``ok`` when it completed its request."""
        if self.state == HALF_OPEN:
            if not ok:
                self._open(now)
            else:
                self.probe_ok += 1
                if self.probe_ok >= self.spec.probes:
                    self.state = CLOSED
                    self.outcomes.clear()
                    self.failures = 0
            return
        if self.state == OPEN:
            return
        self.outcomes.append((now, ok))
        self.failures += not ok
        horizon = now - self.spec.window
        while self.outcomes and self.outcomes[0][0] < horizon:
            self.failures -= not self.outcomes.popleft()[1]
        calls = len(self.outcomes)
        if calls >= self.spec.min_calls and self.failures >= self.spec.failure_ratio * calls:
            self._open(now)

    def _open(self, now: float) -> None:
        self.state = OPEN
        self.opened_at = now
        self.outcomes.clear()
        self.failures = 0
