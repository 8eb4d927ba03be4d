"""One replication on the compiled kernel: the same result dict and time-series rows
as :func:`sim.engine.run.run_replication`, from the kernel's arrays.

Python drives the run from stop to stop (each time-series instant, the end of the
warm-up, the end) and serves the kernel between them; it reads the arrays into the
raw counters of :mod:`sim.metrics.entries` at the end, so every metric is computed
by the same code as for the SimPy engine.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from sim.engine.compiled import layout as L
from sim.engine.compiled.kernel import advance, shared_until
from sim.engine.compiled.state import Built, build_state, flush_stats, service_state
from sim.engine.sender import CAUSES, livelock
from sim.engine.kinds.sender import check as check_sender
from sim.engine.windows import RequestTaps
from sim.errors import ModelError
from sim.metrics.summary import summarize_replication
from sim.metrics.windows import WindowStats, series_row
from sim.model.settings import series_instants

__all__ = ["run_compiled_replication"]

_STEPS_PER_CALL = 1_000_000
"""Bound on kernel calls between two stops (each call runs until the state needs
Python; a run that needs more than this has a fault, and stops with an error)."""


class _SenderView:
    """What :class:`~sim.engine.windows.RequestTaps` and the conservation check read
    of a sender, from the kernel's arrays."""

    def __init__(self, b: Built, i: int) -> None:
        self.b, self.i = b, i
        self.latency = b.stats[b.state.ni[i, L.N_STAT_TIME]]

    def _get(self, col: int) -> int:
        return int(self.b.state.ni[self.i, col])

    offered = property(lambda self: self._get(L.N_OFFERED))
    completed = property(lambda self: self._get(L.N_COMPLETED))
    failed = property(lambda self: self._get(L.N_FAILED))

    @property
    def counts(self) -> dict:
        g = self._get
        return {"offered": g(L.N_OFFERED), "completed": g(L.N_COMPLETED),
                "failed": g(L.N_FAILED), "in_flight": g(L.N_LIVE),
                "rejected": g(L.N_REJECTED), "timed_out": g(L.N_TIMED_OUT),
                "retries": g(L.N_RETRIES), "duplicates": g(L.N_DUPLICATES)}


