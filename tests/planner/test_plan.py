"""The planner against Erlang C, through the Python API and the command line.

M/M/c pools are the oracle: the smallest number of servers with a mean wait
at most a target, or with at most 5% of jobs waiting, is known exactly, and
the targets are chosen with wide margins on both sides of the answer so that
short runs decide them. A sweep over the same grid must agree.
"""

from __future__ import annotations

import json
import math
import os

import pytest

from sim.analytic import erlang_c, mmc
from sim.cli import main
from sim.errors import InfeasiblePlan
from sim.experiments import summarize, sweep
from sim.planner import PlanResult, plan
from tests.planner.conftest import RUN, mmc_model, mmc_plan, write_plan

RATE, MEAN = 100.0, 0.1            # offered load a = 10 servers
WAIT_TARGET = 0.015                # Erlang C: Wq(12) = 22.5 ms, Wq(13) = 9.5 ms


def smallest_c(ok) -> int:
    return next(c for c in range(1, 200) if ok(c))


@pytest.fixture(scope="module")
def wait_plan() -> PlanResult:
    return plan(mmc_plan([f"nodes.srv.wait.mean <= {WAIT_TARGET}"], rate=RATE, mean=MEAN))


def test_finds_the_erlang_c_optimum_for_a_mean_wait_target(wait_plan):
    expected = smallest_c(lambda c: mmc(RATE, 1 / MEAN, c).mean_wait <= WAIT_TARGET)
    assert expected == 13
    assert wait_plan.feasible and wait_plan.config == {"nodes.srv.servers": expected}
    assert wait_plan.cost == expected
    check, = wait_plan.chosen.checks
    assert check.status == "holds" and check.pessimistic == check.value + check.half
    assert check.pessimistic <= WAIT_TARGET < check.value + 10 * check.half
    assert wait_plan.analytic["estimate"] == {"nodes.srv.servers": 13}
    verdicts = {e.config["nodes.srv.servers"]: e.verdict for e in wait_plan.search}
    assert verdicts[expected - 1] == "infeasible"       # the answer is confirmed minimal
    assert len(wait_plan.search) == 2                   # the analytic estimate was exact


def test_reports_saturation_bottleneck_and_headroom(wait_plan):
    sat, neck = wait_plan.saturation, wait_plan.bottleneck
    assert neck == {"node": "srv", "max_throughput": pytest.approx(130.0)}
    # Erlang C: 13 servers keep Wq <= 15 ms up to about 106 jobs/s
    exact = max(r for r in range(100, 130) if mmc(r, 1 / MEAN, 13).mean_wait <= WAIT_TARGET)
    assert 1.0 <= sat["multiplier"] and sat["throughput"] == pytest.approx(
        exact, rel=0.08)
    assert wait_plan.headroom == pytest.approx(sat["throughput"] / RATE - 1)
    assert any(not p["holds"] for p in sat["probes"])   # the bracket was closed


def test_to_dict_is_plain_json_with_the_search_path(wait_plan):
    data = json.loads(json.dumps(wait_plan.to_dict(), allow_nan=False))
    assert data["feasible"] and data["chosen"]["config"] == {"nodes.srv.servers": 13}
    objective = data["chosen"]["objectives"][0]
    assert {"value", "ci95", "pessimistic", "margin", "holds"} <= set(objective)
    assert [e["step"] for e in data["search"]] == [1, 2]
    assert {"config", "cost", "verdict", "binding"} <= set(data["search"][0])
    assert data["bottleneck"]["node"] == "srv" and data["saturation"]["headroom"] > 0


def test_a_sweep_over_the_pool_size_agrees(wait_plan, tmp_path):
    exp = {"name": "mmc-sweep", "model": mmc_model(RATE, MEAN), "run": dict(RUN),
           "grid": {"nodes.srv.servers": [11, 12, 13, 14]},
           "metrics": ["nodes.srv.wait.mean"]}
    runs = sweep(exp, workers=1, out=tmp_path / "sweep")
    table = summarize(runs)
    ok = table[table["nodes.srv.wait.mean"] <= WAIT_TARGET]
    assert int(ok["nodes.srv.servers"].min()) == wait_plan.config["nodes.srv.servers"]


def test_finds_the_smallest_pool_with_at_most_5_percent_waiting():
    # P(wait) <= 0.05 is "the 95th percentile of the wait is 0": wait.p95 <= 0.
    rate, mean = 10.0, 0.1                               # a = 1: C(3) = 9.1%, C(4) = 2.0%
    expected = smallest_c(lambda c: c > rate * mean and erlang_c(rate * mean, c) <= 0.05)
    result = plan(mmc_plan(["nodes.srv.wait.p95 <= 0"], rate=rate, mean=mean, high=16,
                           run={**RUN, "duration": 400}))
    assert expected == 4 and result.config == {"nodes.srv.servers": expected}
    verdicts = {e.config["nodes.srv.servers"]: e.verdict for e in result.search}
    assert verdicts[expected - 1] == "infeasible"


