"""Running sweeps: an experiment through its store (``sweep``), or bare points (``run_points``).

Every (point, replication) is one task. Tasks run on local processes, in this
process or on a Dask cluster (:mod:`sim.experiments.executors`); whichever
runs them, the numbers are the same, because a replication's random streams
depend on its seed, replication and node only (common random numbers across
points).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from sim.errors import ExperimentError, ModelError
from sim.experiments.build import Experiment, load_experiment, metric_values
from sim.experiments.executors import check_workers, execute, tasks_per_worker
from sim.experiments.store import Store
from sim.experiments.tables import runs_table, summarize
from sim.experiments.tasks import auto_warmup, replicate

__all__ = ["sweep", "run_sweep", "run_points", "sweep_batch", "SweepOutcome", "CHUNK",
           "MANIFEST_POINTS"]

CHUNK = 256              # points validated (and piloted, for warmup: auto) together
MANIFEST_POINTS = 10_000  # manifest.json lists the points of designs up to this size


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` returns.

    Attributes
    ----------
    experiment : Experiment
    runs : pandas.DataFrame
        One row per point and replication (``runs.csv``).
    summary : pandas.DataFrame
        One row per point, mean and ``.ci95`` of each metric (``summary.csv``).
    computed, reused : int
        Tasks run this time, and tasks found finished in the store.
    files : list of Path
        The tables written.
    """

    experiment: Experiment
    runs: pd.DataFrame
    summary: pd.DataFrame
    computed: int
    reused: int
    files: list[Path] = field(default_factory=list)


def run_sweep(experiment: str | Path | Mapping | Experiment, *, workers: int | None = None,
              scheduler: Any = None, out: str | Path | None = None, quiet: bool = True,
              fresh: bool = False, run: Mapping | None = None,
              overrides: Mapping | None = None, engine: str | None = None) -> SweepOutcome:
    """Run (or resume) an experiment and write its tables; see :func:`sweep`."""
    if engine is not None:
        run = {**(run or {}), "engine": engine}
    if isinstance(experiment, Experiment):
        if run or overrides:
            raise ExperimentError("run and overrides apply when loading: pass the "
                                  "experiment's file or dict, not a loaded Experiment")
        exp = experiment
    else:
        exp = load_experiment(experiment, run=run, overrides=overrides)
    check_workers(workers)
    with Store(Path(out) if out is not None else exp.out, exp.fingerprint, _manifest(exp),
               fresh=fresh) as store:
        return _sweep_into(exp, store, workers=workers, scheduler=scheduler, quiet=quiet)


def _sweep_into(exp: Experiment, store: Store, *, workers: int | None, scheduler: Any,
                quiet: bool) -> SweepOutcome:
    """Compute what the store lacks, then write the tables (the store is locked)."""
    finished = set(store.finished())
    total = exp.task_count()
    computed = _compute(exp, store, finished, total, workers=workers, scheduler=scheduler,
                        quiet=quiet)
    stored = store.finished()
    tasks = list(exp.iter_tasks())
    missing = [task for task in tasks if task not in stored]
    if missing:
        raise ExperimentError(f"{store.out}: tasks {missing[:3]} finished but their files "
                              "cannot be read back")
    results = {task: metric_values(stored[task]) for task in tasks}
    runs = runs_table(exp.points, exp.params, exp.metrics, results)
    summary = summarize(runs, exp.params, exp.metrics)
    files = store.write_table(runs, "runs") + store.write_table(summary, "summary")
    return SweepOutcome(exp, runs, summary, computed=computed, reused=len(tasks) - computed,
                        files=files)


