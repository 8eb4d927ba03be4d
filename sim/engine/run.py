"""Run replications of a model: the only place simulated time passes."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Callable

import simpy
from simpy.events import Timeout

from sim.engine.build import build
from sim.engine.kinds import runtime_of
from sim.engine.trace import TraceWriter
from sim.engine.windows import RequestTaps, SloWindows
from sim.errors import ModelError
from sim.metrics.result import Result, Rows
from sim.metrics.summary import summarize_replication
from sim.metrics.recovery import scenario_entry
from sim.metrics.windows import REQUEST_SERIES_COLUMNS, WindowStats, series_row
from sim.model.settings import DEFAULT_SERIES_INTERVALS, series_instants
from sim.model.slo import check_slo_windows

__all__ = ["simulate", "run_replication", "resolve_run", "check_workload", "engine_for"]

SERIES_POINTS = DEFAULT_SERIES_INTERVALS
"""Intervals of the default time series: ``SERIES_POINTS + 1`` instants, both ends
included (``series`` sets the interval instead)."""


def resolve_run(model, *, duration=None, warmup=None, replications=None, seed=None,
                series=None, engine=None):
    """The model's run settings with the given ones winning (None keeps the model's),
    validated by :mod:`sim.model.settings` (a ModelError naming the argument); a
    warm-up of ``"auto"`` is replaced by the seconds MSER-5 picks."""
    run = model.run.merged(duration=duration, warmup=warmup, replications=replications,
                           seed=seed, series=series, engine=engine)
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


def engine_for(model, engine: str | None, duration: float, warmup: float,
               trace=None, batch: int = 1) -> str:
    """The engine (``simpy`` or ``compiled``) a replication of ``duration`` after
    ``warmup`` seconds runs on, ``engine`` None meaning the model's ``run.engine``;
    ``batch`` replications run in this process (see
    :func:`sim.engine.choice.choose_engine`)."""
    from sim.engine.choice import choose_engine

    run = replace(model.run, duration=duration, warmup=warmup, replications=1,
                  engine=engine or model.run.engine)
    return choose_engine(model, run, trace=trace is not None, batch=batch).name


def _readers(model) -> dict:
    """Each node's engine entry (sim.engine.kinds.RUNTIMES), keyed by node name."""
    return {spec.name: runtime_of(spec) for spec in model.nodes}


class _Series:
    """Regular snapshots of every node, and the requests of each interval between them.

    With ``interval`` None: ``SERIES_POINTS + 1`` instants per replication,
    ``k * end / SERIES_POINTS`` for k = 0..SERIES_POINTS; with an interval T: the
    instants ``k * T`` before ``end``, then ``end`` (a last interval cut short).
    Both ends are included. Each instant is scheduled at its absolute time (no drift
    from adding steps); the last one, at ``end``, is taken by :meth:`finish` once the
    run has stopped there (``env.run(until=end)`` stops before the events due then).
    Each instant after the first also closes the interval before it: the requests
    offered, completed and failed in it and the latencies of those completed in it
    (``requests``, rows of ``REQUEST_SERIES_COLUMNS``).
    """

    def __init__(self, env, runtimes: dict, readers: dict, end: float, replication: int,
                 tick: Callable[[float], None] | None = None, interval: float | None = None,
                 taps: RequestTaps | None = None) -> None:
        self.env, self.runtimes, self.replication = env, runtimes, replication
        self.states = [(name, rt, readers[name].state, readers[name].counters)
                       for name, rt in runtimes.items()]
        self.end, self.tick = end, tick
        self.interval = interval
        self.instants = series_instants(end, interval)
        self.points = len(self.instants)
        self.taken = 0
        self.rows: list[tuple] = []
        self.requests: list[tuple] = []
        self.taps = taps
        self.window = taps.watch(WindowStats(0.0)) if taps is not None else None
        self.carried = dict.fromkeys(runtimes, 0)
        self._tick(None)

    def carry(self) -> None:
        """Called before the warm-up reset zeroes the departure counters."""
        for name, rt, state, _ in self.states:
            self.carried[name] += state(rt)[3]
        if self.taps is not None:
            self.taps.carry()

    def _snapshot(self) -> None:
        now = self.env.now
        for name, rt, state, counters in self.states:
            q, busy, servers, done = state(rt)
            hits, misses = counters(rt) if counters is not None else (None, None)
            self.rows.append((self.replication, now, name, q, busy, servers,
                              done + self.carried[name], hits, misses))
        if self.window is not None and self.taken:
            self.taps.flush()
            figures = self.window.close(now, self.taps.counts())
            self.requests.append(series_row(self.replication, now, figures))
        self.taken += 1
        if self.tick is not None:
            self.tick(now / self.end if self.end > 0 else 1.0)

    def _due(self, k: int) -> float:
        return self.instants[k - 1]

    def _tick(self, _event) -> None:
        self._snapshot()
        if self.taken < self.points:
            due = self._due(self.taken)
            Timeout(self.env, max(0.0, due - self.env.now)).callbacks.append(self._tick)

    def finish(self) -> None:
        """The last instant, at ``end`` (call after ``env.run(until=end)``)."""
        if self.taken == self.points:
            self._snapshot()


