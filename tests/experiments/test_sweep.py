"""Sweeps through the API and the CLI: tables, summary, executors, shipped experiments."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
import yaml

from sim.cli import main
from sim.engine import simulate
from sim.experiments import load_experiment, run_points, run_sweep, summarize, sweep
from sim.metrics.stats import ci95_halfwidth
from sim.model import load_model
from tests.experiments.conftest import MODEL, REPO, write_experiment

def _is_sweep(path: Path) -> bool:
    """Sweeps have a design; capacity plans (docs/planning.md) share the folder."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and ("grid" in data or "samples" in data)


SHIPPED = [p for p in sorted((REPO / "experiments").glob("*.yaml")) if _is_sweep(p)]
BRIEF = {"duration": 5, "warmup": 1, "replications": 1}


def test_runs_table_is_tidy(small_experiment, tmp_path):
    runs = sweep(small_experiment, workers=1, out=tmp_path / "out")
    exp = load_experiment(small_experiment)
    assert len(runs) == 8
    assert list(runs.columns[:4]) == ["point", "replication", "nodes.client.rate",
                                      "nodes.worker.servers"]
    assert list(runs.columns[4:]) == list(exp.metrics)
    assert {"requests.latency.p99", "nodes.worker.utilization",
            "requests.throughput"} <= set(runs.columns)
    assert not any(runs[c].dtype == object for c in runs.columns)
    assert runs[["point", "replication"]].values.tolist() == [[p, r] for p in range(4)
                                                              for r in range(2)]
    assert runs["nodes.worker.servers"].tolist() == [6, 6, 9, 9, 6, 6, 9, 9]
    assert runs.attrs["computed"] == 8 and runs.attrs["reused"] == 0
    pdt.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "runs.parquet"), runs,
                           check_exact=True, check_like=False)
    assert len(pd.read_csv(tmp_path / "out" / "runs.csv")) == 8


def test_summary_is_mean_and_ci95_per_point(small_experiment, tmp_path):
    outcome = run_sweep(small_experiment, workers=1, out=tmp_path / "out")
    summary, runs = outcome.summary, outcome.runs
    assert len(summary) == 4 and summary["replications"].tolist() == [2] * 4
    for metric in ("requests.latency.p99", "nodes.worker.utilization"):
        for point, group in runs.groupby("point"):
            row = summary[summary["point"] == point].iloc[0]
            assert row[metric] == pytest.approx(group[metric].mean(), rel=1e-12)
            expected = ci95_halfwidth(group[metric].tolist())
            assert row[f"{metric}.ci95"] == pytest.approx(expected, rel=1e-9)
    pdt.assert_frame_equal(summarize(runs, outcome.experiment.params,
                                     outcome.experiment.metrics), summary)
    assert (tmp_path / "out" / "summary.parquet").exists()


def test_results_do_not_depend_on_the_number_of_workers(small_experiment, tmp_path):
    serial = sweep(small_experiment, workers=1, out=tmp_path / "one")
    parallel = sweep(small_experiment, workers=2, out=tmp_path / "two")
    pdt.assert_frame_equal(serial, parallel, check_exact=True)


def test_replications_of_a_point_match_simulate(small_experiment, tmp_path):
    runs = sweep(small_experiment, workers=1, out=tmp_path / "out")
    model = load_model(MODEL, {"nodes.client.rate": 70, "nodes.worker.servers": 9})
    result = simulate(model, duration=20, warmup=2, replications=2, seed=3)
    point = runs[runs["point"] == 3].reset_index(drop=True)
    expected = result.replications_frame()
    for metric in ("requests.completed", "requests.latency.p99", "nodes.worker.utilization"):
        assert point[metric].tolist() == expected[metric].tolist()


def test_run_points_aggregates_like_simulate():
    points = [{"nodes.worker.servers": 6}, {"nodes.worker.servers": 10}]
    got = run_points(MODEL, points, duration=15, warmup=1, replications=2, seed=5, workers=2)
    assert len(got) == 2
    for point, result in zip(points, got):
        model = load_model(MODEL, point)
        expected = simulate(model, duration=15, warmup=1, replications=2, seed=5).to_dict()
        assert json.loads(json.dumps(result)) == expected


