"""``asyncsim sweep EXPERIMENT``: run a parameter sweep, resumable, locally or on Dask."""

from __future__ import annotations

import sys

from sim.cli.common import add_engine_flag, add_run_flags

SHOWN = ("requests.throughput", "requests.latency.mean", "requests.latency.p99",
         "requests.failed", "requests.rejected")
MAX_SHOWN = 6


def add(sub) -> None:
    p = sub.add_parser("sweep", help="run every point and replication of an experiment file",
                       description="Run a parameter sweep: every point of the experiment's grid "
                       "or samples, each replication a task, in parallel. Finished tasks are "
                       "kept in the output folder; running the same command again resumes.")
    p.add_argument("experiment", help="experiment file (YAML)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: the number of CPUs; 1 runs "
                   "in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 "
                   "(default: $DASK_SCHEDULER_ADDRESS; unset means local processes)")
    p.add_argument("--out", metavar="DIR", help="result folder (default: the experiment's "
                   "out, results/<name> next to the file)")
    p.add_argument("--fresh", action="store_true",
                   help="discard the results already in the folder and start over")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar, no size line and no engine line")
    add_run_flags(p, help={
        "duration": "measured simulated seconds of every point (default: the experiment's "
                    "run.duration, else the model's)",
        "warmup": "simulated seconds discarded first, or 'auto' (default: the experiment's "
                  "run.warmup, else the model's)",
        "replications": "replications per point (default: the experiment's "
                        "run.replications, else the model's)",
        "seed": "root seed (default: the experiment's run.seed, else the model's)"})
    add_engine_flag(p, "what simulates every replication: auto, simpy or compiled "
                    "(default: the experiment's run.engine, else the model's, else auto)")
    p.set_defaults(handler=run)


def _run_settings(args) -> dict:
    names = ("duration", "warmup", "replications", "seed", "engine")
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _quiet_dask() -> None:
    """Dask's own log lines (connection retries, closing clients) are not ours to show:
    our one-line message says what went wrong."""
    import logging

    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def run(args) -> int:
    from sim.cli.outputs import check_out_dir
    from sim.experiments import load_experiment, run_sweep
    from sim.experiments.executors import check_scheduler, scheduler_address
    from sim.model import parse_set

    if scheduler_address(args.scheduler) is not None:
        check_scheduler(scheduler_address(args.scheduler))
        _quiet_dask()

    overrides = dict(parse_set(text) for text in args.sets)
    exp = load_experiment(args.experiment, run=_run_settings(args), overrides=overrides)
    out = args.out if args.out is not None else exp.out
    check_out_dir(out)
    engine = _engine_line(exp, args.workers)
    if not args.quiet:
        print(f"asyncsim: {_size(exp)}", file=sys.stderr)
        print(f"asyncsim: engine: {engine}", file=sys.stderr)
    try:
        outcome = run_sweep(exp, workers=args.workers, scheduler=args.scheduler, out=out,
                            quiet=args.quiet, fresh=args.fresh)
    except KeyboardInterrupt:
        print(f"asyncsim: interrupted; finished tasks are kept in {out}: run the same "
              "command again to resume", file=sys.stderr)
        return 130
    print(_table(outcome))
    print(f"\n{outcome.computed} tasks computed, {outcome.reused} reused from {out}")
    for path in [*outcome.files, *_report(exp, out)]:
        print(f"wrote {path}")
    return 0


def _engine_line(exp, workers: int | None) -> str:
    """Which engine runs the sweep and why, judged on its probe points (validated at
    load), each weighing a worker's share of the replications as the tasks do;
    ``engine: compiled`` on a point the kernel does not cover is refused here, before
    anything runs."""
    from dataclasses import replace

    from sim.engine.choice import choose_engine
    from sim.errors import ExperimentError, ModelError
    from sim.experiments.runner import sweep_batch

    batch = sweep_batch(exp, workers)
    choices = {}
    for p in exp.points.probes():
        model = exp.models[p]
        try:
            choices[p] = choose_engine(model, replace(model.run, replications=1),
                                       batch=batch)
        except ModelError as exc:
            raise ExperimentError(f"{exp.label}: point {p}: "
                                  f"{str(exc).removeprefix('model: ')}") from None
    first = choices[min(choices)]
    if len({c.name for c in choices.values()}) == 1:
        return f"{first.name} ({first.reason})"
    p, other = next((p, c) for p, c in choices.items() if c.name == "simpy")
    return f"compiled where the kernel pays off, else simpy (point {p}: {other.reason})"


def _size(exp) -> str:
    """``name: N points x R replications = T tasks`` (the sweep's whole size)."""
    points = len(exp.points)
    tasks = exp.task_count()
    if tasks is None:
        return f"{exp.name}: {points:,} points, replications set per point"
    return (f"{exp.name}: {points:,} points x {exp.replications(0)} replications = "
            f"{tasks:,} tasks")


def _report(exp, out) -> list:
    """The sweep's model (for the topology) and its HTML/Markdown report."""
    from pathlib import Path

    from sim.model import save
    from sim.reports import write_report

    model = exp.models[0]
    if model.graph is not None:
        save(model.graph, Path(out) / "model.yaml")
    return write_report(out, model=model)


def _table(outcome) -> str:
    """Per point: the swept values, then a few metrics as ``mean ± ci95``."""
    summary, exp = outcome.summary, outcome.experiment
    chosen = [m for m in SHOWN if m in exp.metrics] or list(exp.metrics)
    chosen = chosen[:MAX_SHOWN]
    table = summary[["point", *exp.params, "replications"]].copy()
    for name in chosen:
        table[name] = [_cell(m, h) for m, h in zip(summary[name], summary[f"{name}.ci95"])]
    return table.to_string(index=False)


def _cell(mean, half) -> str:
    if mean != mean:
        return "-"
    return f"{mean:.4g}" if half != half else f"{mean:.4g} ± {half:.2g}"
