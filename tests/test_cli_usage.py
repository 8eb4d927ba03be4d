"""The command line as a newcomer meets it: help, suggestions, output paths, full disks,
the estimate of a run's work, and what `check` imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parents[1]
RR = str(ROOT / "models" / "request_reply.yaml")
SHORT = ["--duration", "5", "--warmup", "0", "--replications", "1"]


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]], ids=["bare", "--help", "-h"])
def test_top_level_help_lists_the_commands_and_exits_0(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    for command in COMMAND_MODULES:
        assert f"\n    {command} " in out, command
    assert "docs/reference/commands.md" in out and "SPEC" not in out


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_command_help_works_and_points_to_the_reference(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: asyncsim {command}")
    assert "docs/reference/commands.md" in out
    assert "SPEC" not in out and "section" not in out.lower()


def test_python_dash_m_help_exits_0():
    done = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "commands:" in done.stdout


@pytest.mark.parametrize("argv, needle", [
    (["run", RR, "--duraton", "5"], "unrecognized argument --duraton (did you mean --duration?)"),
    (["run", RR, "--replication=3"], "argument --replication (did you mean --replications?)"),
    (["check", RR, "--sett", "x=1"], "(did you mean --set?)"),
    (["rn", RR], "invalid choice: 'rn'"),
    (["rn", RR], "(did you mean 'run'?)"),
    (["run", RR, "--format", "jsn"], "(did you mean 'json'?)"),
])
def test_misspellings_get_the_nearest_valid_one(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_out_naming_an_existing_file_exits_2_before_running(tmp_path, capsys):
    existing = tmp_path / "result.txt"
    existing.write_text("keep me")
    for argv in (["run", RR, *SHORT, "--out", str(existing)],
                 ["run", RR, *SHORT, "--out", str(existing / "sub")],
                 ["plan", str(ROOT / "experiments" / "plan_mmc.yaml"), "--out",
                  str(existing)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "--out" in err and str(existing) in err and "unexpected" not in err
    assert existing.read_text() == "keep me"


def test_trace_naming_a_folder_exits_2(tmp_path, capsys):
    assert main(["run", RR, *SHORT, "--trace", str(tmp_path)]) == 2
    assert "--trace" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_trace_to_a_full_disk_is_bad_input_not_unexpected(capsys):
    assert main(["run", RR, *SHORT, "--trace", "/dev/full", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "asyncsim: error: cannot write /dev/full: No space left on device"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_bad_input_not_unexpected():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "sim", "check", RR], stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("asyncsim: error: cannot write standard output: "
                                   "No space left on device")


def test_check_prints_the_estimated_work(capsys):
    # request_reply: 80 + 80 + 80 + 79.2 + 79.2 = 398.4 visits/s x (3600 + 300) s x 5
    assert main(["check", RR]) == 0
    out = capsys.readouterr().out
    assert "estimated work: about 7.77e+06 events" in out and "an estimate" in out


def test_a_run_that_cannot_fit_is_refused_with_the_figure(capsys):
    assert main(["run", RR, "--set", "nodes.client.rate=1.0e+12", "--duration", "3600"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "events" in err and "duration" in err and "e+16" in err


def test_a_long_feasible_run_gets_a_notice_first(monkeypatch, capsys):
    import sim.engine
    from sim.errors import SimError

    def stop(*args, **kwargs):  # the notice comes before the run: stop there
        raise SimError("stopped before simulating")

    monkeypatch.setattr(sim.engine, "simulate", stop)
    # 398.4 visits/s x 36000 s x 2 = 2.9e7 events: over NOTICE_SECONDS, under MAX_EVENTS
    assert main(["run", RR, "--duration", "36000", "--warmup", "0",
                 "--replications", "2"]) == 2
    err = capsys.readouterr().err
    assert "note: this run is estimated at 2.87e+07 events" in err
    assert "stopped before simulating" in err


def test_check_and_help_import_no_heavy_packages():
    heavy = ["pandas", "scipy", "matplotlib", "tqdm", "dask", "simpy"]
    code = ("import sys, io, contextlib\n"
            "from sim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['--help']) == 0\n"
            f"    assert main(['check', {RR!r}]) == 0\n"
            f"print([m for m in {heavy!r} if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.replace("'", '"')) == []


def test_a_short_run_imports_no_plotting_fitting_or_cluster_packages():
    heavy = ["scipy", "matplotlib", "tqdm", "dask", "distributed"]
    code = ("import sys, io, contextlib\n"
            "from sim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['run', {RR!r}, '--duration', '2', '--warmup', '0',\n"
            "                 '--replications', '1']) == 0\n"
            f"print([m for m in {heavy!r} if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.replace("'", '"')) == []
