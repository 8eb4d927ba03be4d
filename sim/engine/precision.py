"""Output analysis in the engine: automatic warm-up and replications until precise.

``warmup: auto`` runs pilot replications from an empty system, takes the
end-to-end latencies of their requests in completion order, averages them
across the pilots request by request, and deletes the initial transient that
MSER-5 finds in that average (White 1997; White, Cobb & Spratt 2000; averaged
over 5 replications as Hoad, Robinson & Davies 2010 do); the mean completion
time of the last deleted request becomes the warm-up, in seconds, of the real
run. One pilot alone is too noisy at high load: on an M/M/1 at utilisation 0.9
MSER-5 on a single replication deletes nothing in about 70% of seeds
(benchmarks/mser_bias.py). ``precision`` adds replications one at a
time until the 95% CI half-width of every chosen metric is within the target of
its mean, up to a cap (Law & Kelton 2000, section 9.4.1). The statistics are in
:mod:`sim.metrics.output`; this module only runs the simulations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.engine.build import build
from sim.engine.run import SERIES_COLUMNS, resolve_run, run_replication
from sim.metrics.windows import REQUEST_SERIES_COLUMNS
from sim.engine.sender import Sender
from sim.engine.trace import TraceWriter
from sim.errors import ModelError, nearest
from sim.metrics.output import MSER_BATCH, mser_truncation, precision_status
from sim.metrics.result import Result, flatten

__all__ = ["simulate_precise", "auto_warmup", "detect_warmup", "pilot_run", "Pilot",
           "DEFAULT_METRICS", "DEFAULT_MAX_REPLICATIONS", "PILOT_REPLICATION",
           "PILOT_REPLICATIONS"]

DEFAULT_METRICS = ("requests.latency.mean", "requests.latency.p99")
DEFAULT_MAX_REPLICATIONS = 50
MIN_REPLICATIONS = 2
# The pilot uses streams no real replication uses, so it is independent of them.
PILOT_REPLICATION = 1 << 30
PILOT_REPLICATIONS = 5        # Hoad, Robinson & Davies (2010): MSER-5 on a 5-run mean
PILOT_STEPS = 1000            # resolution of the completion-count -> time table
_PILOT_MIN_BATCHES = 10
_CACHE_SIZE = 256             # a sweep validates, then runs, every point: reuse pilots
_cache: list[tuple[object, tuple, dict]] = []


@dataclass(frozen=True, slots=True)
class Pilot:
    """A pilot replication's request latencies in completion order.

    Attributes
    ----------
    latencies : numpy.ndarray
        End-to-end latency (s) of each completed request, in completion order
        (across senders, ordered within ``duration / PILOT_STEPS``).
    times, counts : numpy.ndarray
        Completions counted by each instant: ``counts[i]`` by ``times[i]``.
    """

    latencies: np.ndarray
    times: np.ndarray
    counts: np.ndarray

    def completion_time(self, index: int) -> float:
        """When the ``index``-th request completed (linear within a step; 0 for 0)."""
        if index <= 0:
            return 0.0
        return float(np.interp(index, self.counts, self.times))


def _new_samples(sender: Sender, seen: int) -> tuple[list[np.ndarray], int]:
    """Latency arrays the sender folded in since ``seen`` (its ``_exact`` list keeps
    the samples in completion order; ``SampleStats`` has no public accessor)."""
    sender.latency.flush()
    parts = sender.latency._exact or []
    return parts[seen:], len(parts)


def pilot_run(model, *, seed: int, duration: float, replication: int = PILOT_REPLICATION,
              steps: int = PILOT_STEPS) -> Pilot:
    """Simulate one replication from an empty system, keeping every latency in order.

    Parameters
    ----------
    model : Model
        A validated model.
    seed : int
        Root seed.
    duration : float
        Simulated seconds (from time 0, no warm-up).
    replication : int
        Stream index; the default is one no real run uses.
    steps : int
        Instants at which completions are counted, for converting a count to time.

    Returns
    -------
    Pilot
    """
    env = simpy.Environment()
    runtimes = build(env, model, seed, replication, 0.0, duration)
    senders = [runtimes[s.name] for s in model.senders]
    for sender in senders:
        sender.latency.exact_cap = math.inf     # keep every sample of the pilot
        sender.start()
    seen, chunks = [0] * len(senders), []
    times, counts, total = [0.0], [0], 0
    for t in np.linspace(0.0, duration, steps + 1)[1:]:
        env.run(until=float(t))
        for i, sender in enumerate(senders):
            new, seen[i] = _new_samples(sender, seen[i])
            chunks.extend(new)
            total += sum(a.size for a in new)
        times.append(float(t))
        counts.append(total)
    latencies = np.concatenate(chunks) if chunks else np.empty(0)
    return Pilot(latencies, np.array(times), np.array(counts, dtype=np.float64))


def _average(pilots: list[Pilot]) -> np.ndarray:
    """Latency of the i-th completed request, averaged over the pilots (up to the
    shortest); Welch (1983) averages replications the same way before truncating."""
    n = min(p.latencies.size for p in pilots)
    return np.mean([p.latencies[:n] for p in pilots], axis=0)


def detect_warmup(model, *, seed: int, duration: float,
                  pilots: int = PILOT_REPLICATIONS) -> dict:
    """MSER-5 warm-up of ``model`` from pilot replications of ``duration`` seconds.

    Parameters
    ----------
    model : Model
        A validated model.
    seed : int
        Root seed (pilot ``i`` uses the streams of replication
        ``PILOT_REPLICATION + i``, which no real run uses).
    duration : float
        Length of each pilot, seconds from an empty system.
    pilots : int
        Pilot replications averaged before MSER-5 (1: MSER-5 on one run).

    Returns
    -------
    dict
        ``warmup`` (seconds: mean completion time of the last deleted request),
        ``method`` ("mser-5"), ``pilots``, ``pilot_duration``, ``observations``
        (requests in the averaged sequence), ``truncated`` (requests deleted),
        ``reliable`` (False when the pilots look too short to have left their
        transient).

    Raises
    ------
    ModelError
        When a pilot completes too few requests to batch.
    """
    key = (seed, duration, pilots)
    found = next((info for m, k, info in _cache if m is model and k == key), None)
    if found is not None:
        return dict(found)
    runs = [pilot_run(model, seed=seed, duration=duration, replication=PILOT_REPLICATION + i)
            for i in range(pilots)]
    sequence = _average(runs)
    n = int(sequence.size)
    if n < _PILOT_MIN_BATCHES * MSER_BATCH:
        raise ModelError(f"'auto' needs at least {_PILOT_MIN_BATCHES * MSER_BATCH} requests "
                         f"completed in each pilot of {duration:g} s (got {n}); give a "
                         f"longer 'run.duration' or a warm-up in seconds",
                         key="run.warmup", value="auto")
    cut = mser_truncation(sequence, MSER_BATCH)
    seconds = float(np.mean([p.completion_time(cut.index) for p in runs]))
    info = {"warmup": seconds, "method": "mser-5", "pilots": pilots,
            "pilot_duration": float(duration), "observations": n, "truncated": cut.index,
            "reliable": cut.reliable}
    _cache.append((model, key, info))
    del _cache[:-_CACHE_SIZE]
    return dict(info)


def auto_warmup(model, run) -> float:
    """Seconds of warm-up for ``run`` (a RunSpec): :func:`detect_warmup` with pilots of
    its duration and seed."""
    return detect_warmup(model, seed=run.seed, duration=run.duration)["warmup"]


def _is_auto(model, warmup) -> bool:
    chosen = model.run.warmup if warmup is None else warmup
    return isinstance(chosen, str) and chosen == "auto"


def _check_settings(precision, max_replications) -> None:
    if not (isinstance(precision, (int, float)) and math.isfinite(precision) and precision > 0):
        raise ModelError("must be a positive relative half-width, e.g. 0.02",
                         key="precision", value=precision)
    if not (isinstance(max_replications, int) and max_replications >= MIN_REPLICATIONS):
        raise ModelError(f"must be an integer >= {MIN_REPLICATIONS}",
                         key="max_replications", value=max_replications)


def _check_metrics(names, summary: dict) -> None:
    known = _metrics_of(summary)
    for name in names:
        if name not in known or isinstance(known[name], str):
            numeric = [k for k, v in known.items() if not isinstance(v, str)]
            raise ModelError("must name a numeric result metric, e.g. "
                             "'requests.latency.mean' or 'nodes.worker.wait.p99'",
                             key="precision_metrics", value=name,
                             suggestion=nearest(name, numeric))


def _metrics_of(summary: dict) -> dict:
    return flatten({"requests": summary["requests"], "nodes": summary["nodes"]})


class _Runner:
    """Replications of one run, appended in order (replication r uses stream r)."""

    def __init__(self, model, run, progress, total: int, trace=None) -> None:
        self.model, self.run, self.progress, self.total = model, run, progress, total
        self.trace = trace
        from sim.engine.choice import choose_engine  # imports the kernel's coverage only

        self.choice = choose_engine(model, run, trace=trace is not None,
                                    batch=run.replications)
        self.engine = self.choice.name
        self.reps: list[dict] = []
        self.rows: list[tuple] = []
        self.requests: list[tuple] = []

    def add(self) -> None:
        summary, series = run_replication(self.model, len(self.reps), seed=self.run.seed,
                                          duration=self.run.duration, warmup=self.run.warmup,
                                          trace=self.trace, series=self.run.series,
                                          requests_series=self.requests,
                                          engine=self.engine)
        self.reps.append(summary)
        self.rows.extend(series)
        if self.progress is not None:
            self.progress(len(self.reps), self.total)

    def result(self, extra: dict) -> Result:
        result = Result(self.reps, pd.DataFrame(self.rows, columns=SERIES_COLUMNS), extra,
                        requests_series=pd.DataFrame(self.requests,
                                                     columns=REQUEST_SERIES_COLUMNS))
        result.engine = self.choice
        return result


def _until_precise(runner: _Runner, target: float, cap: int, metrics) -> dict:
    start = max(runner.run.replications, MIN_REPLICATIONS)
    runner.add()
    _check_metrics(metrics, runner.reps[0])
    while True:
        values = {m: [_metrics_of(r)[m] for r in runner.reps] for m in metrics}
        reached, status = precision_status(values, target)
        n = len(runner.reps)
        if n >= cap or (n >= start and reached):
            return {"target": target, "reached": reached, "replications": n,
                    "max_replications": cap, "metrics": status}
        runner.add()


def simulate_precise(model, *, duration=None, warmup=None, replications=None, seed=None,
                     progress=None, precision=None, max_replications=None,
                     precision_metrics=None, trace=None, trace_sample=1.0,
                     series=None, engine=None) -> Result:
    """Simulate with automatic warm-up and/or replications until a relative precision.

    Parameters
    ----------
    model : Model
        A validated model.
    duration, warmup, replications, seed :
        As :func:`sim.engine.simulate`; ``warmup="auto"`` (or the model's
        ``run.warmup: auto``) detects it by MSER-5 on pilot replications
        (:func:`detect_warmup`).
    progress : callable, optional
        ``progress(done, total)`` after each replication (``total`` is the cap).
    precision : float, optional
        Relative 95% CI half-width wanted, e.g. 0.02; None runs exactly
        ``replications``.
    max_replications : int, optional
        Cap on replications (default 50, at least the starting count).
    precision_metrics : sequence of str, optional
        Dotted result metrics (default end-to-end mean and p99 latency).
    trace, trace_sample :
        As :func:`sim.engine.simulate` (the pilots are not traced).
    series, engine : optional
        As :func:`sim.engine.simulate`.

    Returns
    -------
    Result
        With ``warmup_method`` and ``warmup_detection`` when the warm-up was
        automatic, and ``precision`` ``{target, reached, replications,
        max_replications, metrics}`` when a precision was asked for.
    """
    extra = {}
    if _is_auto(model, warmup):
        base = resolve_run(model, duration=duration, warmup=0.0, seed=seed)
        info = detect_warmup(model, seed=base.seed, duration=base.duration)
        warmup = info["warmup"]
        extra.update(warmup_method=info["method"], warmup_detection=info)
    run = resolve_run(model, duration=duration, warmup=warmup, replications=replications,
                      seed=seed, series=series, engine=engine)
    cap = DEFAULT_MAX_REPLICATIONS if max_replications is None else max_replications
    if precision is not None:
        _check_settings(precision, cap)
    writer = TraceWriter(trace, {n.name: n.kind for n in model.nodes}) if trace else None
    tracing = (writer, trace_sample) if writer is not None else None
    try:
        if precision is None:
            runner = _Runner(model, run, progress, run.replications, tracing)
            for _ in range(run.replications):
                runner.add()
            return runner.result(extra)
        cap = max(cap, run.replications)
        runner = _Runner(model, run, progress, cap, tracing)
        metrics = tuple(precision_metrics or DEFAULT_METRICS)
        extra["precision"] = _until_precise(runner, float(precision), cap, metrics)
        return runner.result(extra)
    finally:
        if writer is not None:
            writer.close()

