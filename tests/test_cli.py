"""The command line through main([...]) and through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
RR = str(ROOT / "models" / "request_reply.yaml")
SHORT = ["--duration", "30", "--warmup", "5", "--replications", "2"]


def run_json(capsys, *args) -> dict:
    assert main(["run", RR, *SHORT, "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_run_json_follows_the_schema(capsys):
    d = run_json(capsys)
    assert {"model", "seed", "replications", "duration", "warmup", "requests", "nodes",
            "ci95"} <= set(d)
    assert d["replications"] == 2 and d["duration"] == 30.0 and d["warmup"] == 5.0
    req = d["requests"]
    for key in ("offered", "completed", "failed", "in_flight", "rejected", "timed_out",
                "retries", "duplicates", "throughput", "latency"):
        assert key in req
    assert set(req["latency"]) == {"mean", "p50", "p90", "p95", "p99", "p999", "max"}
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
    worker = d["nodes"]["worker"]
    for key in ("kind", "arrivals", "completed", "dropped", "errors", "throughput",
                "utilization", "busy", "queue_length", "wait", "sojourn"):
        assert key in worker
    assert d["nodes"]["client"]["kind"] == "sender" and "latency" in d["nodes"]["client"]
    assert d["ci95"]["requests"]["latency"]["mean"] > 0


def test_flags_win_over_the_model_and_set_overrides(capsys):
    d = run_json(capsys, "--seed", "9", "--set", "nodes.worker.servers=12",
                 "--set", "nodes.client.rate=20")
    assert d["seed"] == 9
    assert d["nodes"]["worker"]["servers"] == 12
    assert d["requests"]["throughput"] == pytest.approx(20, rel=0.15)


def test_same_seed_same_json(capsys):
    assert run_json(capsys) == run_json(capsys)


def test_table_and_csv_formats(capsys):
    assert main(["run", RR, *SHORT]) == 0
    out = capsys.readouterr().out
    assert "latency (s)" in out and "worker" in out
    assert main(["run", RR, *SHORT, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("scope,node,") and lines[1].startswith("requests,,")
    assert lines[2].startswith("node,")


def test_out_folder(tmp_path, capsys):
    assert main(["run", RR, *SHORT, "--out", str(tmp_path), "--format", "json"]) == 0
    for name in ("result.json", "nodes.csv", "replications.csv", "timeseries.csv",
                 "model.yaml", "report.html"):
        assert (tmp_path / name).exists(), name
    series = pd.read_csv(tmp_path / "timeseries.csv")
    assert {"time", "node", "queue_length", "busy"} <= set(series.columns)
    assert json.loads((tmp_path / "result.json").read_text())["model"] == "request-reply"


def test_check_prints_load_and_instability(capsys, tmp_path):
    assert main(["check", RR]) == 0
    out = capsys.readouterr().out
    assert "worker" in out and "0.8" in out and "stable" in out
    # the request queue holds 10,000 and rejects: bounded, so stable by construction
    assert main(["check", RR, "--set", "nodes.worker.servers=6"]) == 0
    assert "UNSTABLE" not in capsys.readouterr().out
    assert main(["check", RR, "--set", "nodes.worker.servers=6",
                 "--set", "nodes.requests.capacity=.inf"]) == 0
    assert "UNSTABLE: node 'worker'" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["run", "missing.yaml"], "cannot read"),
    (["run", RR, "--set", "nodes.worker.sevrers=3"], "did you mean 'servers'"),
    (["run", RR, "--set", "nodes.wrker.servers=3"], "wrker"),
    (["run", RR, "--duration", "abc"], "--duration"),
    (["run", RR, "--format", "xml"], "--format"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unstable_model_warns_before_the_run(capsys):
    assert main(["run", RR, *SHORT, "--set", "nodes.worker.servers=6", "--set",
                 "nodes.requests.capacity=.inf", "--format", "json"]) == 0
    assert "warning: node 'worker' is unstable" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["asyncsim"], [sys.executable, "-m", "sim"]])
def test_console_script_and_module(command, tmp_path):
    if command[0] == "asyncsim" and shutil.which("asyncsim") is None:
        pytest.fail("the asyncsim console script is not installed")
    done = subprocess.run([*command, "run", RR, "--duration", "10", "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model"] == "request-reply"
    bad = subprocess.run([*command, "run", "nope.yaml"], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