def sweep(experiment: str | Path | Mapping | Experiment, workers: int | None = None,
          scheduler: Any = None, out: str | Path | None = None, quiet: bool = True,
          fresh: bool = False, *, run: Mapping | None = None,
          overrides: Mapping | None = None, engine: str | None = None) -> pd.DataFrame:
    """Run an experiment (docs/sweeps.md), resuming from its store; return the runs table.

    Parameters
    ----------
    experiment : str, Path, mapping or Experiment
        An experiment file, its content as a dict (paths relative to the current
        directory), or the result of :func:`load_experiment`.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``; 1 runs in this process).
    scheduler : str or distributed.Client, optional
        Run on a Dask cluster: its scheduler's address, or a connected client.
        Default ``$DASK_SCHEDULER_ADDRESS``; unset means local processes.
    out : str or Path, optional
        The store folder (default the experiment's ``out``, ``results/<name>``
        next to the experiment file).
    quiet : bool
        No progress bar (there is never one when stderr is not a terminal).
    fresh : bool
        Discard what the store holds and start over.
    run, overrides : mapping, optional
        Run settings and dotted model overrides that win over the file's.
    engine : {"auto", "simpy", "compiled"}, optional
        The engine of every replication, winning over ``run`` and the file's
        ``run.engine`` (same as ``run={"engine": ...}``). It is not part of the
        experiment's fingerprint: a sweep resumed on the other engine keeps its
        finished tasks.

    Returns
    -------
    pandas.DataFrame
        One row per point and replication: ``point``, ``replication``, one column
        per swept key, then every kept metric flattened (``requests.latency.p99``).
        ``attrs`` holds plain data: ``experiment``, ``params``, ``metrics``, ``out``,
        ``computed`` and ``reused`` (task counts), ``files``. The per-point table
        is ``summarize(df)``, also written to ``<out>/summary.csv``.

    Raises
    ------
    ExperimentError
        A mistake in the experiment, or a store holding another experiment.
    """
    outcome = run_sweep(experiment, workers=workers, scheduler=scheduler, out=out,
                        quiet=quiet, fresh=fresh, run=run, overrides=overrides,
                        engine=engine)
    runs, exp = outcome.runs, outcome.experiment
    runs.attrs.update(experiment=exp.name, params=list(exp.params), metrics=list(exp.metrics),
                      out=str(outcome.files[0].parent), computed=outcome.computed,
                      reused=outcome.reused, files=[str(f) for f in outcome.files])
    return runs


