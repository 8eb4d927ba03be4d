"""Every refusal of an experiment file, each with its message."""

from __future__ import annotations

import re

import pytest

from sim.cli import main
from sim.errors import ExperimentError
from sim.experiments import load_experiment
from tests.experiments.conftest import MODEL, write_experiment

RATE = {"nodes.client.rate": {"low": 30, "high": 60}}
REFUSALS = [
    ({"grdi": {"nodes.worker.servers": [1]}}, r"unknown key 'grdi' \(did you mean 'grid'\?\)"),
    ({"grid": {"nodes.worker.servers": []}},
     r"'grid.nodes.worker.servers' is an empty list"),
    ({"grid": {}}, r"'grid' must not be empty"),
    ({"grid": {"nodes.worker.servers": 4}},
     r"'grid.nodes.worker.servers' must be a list of values"),
    ({"grid": {"nodes.worker.servers": [4]}, "samples": {"count": 2, "params": RATE}},
     r"has both 'grid' and 'samples'"),
    ({"samples": {"count": 4, "params": {"nodes.client.rate": {"low": 60, "high": 30}}}},
     r"'samples.params.nodes.client.rate' needs low < high \(got low=60, high=30\)"),
    ({"samples": {"count": 4, "params": {"nodes.client.rate": {"low": 30, "high": 30}}}},
     r"needs low < high"),
    ({"samples": {"count": 4, "params": {"nodes.client.rate": {"low": 30}}}},
     r"'samples.params.nodes.client.rate.high' must be a finite number \(got None\)"),
    ({"samples": {"count": 4, "params": {"nodes.client.rate": {"low": 0, "high": 9,
                                                               "log": True}}}},
     r"needs low > 0 on a log scale"),
    ({"samples": {"count": 4, "params": {"nodes.worker.servers": {"low": 1.5, "high": 9,
                                                                  "integer": True}}}},
     r"needs whole-number bounds"),
    ({"samples": {"count": 4, "params": {"nodes.client.rate": {"low": 1, "hihg": 9}}}},
     r"unknown key 'hihg' \(did you mean 'high'\?\)"),
    ({"samples": {"count": 4, "params": {"nodes.requests.overflow": {"choices": []}}}},
     r"'samples.params.nodes.requests.overflow.choices' must be a non-empty list"),
    ({"samples": {"count": 0, "params": RATE}}, r"'samples.count' must be a positive integer"),
    ({"samples": {"count": 3, "seed": -1, "params": RATE}},
     r"'samples.seed' must be a non-negative integer"),
    ({"samples": {"count": 3, "parms": RATE}}, r"did you mean 'params'"),
    ({"grid": {"nodes.wrker.servers": [4]}},
     r"grid: 'nodes.wrker.servers': unknown node 'wrker' .*\(did you mean 'worker'\?\)"),
    ({"grid": {"nodes.worker.sevrers": [4]}},
     r"grid point 0 \(nodes.worker.sevrers=4\): node 'worker': unknown key 'sevrers' "
     r"\(did you mean 'servers'\?\)"),
    ({"grid": {"nodes.worker.servers": [4, -2]}},
     r"grid point 1 \(nodes.worker.servers=-2\): node 'worker': 'servers' must be a "
     r"positive integer"),
    ({"samples": {"count": 3, "params": {"nodes.client.rte": {"low": 1, "high": 9}}}},
     r"samples point 0 .*unknown key 'rte' \(did you mean 'rate'\?\)"),
    ({"set": {"nodes.worker.servers": 0}}, r"set: node 'worker': 'servers' must be"),
    ({"set": {"nodes.worker.servers": 4}, "grid": {"nodes.worker.servers": [5]}},
     r"'nodes.worker.servers' is both fixed in 'set' and swept in 'grid'"),
    ({"run": {"duraton": 9}}, r"'run' has an unknown key 'duraton' \(did you mean 'duration'"),
    ({"run": {"duration": -1}}, r"run: 'run.duration' must be a positive number"),
    ({"run": {"warmup": "soon"}}, r"run: 'run.warmup' must be"),
    ({"metrics": ["requests.latency.p98"]},
     r"'metrics: requests.latency.p98' matches no metric .*did you mean "
     r"'requests.latency.p99'"),
    ({"metrics": []}, r"'metrics' must be a non-empty list"),
    ({"name": "a/b"}, r"'name' must be letters, digits"),
    ({"out": 3}, r"'out' must be a string"),
    ({"model": "no_such_model.yaml"}, r"'model' names no file: .*no_such_model.yaml"),
    ({"model": {"nodes": {}}}, r"'model' is not a valid model: has no sender"),
    ({"model": 7}, r"'model' must be a model file path or a mapping"),
]


@pytest.mark.parametrize("body, message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_refusal_names_the_key(body, message):
    data = {"model": str(MODEL), **body}
    with pytest.raises(ExperimentError, match=message):
        load_experiment(data)


def test_missing_model():
    with pytest.raises(ExperimentError, match=r"needs 'model'"):
        load_experiment({"grid": {"nodes.worker.servers": [4]}})


def test_messages_name_the_file(tmp_path):
    path = write_experiment(tmp_path, {"grid": {"nodes.worker.servers": []}})
    with pytest.raises(ExperimentError, match=re.escape(f"experiment '{path}': ")):
        load_experiment(path)


def test_unreadable_and_unparsable_files(tmp_path):
    with pytest.raises(ExperimentError, match=r"cannot read experiment .*missing.yaml"):
        load_experiment(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"bad.yaml' line \d+ is not valid YAML"):
        load_experiment(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"must be a mapping"):
        load_experiment(bad)
    bad.write_text("model: a\nmodel: b\n", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"'model' is given twice"):
        load_experiment(bad)


def test_model_path_is_relative_to_the_experiment_file(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.yaml").write_text(MODEL.read_text(), encoding="utf-8")
    (tmp_path / "exp").mkdir()
    path = write_experiment(tmp_path / "exp", {"model": "../models/m.yaml",
                                               "grid": {"nodes.worker.servers": [4]}})
    assert load_experiment(path).models[0].node("worker").servers == 4


def test_cli_bad_experiment_exits_2_with_one_line(tmp_path, capsys):
    path = write_experiment(tmp_path, {"grid": {"nodes.worker.servers": []}})
    assert main(["sweep", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty list" in err and "Traceback" not in err


def test_cli_bad_workers_exits_2(small_experiment, tmp_path, capsys):
    assert main(["sweep", str(small_experiment), "--workers", "0", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    assert "workers must be a positive integer" in capsys.readouterr().err
