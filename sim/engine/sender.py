"""Senders: where requests are born, and where their attempts are resolved.

An open sender schedules its next arrival from the callback of the current one;
a closed sender keeps ``clients`` requests in a think-send-wait loop. Every
attempt is resolved exactly once, by its completion, its failure or its timeout
(docs/reference/model.md); ``Request`` objects exist only for senders that time out or retry.
"""

from __future__ import annotations

import math

from sim.engine.events import Call
from sim.engine.guards import Breaker, RetryBudgetGate
from sim.engine.message import DONE, FAILED, PENDING, Msg, Request
from sim.errors import ModelError
from sim.metrics.stats import SampleStats

__all__ = ["Sender", "CAUSES", "SPIN_LIMIT", "livelock"]

SPIN_LIMIT = 10_000
"""Zero-think sends per client at one instant before a closed sender is a livelock."""

CAUSES = ("rejected", "dropped", "expired", "error", "crash", "timeout", "max_receives",
          "circuit_open", "call_timeout", "call_failed", "bulkhead",
          "pool_timeout",
          "shed", "balked")


class Sender:
    """Runtime of one sender node (see docs/reference/model.md).

    ``gaps`` draws interarrival times (s) of an open sender; ``think`` draws think
    times of a closed one; ``backoff`` returns the delay (s) before retry ``n``.
    """

    def __init__(self, env, spec, *, gaps=None, think=None, backoff=None,
                 warmup: float = 0.0, tracked: bool = False) -> None:
        self.env = env
        self.spec = spec
        self.name = spec.name
        self.prio = spec.priority
        self.gaps = gaps
        self.think = think
        self.backoff = backoff
        self.warmup = warmup
        self.timeout = spec.timeout
        self.max_attempts = spec.retry.max_attempts
        self.closed = spec.clients is not None
        self._spin_at, self._spin = -1.0, 0
        self.send = None
        self.admit = None
        self.budget = RetryBudgetGate(spec.retry.budget) if spec.retry.budget else None
        self.breaker = Breaker(spec.circuit_breaker) if spec.circuit_breaker else None
        self.simple = (self.timeout is None and self.max_attempts == 1 and not tracked
                       and self.breaker is None)
        self.latency = SampleStats()
        self._lat_buf = self.latency.buf
        self.wait = SampleStats()
        self._wait_buf = self.wait.buf
        self.live = 0
        self.blocked = 0
        self.paused = False
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.offered = self.completed = self.failed = 0
        self.rejected = self.timed_out = self.retries = self.duplicates = 0
        self.attempts = self.circuit_open = self.retries_denied = 0
        self.wasted = 0.0
        self.dead = dict.fromkeys(CAUSES, 0)
        self.live = 0
        self.latency.reset()
        self.wait.reset()

    def close(self, now: float) -> None:
        self.latency.flush()
        self.wait.flush()

    def load(self) -> int:
        return 0

    # ------------------------------------------------------------------ births
    def start(self) -> None:
        if self.closed:
            for _ in range(self.spec.clients):
                self.emit()
        else:
            self._schedule_arrival()

    @property
    def fast(self) -> bool:
        """No timeout, retry, breaker, budget or rate limit: one attempt per request."""
        return self.simple and self.admit is None and self.budget is None

    def _schedule_arrival(self) -> None:
        self._arrival_cb = self._arrival_fast if self.fast else self._arrival
        Call(self.env, self.gaps(), self._arrival_cb)

    def _arrival(self, _event) -> None:
        held = self.blocked
        self.emit()
        if self.blocked > held:
            self.paused = True
        else:
            self._schedule_arrival()

    def _arrival_fast(self, _event) -> None:
        """``_arrival`` + ``emit`` + ``_send`` for a sender with no timeout, retry,
        breaker, budget or rate limit: about 10% of W1 (benchmarks/throughput.py)."""
        env = self.env
        now = env._now
        if now >= self.warmup:
            self.offered += 1
            self.live += 1
        if self.send(Msg(self, None, now, 1, self.prio, now), self):
            self.blocked += 1
            self.paused = True
        else:
            Call(env, self.gaps(), self._arrival_cb)

    def _emit_event(self, _event) -> None:
        self.emit()

    def emit(self) -> None:
        """A new request departs now."""
        now = self.env._now
        counted = now >= self.warmup
        if counted:
            self.offered += 1
            self.live += 1
        if self.budget is not None:
            self.budget.deposit(now)
        if self.simple:
            self._send(Msg(self, None, now, 1, self.prio, now))
        else:
            self._attempt(Request(now, counted))

    def _attempt(self, req: Request) -> None:
        now = self.env._now
        req.sent += 1
        req.current = req.sent
        msg = Msg(self, req, req.born, req.sent, self.prio, now)
        if self.timeout is not None:
            Call(self.env, self.timeout, self._on_timeout, msg)
        self._send(msg)

    def _send(self, msg: Msg) -> None:
        if msg.born >= self.warmup:
            self.attempts += 1
        if self.breaker is not None and not self.breaker.allow(self.env._now):
            self.circuit_open += msg.born >= self.warmup
            self.fail(msg, "circuit_open")
        elif self.admit is not None and not self.admit():
            self.fail(msg, "rejected")
        elif self.send(msg, self):
            self.blocked += 1

    def unblocked(self) -> None:
        """A blocking queue admitted a message of this sender's (``overflow: block``).

        The arrival clock of an open sender stops while an arrival's message is held
        (backpressure) and restarts at the first admission; retries held meanwhile
        do not start another clock.
        """
        self.blocked -= 1
        if self.paused:
            self.paused = False
            self._schedule_arrival()

    # ------------------------------------------------------------- resolution
    def waste(self, born: float, work: float) -> None:
        """``work`` seconds of service went to a copy that did not complete its request."""
        if born >= self.warmup:
            self.wasted += work

    def complete(self, msg: Msg) -> None:
        """Every copy of attempt ``msg`` has left a sink."""
        req = msg.req
        if req is None:
            born = msg.born
            if born >= self.warmup and not self.closed:
                self.live -= 1
                self.completed += 1
                self._lat_buf.append(self.env._now - born)
                self._wait_buf.append(msg.waited)
            else:
                self._settle(born, True, msg.waited)
            return
        if req.current == msg.attempt:
            req.current = 0
            if self.breaker is not None:
                self.breaker.record(self.env._now, True)
        if req.state == PENDING:
            req.state = DONE
            self._settle(req.born, True, msg.waited)
        else:
            self.waste(req.born, msg.work)
            if req.counted:
                self.duplicates += 1

    def fail(self, msg: Msg, cause: str) -> None:
        """Attempt ``msg`` was lost for ``cause``."""
        if cause == "rejected" and msg.born >= self.warmup:
            self.rejected += 1
        req = msg.req
        if req is None:
            self._dead(msg.born, cause)
            return
        if req.current != msg.attempt:
            return
        req.current = 0
        if self.breaker is not None and cause != "circuit_open":
            self.breaker.record(self.env._now, False)
        self._retry_or_die(req, cause)

    def _on_timeout(self, event) -> None:
        msg = event._value
        req = msg.req
        if req.current != msg.attempt or req.state != PENDING:
            return
        req.current = 0
        if req.counted:
            self.timed_out += 1
        if self.breaker is not None:
            self.breaker.record(self.env._now, False)
        self._retry_or_die(req, "timeout")

    def _retry_or_die(self, req: Request, cause: str) -> None:
        if req.state != PENDING:
            return
        denied = False
        if req.sent < self.max_attempts and self.budget is not None:
            denied = not self.budget.withdraw(self.env._now)
            self.retries_denied += denied and req.counted
        if req.sent >= self.max_attempts or denied:
            req.state = FAILED
            self._dead(req.born, cause)
            return
        if req.counted:
            self.retries += 1
        delay = self.backoff(req) if self.backoff is not None else 0.0
        if delay > 0:
            Call(self.env, delay, self._retry, req)
        else:
            self._attempt(req)

    def _retry(self, event) -> None:
        req = event._value
        if req.state == PENDING:
            self._attempt(req)

    def _settle(self, born: float, ok: bool, waited: float = 0.0) -> None:
        now = self.env._now
        if born >= self.warmup:
            self.live -= 1
            if ok:
                self.completed += 1
                self._lat_buf.append(now - born)
                self._wait_buf.append(waited)
            else:
                self.failed += 1
        if self.closed:
            self._think()

    def _dead(self, born: float, cause: str) -> None:
        if born >= self.warmup:
            self.dead[cause] += 1
        self._settle(born, False)

    def _think(self) -> None:
        """The client sends again after its think time. A zero think time still goes
        through the event queue: emitting at once would recurse without bound when
        the new request fails at once too (a full queue with drop_oldest or reject
        in front of clients that never wait), and the consumers' pending takes at
        the same instant must run first."""
        delay = self.think() if self.think is not None else 0.0
        if delay <= 0:
            self._check_spin()
        Call(self.env, delay, self._emit_event)

    def _check_spin(self) -> None:
        """Refuse a livelock: clients that never think, sending again and again at one
        instant because every request fails at once (a full queue), would stop
        simulated time for ever."""
        now = self.env._now
        if now != self._spin_at:
            self._spin_at, self._spin = now, 0
            return
        self._spin += 1
        if self._spin > SPIN_LIMIT * self.spec.clients:
            raise livelock(self.spec, self._spin, now)

    @property
    def counts(self) -> dict:
        return {"offered": self.offered, "completed": self.completed, "failed": self.failed,
                "in_flight": self.live, "rejected": self.rejected, "timed_out": self.timed_out,
                "retries": self.retries, "duplicates": self.duplicates}

    @property
    def extras(self) -> dict:
        """Counters beyond the basic result: attempts, breaker refusals, budget denials, waste."""
        attempts = self.offered if self.fast and not self.closed else self.attempts
        return {"attempts": attempts, "circuit_open": self.circuit_open,
                "retries_denied": self.retries_denied, "wasted_work": self.wasted}


