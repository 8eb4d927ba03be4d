"""Automatic warm-up (MSER-5 on pilots) and replications until a relative precision.

MSER-5: White (1997), White, Cobb & Spratt (2000), averaged over pilots as Hoad,
Robinson & Davies (2010); sequential stopping: Law & Kelton (2000), section 9.4.1.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.cli import main
from sim.engine import resolve_run, simulate
from sim.engine.precision import detect_warmup, pilot_run
from sim.errors import ModelError
from tests.conftest import make_model


def mm1(lam: float, mean: float = 0.1, **run):
    nodes = {"src": {"kind": "sender", "rate": lam},
             "srv": {"kind": "service", "servers": 1,
                     "service": {"dist": "exponential", "mean": mean}}}
    return make_model(nodes, [["src", "srv"]], **run)


MM1_YAML = """name: mm1
run: {duration: 300, warmup: 10, replications: 2, seed: 3}
nodes:
  client: {kind: sender, rate: 5}
  worker: {kind: service, servers: 1, service: {dist: exponential, mean: 0.1}}
edges:
  - [client, worker]
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "mm1.yaml"
    path.write_text(MM1_YAML)
    return str(path)


def test_pilot_keeps_every_latency_in_order_with_a_time_table():
    pilot = pilot_run(mm1(5.0), seed=1, duration=200.0, replication=0, steps=50)
    n = pilot.latencies.size
    assert 800 < n < 1200                      # 5/s for 200 s
    assert pilot.counts[-1] == n and np.all(np.diff(pilot.counts) >= 0)
    assert pilot.times[0] == 0.0 and pilot.times[-1] == pytest.approx(200.0)
    assert pilot.completion_time(0) == 0.0
    assert 0 < pilot.completion_time(n // 2) < pilot.completion_time(n) <= 200.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auto_warmup_is_plausible_at_high_load(seed):
    """M/M/1 at utilisation 0.9 from empty (mean latency 1 s): the ensemble mean reaches
    96% of its steady state after about 400 requests (44 s); MSER-5 cuts a positive
    warm-up within the first half of the pilot."""
    info = detect_warmup(mm1(9.0), seed=seed, duration=300.0)
    assert 0 < info["warmup"] < 150
    assert info["method"] == "mser-5" and info["pilots"] == 5
    assert info["truncated"] <= info["observations"] // 2


def test_auto_warmup_is_short_at_low_load():
    info = detect_warmup(mm1(3.0), seed=1, duration=300.0)
    assert info["warmup"] < 30
    assert info["reliable"]


def test_simulate_with_auto_warmup_reports_it():
    model = mm1(9.0, duration=300, warmup="auto", replications=2, seed=5)
    out = simulate(model).to_dict()
    assert out["warmup_method"] == "mser-5"
    assert out["warmup"] == pytest.approx(out["warmup_detection"]["warmup"])
    assert out["warmup"] > 0
    assert resolve_run(model).warmup == pytest.approx(out["warmup"])   # cached pilot
    again = simulate(mm1(9.0, duration=300, warmup="auto", replications=2, seed=5)).to_dict()
    assert again["requests"] == out["requests"]                          # same seed


def test_auto_warmup_refuses_a_pilot_too_short():
    with pytest.raises(ModelError, match="'auto' needs at least 50 requests"):
        simulate(mm1(0.05, duration=100), warmup="auto")


def test_precision_stops_once_reached():
    out = simulate(mm1(3.0, duration=2000, warmup=20, replications=2, seed=2),
                   precision=0.05, max_replications=30).to_dict()
    p = out["precision"]
    assert p["reached"] is True
    assert 2 <= p["replications"] == out["replications"] < 30
    assert set(p["metrics"]) == {"requests.latency.mean", "requests.latency.p99"}
    for status in p["metrics"].values():
        assert status["relative"] <= 0.05
        assert status["halfwidth"] == pytest.approx(status["relative"] * status["mean"])


def test_precision_reports_not_reached_at_the_cap():
    out = simulate(mm1(5.0, duration=100, warmup=10, seed=2), precision=0.001,
                   max_replications=3, precision_metrics=["nodes.srv.wait.mean"]).to_dict()
    assert out["precision"]["reached"] is False
    assert out["precision"]["replications"] == out["replications"] == 3
    assert out["precision"]["metrics"]["nodes.srv.wait.mean"]["relative"] > 0.001


def test_precision_starts_from_the_requested_replications():
    out = simulate(mm1(3.0, duration=500, warmup=10, seed=2), replications=4,
                   precision=0.5, max_replications=10).to_dict()
    assert out["replications"] == 4 and out["precision"]["reached"]


@pytest.mark.parametrize("kwargs, match", [
    ({"precision": 0.0}, "'precision' must be a positive relative half-width"),
    ({"precision": 0.1, "max_replications": 1}, "'max_replications' must be an integer >= 2"),
    ({"precision": 0.1, "precision_metrics": ["requests.latency.mena"]},
     "did you mean 'requests.latency.mean'"),
])
def test_precision_refuses_bad_settings(kwargs, match):
    with pytest.raises(ModelError, match=match):
        simulate(mm1(3.0, duration=50), **kwargs)


def test_cli_run_precision_and_auto_warmup(model_file, capsys):
    code = main(["run", model_file, "--precision", "0.5", "--max-replications", "5",
                 "--metrics", "requests.latency.mean", "--warmup", "auto", "--format",
                 "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["warmup_method"] == "mser-5"
    assert out["precision"]["target"] == 0.5
    assert list(out["precision"]["metrics"]) == ["requests.latency.mean"]
    assert {"reached", "replications", "max_replications"} <= set(out["precision"])


def test_cli_run_table_shows_precision(model_file, capsys):
    assert main(["run", model_file, "--precision", "0.001", "--max-replications", "2",
                 "--quiet"]) == 0
    assert "precision 0.001 NOT reached after 2 replications" in capsys.readouterr().out


def test_cli_run_bad_precision_metric_exits_2(model_file, capsys):
    assert main(["run", model_file, "--precision", "0.1", "--metrics", "nodes.nope.wait"]) == 2
    assert "precision_metrics" in capsys.readouterr().err