class _Driver:
    """Runs one replication from stop to stop and reads it out."""

    def __init__(self, model, b: Built, replication: int, warmup: float, end: float,
                 tick, interval, keep: bool = True) -> None:
        self.model, self.b, self.replication = model, b, replication
        self.warmup, self.end, self.tick, self.keep = warmup, end, tick, keep
        self.instants = series_instants(end, interval) if keep else [end]
        self.names = [spec.name for spec in model.nodes]
        self.carried = [0] * len(self.names)
        self.senders = [_SenderView(b, b.index[s.name]) for s in model.senders]
        self.taps = RequestTaps(self.senders)
        self.window = self.taps.watch(WindowStats(0.0))
        self.rows: list[tuple] = []
        self.requests: list[tuple] = []
        self.reset_at = 0.0

    # ------------------------------------------------------------------ running
    def run_until(self, stop: float) -> None:
        b = self.b
        b.state.gf[L.GF_STOP] = stop
        for _ in range(_STEPS_PER_CALL):
            code = advance(b.state)
            if code == L.STOPPED:
                return
            if code == L.LIVELOCK:
                raise self._livelock()
            if code == L.OVERFLOW:
                raise RuntimeError(
                    f"compiled kernel: one event at t = {b.state.gf[L.GF_STOP]:g} s or before "
                    f"forked more than {L.FORK_MARGIN} copies or joins at once; run this "
                    "model on the SimPy engine (engine: simpy)")
            service_state(b)
        raise RuntimeError(f"compiled kernel made no progress towards t = {stop}")

    def _livelock(self) -> ModelError:
        s = self.b.state
        i = int(s.g[L.G_ERROR_NODE])
        return livelock(self.model.nodes[i], int(s.ni[i, L.N_SPIN]), float(s.nf[i, L.F_SPIN_AT]))

    def run(self) -> None:
        if self.keep:
            self.snapshot(0.0)
        stops = sorted({*self.instants, *([self.warmup] if 0 < self.warmup < self.end else [])})
        for stop in stops:
            self.run_until(stop)
            if stop == self.warmup:
                self.warmup_reset(stop)
            if stop in self.instants:
                if self.keep:
                    self.snapshot(stop)
                if self.tick is not None:
                    self.tick(stop / self.end if self.end > 0 else 1.0)

    # ------------------------------------------------------------------ reading
    def _state_of(self, i: int) -> tuple:
        s = self.b.state
        kind = s.ni[i, L.N_KIND]
        if kind == L.K_QUEUE:
            return int(s.bi[s.ni[i, L.N_BUF], L.B_N]), None, None, int(s.bi[s.ni[i, L.N_BUF],
                                                                           L.B_TAKEN])
        if kind == L.K_SERVICE:
            own = s.ni[i, L.N_BUF]
            servers = self.model.nodes[i].servers
            if s.ni[i, L.N_SERVERS] == 0:
                servers = 0          # down (availability): Crashes.crash sets 0
            return (int(s.bi[own, L.B_N]) if own >= 0 else 0, int(s.ni[i, L.N_BUSY]),
                    None if math.isinf(servers) else servers, int(s.ni[i, L.N_COMPLETED]))
        return None, None, None, int(s.ni[i, L.N_COMPLETED])

    def snapshot(self, now: float) -> None:
        """run._Series._snapshot: every node now, and the requests of the interval."""
        flush_stats(self.b)
        for i, name in enumerate(self.names):
            q, busy, servers, done = self._state_of(i)
            self.rows.append((self.replication, now, name, q, busy, servers,
                              done + self.carried[i], None, None))
        if now > 0:
            figures = self.window.close(now, self.taps.counts())
            self.requests.append(series_row(self.replication, now, figures))

    def warmup_reset(self, now: float) -> None:
        """run._warmup_reset: carry the departures, then start every figure afresh."""
        for i in range(len(self.names)):
            self.carried[i] += self._state_of(i)[3]
        self.taps.carry()
        s = self.b.state
        flush_stats(self.b)
        for stats in self.b.stats:
            stats.reset()
        counters = [L.N_ARRIVALS, L.N_COMPLETED, L.N_ERRORS, L.N_DROPPED, L.N_OFFERED,
                    L.N_FAILED, L.N_LIVE, L.N_REJECTED, L.N_TIMED_OUT, L.N_RETRIES,
                    L.N_DUPLICATES, L.N_ATTEMPTS, L.N_DENIED, L.N_CIRCUIT_OPEN] + [L.N_DEAD + c for c in range(len(L.CAUSE_NAMES))]
        s.ni[:, counters] = 0
        s.nf[:, L.F_WASTED] = 0.0
        s.nf[:, L.F_BUSY_SPAN] = -s.ni[:, L.N_BUSY] * now
        s.nf[:, L.F_BLOCKED_SPAN] = -s.ni[:, L.N_BLOCKED] * now
        s.bi[:, [L.B_ARRIVALS, L.B_TAKEN, L.B_DROPPED, L.B_EXPIRED, L.B_BALKED]] = 0
        s.bi[:, L.B_PEAK] = s.bi[:, L.B_N]
        s.bf[:, L.BF_SPAN] = -s.bi[:, L.B_N] * now
        self._restart_sharing(now)
        self.reset_at = now

    def _restart_sharing(self, now: float) -> None:
        """ProcessorSharing.reset: virtual time brought up to ``now``, the area afresh."""
        s = self.b.state
        for i in np.flatnonzero(s.ni[:, L.N_SERVE] == L.S_PS):
            shared_until(s, int(i), now)
            s.nf[i, L.F_SHARE] = 0.0

    def raw(self) -> dict:
        """Each node's raw counters, keyed as the SimPy engine's readers key them."""
        flush_stats(self.b)
        return {spec.name: _RAW[spec.kind](self, spec, self.b.index[spec.name])
                for spec in self.model.nodes}


def _raw_sender(d: _Driver, spec, i: int) -> dict:
    s, stats = d.b.state, d.b.stats
    view = _SenderView(d.b, i)
    fast = (spec.timeout is None and spec.retry.max_attempts == 1 and spec.rate_limit is None
            and spec.retry.budget is None and spec.circuit_breaker is None)
    attempts = view.offered if fast and not spec.is_closed else int(s.ni[i, L.N_ATTEMPTS])
    dead = dict.fromkeys(CAUSES, 0)
    for c, name in enumerate(L.CAUSE_NAMES):
        dead[name] = int(s.ni[i, L.N_DEAD + c])
    return {"kind": "sender", "class": spec.cls, "counts": view.counts,
            "extras": {"attempts": attempts, "circuit_open": int(s.ni[i, L.N_CIRCUIT_OPEN]),
                       "retries_denied": int(s.ni[i, L.N_DENIED]),
                       "wasted_work": float(s.nf[i, L.F_WASTED])},
            "hedges": None, "hedge_wasted_work": None, "dead": dead,
            "latency": stats[s.ni[i, L.N_STAT_TIME]], "wait": stats[s.ni[i, L.N_STAT_WAIT]]}


def _area(d: _Driver, k: int) -> float:
    s = d.b.state
    return float(s.bf[k, L.BF_SPAN] + s.bi[k, L.B_N] * d.end)


