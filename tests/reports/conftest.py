"""Result folders for the report tests: a run, a sweep and a plan, each small."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import simulate
from sim.model import from_dict, validate

EVIL = "<script>alert(1)</script>"


def evil_model():
    """A model whose node name, model name and description are HTML."""
    data = {"name": "evil<b>name</b>", "description": "<img src=x onerror=alert(2)> & more",
            "nodes": {"client": {"kind": "sender", "rate": 20},
                      "q": {"kind": "queue"},
                      EVIL: {"kind": "service", "servers": 2,
                             "service": {"dist": "exponential", "mean": 0.09}},
                      "cost$1$": {"kind": "service", "servers": 1,
                                  "service": {"dist": "exponential", "mean": 0.01}}},
            "edges": [["client", "q"], ["q", EVIL], [EVIL, "cost$1$"]]}
    return validate(from_dict(data))


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    from sim.cli.outputs import write_run_outputs

    model = evil_model()
    out = tmp_path_factory.mktemp("run")
    result = simulate(model, duration=60, warmup=5, replications=2, seed=3)
    write_run_outputs(result, model, out)
    return out


@pytest.fixture(scope="session")
def sweep_folder(tmp_path_factory) -> Path:
    from sim.experiments import sweep
    from sim.model import to_dict

    out = tmp_path_factory.mktemp("sweep")
    exp = {"name": "evil-sweep", "model": to_dict(evil_model().graph),
           "run": {"duration": 30, "warmup": 3, "replications": 2, "seed": 1},
           "grid": {"nodes.client.rate": [5, 15, 21]}}
    sweep(exp, workers=1, out=out)
    return out


@pytest.fixture(scope="session")
def plan_folder(tmp_path_factory) -> Path:
    from sim.planner import plan
    from sim.reports import write_report

    out = tmp_path_factory.mktemp("plan")
    body = {"model": {"name": "mmc", "nodes": {
                "src": {"kind": "sender", "rate": 50},
                "srv": {"kind": "service", "servers": 1,
                        "service": {"dist": "exponential", "mean": 0.1}}},
                "edges": [["src", "srv"]]},
            "run": {"duration": 100, "warmup": 10, "replications": 2},
            "objectives": ["requests.latency.p99 <= 0.5", "nodes.srv.utilization <= 0.8"],
            "variables": {"nodes.srv.servers": {"min": 1, "max": 20, "cost": 1}},
            "saturation": {"replications": 1, "steps": 3}}
    plan(body, out=out)
    write_report(out)
    return out
