"""Every shipped model loads, validates and runs briefly; the public API is pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
MODELS = sorted((ROOT / "models").glob("*.yaml"))


def test_there_are_shipped_models():
    assert len(MODELS) >= 8


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_shipped_model_runs_briefly(path):
    model = sim.load(path)
    assert model.description.strip(), "every shipped model explains itself"
    warmup = 0 if model.run.warmup == "auto" else min(model.run.warmup, 5)
    d = sim.simulate(model, duration=20, warmup=warmup, replications=1).to_dict()
    req = d["requests"]
    assert req["offered"] > 0
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]


def test_public_api_is_small_and_pinned():
    assert sorted(sim.__all__) == sorted([
        "load", "validate", "simulate", "analyze", "sweep", "plan", "Result",
        "SimError", "ModelError", "ExperimentError", "PlanError", "InfeasiblePlan",
        "ConservationError", "__version__"])
    for name in sim.__all__:
        assert getattr(sim, name) is not None


def test_import_sim_does_not_import_heavy_optional_parts():
    import subprocess
    import sys

    code = ("import sys, sim; sim.load('models/request_reply.yaml'); "
            "print(any(m in sys.modules for m in ('matplotlib', 'simpy', 'dask')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
