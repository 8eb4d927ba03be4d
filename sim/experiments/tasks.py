"""What a worker process runs: one replication of one point.

Kept small, so a worker (a local process or a Dask worker) imports only this
module, the engine and what the engine needs.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

__all__ = ["replicate", "auto_warmup", "init_worker"]


def replicate(model, replication: int, seed: int, duration: float, warmup: float,
              engine: str | None = None, batch: int = 1) -> dict:
    """The result dict of replication ``replication`` of ``model``.

    Its random streams depend on ``(seed, replication, node)`` only, so the
    result is the same on whichever worker it runs. ``engine`` is ``auto``,
    ``simpy`` or ``compiled`` (None: the model's ``run.engine``); ``auto`` is
    resolved here, on the worker, weighing ``batch`` replications like this one
    together (the worker's expected share of the sweep: it loads the kernel once).
    """
    from sim.engine import run_replication

    summary, _series = run_replication(model, replication, seed=seed, duration=duration,
                                       warmup=warmup, engine=engine, keep_series=False,
                                       batch=batch)
    return summary


def auto_warmup(model, duration: float, seed: int) -> float:
    """The warm-up ``warmup: auto`` stands for: MSER-5 on a pilot run of ``duration``."""
    from sim.engine import resolve_run

    return resolve_run(model, duration=duration, seed=seed, warmup="auto").warmup


def init_worker() -> None:
    """Initializer of local worker processes.

    Ctrl-C is for the parent, which stops the pool. A worker also exits when
    the parent dies (SIGKILL, a crash): an idle worker would otherwise wait
    forever on its task queue, whose pipe it holds open itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True,
                         name="asyncsim-parent-watch").start()


def _exit_with(parent) -> None:
    parent.join()
    os._exit(1)
