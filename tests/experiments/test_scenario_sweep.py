"""A sweep over a fault's duration: the scenario comes from the experiment file and
``scenario.0.for`` is a swept key; the recovery time is tabulated per point."""

from __future__ import annotations

import pytest

from sim.experiments import sweep


def test_recovery_grows_with_the_length_of_the_crash(tmp_path):
    """D/D/1 (1/s, 0.5 s) crashed for L s drains its L messages at 1/s: recovery about L
    (to within the 5 s series interval) for L = 20 and 60."""
    det = lambda v: {"dist": "deterministic", "value": v}  # noqa: E731
    experiment = {
        "name": "crash-length",
        "model": {"name": "dd1",
                  "nodes": {"c": {"kind": "sender", "interarrival": det(1.0)},
                            "db": {"kind": "service", "service": det(0.5)}},
                  "edges": [["c", "db"]]},
        "scenario": [{"at": 100.75, "for": 10, "node": "db", "action": "crash"}],
        "run": {"duration": 400, "warmup": 0, "replications": 1, "series": 5},
        "grid": {"scenario.0.for": [20, 60]},
        "metrics": ["scenario.recovery", "scenario.recovered"]}
    runs = sweep(experiment, workers=1, out=tmp_path / "out")
    assert runs["scenario.0.for"].tolist() == [20, 60]
    for length, recovery in zip(runs["scenario.0.for"], runs["scenario.recovery"]):
        assert recovery == pytest.approx(length, abs=5.0)
    assert runs["scenario.recovered"].tolist() == [1, 1]
