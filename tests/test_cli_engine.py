"""The engine choice on every route: ``--engine`` on run, sweep and plan, the engine
line on stderr, the refusals (exit 2), the experiment and plan files' ``run.engine``,
the API's ``engine=`` and the line of ``check``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.cli.cmd_sweep import _engine_line
from sim.errors import ExperimentError, PlanError
from sim.experiments import load_experiment, run_points
from sim.experiments.runner import _task_calls, sweep_batch
from sim.planner import load_plan
from tests.planner.conftest import mmc_plan
from tests.uncovered import uncovered_model

ROOT = Path(__file__).resolve().parent.parent
RR = str(ROOT / "models" / "request_reply.yaml")          # covered by the kernel
SHORT = ["--duration", "5", "--warmup", "0", "--replications", "1"]
# About 127,000 node visits a replication (300 s of the model's warm-up + 20 s at 80
# requests/s), three replications in one process: enough for auto to take the kernel.
LONG_ENOUGH = ["--duration", "20", "--replications", "3"]
COVERED_LINE = "asyncsim: engine: compiled (the model is covered by the compiled kernel)"


@pytest.fixture
def far() -> tuple[str, str]:
    """(path, reason) of a shipped model the compiled kernel does not cover."""
    return uncovered_model()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("asyncsim: engine:")]


def _experiment(folder: Path, model: str = RR, **run) -> Path:
    body = {"name": "engines", "model": model,
            "run": {"duration": 10, "warmup": 1, "replications": 2, "seed": 3, **run},
            "metrics": ["requests.*", "nodes.*.utilization"]}
    if model == RR:
        body["grid"] = {"nodes.worker.servers": [6, 9]}
    path = folder / "exp.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


# -- asyncsim run ----------------------------------------------------------------------

def test_auto_takes_the_kernel_on_a_covered_long_enough_model_and_says_so(capsys):
    assert main(["run", RR, *LONG_ENOUGH, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert _lines(err) == [COVERED_LINE]
    assert json.loads(out)["requests"]["completed"] > 0        # stdout is the JSON alone


def test_auto_on_an_uncovered_model_runs_simpy_and_says_why(far, capsys):
    assert main(["run", far[0], *SHORT]) == 0
    assert _lines(capsys.readouterr().err) == [f"asyncsim: engine: simpy ({far[1]})"]


def test_auto_on_a_short_run_says_simpy_and_why(capsys):
    assert main(["run", RR, *SHORT]) == 0
    (line,) = _lines(capsys.readouterr().err)
    assert line.startswith("asyncsim: engine: simpy (a short run: about ")


@pytest.mark.parametrize("engine", ["simpy", "compiled"])
def test_the_engine_asked_for_runs(engine, capsys):
    assert main(["run", RR, *SHORT, "--engine", engine, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert _lines(err) == [f"asyncsim: engine: {engine} (asked for)"]
    assert json.loads(out)["requests"]["offered"] > 0


def test_quiet_prints_no_engine_line(capsys):
    assert main(["run", RR, *SHORT, "--engine", "simpy", "--quiet"]) == 0
    assert _lines(capsys.readouterr().err) == []


def test_the_models_run_engine_is_the_default_and_the_flag_wins(capsys):
    assert main(["run", RR, *SHORT, "--set", "run.engine=simpy"]) == 0
    assert _lines(capsys.readouterr().err) == ["asyncsim: engine: simpy (asked for)"]
    assert main(["run", RR, *LONG_ENOUGH, "--set", "run.engine=simpy", "--engine",
                 "auto"]) == 0
    assert _lines(capsys.readouterr().err) == [COVERED_LINE]


def test_a_trace_runs_on_simpy(tmp_path, capsys):
    assert main(["run", RR, *LONG_ENOUGH, "--trace", str(tmp_path / "t.csv"),
                 "--trace-sample", "0.01"]) == 0
    assert _lines(capsys.readouterr().err) == [
        "asyncsim: engine: simpy (a trace is written only by the SimPy engine)"]


def test_compiled_on_an_uncovered_model_exits_2_with_the_reason(far, capsys):
    assert main(["run", far[0], *SHORT, "--engine", "compiled"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("asyncsim: error: ") and far[1] in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command,target", [("run", RR), ("sweep", "exp.yaml"),
                                            ("plan", "plan.yaml")])
def test_a_misspelt_engine_exits_2_with_a_suggestion(command, target, capsys):
    assert main([command, target, "--engine", "compild"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("asyncsim: error: --engine must be one of auto, simpy, compiled "
                   "(got 'compild') (did you mean 'compiled'?)")


def test_a_runs_replications_count_together(capsys):
    """A run's replications share one load of the kernel: one replication of about
    127,000 visits is left to SimPy, three take the kernel, and the API chooses as the
    command line announces."""
    one = ["--duration", "20", "--replications", "1"]
    assert main(["run", RR, *one, "--format", "json"]) == 0
    (line,) = _lines(capsys.readouterr().err)
    assert line.startswith("asyncsim: engine: simpy (a short run: about 127,")
    assert sim.simulate(RR, duration=20, replications=1).engine.name == "simpy"
    assert sim.simulate(RR, duration=20, replications=3).engine.name == "compiled"


def test_the_api_reports_the_engine():
    result = sim.simulate(RR, duration=5, warmup=0, replications=1, engine="simpy")
    assert tuple(result.engine) == ("simpy", "asked for")


# -- asyncsim check --------------------------------------------------------------------

def test_check_says_whether_the_kernel_covers_the_model(far, capsys):
    assert main(["check", RR]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        "engine: compiled kernel covers this model"
    assert main(["check", far[0]]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"engine: simpy only ({far[1]})"


# -- sweeps ----------------------------------------------------------------------------

def _runs(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "runs.csv").set_index(["point", "replication"])


def test_a_sweep_on_either_engine_gives_the_same_numbers(tmp_path, capsys):
    exp = _experiment(tmp_path)
    assert main(["sweep", str(exp), "--workers", "1", "--engine", "compiled",
                 "--out", str(tmp_path / "compiled")]) == 0
    assert _lines(capsys.readouterr().err) == ["asyncsim: engine: compiled (asked for)"]
    compiled = _runs(tmp_path / "compiled")
    simpy = sim.sweep(exp, workers=1, out=tmp_path / "simpy", engine="simpy")
    simpy = simpy.set_index(["point", "replication"])[compiled.columns]
    assert simpy["requests.completed"].sum() > 1000
    pd.testing.assert_frame_equal(simpy, compiled, check_exact=False, rtol=1e-9, atol=1e-12,
                                  check_dtype=False)


def test_a_sweep_weighs_a_workers_share_of_the_replications(tmp_path):
    """Each worker loads the kernel once for its share of the tasks: 40 points x 2
    replications of about 4,400 visits take the kernel on one worker (80 x 4,400 =
    352,000 visits) and SimPy on two (40 x 4,400 = 176,000); the tasks get that share."""
    body = yaml.safe_load(_experiment(tmp_path).read_text(encoding="utf-8"))
    body["grid"] = {"nodes.worker.servers": list(range(6, 46))}
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    exp = load_experiment(path)
    assert (sweep_batch(exp, 1), sweep_batch(exp, 2), sweep_batch(exp, 3)) == (80, 40, 27)
    assert _engine_line(exp, 1) == "compiled (the model is covered by the compiled kernel)"
    assert re.fullmatch(r"simpy \(a short run: about 17\d,\d{3} node visits in 40 "
                        r"replications, and the compiled kernel pays off from 250,000\)",
                        _engine_line(exp, 2))
    calls = _task_calls(exp.models, [(0, 0), (3, 1)], {0: [1, 10, 1, 2, "auto"],
                                                         3: [1, 10, 1, 2, "auto"]}, 40)
    assert [call[-2:] for call in calls] == [("auto", 40), ("auto", 40)]


def test_a_sweep_resumed_on_the_other_engine_keeps_its_tasks(tmp_path):
    exp, out = _experiment(tmp_path), tmp_path / "out"
    assert sim.sweep(exp, workers=1, out=out, engine="simpy").attrs["computed"] == 4
    again = sim.sweep(exp, workers=1, out=out, engine="compiled")
    assert (again.attrs["computed"], again.attrs["reused"]) == (0, 4)


def test_the_experiment_files_run_engine_is_read_and_checked(tmp_path):
    exp = load_experiment(_experiment(tmp_path, engine="simpy"))
    assert exp.run["engine"] == "simpy"
    assert {exp.models[p].run.engine for p in range(len(exp.points))} == {"simpy"}
    with pytest.raises(ExperimentError, match=r"exp.yaml': run: 'run.engine' must be one of "
                       r"auto, simpy, compiled \(got 'compild'\) \(did you mean 'compiled'"):
        load_experiment(_experiment(tmp_path, engine="compild"))


def test_the_engine_is_outside_the_fingerprint_and_the_flag_wins(tmp_path):
    path = _experiment(tmp_path, engine="compiled")
    base = load_experiment(path)
    flagged = load_experiment(path, run={"engine": "simpy"})
    assert flagged.fingerprint == base.fingerprint
    assert flagged.models[0].run.engine == "simpy"
    assert load_experiment(path, run={"seed": 4}).fingerprint != base.fingerprint


def test_a_sweep_refuses_compiled_on_an_uncovered_model_before_running(far, tmp_path,
                                                                        capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(_experiment(tmp_path, model=far[0])), "--engine", "compiled",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("asyncsim: error: ") and "exp.yaml': point 0: " in err
    assert far[1] in err and len(err.splitlines()) == 1
    assert not (out / "tasks").exists()


def test_a_sweep_on_an_uncovered_model_says_simpy_and_why(far, tmp_path, capsys):
    assert main(["sweep", str(_experiment(tmp_path, model=far[0], duration=2)),
                 "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    assert _lines(capsys.readouterr().err) == [f"asyncsim: engine: simpy ({far[1]})"]


def test_run_points_passes_the_engine_to_every_replication(far):
    with pytest.raises(sim.ModelError, match=re.escape(far[1])):
        run_points(far[0], [{}], duration=2, warmup=0, replications=1, engine="compiled",
                   workers=1)
    points = [{"nodes.worker.servers": 6}]
    settings = dict(duration=10, warmup=1, replications=2, seed=2, workers=1)
    simpy = run_points(RR, points, engine="simpy", **settings)[0]["requests"]
    compiled = run_points(RR, points, engine="compiled", **settings)[0]["requests"]
    assert compiled["completed"] == simpy["completed"] > 0
    assert compiled["latency"]["mean"] == pytest.approx(simpy["latency"]["mean"], rel=1e-9)


def test_the_api_sweep_takes_engine(tmp_path):
    runs = sim.sweep(_experiment(tmp_path), workers=1, out=tmp_path / "out",
                     engine="compiled")
    assert runs.attrs["computed"] == 4
    with pytest.raises(ExperimentError, match="'run.engine' must be one of"):
        sim.sweep(_experiment(tmp_path), workers=1, out=tmp_path / "out", engine="numba")


# -- plans -----------------------------------------------------------------------------

PLAN_RUN = {"duration": 60, "warmup": 5, "replications": 2, "seed": 1}


def _plan(**run) -> dict:
    return mmc_plan(["nodes.srv.utilization <= 0.8"], low=8, high=16,
                    run={**PLAN_RUN, **run})


def test_the_plan_files_run_engine_is_read_and_checked():
    assert load_plan(_plan(engine="simpy")).run["engine"] == "simpy"
    assert "engine" not in load_plan(_plan()).run
    with pytest.raises(PlanError, match=r"plan: 'run.engine' must be one of auto, simpy, "
                       r"compiled \(got 'simpi'\) \(did you mean 'simpy'\?\)"):
        load_plan(_plan(engine="simpi"))


def test_a_plan_on_either_engine_gives_the_same_answer():
    simpy = sim.plan(_plan(), workers=1, engine="simpy")
    compiled = sim.plan(_plan(engine="simpy"), workers=1, engine="compiled")
    assert compiled.plan.run["engine"] == "compiled"
    assert compiled.config == simpy.config == {"nodes.srv.servers": 13}
    got = [c.value for c in compiled.chosen.checks]
    assert got == pytest.approx([c.value for c in simpy.chosen.checks], rel=1e-9)


def test_plan_flag_prints_the_engine_line_and_refuses_an_uncovered_model(tmp_path, capsys,
                                                                         monkeypatch):
    body = _plan()
    body["saturation"] = {"replications": 1, "steps": 2}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    assert main(["plan", str(path), "--engine", "simpy", "--workers", "1"]) == 0
    assert _lines(capsys.readouterr().err) == ["asyncsim: engine: simpy (asked for)"]
    monkeypatch.setattr("sim.engine.choice.uncovered",
                        lambda model, trace=False: "node 'srv': 'x' is not compiled")
    assert main(["plan", str(path), "--engine", "compiled"]) == 2
    err = capsys.readouterr().err.strip()
    assert "node 'srv': 'x' is not compiled" in err and len(err.splitlines()) == 1
