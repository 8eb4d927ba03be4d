"""Run replications of a model: the only place simulated time passes."""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from typing import Callable

import pandas as pd
import simpy
from simpy.events import Timeout

from sim.engine.broker import Buffer
from sim.engine.build import build
from sim.engine.sender import Sender
from sim.engine.service import Service
from sim.engine.trace import TraceWriter
from sim.errors import ConservationError, ModelError
from sim.metrics.result import Result
from sim.metrics.summary import summarize_replication

__all__ = ["simulate", "run_replication", "resolve_run", "check_workload"]

SERIES_POINTS = 200


def resolve_run(model, *, duration=None, warmup=None, replications=None, seed=None):
    """The model's run settings with the given ones winning (None keeps the model's),
    validated by :mod:`sim.model.settings` (a ModelError naming the argument); a
    warm-up of ``"auto"`` is replaced by the seconds MSER-5 picks."""
    run = model.run.merged(duration=duration, warmup=warmup, replications=replications,
                           seed=seed)
    if run.warmup == "auto":
        from sim.engine.precision import auto_warmup  # imports this module: import here

        run = replace(run, warmup=auto_warmup(model, run))
    return run


def check_workload(model, run) -> None:
    """Refuse a run whose estimated work cannot fit (see :mod:`sim.analytic.workload`)."""
    from sim.analytic.workload import estimate, refusal

    work = estimate(model, run)
    if not work.feasible:
        raise ModelError(refusal(work, run))


def _raw(rt) -> dict:
    if isinstance(rt, Sender):
        return {"kind": "sender", "counts": rt.counts, "extras": rt.extras,
                "dead": dict(rt.dead), "latency": rt.latency}
    if isinstance(rt, Service):
        own = rt.own
        return {"kind": "service", "servers": rt.nominal, "arrivals": rt.total_arrivals(),
                "completed": rt.completed, "dropped": own.dropped if own else 0,
                "expired": own.expired if own else 0,
                "errors": rt.errors, "busy_area": rt.busy_area, "servers_area": rt.prov_area,
                "q_area": own.area if own else 0.0, "q_peak": own.peak if own else 0,
                "wait": rt.wait, "sojourn": rt.sojourn,
                "crashes": getattr(rt, "crashes", None),
                "duplicate_effects": getattr(rt, "duplicate_effects", None)}
    if isinstance(rt, Buffer):
        return {"kind": "queue", "arrivals": rt.arrivals, "completed": rt.taken,
                "dropped": rt.dropped, "expired": rt.expired, "q_area": rt.area,
                "q_peak": rt.peak, "wait": rt.wait,
                "deliveries": getattr(rt, "deliveries", None),
                "redelivered": getattr(rt, "redelivered", None),
                "stale": getattr(rt, "stale", None)}
    return {"kind": "router", "arrivals": rt.arrivals, "completed": rt.completed,
            "dropped": rt.dropped}


def _parts(rt) -> list:
    parts = [rt]
    if isinstance(rt, Service) and rt.own is not None:
        parts.append(rt.own)
    return parts


def _state(rt) -> tuple:
    """(queue_length, busy, servers, departures) of a runtime now."""
    if isinstance(rt, Service):
        servers = None if math.isinf(rt.servers) else rt.servers
        return (rt.own.n if rt.own else 0), rt.busy, servers, rt.completed
    if isinstance(rt, Buffer):
        return rt.n, None, None, rt.taken
    return None, None, None, rt.completed


class _Series:
    """Regular snapshots of every node (bounded: ``SERIES_POINTS`` per replication)."""

    def __init__(self, env, runtimes: dict, end: float, replication: int,
                 tick: Callable[[float], None] | None = None) -> None:
        self.env, self.runtimes, self.replication = env, runtimes, replication
        self.end, self.tick = end, tick
        self.step = end / SERIES_POINTS
        self.rows: list[tuple] = []
        self.carried = dict.fromkeys(runtimes, 0)
        self._tick(None)

    def carry(self) -> None:
        """Called before the warm-up reset zeroes the departure counters."""
        for name, rt in self.runtimes.items():
            self.carried[name] += _state(rt)[3]

    def _tick(self, _event) -> None:
        now = self.env.now
        for name, rt in self.runtimes.items():
            q, busy, servers, done = _state(rt)
            self.rows.append((self.replication, now, name, q, busy, servers,
                              done + self.carried[name]))
        if self.tick is not None:
            self.tick(now / self.end if self.end > 0 else 1.0)
        if len(self.rows) < (SERIES_POINTS + 1) * len(self.runtimes):
            Timeout(self.env, self.step).callbacks.append(self._tick)


class _Housekeeping:
    """Folds the statistics' sample buffers into numpy now and then, so the hot path
    only appends (no length check per sample: about 5% of W1, benchmarks/throughput.py).

    The interval adapts so a buffer holds between about 2,000 and 16,000 samples
    whatever the rates: memory stays bounded, and ticks stay few.
    """

    def __init__(self, env, runtimes: dict, end: float) -> None:
        self.env, self.end = env, end
        unique = {id(stat): stat for rt in runtimes.values() for part in _parts(rt)
                  for stat in _sample_stats(part)}
        self.stats = list(unique.values())
        self.interval = max(end / 1000.0, 1e-6)
        self.floor = max(end * 1e-7, 1e-9)
        if self.stats:
            Timeout(env, self.interval).callbacks.append(self._tick)

    def _tick(self, _event) -> None:
        longest = max(len(stat.buf) for stat in self.stats)
        for stat in self.stats:
            stat.flush()
        if longest > 16_384:
            self.interval = max(self.interval / 4, self.floor)
        elif longest < 2_048:
            self.interval = min(self.interval * 2, self.end)
        if self.env.now + self.interval < self.end:
            Timeout(self.env, self.interval).callbacks.append(self._tick)


