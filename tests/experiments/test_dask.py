"""A real Dask cluster on 127.0.0.1 (``dask scheduler`` + two ``dask worker`` processes)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas.testing as pdt
import pytest

from sim.cli import main
from sim.errors import ExperimentError, ModelError
from sim.experiments import run_points, sweep
from tests.experiments.conftest import MODEL
from tests.uncovered import uncovered_model

pytest.importorskip("distributed")

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def _dask_command(*args: str) -> list[str]:
    """``dask scheduler ...`` / ``dask worker ...`` run by this Python's ``dask`` CLI."""
    return [sys.executable, "-c", "import sys; from dask.__main__ import main; "
            "sys.argv[0] = 'dask'; sys.exit(main())", *args]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")
    try:
        return subprocess.Popen(_dask_command(*args), stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        handle.close()


def _address(scheduler_file: Path, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    for _ in range(int(START_TIMEOUT / 0.1)):
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {proc.returncode}")
        if scheduler_file.exists() and scheduler_file.stat().st_size > 0:
            try:
                return json.loads(scheduler_file.read_text())["address"]
            except (ValueError, KeyError):
                pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise RuntimeError("the dask scheduler did not write its address in time")


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, wait, then SIGKILL whatever is left."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address, with two single-threaded workers connected."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    procs = []
    try:
        procs.append(_start(["scheduler", "--host", "127.0.0.1", "--port", "0",
                             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                            folder / "scheduler.log"))
        address = _address(scheduler_file, procs[0])
        for i in range(2):
            procs.append(_start(["worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                 "--nworkers", "1", "--no-dashboard"],
                                folder / f"worker{i}.log"))
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield address
    finally:
        _stop(procs[::-1])


def test_sweep_on_dask_equals_the_local_run(cluster, small_experiment, tmp_path):
    local = sweep(small_experiment, workers=2, out=tmp_path / "local")
    remote = sweep(small_experiment, scheduler=cluster, out=tmp_path / "dask")
    pdt.assert_frame_equal(local, remote, check_exact=True)
    assert remote.attrs["computed"] == 8


def test_environment_variable_selects_the_cluster(cluster, small_experiment, tmp_path,
                                                  monkeypatch, capsys):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    out = tmp_path / "env"
    assert main(["sweep", str(small_experiment), "--out", str(out), "--quiet"]) == 0
    assert "8 tasks computed" in capsys.readouterr().out
    local = sweep(small_experiment, workers=1, out=tmp_path / "local")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    pdt.assert_frame_equal(local, sweep(small_experiment, out=out), check_exact=True)


def test_run_points_on_dask_equals_local(cluster):
    points = [{"nodes.worker.servers": 6}, {"nodes.worker.servers": 9}]
    settings = dict(duration=10, warmup=1, replications=2, seed=2)
    assert run_points(MODEL, points, scheduler=cluster, **settings) == run_points(
        MODEL, points, workers=1, **settings)


def test_the_engine_reaches_the_dask_workers(cluster):
    """``compiled`` on a model the kernel does not cover is refused by the worker that
    runs the replication; on a covered one the workers' numbers are the local ones."""
    far, reason = uncovered_model()
    with pytest.raises(ModelError, match=re.escape(reason)):
        run_points(far, [{}], duration=2, warmup=0, replications=1, engine="compiled",
                   scheduler=cluster)
    points = [{"nodes.worker.servers": 6}]
    settings = dict(duration=10, warmup=1, replications=2, seed=2)
    remote = run_points(MODEL, points, scheduler=cluster, engine="compiled", **settings)
    assert remote == run_points(MODEL, points, workers=1, engine="compiled", **settings)
    simpy = run_points(MODEL, points, workers=1, engine="simpy", **settings)
    assert remote[0]["requests"]["completed"] == simpy[0]["requests"]["completed"] > 0


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("sim.experiments.executors.CONNECT_TIMEOUT", "1s")
    with pytest.raises(ExperimentError, match=r"cannot connect to the Dask scheduler at "
                       r"'tcp://127.0.0.1:9'"):
        run_points(MODEL, [{}], duration=1, scheduler="tcp://127.0.0.1:9")
