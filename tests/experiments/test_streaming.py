"""Designs are streamed: a grid of a million points loads and starts at once, in little
memory; sizes that cannot work are refused at load with the reason."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest

from sim.cli import main
from sim.errors import ExperimentError
from sim.experiments import load_experiment
from sim.experiments.design import MAX_POINTS, MAX_SAMPLES, GridDesign, SampleDesign, Range
from sim.experiments.executors import execute
from sim.experiments.runner import _pending
from sim.experiments.tasks import replicate
from tests.experiments.conftest import write_experiment

TINY = {"name": "tiny", "nodes": {
    "client": {"kind": "sender", "rate": 5},
    "srv": {"kind": "service", "servers": 1, "service": {"dist": "exponential", "mean": 0.01}}},
    "edges": [["client", "srv"]]}
MILLION = {"nodes.client.rate": list(range(1, 101)), "nodes.srv.servers": list(range(1, 101)),
           "nodes.srv.error_rate": [i / 1000 for i in range(100)]}



def test_a_million_point_grid_costs_no_memory():
    tracemalloc.start()
    try:
        design = GridDesign(MILLION)
        first = list(itertools.islice(design, 3))
        last = design[len(design) - 1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(design) == 10**6 and peak < 200_000        # bytes: no product is built
    assert first[1] == {"nodes.client.rate": 1, "nodes.srv.servers": 1,
                        "nodes.srv.error_rate": 0.001}
    assert last == {"nodes.client.rate": 100, "nodes.srv.servers": 100,
                    "nodes.srv.error_rate": 0.099}
    assert list(GridDesign({"a": [1, 2], "b": "xy"})) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_a_million_point_sweep_loads_and_starts_lazily(validations):
    """Loading validates the probe points only (each grid value once); the first tasks
    are computed without touching the rest of the design."""
    exp = load_experiment({"model": TINY, "run": {"duration": 2, "replications": 1},
                           "grid": MILLION})
    probes = 1 + 3 * 99
    assert len(exp.points) == 10**6 and exp.task_count() == 10**6
    assert validations["n"] == probes
    tracemalloc.start()
    try:
        order: list = []
        calls = _pending(exp, set(), workers=1, scheduler=None, done=order)
        with_results = list(itertools.islice(execute(replicate, calls, workers=1), 3))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i for i, _ in with_results] == [0, 1, 2] and order[:3] == [(0, 0), (1, 0), (2, 0)]
    assert all(s["requests"]["offered"] >= 0 for _, s in with_results)
    # a chunk of points is validated ahead (256), never the design
    assert validations["n"] <= probes + 256
    assert peak < 50_000_000


def test_cli_shows_the_number_of_points(tmp_path, capsys):
    path = write_experiment(tmp_path, {"model": TINY, "run": {"duration": 2, "replications": 2},
                                       "grid": {"nodes.srv.servers": [1, 2, 3]}})
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 0
    assert "3 points x 2 replications = 6 tasks" in capsys.readouterr().err


def test_sizes_that_cannot_work_are_refused_at_load():
    rate = {"nodes.client.rate": {"low": 1, "high": 9}}
    with pytest.raises(ExperimentError, match=rf"'samples.count' is 1,000,000,000; at most "
                       rf"{MAX_SAMPLES:,}: a Latin hypercube draws"):
        load_experiment({"model": TINY, "samples": {"count": 10**9, "params": rate}})
    grid = {f"nodes.client.{k}": list(range(100)) for k in ("rate", "priority")}
    grid.update({"nodes.srv.servers": list(range(1, 101)),
                 "nodes.srv.error_rate": list(range(100))})
    with pytest.raises(ExperimentError, match=rf"'grid' has 100,000,000 points \(100 x 100 x "
                       rf"100 x 100\); at most {MAX_POINTS:,}: the result store"):
        load_experiment({"model": TINY, "grid": grid})


def test_sample_design_probes_hold_each_dimension_extremes():
    design = SampleDesign({"x": Range(0.0, 1.0), "n": Range(1, 50, integer=True)}, 50, seed=2)
    probed = [design[i] for i in design.probes()]
    assert min(p["n"] for p in probed) == 1 and max(p["n"] for p in probed) == 50


def test_a_sweep_validates_each_point_once_and_resuming_none(validations, tmp_path):
    from sim.experiments import sweep

    exp = {"model": TINY, "run": {"duration": 2, "replications": 2},
           "grid": {"nodes.client.rate": [2, 4, 6], "nodes.srv.servers": [1, 2]}}
    sweep(exp, workers=1, out=tmp_path)
    assert validations["n"] == 6            # 4 probe points at load, 2 more as they run
    validations["n"] = 0
    again = sweep(exp, workers=1, out=tmp_path)
    assert again.attrs["computed"] == 0 and validations["n"] == 4   # the probes only
