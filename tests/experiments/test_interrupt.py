"""A sweep killed part-way by a real signal resumes to the same table as an uninterrupted run.

The signal is sent as soon as the first task file exists, and the sweep has many
short tasks (64, about 0.1 s each): it is then certainly in progress when the
signal lands, and on SIGINT at most one task per worker finishes after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas.testing as pdt
import pytest

from sim.experiments import sweep
from tests.experiments.conftest import write_experiment

START_TIMEOUT = 60.0
POLL = 0.02
SLOW = {
    "name": "slow",
    "run": {"duration": 60, "warmup": 5, "replications": 2, "seed": 5},
    "grid": {"nodes.client.rate": [50, 60, 70, 80], "nodes.worker.servers": [7, 8, 9, 10],
             "nodes.callback.servers": [2, 3]},
}
TOTAL = 64


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """(experiment file, runs table of an uninterrupted run)."""
    folder = tmp_path_factory.mktemp("slow")
    path = write_experiment(folder, SLOW)
    return path, sweep(path, workers=2, out=folder / "reference")


def _finished(tasks_dir) -> int:
    return len(list(tasks_dir.glob("p*.json"))) if tasks_dir.is_dir() else 0


def _wait_until_part_done(proc: subprocess.Popen, tasks_dir) -> int:
    """Poll (bounded) until the first task file exists; the number of task files."""
    deadline = time.monotonic() + START_TIMEOUT
    for _ in range(int(START_TIMEOUT / POLL)):
        done = _finished(tasks_dir)
        if 1 <= done < TOTAL:
            return done
        if proc.poll() is not None or done >= TOTAL or time.monotonic() > deadline:
            break
        time.sleep(POLL)
    raise AssertionError(f"sweep not caught part-way: {_finished(tasks_dir)} of {TOTAL} "
                         f"tasks, exit code {proc.poll()}")


def _wait_gone(pgid: int) -> bool:
    """Whether every process of the group has exited (bounded wait)."""
    deadline = time.monotonic() + START_TIMEOUT
    for _ in range(int(START_TIMEOUT / 0.1)):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig, workers", [(signal.SIGKILL, 1), (signal.SIGINT, 1),
                                          (signal.SIGKILL, 2), (signal.SIGINT, 2)],
                         ids=["SIGKILL-serial", "SIGINT-serial", "SIGKILL-2-workers",
                              "SIGINT-2-workers"])
def test_interrupted_sweep_resumes_to_the_same_rows(slow, tmp_path, sig, workers):
    path, reference = slow
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out),
           "--workers", str(workers), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True)
    try:
        _wait_until_part_done(proc, out / "tasks")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=START_TIMEOUT)
        assert _wait_gone(proc.pid), "worker processes outlived the sweep"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=START_TIMEOUT)
    kept = _finished(out / "tasks")
    assert 1 <= kept < TOTAL
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "run the same command again to resume" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    runs = sweep(path, workers=2, out=out)
    assert runs.attrs["computed"] == TOTAL - kept and runs.attrs["reused"] == kept
    assert not runs.duplicated(["point", "replication"]).any() and len(runs) == TOTAL
    pdt.assert_frame_equal(runs, reference, check_exact=True)
