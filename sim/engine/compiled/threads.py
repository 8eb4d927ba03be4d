"""The replications of one run on the compiled kernel, in threads of this process.

The kernel's event loop releases Python's lock (``nogil``), so replications run side
by side on the machine's cores; the threads share the kernel this process loaded,
where worker processes would each load numba and the kernel again. Each replication
owns its arrays and streams (keyed by seed, replication and node), so the results
equal the serial ones. Progress is reported from the calling thread only.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable

from sim.engine.compiled.replication import run_compiled_replication

__all__ = ["run_replications", "threads_for"]

POLL = 0.25
"""Seconds between progress reports while replications run."""


def threads_for(replications: int, cores: int | None = None) -> int:
    """Threads for ``replications`` replications side by side on ``cores`` cores
    (default: this machine's): one each while that is at most two per core, else one
    per core. A batch whose last round would leave cores idle then shares them: three
    replications on two cores take about 1.5 replication times, not 2 (the shipped
    request/reply plan's batches of three: 0.080 -> 0.065 s each); more threads than
    that would only hold more replications' arrays at once."""
    cores = cores or os.cpu_count() or 1
    return max(1, replications if replications <= 2 * cores else cores)


def run_replications(model, run, progress: Callable[[float, int], None] | None = None
                     ) -> list[tuple[dict, list[tuple], list[tuple]]]:
    """(summary, time-series rows, request-series rows) of every replication of the
    validated ``run`` settings, in replication order; ``progress(done, total)`` with
    ``done`` the fractional number of replications done."""
    total = run.replications
    done = [0.0] * total

    def one(r: int):
        def tick(fraction: float) -> None:
            done[r] = fraction
        requests: list[tuple] = []
        summary, rows = run_compiled_replication(
            model, r, seed=run.seed, duration=run.duration, warmup=run.warmup,
            tick=tick if progress is not None else None, series=run.series,
            requests_series=requests)
        done[r] = 1.0
        return summary, rows, requests

    pool = ThreadPoolExecutor(max_workers=threads_for(total),
                              thread_name_prefix="asyncsim-replication")
    try:
        futures = [pool.submit(one, r) for r in range(total)]
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=POLL, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
            if progress is not None:
                progress(sum(done), total)
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
