"""The result store: resume without recomputing, refuse a changed experiment, --fresh."""

from __future__ import annotations

import json

import pandas.testing as pdt
import pytest

from sim.cli import main
from sim.errors import ExperimentError
from sim.experiments import sweep
from tests.experiments.conftest import SMALL, write_experiment


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("p*.json"))}


def test_second_run_recomputes_nothing(small_experiment, tmp_path):
    out = tmp_path / "out"
    first = sweep(small_experiment, workers=1, out=out)
    before = _mtimes(out / "tasks")
    assert len(before) == 8
    second = sweep(small_experiment, workers=2, out=out)
    assert second.attrs["computed"] == 0 and second.attrs["reused"] == 8
    assert _mtimes(out / "tasks") == before
    pdt.assert_frame_equal(first, second, check_exact=True)


def test_missing_or_damaged_task_files_are_redone(small_experiment, tmp_path):
    out = tmp_path / "out"
    first = sweep(small_experiment, workers=1, out=out)
    (out / "tasks" / "p00001-r000.json").unlink()
    (out / "tasks" / "p00002-r001.json").write_text('{"fingerprint": "x", "summ', "utf-8")
    (out / "tasks" / ".p00003-r000.json.abc.tmp").write_text("half", "utf-8")
    again = sweep(small_experiment, workers=1, out=out)
    assert again.attrs["computed"] == 2
    assert not list((out / "tasks").glob(".*.tmp"))
    pdt.assert_frame_equal(first, again, check_exact=True)


def test_task_files_of_another_experiment_are_never_used(small_experiment, tmp_path):
    out = tmp_path / "out"
    sweep(small_experiment, workers=1, out=out)
    stale = json.loads((out / "tasks" / "p00000-r000.json").read_text())
    (out / "manifest.json").unlink()
    stale["fingerprint"] = "0" * 64
    (out / "tasks" / "p00000-r000.json").write_text(json.dumps(stale))
    runs = sweep(small_experiment, workers=1, out=out)
    assert runs.attrs["computed"] == 1


def test_changed_experiment_is_refused_then_fresh_starts_over(tmp_path):
    out = tmp_path / "out"
    sweep(write_experiment(tmp_path, SMALL), workers=1, out=out)
    changed = dict(SMALL, grid={"nodes.client.rate": [40, 75], "nodes.worker.servers": [6, 9]})
    path = write_experiment(tmp_path, changed)
    with pytest.raises(ExperimentError, match=r"holds the results of a different experiment"
                       r".*pass --fresh \(fresh=True\).*another --out"):
        sweep(path, workers=1, out=out)
    runs = sweep(path, workers=1, out=out, fresh=True)
    assert runs.attrs["computed"] == 8 and runs["nodes.client.rate"].max() == 75
    assert json.loads((out / "manifest.json").read_text())["points"][2] == {
        "nodes.client.rate": 75, "nodes.worker.servers": 6}


@pytest.mark.parametrize("change", [{"run": {**SMALL["run"], "seed": 4}},
                                    {"set": {"nodes.callback.servers": 3}}])
def test_any_change_to_the_numbers_is_refused(tmp_path, change):
    out = tmp_path / "out"
    sweep(write_experiment(tmp_path, SMALL), workers=1, out=out)
    with pytest.raises(ExperimentError, match="different experiment"):
        sweep(write_experiment(tmp_path, {**SMALL, **change}), workers=1, out=out)


def test_changed_model_file_is_refused(tmp_path):
    from tests.experiments.conftest import MODEL

    model = tmp_path / "model.yaml"
    model.write_text(MODEL.read_text(), encoding="utf-8")
    path = write_experiment(tmp_path, {**SMALL, "model": "model.yaml"})
    out = tmp_path / "out"
    sweep(path, workers=1, out=out)
    model.write_text(MODEL.read_text().replace("servers: 2,", "servers: 3,"), encoding="utf-8")
    with pytest.raises(ExperimentError, match="different experiment"):
        sweep(path, workers=1, out=out)


def test_more_replications_and_other_metrics_reuse_the_store(small_experiment, tmp_path):
    out = tmp_path / "out"
    sweep(small_experiment, workers=1, out=out)
    more = sweep(small_experiment, workers=1, out=out, run={"replications": 3})
    assert more.attrs["computed"] == 4 and len(more) == 12
    fewer = dict(SMALL, metrics=["requests.latency.p99"])
    runs = sweep(write_experiment(small_experiment.parent, fewer), workers=1, out=out)
    assert runs.attrs["computed"] == 0 and runs.columns[-1] == "requests.latency.p99"


def test_cli_resume_and_fresh(small_experiment, tmp_path, capsys):
    out = str(tmp_path / "out")
    args = ["sweep", str(small_experiment), "--out", out, "--workers", "1", "--quiet"]
    assert main(args) == 0
    assert main(args) == 0
    assert "0 tasks computed, 8 reused" in capsys.readouterr().out
    assert main(args + ["--seed", "9"]) == 2
    assert "--fresh" in capsys.readouterr().err
    assert main(args + ["--seed", "9", "--fresh"]) == 0
    assert "8 tasks computed, 0 reused" in capsys.readouterr().out


def test_fresh_leaves_other_files_alone(small_experiment, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    sweep(small_experiment, workers=1, out=out)
    sweep(small_experiment, workers=1, out=out, fresh=True)
    assert (out / "notes.txt").read_text() == "mine"
