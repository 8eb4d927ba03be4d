"""Tasks run in threads of this process (``execute(..., threads=True)``): what the
planner uses on the compiled kernel, whose event loop releases the GIL."""

from __future__ import annotations

import threading
from contextlib import closing

import pytest

from sim.experiments.executors import execute
from sim.experiments.tasks import replicate
from sim.model import from_dict, validate
from tests.planner.conftest import mmc_model

pytest.importorskip("numba")


def _whoami(i: int) -> tuple[int, str]:
    return i, threading.current_thread().name


def test_every_task_runs_once_on_a_worker_thread():
    done = dict(execute(_whoami, [(i,) for i in range(9)], workers=2, threads=True))
    assert sorted(done) == list(range(9))
    assert [i for i, _ in done.values()] == list(range(9))
    names = {name for _, name in done.values()}
    assert names and all(name.startswith("asyncsim-task") for name in names)


def _fails(i: int) -> int:
    if i == 3:
        raise ValueError("task 3 failed")
    return i


def test_a_task_error_reaches_the_caller_and_the_pool_stops():
    before = threading.active_count()
    with pytest.raises(ValueError, match="task 3 failed"):
        dict(execute(_fails, [(i,) for i in range(6)], workers=2, threads=True))
    assert threading.active_count() == before


def test_a_generator_closed_before_it_starts_leaves_no_thread():
    before = threading.active_count()
    with closing(execute(_whoami, [(i,) for i in range(4)], workers=2, threads=True)):
        pass
    assert threading.active_count() == before


def test_compiled_replications_in_threads_equal_the_serial_ones():
    """The kernel's streams are keyed by (seed, replication, node) and each thread owns
    its replication's arrays, so two threads give the serial figures exactly."""
    model = validate(from_dict(mmc_model(rate=100.0, mean=0.018)))
    calls = [(model, r, 7, 200.0, 20.0, "compiled") for r in range(4)]
    serial = dict(execute(replicate, calls, workers=1))
    threaded = dict(execute(replicate, calls, workers=2, threads=True))
    assert threaded == serial