def test_two_pools_in_tandem_are_sized_independently_by_cost_first_search():
    # Burke: the pool after an M/M/c pool is M/M/c too, so Erlang C sizes each.
    model = mmc_model(50.0, 0.1, name="a")
    model["nodes"]["b"] = {"kind": "service", "servers": 1,
                           "service": {"dist": "exponential", "mean": 0.05}}
    model["edges"].append(["a", "b"])
    body = {"model": model, "run": dict(RUN), "saturation": {"replications": 1, "steps": 1},
            "objectives": ["nodes.a.wait.mean <= 0.009", "nodes.b.wait.mean <= 0.005"],
            "variables": {"nodes.a.servers": {"min": 1, "max": 16, "cost": 2},
                          "nodes.b.servers": {"min": 1, "max": 16, "cost": 1}}}
    ca = smallest_c(lambda c: mmc(50, 10, c).mean_wait <= 0.009)
    cb = smallest_c(lambda c: mmc(50, 20, c).mean_wait <= 0.005)
    result = plan(body)
    assert (ca, cb) == (8, 5)
    assert result.method == "enumeration"
    assert result.config == {"nodes.a.servers": ca, "nodes.b.servers": cb}
    assert result.cost == 2 * ca + cb and result.search[0].reason == "analytic estimate"


def test_infeasible_plan_raises_with_the_binding_objective_and_best_found(tmp_path):
    body = mmc_plan([f"nodes.srv.wait.mean <= {WAIT_TARGET}", "nodes.srv.utilization <= 0.99"],
                    rate=RATE, mean=MEAN, high=12)
    with pytest.raises(InfeasiblePlan) as info:
        plan(body, out=tmp_path / "out")
    exc = info.value
    assert exc.binding == f"nodes.srv.wait.mean <= {WAIT_TARGET}"
    assert exc.best == {"nodes.srv.servers": 12}
    saved = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert saved["feasible"] is False and saved["chosen"]["binding"] == exc.binding


def test_cli_exits_3_naming_the_binding_objective(tmp_path, capsys):
    path = write_plan(tmp_path, mmc_plan([f"nodes.srv.wait.mean <= {WAIT_TARGET}"],
                                         rate=RATE, mean=MEAN, high=11))
    assert main(["plan", str(path), "--quiet"]) == 3
    captured = capsys.readouterr()
    assert f"binding objective: nodes.srv.wait.mean <= {WAIT_TARGET}" in captured.err
    assert "Traceback" not in captured.err
    assert "INFEASIBLE" in captured.out and "nodes.srv.servers = 11" in captured.out


def test_cli_prints_the_answer_and_writes_plan_json_and_report(tmp_path, capsys):
    path = write_plan(tmp_path, mmc_plan([f"nodes.srv.wait.mean <= {WAIT_TARGET}"],
                                         rate=RATE, mean=MEAN))
    out = tmp_path / "out"
    assert main(["plan", str(path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "nodes.srv.servers = 13" in captured.out and "saturation throughput" in captured.out
    assert "headroom" in captured.out and "bottleneck             srv" in captured.out
    assert "[1] nodes.srv.servers=13: feasible" in captured.err      # progress lines
    for name in ("plan.json", "result.json", "model.yaml", "timeseries.csv", "report.html",
                 "report.md", "report-search.png"):
        assert (out / name).is_file(), name
    assert json.loads((out / "plan.json").read_text())["chosen"]["cost"] == 13


def test_saturation_is_a_lower_bound_when_the_upper_end_holds():
    body = mmc_plan(["nodes.srv.utilization <= 0.99"], rate=RATE, mean=MEAN,
                    saturation={"replications": 1, "steps": 2, "max_multiplier": 1.05})
    result = plan(body)                     # 11 servers: 91% busy, 95% at 1.05 x the load
    assert result.config == {"nodes.srv.servers": 11}
    assert result.saturation["bounded_above"] is False
    assert result.saturation["multiplier"] == pytest.approx(1.05)
    assert math.isclose(result.headroom, 0.05)


def test_replications_are_added_while_an_interval_straddles_the_bound():
    from sim.planner import load_plan
    from sim.planner.evaluate import Evaluator

    exact = mmc(RATE, 1 / MEAN, 13).mean_wait           # the bound at the true value
    p = load_plan(mmc_plan([f"nodes.srv.wait.mean <= {exact:.6f}"], rate=RATE, mean=MEAN,
                           max_replications=6))
    ev = Evaluator(p, workers=1).evaluate((12,), "test")  # 13 servers
    assert ev.replications == 6 and len(ev.summaries) == 6      # 3 straddled, so 3 more
    if ev.verdict == "unconfirmed":
        assert ev.checks[0].status == "straddles"


def test_on_the_compiled_kernel_replications_run_in_threads_with_the_serial_answer(
        monkeypatch):
    """Threads share the loaded kernel; the streams are keyed by (seed, replication,
    node), so the plan is the one a single worker finds, figure for figure."""
    pytest.importorskip("numba")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no threads to run in")
    from sim.experiments import executors

    batches = []
    real = executors._threaded
    monkeypatch.setattr(executors, "_threaded",
                        lambda fn, calls, n: batches.append(n) or real(fn, calls, n))
    body = mmc_plan(["nodes.srv.wait.mean <= 0.015"], low=10, high=16)
    threaded = plan(body, engine="compiled").to_dict()
    assert batches and all(n >= 2 for n in batches)
    threaded_batches = len(batches)
    serial = plan(body, engine="compiled", workers=1).to_dict()
    assert len(batches) == threaded_batches          # workers=1: no thread pool
    for result in (threaded, serial):
        result.pop("elapsed", None)
    assert threaded == serial