class _Housekeeping:
    """Folds the statistics' sample buffers into numpy now and then, so the hot path
    only appends (no length check per sample: about 5% of W1, benchmarks/throughput.py).

    The interval adapts so a buffer holds between about 2,000 and 16,000 samples
    whatever the rates: memory stays bounded, and ticks stay few.
    """

    def __init__(self, env, runtimes: dict, readers: dict, end: float) -> None:
        self.env, self.end = env, end
        unique = {id(stat): stat for name, rt in runtimes.items()
                  for stat in readers[name].samples(rt)}
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


def _close_all(runtimes: dict, readers: dict, now: float, reset: bool) -> None:
    for name, rt in runtimes.items():
        for part in readers[name].parts(rt):
            part.close(now)
            if reset:
                part.reset(now)


def _warmup_reset(runtimes: dict, readers: dict, series: _Series, now: float) -> None:
    series.carry()
    _close_all(runtimes, readers, now, reset=True)


def run_replication(model, replication: int, *, seed: int, duration: float,
                    warmup: float, trace=None,
                    tick: Callable[[float], None] | None = None,
                    series: float | None = None,
                    requests_series: list | None = None,
                    engine: str | None = None,
                    keep_series: bool = True, batch: int = 1) -> tuple[dict, list[tuple]]:
    """Simulate one replication: (result dict of it, time-series rows).

    ``trace`` is None or (TraceWriter, sampled fraction of requests); ``tick(f)`` is
    called with the fraction f of simulated time done, once per instant of the time
    series. ``series`` is the series' interval (s; None: the model's ``run.series``,
    else ``SERIES_POINTS`` intervals); the rows of each interval's requests
    (``REQUEST_SERIES_COLUMNS``) are appended to ``requests_series`` when given.
    A model with ``slo:`` gets its ``slo`` block in the result dict. ``engine`` is
    ``simpy``, ``compiled`` or ``auto`` (None: the model's ``run.engine``), resolved by
    :func:`sim.engine.choice.choose_engine`. ``keep_series=False`` says the caller drops
    the time series (a sweep's or a plan's replication): the compiled engine then
    takes no snapshots (about a third of a short replication's time on it), and
    returns no rows. ``batch``: the replications this process runs with this one (a
    sweep worker's share), weighed together by ``auto``.
    """
    if engine != "simpy" and engine_for(model, engine, duration, warmup, trace,
                                        batch) == "compiled":
        from sim.engine.compiled.replication import run_compiled_replication

        return run_compiled_replication(model, replication, seed=seed, duration=duration,
                                        warmup=warmup, tick=tick, series=series,
                                        requests_series=requests_series,
                                        keep_series=keep_series)
    env = simpy.Environment()
    end = warmup + duration
    runtimes = build(env, model, seed, replication, warmup, end, trace)
    readers = _readers(model)
    taps = RequestTaps([runtimes[s.name] for s in model.senders])
    interval = series if series is not None else model.run.series
    series = _Series(env, runtimes, readers, end, replication, tick, interval, taps)
    slo = SloWindows(env, taps, model.slo, warmup, end) if model.slo else None
    _Housekeeping(env, runtimes, readers, end)
    if warmup > 0:
        Timeout(env, warmup).callbacks.append(
            lambda _e: _warmup_reset(runtimes, readers, series, env.now))
    for name, rt in runtimes.items():
        readers[name].start(rt)
    env.run(until=end)
    series.finish()
    if slo is not None:
        slo.finish()
    tracer = next((rt.tracer for rt in runtimes.values() if hasattr(rt, "tracer")), None)
    if tracer is not None:
        tracer.finish(end)
    _close_all(runtimes, readers, end, reset=False)
    raw = {}
    for name, rt in runtimes.items():
        readers[name].check(name, rt)
        raw[name] = readers[name].raw(rt)
    summary = summarize_replication(model.name, raw, seed=seed, duration=duration,
                                    warmup=warmup)
    if slo is not None:
        summary["slo"] = slo.entries(replication)
    if model.scenario is not None:
        summary["scenario"] = scenario_entry(model.scenario, series.requests, warmup)
    if requests_series is not None:
        requests_series.extend(series.requests)
    return summary, series.rows