def _manifest(exp: Experiment) -> dict:
    """What ``manifest.json`` records; the points themselves only when they are few."""
    out = {"experiment": exp.name, "source": exp.label, "design": exp.design,
           "params": list(exp.params), "point_count": len(exp.points)}
    if len(exp.points) <= MANIFEST_POINTS:
        out["points"] = list(exp.points)
    out.update(run=exp.run, set=exp.overrides, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    return out


def _run_specs(models: Sequence, points: Sequence[int], settings: Mapping, *,
               workers: int | None, scheduler: Any) -> dict[int, list]:
    """``{point: [seed, duration, warmup, replications, engine]}``.

    ``warmup: auto`` needs a pilot run per point (MSER-5): those run first, in
    parallel on the same executor as the replications.
    """
    from sim.engine import resolve_run

    specs, auto = {}, []
    for p in points:
        warmup = settings.get("warmup")
        warmup = models[p].run.warmup if warmup is None else warmup
        if warmup == "auto":
            auto.append(p)
        run = resolve_run(models[p], **{**settings, "warmup": 0.0 if warmup == "auto"
                                         else warmup})
        specs[p] = [run.seed, run.duration, run.warmup, run.replications, run.engine]
    calls = [(models[p], specs[p][1], specs[p][0]) for p in auto]
    with closing(execute(auto_warmup, calls, workers=workers, scheduler=scheduler)) as done:
        for i, warmup in done:
            specs[auto[i]][2] = warmup
    return specs


def sweep_batch(exp: Experiment, workers: int | None) -> int:
    """The replications each worker process of the sweep is expected to run (its tasks,
    or one per point when ``run.replications`` is swept, shared by the workers): what
    ``auto`` weighs together for every task, and the command line's engine line."""
    tasks = exp.task_count()
    return tasks_per_worker(len(exp.points) if tasks is None else tasks, workers)


def _task_calls(models: Sequence, tasks: Sequence[tuple[int, int]],
                specs: Mapping[int, list], batch: int) -> list[tuple]:
    """Arguments of :func:`replicate` for each (point, replication); ``batch``: the
    replications a worker is expected to run (see :func:`sweep_batch`)."""
    return [(models[p], r, *specs[p][:3], specs[p][4], batch) for p, r in tasks]


def _pending(exp: Experiment, finished: set, *, workers: int | None, scheduler: Any,
             done: list) -> Iterator[tuple]:
    """The :func:`replicate` calls of the tasks not finished, point by point, lazily.

    Points are taken :data:`CHUNK` at a time: each is validated once (its model is
    dropped after its calls are made), and the pilots of ``warmup: auto`` run for
    the chunk together. ``done`` receives each call's (point, replication) in order.
    """
    for start in range(0, len(exp.points), CHUNK):
        models = {}
        todo = []
        for p in range(start, min(start + CHUNK, len(exp.points))):
            if exp.task_count() is not None and all(
                    (p, r) in finished for r in range(exp.replications(p))):
                continue            # finished: not validated again
            models[p] = exp.models[p]
            todo += [(p, r) for r in range(exp.replications(p, models[p]))
                     if (p, r) not in finished]
        if not todo:
            continue
        specs = _run_specs(models, sorted(models), {}, workers=workers, scheduler=scheduler)
        for task, call in zip(todo, _task_calls(models, todo, specs,
                                                sweep_batch(exp, workers))):
            done.append(task)
            yield call


def _compute(exp: Experiment, store: Store, finished: set, total: int | None, *,
             workers: int | None, scheduler: Any, quiet: bool) -> int:
    """Run every task the store lacks, saving each as it finishes; how many ran."""
    order: list = []
    calls = _pending(exp, finished, workers=workers, scheduler=scheduler, done=order)
    bar = _progress_bar(exp, total, len(finished), quiet)
    count = 0
    try:
        with closing(execute(replicate, calls, workers=workers, scheduler=scheduler)) as done:
            for i, summary in done:
                store.save(*order[i], summary)
                count += 1
                if bar is not None:
                    bar.update()
    finally:
        if bar is not None:
            bar.close()
    return count


def _progress_bar(exp: Experiment, total: int | None, initial: int, quiet: bool):
    """A tqdm bar with rate and ETA on stderr, or None when quiet or not a terminal; its
    label gives the number of points."""
    if quiet or not sys.stderr.isatty() or (total is not None and initial >= total):
        return None
    from tqdm import tqdm

    label = f"{exp.name} ({len(exp.points):,} points)"
    return tqdm(total=total, initial=initial, desc=label, unit="task", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def _graph_of(model: Any) -> nx.DiGraph:
    from sim.model import load

    if isinstance(model, nx.DiGraph):
        return model
    if isinstance(model, (str, Path)):
        return load(model)
    graph = getattr(model, "graph", None)
    if graph is None:
        raise ExperimentError("the model has no graph to apply overrides to: pass its file "
                              "or its networkx.DiGraph")
    return graph


def _point_models(model: Any, points: Sequence[Mapping]) -> list:
    from sim.model import Model, apply_overrides, validate

    if isinstance(model, Model) and not any(points):
        return [model] * len(points)
    graph = _graph_of(model)
    models = []
    for i, point in enumerate(points):
        try:
            models.append(validate(apply_overrides(graph, dict(point))))
        except ModelError as exc:
            raise ExperimentError(f"point {i} ({dict(point)}): {exc}") from None
    return models


def run_points(model: Any, points: Sequence[Mapping], *, duration: float | None = None,
               warmup: float | None = None, replications: int | None = None,
               seed: int | None = None, engine: str | None = None,
               workers: int | None = None, scheduler: Any = None,
               progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Simulate several configurations of one model in parallel, without a store.

    For the capacity planner and for scripts: each point is a dict of dotted
    overrides, every (point, replication) one task.

    Parameters
    ----------
    model : str, Path, networkx.DiGraph or Model
        A model file, a graph, or a validated Model (which needs its ``graph``
        unless every point is empty).
    points : sequence of mapping
        ``{dotted key: value}`` per configuration, e.g. ``[{"nodes.worker.servers": 8}]``.
    duration, warmup, replications, seed, engine : optional
        Run settings for every point (None keeps each point's model's ``run:``);
        ``engine`` is ``auto``, ``simpy`` or ``compiled``, resolved per replication.
    workers, scheduler : optional
        As for :func:`sweep`.
    progress : callable, optional
        ``progress(done, total)`` after each finished task.

    Returns
    -------
    list of dict
        The result dict of each point (replications aggregated, with ``ci95``),
        in the order of ``points``.
    """
    from sim.metrics.result import aggregate

    models = _point_models(model, points)
    settings = {k: v for k, v in dict(duration=duration, warmup=warmup,
                                      replications=replications, seed=seed,
                                      engine=engine).items()
                if v is not None}
    try:
        specs = _run_specs(models, range(len(models)), settings, workers=workers,
                           scheduler=scheduler)
    except ModelError as exc:
        raise ExperimentError(str(exc)) from None
    counts = [specs[p][3] for p in range(len(models))]
    tasks = [(p, r) for p, count in enumerate(counts) for r in range(count)]
    reps: dict[tuple[int, int], dict] = {}
    calls = _task_calls(models, tasks, specs, tasks_per_worker(len(tasks), workers))
    with closing(execute(replicate, calls, workers=workers,
                         scheduler=scheduler)) as done:
        for n, (i, summary) in enumerate(done, 1):
            reps[tasks[i]] = summary
            if progress is not None:
                progress(n, len(tasks))
    return [aggregate([reps[(p, r)] for r in range(count)]) for p, count in enumerate(counts)]