def _sample_stats(part) -> list:
    if isinstance(part, Sender):
        return [part.latency]
    if isinstance(part, Service):
        return [part.wait, part.sojourn]
    if isinstance(part, Buffer):
        return [part.wait]
    return []


def _warmup_reset(runtimes: dict, series: _Series, now: float) -> None:
    series.carry()
    for rt in runtimes.values():
        for part in _parts(rt):
            part.close(now)
            part.reset(now)


def _check_conservation(name: str, rt: Sender) -> None:
    c = rt.counts
    if c["offered"] != c["completed"] + c["failed"] + c["in_flight"] or c["in_flight"] < 0:
        raise ConservationError(f"sender {name!r}: offered {c['offered']} != completed "
                                f"{c['completed']} + failed {c['failed']} + in_flight "
                                f"{c['in_flight']}")


def run_replication(model, replication: int, *, seed: int, duration: float,
                    warmup: float, trace=None,
                    tick: Callable[[float], None] | None = None) -> tuple[dict, list[tuple]]:
    """Simulate one replication: (SPEC 4 dict of it, time-series rows).

    ``trace`` is None or (TraceWriter, sampled fraction of requests); ``tick(f)`` is
    called with the fraction f of simulated time done, 201 times.
    """
    env = simpy.Environment()
    end = warmup + duration
    runtimes = build(env, model, seed, replication, warmup, end, trace)
    series = _Series(env, runtimes, end, replication, tick)
    _Housekeeping(env, runtimes, end)
    if warmup > 0:
        Timeout(env, warmup).callbacks.append(
            lambda _e: _warmup_reset(runtimes, series, env.now))
    for rt in runtimes.values():
        if isinstance(rt, Sender):
            rt.start()
    env.run(until=end)
    tracer = next((rt.tracer for rt in runtimes.values() if hasattr(rt, "tracer")), None)
    if tracer is not None:
        tracer.finish(end)
    for rt in runtimes.values():
        for part in _parts(rt):
            part.close(end)
    raw = {}
    for name, rt in runtimes.items():
        if isinstance(rt, Sender):
            _check_conservation(name, rt)
        raw[name] = _raw(rt)
    summary = summarize_replication(model.name, raw, seed=seed, duration=duration,
                                    warmup=warmup)
    return summary, series.rows


SERIES_COLUMNS = ["replication", "time", "node", "queue_length", "busy", "servers",
                  "departures"]


def _report_progress(progress, replication: int, total: int, fraction: float) -> None:
    progress(replication + fraction, total)


def simulate(model, *, duration: float | None = None, warmup: float | None = None,
             replications: int | None = None, seed: int | None = None,
             progress: Callable[[int, int], None] | None = None,
             precision: float | None = None, max_replications: int | None = None,
             precision_metrics: tuple[str, ...] | None = None,
             trace: str | None = None, trace_sample: float = 1.0) -> Result:
    """Simulate ``model`` (a validated :class:`sim.model.spec.Model`).

    Settings given here override the model's ``run:`` block. Replication ``r``
    uses the streams derived from ``(seed, r)``, so the same seed gives the same
    result. ``progress(done, total)`` is called as simulated time passes, with
    ``done`` the (fractional) number of replications done out of ``total``.
    ``warmup="auto"`` and ``precision`` are handled by
    :func:`sim.engine.precision.simulate_precise` (see there).
    ``trace`` names a CSV or Parquet file for one row per attempt and node visit
    of a ``trace_sample`` fraction of the requests (see :mod:`sim.engine.trace`).

    Raises
    ------
    ModelError
        A setting out of range (see :mod:`sim.model.settings`), or a run whose
        estimated work cannot fit (see :mod:`sim.analytic.workload`).
    """
    check_workload(model, model.run.merged(duration=duration, warmup=warmup,
                                           replications=replications, seed=seed))
    if precision is not None or (model.run.warmup if warmup is None else warmup) == "auto":
        from sim.engine.precision import simulate_precise

        return simulate_precise(model, duration=duration, warmup=warmup,
                                replications=replications, seed=seed, progress=progress,
                                precision=precision, max_replications=max_replications,
                                precision_metrics=precision_metrics, trace=trace,
                                trace_sample=trace_sample)
    run = resolve_run(model, duration=duration, warmup=warmup, replications=replications,
                      seed=seed)
    writer = TraceWriter(trace) if trace else None
    reps, rows = [], []
    try:
        for r in range(run.replications):
            tick = None
            if progress is not None:
                tick = functools.partial(_report_progress, progress, r, run.replications)
            summary, series = run_replication(
                model, r, seed=run.seed, duration=run.duration, warmup=run.warmup,
                trace=(writer, trace_sample) if writer else None, tick=tick)
            reps.append(summary)
            rows.extend(series)
            if progress is not None:
                progress(r + 1, run.replications)
    finally:
        if writer is not None:
            writer.close()
    frame = pd.DataFrame(rows, columns=SERIES_COLUMNS)
    return Result(reps, frame)
