"""A result folder is safe to share: one sweep writes at a time, --fresh deletes only
what it can write again, bad --scheduler addresses and malformed result files are
refused with one line."""

from __future__ import annotations

import errno
import re
import tempfile

import pytest

from sim.cli import main
from sim.errors import ExperimentError
from sim.experiments import sweep
from sim.experiments.store import Store
from tests.experiments.conftest import SMALL, write_experiment

ONE = {**SMALL, "grid": {"nodes.worker.servers": [6]},
       "run": {**SMALL["run"], "duration": 5, "replications": 1}}


def _one_line(err: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err


def test_a_second_sweep_into_a_locked_folder_exits_2(tmp_path, capsys):
    path = write_experiment(tmp_path, ONE)
    out = tmp_path / "out"
    with Store(out, "someone-else", {}):          # another sweep holds the folder
        assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        _one_line(err)
        assert f"another sweep is writing to {out}" in err
        assert not list((out / "tasks").glob("p*.json"))    # it computed nothing
    # released on exit: the same folder is usable again (a fresh start: other fingerprint)
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--fresh"]) == 0


def test_the_lock_is_released_after_a_sweep_and_on_error(tmp_path):
    path = write_experiment(tmp_path, ONE)
    out = tmp_path / "out"
    sweep(path, workers=1, out=out)
    with Store(out, "other", {}, fresh=True):
        pass
    with pytest.raises(ExperimentError, match="different experiment"):
        Store(out, "third", {})
    with Store(out, "other", {}):             # the refused one released the lock too
        pass


def test_fresh_checks_the_folder_is_writable_before_deleting(tmp_path, monkeypatch):
    path = write_experiment(tmp_path, ONE)
    out = tmp_path / "out"
    sweep(path, workers=1, out=out)
    kept = sorted(p.name for p in (out / "tasks").iterdir())

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)   # a folder we cannot write to
    with pytest.raises(ExperimentError, match=r"cannot write to .*nothing was deleted"):
        sweep(path, workers=1, out=out, fresh=True)
    assert sorted(p.name for p in (out / "tasks").iterdir()) == kept
    assert (out / "runs.csv").is_file() and (out / "manifest.json").is_file()


@pytest.mark.parametrize("address, message", [
    ("foo", r"--scheduler 'foo' is not a scheduler address: give \[scheme://\]host:port"),
    ("tcp://", r"--scheduler 'tcp://' is not a scheduler address"),
    ("http://host:8786", r"unknown scheme 'http'"),
    ("tcp://host:0", r"the port must be from 1 to 65535"),
])
def test_malformed_scheduler_exits_2_with_one_line(tmp_path, capsys, address, message):
    path = write_experiment(tmp_path, ONE)
    assert main(["sweep", str(path), "--scheduler", address, "--quiet"]) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert re.search(message, err), err


@pytest.mark.parametrize("name, content, message", [
    ("plan.json", "[]", r"plan.json: expected a plan's answer \(a JSON object\), got list"),
    ("plan.json", '{"chosen": 5}', r"plan.json: expected the file asyncsim writes for a plan"),
    ("result.json", '{"requests": []}', r"result.json: expected a simulation result with "
                                        r"an object under 'requests'"),
    ("summary.csv", 'a,"b\n1', r"summary.csv: expected a CSV table"),
])
def test_report_on_a_malformed_result_file_exits_2_naming_it(tmp_path, capsys, name,
                                                             content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert re.search(message, err), err
