"""Run settings are validated by one rule set whatever the route: the model's ``run:``
block, ``--set run.KEY=``, the flags of run/analyze/sweep, experiment and plan files,
and the Python API. Every bad value exits 2 with one line naming the setting and the
value (no traceback, no hang), and the API raises ModelError."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import yaml

import sim
from sim.cli import main
from sim.errors import ExperimentError, ModelError
from sim.model.settings import (MAX_REPLICATIONS, MAX_SECONDS, RunSettings, check_setting,
                                run_settings)

ROOT = Path(__file__).resolve().parents[1]
RR = str(ROOT / "models" / "request_reply.yaml")

# (key, as typed on the command line, as written in YAML, as a Python value)
BAD = [
    ("duration", "0", "0", 0),
    ("duration", "-4", "-4", -4),
    ("duration", "nan", ".nan", math.nan),
    ("duration", "inf", ".inf", math.inf),
    ("warmup", "-1", "-1", -1),
    ("warmup", "inf", ".inf", math.inf),
    ("warmup", "1e300", "1.0e+300", 1e300),
    ("replications", "0", "0", 0),
    ("replications", "1.5", "1.5", 1.5),
    ("replications", "1e9", "1.0e+9", 1e9),
    ("seed", "-1", "-1", -1),
    ("seed", "1.5", "1.5", 1.5),
]
IDS = [f"{key}={text}" for key, text, _, _ in BAD]


def _experiment(tmp_path, run: dict) -> str:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump({"model": RR, "run": run,
                                    "grid": {"nodes.worker.servers": [8]}}))
    return str(path)


def _plan(tmp_path, run: dict) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump({
        "model": RR, "run": run, "objectives": ["requests.latency.p99 <= 1"],
        "variables": {"nodes.worker.servers": {"min": 8, "max": 9, "cost": 1}}}))
    return str(path)


def _model_file(tmp_path, key: str, yaml_text: str) -> str:
    data = yaml.safe_load(Path(RR).read_text())
    data["run"] = {}
    text = yaml.safe_dump(data).replace("run: {}", f"run: {{{key}: {yaml_text}}}")
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return str(path)


def _argv(route: str, key: str, text: str, yaml_text: str, value, tmp_path) -> list[str]:
    if route == "run-flag":
        return ["run", RR, f"--{key}", text]
    if route == "analyze-flag":
        return ["analyze", RR, f"--{key}", text]
    if route == "sweep-flag":
        return ["sweep", _experiment(tmp_path, {}), f"--{key}", text]
    if route == "set":
        return ["run", RR, "--set", f"run.{key}={yaml_text}"]
    if route == "model-file":
        return ["run", _model_file(tmp_path, key, yaml_text)]
    if route == "check-model-file":
        return ["check", _model_file(tmp_path, key, yaml_text)]
    if route == "experiment-file":
        return ["sweep", _experiment(tmp_path, {key: value})]
    if route == "plan-file":
        return ["plan", _plan(tmp_path, {key: value})]
    raise AssertionError(route)


ROUTES = ["run-flag", "analyze-flag", "sweep-flag", "set", "model-file", "check-model-file",
          "experiment-file", "plan-file"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("key, text, yaml_text, value", BAD, ids=IDS)
def test_every_cli_route_refuses_bad_settings_with_one_line(route, key, text, yaml_text,
                                                            value, tmp_path, capsys):
    argv = _argv(route, key, text, yaml_text, value, tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert key in lines[0] and "must be" in lines[0], err
    assert "unexpected" not in err and "Traceback" not in err


@pytest.mark.parametrize("key, text, yaml_text, value", BAD, ids=IDS)
def test_the_api_refuses_bad_settings(key, text, yaml_text, value, tmp_path):
    model = sim.load(RR)
    with pytest.raises(ModelError, match=key):
        sim.simulate(model, **{key: value})
    with pytest.raises(ModelError, match=key):
        RunSettings(**{key: value})
    with pytest.raises(ModelError, match=key):
        dataclasses.replace(model.run, **{key: value})
    with pytest.raises(ExperimentError, match=key):
        sim.sweep(_experiment(tmp_path, {}), run={key: value}, out=str(tmp_path / "out"))


def test_flags_name_the_flag_and_the_value(capsys):
    assert main(["run", RR, "--duration", "-4"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"asyncsim: error: --duration must be a positive number of seconds, finite and at "
        f"most {MAX_SECONDS:g} (got -4)")


def test_the_bounds():
    assert check_setting("duration", MAX_SECONDS) == MAX_SECONDS
    assert check_setting("replications", MAX_REPLICATIONS) == MAX_REPLICATIONS
    for key, value in [("duration", MAX_SECONDS * 1.01), ("warmup", MAX_SECONDS * 1.01),
                       ("replications", MAX_REPLICATIONS + 1), ("duration", True),
                       ("seed", "1"), ("warmup", "aut")]:
        with pytest.raises(ModelError):
            check_setting(key, value)


def test_typed_once():
    run = run_settings({"duration": 60, "warmup": "auto", "replications": 3.0, "seed": 0})
    assert run == RunSettings(duration=60.0, warmup="auto", replications=3, seed=0)
    assert type(run.duration) is float and type(run.replications) is int
    assert run.merged(duration=None, seed=7) == dataclasses.replace(run, seed=7)
    with pytest.raises(ModelError, match="unknown key 'run.durtion'.*'duration'"):
        run_settings({"durtion": 5})
    with pytest.raises(ModelError, match=r"'run.duration' must be .*\(got None\)"):
        run_settings({"duration": None})


def test_the_old_name_still_imports():
    from sim.model.spec import RunSpec

    assert RunSpec is RunSettings