SERIES_COLUMNS = ["replication", "time", "node", "queue_length", "busy", "servers",
                  "departures", "hits", "misses"]
"""``hits`` and ``misses`` are a cache's, counted from the start (empty elsewhere)."""


def _compiled_in_threads(model, run, progress) -> Result:
    """The replications of ``run`` on the compiled kernel, side by side in threads
    (:mod:`sim.engine.compiled.threads`), gathered in replication order."""
    from sim.engine.compiled.threads import run_replications

    reps, rows, requests = [], [], []
    for summary, series, request_rows in run_replications(model, run, progress):
        reps.append(summary)
        rows.extend(series)
        requests.extend(request_rows)
    return Result(reps, Rows(rows, SERIES_COLUMNS),
                  requests_series=Rows(requests, REQUEST_SERIES_COLUMNS))


def _report_progress(progress, replication: int, total: int, fraction: float) -> None:
    progress(replication + fraction, total)


def simulate(model, *, duration: float | None = None, warmup: float | None = None,
             replications: int | None = None, seed: int | None = None,
             progress: Callable[[int, int], None] | None = None,
             precision: float | None = None, max_replications: int | None = None,
             precision_metrics: tuple[str, ...] | None = None,
             trace: str | None = None, trace_sample: float = 1.0,
             series: float | None = None, engine: str | None = None) -> Result:
    """Simulate ``model`` (a validated :class:`sim.model.spec.Model`).

    Settings given here override the model's ``run:`` block. Replication ``r``
    uses the streams derived from ``(seed, r)``, so the same seed gives the same
    result. ``progress(done, total)`` is called as simulated time passes, with
    ``done`` the (fractional) number of replications done out of ``total``.
    ``warmup="auto"`` and ``precision`` are handled by
    :func:`sim.engine.precision.simulate_precise` (see there).
    ``trace`` names a CSV or Parquet file for one row per attempt and node visit
    of a ``trace_sample`` fraction of the requests (see :mod:`sim.engine.trace`).
    ``series`` is the time series' interval in seconds (``run.series``; default
    ``SERIES_POINTS`` intervals over the run); ``Result.requests_series`` has the
    requests of each interval.

    Raises
    ------
    ModelError
        A setting out of range (see :mod:`sim.model.settings`), or a run whose
        estimated work cannot fit (see :mod:`sim.analytic.workload`).
    """
    settings = model.run.merged(duration=duration, warmup=warmup, replications=replications,
                                seed=seed, series=series, engine=engine)
    check_workload(model, settings)
    check_slo_windows(model.slo, settings.duration)
    if precision is not None or (model.run.warmup if warmup is None else warmup) == "auto":
        from sim.engine.precision import simulate_precise

        return simulate_precise(model, duration=duration, warmup=warmup,
                                replications=replications, seed=seed, progress=progress,
                                precision=precision, max_replications=max_replications,
                                precision_metrics=precision_metrics, trace=trace,
                                trace_sample=trace_sample, series=series, engine=engine)
    run = resolve_run(model, duration=duration, warmup=warmup, replications=replications,
                      seed=seed, series=series, engine=engine)
    from sim.engine.choice import choose_engine

    choice = choose_engine(model, run, trace=bool(trace), batch=run.replications)
    if choice.name == "compiled" and run.replications > 1:
        result = _compiled_in_threads(model, run, progress)
        result.engine = choice
        return result
    writer = TraceWriter(trace, {n.name: n.kind for n in model.nodes}) if trace else None
    reps, rows, requests = [], [], []
    try:
        for r in range(run.replications):
            tick = None
            if progress is not None:
                tick = functools.partial(_report_progress, progress, r, run.replications)
            summary, series = run_replication(
                model, r, seed=run.seed, duration=run.duration, warmup=run.warmup,
                trace=(writer, trace_sample) if writer else None, tick=tick,
                series=run.series, requests_series=requests, engine=choice.name)
            reps.append(summary)
            rows.extend(series)
            if progress is not None:
                progress(r + 1, run.replications)
    finally:
        if writer is not None:
            writer.close()
    result = Result(reps, Rows(rows, SERIES_COLUMNS),
                    requests_series=Rows(requests, REQUEST_SERIES_COLUMNS))
    result.engine = choice
    return result