def _balked(s, buffer, k: int) -> int | None:
    """Arrivals buffer ``k`` refused by balk (None without ``balk``, as Balking)."""
    return None if buffer is None or buffer.balk is None else int(s.bi[k, L.B_BALKED])


def _raw_queue(d: _Driver, spec, i: int) -> dict:
    s = d.b.state
    k = s.ni[i, L.N_BUF]
    return {"kind": "queue", "arrivals": int(s.bi[k, L.B_ARRIVALS]),
            "completed": int(s.bi[k, L.B_TAKEN]), "dropped": int(s.bi[k, L.B_DROPPED]),
            "expired": int(s.bi[k, L.B_EXPIRED]), "q_area": _area(d, k), "q_peak": int(s.bi[k, L.B_PEAK]),
            "wait": d.b.stats[s.bi[k, L.B_STAT]], "deliveries": None, "redelivered": None,
            "stale": None, "shed": None, "classes": {}, "part_taken": None,
            "part_area": None, "balked": _balked(s, spec.buffer, k)}


def _raw_service(d: _Driver, spec, i: int) -> dict:
    s = d.b.state
    own = s.ni[i, L.N_BUF]
    arrivals = int(s.ni[i, L.N_ARRIVALS]) + (int(s.bi[own, L.B_ARRIVALS]) if own >= 0 else 0)
    return {"kind": "service", "servers": spec.servers, "arrivals": arrivals,
            "completed": int(s.ni[i, L.N_COMPLETED]),
            "dropped": int(s.bi[own, L.B_DROPPED]) if own >= 0 else 0,
            "expired": int(s.bi[own, L.B_EXPIRED]) if own >= 0 else 0,
            "shed": None, "balked": _balked(s, spec.buffer, own), "errors": int(s.ni[i, L.N_ERRORS]),
            "busy_area": _busy_area(d, spec, i),
            "servers_area": spec.servers * (d.end - d.reset_at),
            "q_area": _area(d, own) if own >= 0 else 0.0,
            "q_peak": int(s.bi[own, L.B_PEAK]) if own >= 0 else 0,
            "wait": d.b.stats[s.ni[i, L.N_STAT_WAIT]],
            "sojourn": d.b.stats[s.ni[i, L.N_STAT_TIME]], "held_area": 0.0,
            "blocked_area": float(s.nf[i, L.F_BLOCKED_SPAN] + s.ni[i, L.N_BLOCKED] * d.end),
            "calls": {},
            "crashes": None if spec.availability is None else int(s.ni[i, L.N_CRASHES]),
            "batches": None,
            "batched": None, "duplicate_effects": None, "classes": {}}


def _busy_area(d: _Driver, spec, i: int) -> float:
    """Server-seconds busy up to the end (Service.busy_integral; a ps service's area
    of capacity in use, ProcessorSharing.busy_integral)."""
    s = d.b.state
    if spec.discipline == "ps":
        return float(shared_until(s, i, d.end))
    return float(s.nf[i, L.F_BUSY_SPAN] + s.ni[i, L.N_BUSY] * d.end)


def _raw_router(d: _Driver, spec, i: int) -> dict:
    s = d.b.state
    return {"kind": "router", "arrivals": int(s.ni[i, L.N_ARRIVALS]),
            "completed": int(s.ni[i, L.N_COMPLETED]), "dropped": int(s.ni[i, L.N_DROPPED]),
            "classes": {}}


_RAW = {"sender": _raw_sender, "queue": _raw_queue, "service": _raw_service,
        "router": _raw_router}
"""The raw counters of each kind the kernel covers (sim.engine.kinds.*.raw)."""


def run_compiled_replication(model, replication: int, *, seed: int, duration: float,
                             warmup: float, tick: Callable[[float], None] | None = None,
                             series: float | None = None,
                             requests_series: list | None = None,
                             keep_series: bool = True) -> tuple[dict, list[tuple]]:
    """:func:`sim.engine.run.run_replication` on the compiled kernel (a covered model,
    see sim.engine.compiled.coverage): (result dict, time-series rows); with
    ``keep_series`` false, no snapshots are taken and the rows are empty."""
    end = warmup + duration
    b = build_state(model, seed, replication, warmup)
    interval = series if series is not None else model.run.series
    driver = _Driver(model, b, replication, warmup, end, tick, interval, keep_series)
    driver.run()
    raw = driver.raw()
    for spec in model.senders:
        check_sender(spec.name, _SenderView(b, b.index[spec.name]))
    summary = summarize_replication(model.name, raw, seed=seed, duration=duration,
                                    warmup=warmup)
    if requests_series is not None:
        requests_series.extend(driver.requests)
    return summary, driver.rows
