"""Scenarios: timed changes applied while the model runs, checked by hand on
deterministic models (exact) and against Poisson counts."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import simulate
from tests.conftest import make_model


def det(value):
    return {"dist": "deterministic", "value": value}


def _run(tmp_path, nodes, edges, scenario, **run):
    model = make_model(nodes, edges, **{"warmup": 0, "replications": 1, **run})
    graph = model.graph.copy()
    graph.graph["scenario"] = scenario
    from sim.model import validate
    path = tmp_path / "trace.csv"
    result = simulate(validate(graph), trace=str(path)).to_dict()
    return result, pd.read_csv(path)


def _dd1():
    """One arrival a second (at 1, 2, ...), 0.5 s of service, one server."""
    return ({"client": {"kind": "sender", "interarrival": det(1.0)},
             "db": {"kind": "service", "servers": 1, "service": det(0.5)}},
            [["client", "db"]])


def test_a_crash_and_recover_by_hand(tmp_path):
    """Crashed at 100.75 (idle) and recovered 100 s later: nothing completes in
    between, the 100 arrivals of the window (101 ... 200) wait, and the backlog
    drains at c mu - lam = 2 - 1 = 1 message/s: B(t) = 100 - (t - 200.75) is empty
    at 300.75, so an arrival from 301 on waits nothing and one at 300 still waits."""
    nodes, edges = _dd1()
    _r, t = _run(tmp_path, nodes, edges,
                 [{"at": 100.75, "for": 100, "node": "db", "action": "crash"}],
                 duration=400)
    v = t[(t.kind == "visit") & (t.node == "db")]
    assert not ((v.departure > 100.75) & (v.departure < 200.75)).any()
    window = v[(v.arrival > 100.75) & (v.arrival < 200.75)]
    assert len(window) == 100 and (window.start >= 200.75).all()
    wait = (v.start - v.arrival).round(9)
    assert (wait[v.arrival >= 301] == 0).all()
    assert wait[v.arrival == 300].iloc[0] > 0
    assert wait[v.arrival == 201].iloc[0] == pytest.approx(200.75 + 100 * 0.5 - 201)


def test_a_capacity_step_changes_the_ceiling_at_its_time(tmp_path):
    """Overloaded (10 arrivals/s, 1 s of service): 2 servers complete 2/s until the
    step at 300, then 4 servers complete 4/s, exactly (deterministic times)."""
    nodes = {"client": {"kind": "sender", "interarrival": det(0.1)},
             "db": {"kind": "service", "servers": 2, "service": det(1.0)}}
    _r, t = _run(tmp_path, nodes, [["client", "db"]],
                 [{"at": 300, "set": {"nodes.db.servers": 4}}], duration=400)
    done = t[(t.kind == "visit") & (t.node == "db") & (t.outcome == "done")].departure
    assert ((done > 250) & (done <= 300)).sum() == 100
    assert ((done > 301) & (done <= 351)).sum() == 200


def test_a_slow_period_is_undone_after_for(tmp_path):
    """service 0.5 s -> 0.8 s from 100 for 50 s: executions starting in [100, 150)
    take 0.8 s, the others 0.5 s (deterministic)."""
    nodes, edges = _dd1()
    _r, t = _run(tmp_path, nodes, edges,
                 [{"at": 100, "for": 50, "set": {"nodes.db.service": det(0.8)}}],
                 duration=300)
    v = t[(t.kind == "visit") & (t.node == "db") & (t.outcome == "done")]
    took = (v.departure - v.start).round(9)
    inside = (v.start >= 100) & (v.start < 150)
    assert (took[inside] == 0.8).all() and inside.sum() == 50
    assert (took[~inside] == 0.5).all()


def test_a_rate_step_is_exact_for_poisson_counts(tmp_path):
    """rate 5/s, then 15/s from 1000 s: offered counts are Poisson with means 5000
    and 15000 (sd 71 and 122): within 4 sd."""
    nodes = {"client": {"kind": "sender", "rate": 5.0},
             "db": {"kind": "service", "servers": "inf", "service": det(0.001)}}
    _r, t = _run(tmp_path, nodes, [["client", "db"]],
                 [{"at": 1000, "set": {"nodes.client.rate": 15}}], duration=2000)
    born = t[t.kind == "attempt"].arrival
    assert (born < 1000).sum() == pytest.approx(5000, abs=4 * 71)
    assert (born >= 1000).sum() == pytest.approx(15000, abs=4 * 122)


def test_routing_probabilities_change_and_come_back(tmp_path):
    """p 0.5/0.5, then 0.9/0.1 over [1000, 2000): the share of a is within 3 sd of
    its binomial mean in each period (about 5000 requests each)."""
    nodes = {"client": {"kind": "sender", "rate": 5.0},
             "lb": {"kind": "router"},
             "a": {"kind": "service", "servers": "inf", "service": det(0.001)},
             "b": {"kind": "service", "servers": "inf", "service": det(0.001)}}
    edges = [["client", "lb"], ["lb", "a", 0.5], ["lb", "b", 0.5]]
    _r, t = _run(tmp_path, nodes, edges,
                 [{"at": 1000, "for": 1000, "set": {"edges.lb->a.p": 0.9,
                                                    "edges.lb->b.p": 0.1}}],
                 duration=3000)
    v = t[t.kind == "visit"]
    for lo, hi, p in [(0, 1000, 0.5), (1000, 2000, 0.9), (2000, 3000, 0.5)]:
        part = v[(v.arrival >= lo) & (v.arrival < hi)]
        n, share = len(part), (part.node == "a").mean()
        assert share == pytest.approx(p, abs=3 * (p * (1 - p) / n) ** 0.5)


def test_the_recovery_time_is_the_drain_time_within_the_series_interval(tmp_path):
    """D/D/1 (lam = 1/s, 0.5 s) crashed at 100.75 for 100 s: 100 messages wait at the
    recovery and drain at c mu - lam = 1/s, so the backlog is gone 100 s after the
    fault ends; latency is back to 0.5 s from then on. With 5 s intervals the
    reported recovery is within one interval of 100 s."""
    nodes, edges = _dd1()
    model = make_model(nodes, edges, duration=500, warmup=0, replications=1)
    graph = model.graph.copy()
    graph.graph["scenario"] = [{"at": 100.75, "for": 100, "node": "db", "action": "crash"}]
    from sim.model import validate
    result = simulate(validate(graph), series=5.0).to_dict()
    scenario = result["scenario"]
    assert scenario["recovered"] == 1
    assert abs(scenario["recovery"] - 100.0) <= 5.0
    assert [s["change"] for s in scenario["steps"]] == ["crash"]


def test_a_fault_that_never_drains_reports_no_recovery(tmp_path):
    """The rate doubles to 3/s from 100 s for 300 s against a capacity of 2/s: the
    backlog of 300 s x 1/s left at 400 s drains at 1/s, beyond the run's end at 600."""
    nodes, edges = _dd1()
    model = make_model(nodes, edges, duration=600, warmup=0, replications=1)
    graph = model.graph.copy()
    graph.graph["scenario"] = [{"at": 100, "for": 300,
                                "set": {"nodes.client.interarrival": det(1 / 3)}}]
    from sim.model import validate
    with pytest.raises(Exception, match="cannot change 'interarrival'"):
        validate(graph)
    nodes["client"] = {"kind": "sender", "rate": 1.0}
    model = make_model(nodes, edges, duration=600, warmup=0, replications=1)
    graph = model.graph.copy()
    graph.graph["scenario"] = [{"at": 100, "for": 300, "set": {"nodes.client.rate": 3.0}}]
    result = simulate(validate(graph), series=5.0).to_dict()
    assert result["scenario"]["recovery"] is None and result["scenario"]["recovered"] == 0


