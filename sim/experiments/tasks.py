"""What a worker process runs: one replication of one point.

Kept small, so a worker (a local process or a Dask worker) imports only this
module, the engine and what the engine needs.
"""

from __future__ import annotations

import signal

__all__ = ["replicate", "ignore_sigint"]


def replicate(model, replication: int, seed: int, duration: float, warmup: float) -> dict:
    """The SPEC 4 dict of replication ``replication`` of ``model``.

    Its random streams depend on ``(seed, replication, node)`` only, so the
    result is the same on whichever worker it runs.
    """
    from sim.engine import run_replication

    summary, _series = run_replication(model, replication, seed=seed, duration=duration,
                                       warmup=warmup)
    return summary


def ignore_sigint() -> None:
    """Initializer of local workers: Ctrl-C is for the parent, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
