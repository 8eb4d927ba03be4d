"""Call edges with a bulkhead, hedging or retries (``max_in_flight``, ``hedge``,
``retry`` on a call edge, docs/reference/model.md).

- ``max_in_flight: N`` (a bulkhead, as resilience4j's): an attempt made while N calls
  are outstanding on the edge is refused at once (cause ``bulkhead``).
- ``hedge: {after: T}``: an attempt with no reply T seconds after it was sent gets one
  more copy (Dean & Barroso, "The Tail at Scale", CACM 2013); the first reply wins,
  the other copy stops being awaited and its work is wasted; the attempt fails only
  when its live copies have all failed. A copy is not sent past the bulkhead.
- ``max_in_flight: {adaptive: ...}``: the limit moves after each attempt that ended
  (:mod:`sim.engine.limits`).
- ``retry``: a failed, timed-out or refused attempt is made again after the sender's
  backoff while the caller's server stays held; the caller's execution fails only
  when the last attempt does.

A subclass of :class:`~sim.engine.calls.CallEdge` chosen at build time for the edges
that have one of these keys (sim.engine.kinds.service), so other call edges keep
their own code path.
"""

from __future__ import annotations

import math

from sim.engine.calls import CallEdge, CallMsg, Execution
from sim.engine.events import Call
from sim.engine.limits import limiter

__all__ = ["GuardedCallEdge"]


class _Logical:
    """One call of an execution through its attempts: ``sent`` attempts made so far
    and ``last_backoff`` (s), as the sender's backoff schedule reads them."""

    __slots__ = ("ex", "sent", "last_backoff")

    def __init__(self, ex: Execution) -> None:
        self.ex = ex
        self.sent = 0
        self.last_backoff = 0.0


class _Attempt:
    """One attempt of a call: its ``live`` copies still awaited, ``t0`` when it was
    sent (s), ``over`` once it replied, failed or timed out."""

    __slots__ = ("logical", "live", "t0", "over")

    def __init__(self, logical: _Logical, t0: float) -> None:
        self.logical = logical
        self.live: list[CallMsg] = []
        self.t0 = t0
        self.over = False