def test_a_run_report_marks_the_scenario_steps(tmp_path):
    """The steps of the result's scenario block become the report's markers: each
    step's time and, with for, its end."""
    from sim.reports.data import scenario_markers

    nodes, edges = _dd1()
    model = make_model(nodes, edges, duration=300, warmup=0, replications=1)
    graph = model.graph.copy()
    graph.graph["scenario"] = [{"at": 100.75, "for": 50, "node": "db", "action": "crash"},
                               {"at": 200, "set": {"nodes.db.servers": 2}}]
    from sim.model import validate
    result = simulate(validate(graph)).to_dict()
    assert scenario_markers(result) == [(100.75, "crash db"), (150.75, "end of crash db"),
                                        (200.0, "db.servers = 2")]


def test_a_flushed_cache_misses_each_key_once_more(tmp_path):
    """Keys drawn from 3, capacity 3 (everything fits): after the first miss of each
    key every request hits, until the flush at 500.5 s, after which each key misses
    once more: misses = 2 x 3 exactly (each key is requested many times in each
    half)."""
    nodes = {"c": {"kind": "sender", "interarrival": det(1.0),
                   "keys": {"count": 3, "popularity": "uniform"}},
             "cache": {"kind": "cache", "capacity": 3},
             "fast": {"kind": "service", "servers": "inf", "service": det(0.001)},
             "db": {"kind": "service", "servers": "inf", "service": det(0.01)}}
    edges = [["c", "cache"], {"from": "cache", "to": "fast", "when": "hit"},
             {"from": "cache", "to": "db", "when": "miss"}]
    result, _t = _run(tmp_path, nodes, edges,
                      [{"at": 500.5, "node": "cache", "action": "flush"}], duration=1000)
    cache = result["nodes"]["cache"]
    assert cache["misses"] == 6 and cache["hits"] == result["requests"]["offered"] - 6
