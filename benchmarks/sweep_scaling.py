"""Parallel sweeps: speed-up of local workers, and the cost of a task on each executor.

What is measured
----------------
1. Speed-up: a 16-point sweep (``nodes.client.rate`` x ``nodes.worker.servers``,
   4 x 4, one replication each, ``--duration`` simulated seconds of
   models/request_reply.yaml) run by ``sim.experiments.sweep`` with
   ``workers=1`` (in this process) and with ``workers=2`` (a local process
   pool). Each run starts from an empty store, so the wall time covers
   everything a user waits for: loading and validating the experiment,
   starting the pool, simulating, writing each task file, writing the tables.
   speed-up = time(1 worker) / time(2 workers); the ideal on 2 free cores is 2.
2. Per-task overhead: ``sim.experiments.run_points`` with one configuration and
   N replications of a tiny run (``--tiny`` simulated seconds, about a
   millisecond of work), on: this process (``workers=1``), a local pool of 2
   workers, and a Dask cluster of 2 single-threaded worker processes on
   127.0.0.1 (``distributed.LocalCluster``). Each is timed at two sizes, N1 and
   N2 tasks; ``per task`` = (t(N2) - t(N1)) / (N2 - N1), the marginal wall time
   of one more task with both workers busy, so fixed costs (starting the pool,
   connecting the client) cancel out and show as ``fixed`` = t(N1) - N1 * per task.
   ``overhead`` = per task - (in-process per task) / 2: the wall time a task
   costs beyond its share of the work spread perfectly over 2 workers.

The machine's other load shows in every figure: run it on an idle machine,
with ``--repeat`` to keep the best of several runs.

Usage
-----
::

    python benchmarks/sweep_scaling.py                # about a minute on 2 cores
    python benchmarks/sweep_scaling.py --repeat 3 --out sweep_scaling.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "models" / "request_reply.yaml"


def _experiment(duration: float) -> dict:
    return {"name": "scaling", "model": str(MODEL),
            "run": {"duration": duration, "warmup": 0, "replications": 1, "seed": 1},
            "grid": {"nodes.client.rate": [50, 60, 70, 80],
                     "nodes.worker.servers": [8, 9, 10, 12]}}


def time_sweep(workers: int, duration: float, repeat: int) -> float:
    """Best wall time of a 16-point sweep from an empty store."""
    from sim.experiments import sweep

    best = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            runs = sweep(_experiment(duration), workers=workers, out=out)
            best = min(best, time.perf_counter() - start)
        assert len(runs) == 16
    return best


def time_tasks(n: int, tiny: float, repeat: int, **executor) -> float:
    """Best wall time of ``n`` tiny tasks through ``run_points``."""
    from sim.experiments import run_points

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run_points(MODEL, [{}], duration=tiny, warmup=0, replications=n, seed=1, **executor)
        best = min(best, time.perf_counter() - start)
    return best


def marginal(sizes: tuple[int, int], tiny: float, repeat: int, **executor) -> dict:
    n1, n2 = sizes
    t1 = time_tasks(n1, tiny, repeat, **executor)
    t2 = time_tasks(n2, tiny, repeat, **executor)
    per_task = (t2 - t1) / (n2 - n1)
    return {"t_n1": t1, "t_n2": t2, "per_task": per_task, "fixed": t1 - n1 * per_task}


def measure_overhead(sizes: tuple[int, int], tiny: float, repeat: int) -> dict:
    from distributed import LocalCluster

    figures = {"in-process": marginal(sizes, tiny, repeat, workers=1),
               "local pool, 2 workers": marginal(sizes, tiny, repeat, workers=2)}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        figures["dask, 2 workers"] = marginal(sizes, tiny, repeat,
                                              scheduler=cluster.scheduler_address)
    ideal = figures["in-process"]["per_task"] / 2
    for name, entry in figures.items():
        entry["overhead"] = None if name == "in-process" else entry["per_task"] - ideal
    return figures


def report(speed: dict, overhead: dict, args) -> None:
    print(f"16-point sweep, {args.duration:g} simulated s per task, cpus={os.cpu_count()}:")
    print(f"  1 worker  {speed['1']:7.2f} s")
    print(f"  2 workers {speed['2']:7.2f} s   speed-up {speed['1'] / speed['2']:.2f}x")
    n1, n2 = args.sizes
    print(f"\ntiny tasks ({args.tiny:g} simulated s), marginal cost from {n1} and {n2} tasks:")
    print(f"  {'executor':24} {'per task':>10} {'overhead':>10} {'fixed':>9}")
    for name, e in overhead.items():
        extra = "-" if e["overhead"] is None else f"{e['overhead'] * 1e3:.2f}ms"
        print(f"  {name:24} {e['per_task'] * 1e3:8.2f}ms {extra:>10} {e['fixed']:8.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600.0,
                        help="simulated seconds per task of the 16-point sweep (600)")
    parser.add_argument("--tiny", type=float, default=0.5,
                        help="simulated seconds of a tiny task (0.5)")
    parser.add_argument("--sizes", type=int, nargs=2, default=(100, 400), metavar=("N1", "N2"),
                        help="numbers of tiny tasks timed (100 400)")
    parser.add_argument("--repeat", type=int, default=1, help="keep the best of R runs (1)")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    speed = {str(w): time_sweep(w, args.duration, args.repeat) for w in (1, 2)}
    overhead = measure_overhead(tuple(args.sizes), args.tiny, args.repeat)
    report(speed, overhead, args)
    if args.out:
        args.out.write_text(json.dumps({"sweep_seconds": speed, "tiny_tasks": overhead,
                                        "settings": vars(args) | {"out": str(args.out)},
                                        "python": platform.python_version(),
                                        "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