def livelock(spec, sent: int, now: float) -> ModelError:
    """The error for clients of sender ``spec`` that sent ``sent`` requests at ``now`` (s)
    without simulated time passing (both engines raise it)."""
    return ModelError(f"its {spec.clients} clients sent {sent:,} requests at t = {now:g} s "
                      "without simulated time passing: each fails at once (a full buffer in "
                      "front of clients that never think); give 'think' a positive time or "
                      "the buffer more room", node=spec.name, key="think")


def backoff_schedule(spec, rng) -> callable:
    """A function giving the delay (s) before retry n of a request, as docs/reference/model.md describes.

    ``min(max, initial * multiplier ** (n - 1))`` with jitter ``none``, ``full``
    (uniform on [0, d]), ``equal`` (d/2 + uniform on [0, d/2]) or ``decorrelated``
    (min(max, uniform on [initial, 3 * previous])), as in Brooker's "Exponential
    Backoff And Jitter" (AWS Architecture Blog, 2015).
    """
    b = spec.backoff
    jitter = spec.jitter
    uniform = rng.random

    def delay(req: Request) -> float:
        n = req.sent
        d = min(b.max, b.initial * b.multiplier ** (n - 1))
        if jitter == "full":
            d = d * uniform()
        elif jitter == "equal":
            d = d / 2 + d / 2 * uniform()
        elif jitter == "decorrelated":
            prev = req.last_backoff or b.initial
            d = min(b.max, b.initial + (3 * prev - b.initial) * uniform())
        req.last_backoff = d
        return d

    return delay if b is not None and not math.isinf(b.initial) else None
