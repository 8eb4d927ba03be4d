"""Small plans for the planner tests: M/M/c pools where Erlang C knows the answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

# Short runs: about 20 000 arrivals per replication, enough for the margins chosen.
RUN = {"duration": 200, "warmup": 20, "replications": 3, "seed": 1}
CHEAP_SATURATION = {"replications": 1, "steps": 4}


def mmc_model(rate: float = 100.0, mean: float = 0.1, name: str = "srv") -> dict:
    """Poisson arrivals at ``rate`` into one exponential pool ``name`` (servers varied)."""
    return {"name": "mmc",
            "nodes": {"src": {"kind": "sender", "rate": rate},
                      name: {"kind": "service", "servers": 1,
                             "service": {"dist": "exponential", "mean": mean}}},
            "edges": [["src", name]]}


def mmc_plan(objectives, *, rate=100.0, mean=0.1, low=1, high=40, **extra) -> dict:
    plan = {"name": "mmc-test", "model": mmc_model(rate, mean), "run": dict(RUN),
            "objectives": list(objectives),
            "variables": {"nodes.srv.servers": {"min": low, "max": high, "cost": 1}},
            "saturation": dict(CHEAP_SATURATION)}
    plan.update(extra)
    return plan


def write_plan(folder: Path, body: dict, name: str = "plan.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _local_unless_asked(monkeypatch):
    """A DASK_SCHEDULER_ADDRESS in the caller's environment must not redirect the tests."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
