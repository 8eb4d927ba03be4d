"""The shipped plan files load, and the M/M/c one finds its Erlang C answer as shipped."""

from __future__ import annotations

import pytest

from sim.analytic import mmc
from sim.planner import load_plan, plan
from tests.planner.conftest import REPO

SHIPPED = sorted((REPO / "experiments").glob("plan_*.yaml"))


def test_the_issue_plans_are_shipped():
    assert {p.stem for p in SHIPPED} >= {"plan_request_reply", "plan_mmc"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_plan_loads(path):
    p = load_plan(path)
    assert p.description and p.objectives and p.variables
    assert all(v.cost > 0 for v in p.variables)


def test_request_reply_plan_is_at_the_forecast_peak():
    p = load_plan(REPO / "experiments" / "plan_request_reply.yaml")
    assert p.load == {"nodes.client.rate": 120} and p.model.node("client").rate == 120
    assert {v.key for v in p.variables} == {"nodes.worker.servers", "nodes.callback.servers"}


def test_shipped_mmc_plan_finds_erlang_c_answer():
    result = plan(REPO / "experiments" / "plan_mmc.yaml")
    expected = next(c for c in range(11, 40) if mmc(100, 10, c).mean_wait <= 0.015)
    assert result.config == {"nodes.pool.servers": expected} == {"nodes.pool.servers": 13}