class GuardedCallEdge(CallEdge):
    """A call edge with ``max_in_flight``, ``hedge`` or ``retry``.

    ``backoff`` gives the delay (s) before a retry (the sender's schedule), or None to
    retry at once. ``failures`` count calls that failed after their last attempt (and
    async calls refused by the bulkhead); ``retries`` and ``hedges`` count the extra
    attempts and copies, which ``calls`` includes.
    """

    def __init__(self, env, spec, caller, target, count, backoff=None) -> None:
        cap = spec.max_in_flight
        self.limiter = None if cap is None or isinstance(cap, int) else limiter(cap, spec.timeout)
        self.limit = (math.inf if cap is None else cap if self.limiter is None
                      else int(self.limiter.value))
        super().__init__(env, spec, caller, target, count)
        self.after = spec.hedge
        self.max_attempts = 1 if spec.retry is None else spec.retry.max_attempts
        self.backoff = backoff

    # -- the adaptive limit (time-averaged, lowest and highest since the reset) ---------
    def reset(self, now: float) -> None:
        super().reset(now)
        self.lim_area, self.lim_t = 0.0, now
        self.lim_lo = self.lim_hi = self.limit

    def close(self, now: float) -> None:
        super().close(now)
        self.lim_area += self.limit * (now - self.lim_t)
        self.lim_t = now

    def _sample(self, rtt: float, ok: bool) -> None:
        limit = self.limiter.sample(rtt, ok, self.n)
        if limit != self.limit:
            now = self.env._now
            self.lim_area += self.limit * (now - self.lim_t)
            self.lim_t = now
            self.limit = limit
            self.lim_lo = min(self.lim_lo, limit)
            self.lim_hi = max(self.lim_hi, limit)

    def raw(self) -> dict:
        out = super().raw()
        if self.limiter is not None:
            out["limit"] = {"area": self.lim_area, "lowest": self.lim_lo, "max": self.lim_hi}
        return out

    # -- making calls -------------------------------------------------------------------
    def call(self, ex: Execution) -> None:
        self._attempt(_Logical(ex))

    def _attempt(self, logical: _Logical) -> None:
        logical.sent += 1
        ex = logical.ex
        if self.n >= self.limit:
            ex.current = None
            self._refused(ex.msg)
            self._failed(logical, "bulkhead")
            return
        attempt = _Attempt(logical, self.env._now)
        ex.current = attempt
        self._copy(attempt)
        if attempt.over:  # refused at once
            return
        if self.timeout is not None:
            Call(self.env, self.timeout, self._expire, attempt)
        if self.after is not None:
            Call(self.env, self.after, self._hedge, attempt)

    def _refused(self, parent) -> None:
        """The bulkhead refused a call made by ``parent``'s execution (a hook for
        tracing: sim.engine.trace)."""

    def _copy(self, attempt: _Attempt) -> None:
        call = self._new(attempt.logical.ex.msg, attempt, self.env._now)
        attempt.live.append(call)
        self.arrive(call, None)

    def _hedge(self, event) -> None:
        attempt = event._value
        if attempt.over or self.n >= self.limit:
            return
        self.hedges += 1
        self._copy(attempt)

    def _retry(self, event) -> None:
        self._attempt(event._value)

    def cast(self, parent) -> None:
        if self.classes is not None and parent.cls not in self.classes:
            return
        now = self.env._now
        for _ in range(self.count()):
            if self.n >= self.limit:
                self.failures["bulkhead"] += 1
                self._refused(parent)
                continue
            self.arrive(self._new(parent, None, now), None)

    # -- what the callee reports --------------------------------------------------------
    def complete(self, call: CallMsg) -> None:
        attempt = call.ex
        if attempt is None:
            self._settle(call)
            return
        if attempt.over:  # timed out, or another copy won: the work was wasted
            call.root.waste(call.born, call.work)
            return
        now = self.env._now
        self._close(attempt, now)
        self._resp_buf.append(now - attempt.t0)
        if self.limiter is not None:
            self._sample(now - attempt.t0, True)
        ex = attempt.logical.ex
        ex.current = None
        ex.msg.work += call.work
        self.caller.resume(ex)

    def fail(self, call: CallMsg, cause: str) -> None:
        call.root.waste(call.born, call.work)
        attempt = call.ex
        if attempt is None:
            self.failures["call_failed"] += 1
            self._settle(call)
            return
        if attempt.over:
            return
        now = self.env._now
        attempt.live.remove(call.first)
        self._back(now)
        if attempt.live:  # another copy may still reply
            return
        attempt.over = True
        self._resp_buf.append(now - attempt.t0)
        if self.limiter is not None:
            self._sample(now - attempt.t0, False)
        self._failed(attempt.logical, "call_failed")

    def _close(self, attempt, now: float) -> None:
        """The attempt is over: its copies still out no longer count as in flight."""
        attempt.over = True
        for _ in attempt.live:
            self._back(now)
        attempt.live.clear()

    def _expire(self, event) -> None:
        attempt = event._value
        if attempt.over:
            return
        now = self.env._now
        self._close(attempt, now)
        if self.limiter is not None:
            self._sample(now - attempt.t0, False)
        self._failed(attempt.logical, "call_timeout")

    def _failed(self, logical: _Logical, cause: str) -> None:
        """An attempt failed: retry it, or fail the caller's execution with ``cause``."""
        ex = logical.ex
        ex.current = None
        if logical.sent < self.max_attempts:
            self.retries += 1
            delay = self.backoff(logical) if self.backoff is not None else 0.0
            if delay > 0:
                Call(self.env, delay, self._retry, logical)
            else:
                self._attempt(logical)
            return
        self.failures[cause] += 1
        self.caller.abandon(ex, cause)
