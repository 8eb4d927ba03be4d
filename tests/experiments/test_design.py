"""Designs: the grid is the cartesian product; the Latin hypercube hits every stratum once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiments import Choices, Range, grid_points, latin_hypercube, load_experiment
from sim.experiments.design import lhs_unit
from tests.experiments.conftest import write_experiment


def test_grid_is_the_cartesian_product_first_key_slowest():
    points = grid_points({"a": [1, 2, 3], "b": ["x", "y"]})
    assert len(points) == 6
    assert points[0] == {"a": 1, "b": "x"} and points[1] == {"a": 1, "b": "y"}
    assert points[-1] == {"a": 3, "b": "y"}
    assert len({tuple(p.items()) for p in points}) == 6


@pytest.mark.parametrize("count", [1, 7, 50])
def test_lhs_unit_hits_each_stratum_once_per_dimension(count):
    unit = lhs_unit(count, 4, seed=5)
    assert unit.shape == (count, 4)
    for column in unit.T:
        assert sorted(np.floor(column * count).astype(int)) == list(range(count))


def test_lhs_values_are_stratified_within_bounds():
    n = 25
    params = {"rate": Range(10.0, 60.0), "servers": Range(1, 25, integer=True),
              "cap": Range(10, 10000, log=True)}
    points = latin_hypercube(params, n, seed=11)
    rates = [p["rate"] for p in points]
    assert all(10.0 <= r < 60.0 for r in rates)
    assert sorted(math.floor((r - 10.0) / 50.0 * n) for r in rates) == list(range(n))
    servers = [p["servers"] for p in points]
    assert sorted(servers) == list(range(1, 26))
    assert all(isinstance(s, int) for s in servers)
    logs = [(math.log(p["cap"]) - math.log(10)) / (math.log(10000) - math.log(10))
            for p in points]
    assert sorted(math.floor(x * n) for x in logs) == list(range(n))


def test_lhs_choices_split_the_strata_evenly():
    points = latin_hypercube({"policy": Choices(("reject", "drop_oldest", "block"))}, 9, seed=1)
    values = [p["policy"] for p in points]
    assert {v: values.count(v) for v in set(values)} == {"reject": 3, "drop_oldest": 3,
                                                        "block": 3}


def test_lhs_same_seed_same_points_other_seed_other_points():
    params = {"x": Range(0.0, 1.0), "y": Range(0.0, 1.0)}
    assert latin_hypercube(params, 10, seed=4) == latin_hypercube(params, 10, seed=4)
    assert latin_hypercube(params, 10, seed=4) != latin_hypercube(params, 10, seed=5)


def test_experiment_file_with_samples(tmp_path):
    path = write_experiment(tmp_path, {"samples": {"count": 12, "seed": 3, "params": {
        "nodes.client.rate": {"low": 30, "high": 60},
        "nodes.worker.servers": {"low": 6, "high": 11, "integer": True},
        "nodes.requests.overflow": {"choices": ["reject", "drop_oldest"]}}}})
    exp = load_experiment(path)
    assert exp.design == "samples" and len(exp.points) == 12
    assert exp.params == ("nodes.client.rate", "nodes.worker.servers",
                          "nodes.requests.overflow")
    servers = [p["nodes.worker.servers"] for p in exp.points]
    assert sorted(servers) == sorted(list(range(6, 12)) * 2)
    assert [m.node("worker").servers for m in exp.models] == servers


def test_experiment_file_with_grid(small_experiment):
    exp = load_experiment(small_experiment)
    assert exp.design == "grid" and exp.name == "small"
    assert [tuple(p.values()) for p in exp.points] == [(40, 6), (40, 9), (70, 6), (70, 9)]
    assert exp.tasks() == [(p, r) for p in range(4) for r in range(2)]
    assert exp.out == small_experiment.parent / "results" / "small"