def test_run_points_accepts_a_model_and_reports_progress():
    model = load_model(MODEL)
    seen = []
    got = run_points(model, [{}, {"nodes.client.rate": 30}], duration=5, replications=2,
                     workers=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert got[0]["replications"] == 2 and got[1]["requests"]["offered"] > 0


def test_metrics_patterns_keep_only_those_columns(tmp_path):
    path = write_experiment(tmp_path, {"grid": {"nodes.worker.servers": [6, 8]},
                                       "run": {"duration": 5, "replications": 1},
                                       "metrics": ["requests.latency.*", "nodes.*.utilization"]})
    runs = sweep(path, workers=1, out=tmp_path / "out")
    metrics = [c for c in runs.columns if c not in ("point", "replication",
                                                    "nodes.worker.servers")]
    assert metrics[:7] == ["requests.latency.mean", "requests.latency.p50",
                           "requests.latency.p90", "requests.latency.p95",
                           "requests.latency.p99", "requests.latency.p999",
                           "requests.latency.max"]
    assert set(metrics[7:]) == {"nodes.requests.utilization", "nodes.worker.utilization",
                                "nodes.responses.utilization", "nodes.callback.utilization"}


def test_mixed_and_structured_grid_values_become_text_columns(tmp_path):
    service = [{"dist": "exponential", "mean": 0.05}, 0.05]
    path = write_experiment(tmp_path, {"grid": {"nodes.worker.service": service},
                                       "run": {"duration": 5, "replications": 1}})
    runs = sweep(path, workers=1, out=tmp_path / "out")
    assert runs["nodes.worker.service"].tolist() == ['{"dist": "exponential", "mean": 0.05}',
                                                     "0.05"]
    assert len(pd.read_parquet(tmp_path / "out" / "runs.parquet")) == 2


def test_experiment_as_a_dict_and_a_single_point(tmp_path):
    runs = sweep({"model": str(MODEL), "run": {"duration": 5, "replications": 3}},
                 workers=1, out=tmp_path / "out")
    assert runs["point"].tolist() == [0, 0, 0] and runs["replication"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_experiment_runs_briefly(path, tmp_path):
    exp = load_experiment(path)
    assert exp.description
    runs = sweep(path, workers=2, out=tmp_path / "out", run=BRIEF)
    assert len(runs) == len(exp.points)
    assert (tmp_path / "out" / "summary.csv").exists()


def test_shipped_experiments_cover_the_issue():
    names = {p.stem for p in SHIPPED}
    assert {"pool_sizing", "queue_capacity", "lhs_exploration"} <= names
    assert load_experiment(REPO / "experiments" / "lhs_exploration.yaml").design == "samples"
    queue = load_experiment(REPO / "experiments" / "queue_capacity.yaml")
    assert set(queue.params) == {"nodes.jobs.capacity", "nodes.jobs.overflow"}


def test_cli_sweep_prints_a_summary_and_the_paths(small_experiment, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["sweep", str(small_experiment), "--out", str(out), "--workers", "1",
                 "--quiet", "--duration", "10", "--set", "nodes.callback.servers=3"]) == 0
    text = capsys.readouterr().out
    assert "nodes.client.rate" in text and "requests.latency.p99" in text
    assert "8 tasks computed, 0 reused" in text
    for name in ("runs.csv", "runs.parquet", "summary.csv", "summary.parquet"):
        assert f"wrote {out / name}" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["duration"] == 10
    assert manifest["set"] == {"nodes.callback.servers": 3}


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from sim.experiments import runner as module

    assert module._progress_bar("x", 10, 0, quiet=True) is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert module._progress_bar("x", 10, 0, quiet=False) is None


def test_default_out_is_next_to_the_experiment(small_experiment):
    exp = load_experiment(small_experiment)
    assert exp.out == Path(small_experiment).parent / "results" / "small"


def test_warmup_auto_runs_one_pilot_per_point_like_simulate(tmp_path):
    points = [{"nodes.worker.servers": 7}, {}]
    got = run_points(MODEL, points, duration=30, warmup="auto", replications=2, workers=2)
    for point, result in zip(points, got):
        expected = simulate(load_model(MODEL, point), duration=30, warmup="auto",
                            replications=2).to_dict()
        assert result["warmup"] == expected["warmup"] > 0
        assert result["requests"] == expected["requests"]
    body = {"run": {"duration": 10, "warmup": "auto", "replications": 1},
            "grid": {"nodes.worker.servers": [6, 9]}}
    path = write_experiment(tmp_path, body)
    serial = sweep(path, workers=1, out=tmp_path / "one")
    pdt.assert_frame_equal(serial, sweep(path, workers=2, out=tmp_path / "two"),
                           check_exact=True)
