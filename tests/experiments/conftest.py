"""Shared pieces of the experiment tests: small experiment files written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "request_reply.yaml"


def write_experiment(folder: Path, body: dict, name: str = "exp.yaml") -> Path:
    """Write ``body`` as YAML into ``folder``; its ``model`` defaults to request/reply."""
    body = {"model": str(MODEL), **body}
    path = folder / name
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


SMALL = {
    "name": "small",
    "run": {"duration": 20, "warmup": 2, "replications": 2, "seed": 3},
    "grid": {"nodes.client.rate": [40, 70], "nodes.worker.servers": [6, 9]},
}


@pytest.fixture
def small_experiment(tmp_path: Path) -> Path:
    """A 4-point grid, 2 replications each, on the request/reply model (8 short tasks)."""
    return write_experiment(tmp_path, SMALL)


@pytest.fixture(autouse=True)
def _local_unless_asked(monkeypatch):
    """A DASK_SCHEDULER_ADDRESS in the caller's environment must not redirect the tests."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
