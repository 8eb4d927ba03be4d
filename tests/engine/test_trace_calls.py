"""Call rows in the trace: one per call made by a traced request, linked to the
execution that made it (``parent``) and to the callee's visits (``call``), with
outcomes that add up to the edge's own counts."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import simulate
from tests.conftest import make_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def _trace(tmp_path, nodes, edges, suffix="csv", **run):
    path = tmp_path / f"trace.{suffix}"
    run = {"duration": 200, "warmup": 0, "replications": 1, **run}
    result = simulate(make_model(nodes, edges, **run), trace=str(path)).to_dict()
    frame = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
    return result, frame


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_nested_calls_form_a_tree(tmp_path, suffix):
    """api calls auth twice, auth calls db once per execution: each request has 2
    api->auth calls (parent 0) and 2 auth->db calls, each the child of one
    api->auth call; db's visits carry their call's number."""
    nodes = {"client": {"kind": "sender", "rate": 5.0},
             "api": {"kind": "service", "servers": 4, "service": exp(0.01)},
             "auth": {"kind": "service", "servers": 4, "service": exp(0.01)},
             "db": {"kind": "service", "servers": 4, "service": exp(0.01)}}
    edges = [["client", "api"], {"from": "api", "to": "auth", "call": "sync", "visits": 2},
             {"from": "auth", "to": "db", "call": "sync"}]
    result, t = _trace(tmp_path, nodes, edges, suffix)
    calls = t[(t.kind == "call") & (t.outcome == "completed")]
    done = t[(t.kind == "attempt") & (t.outcome == "completed")]
    assert len(done) == result["requests"]["completed"]
    first = calls[calls.request.isin(done.request)]
    per_request = first.groupby(["request", "node"]).size().unstack()
    assert (per_request["api->auth"] == 2).all() and (per_request["auth->db"] == 2).all()
    top = first[first.node == "api->auth"]
    assert (top.parent == 0).all()
    child = first[first.node == "auth->db"]
    parents = top.set_index("call")
    assert child.parent.isin(parents.index).all()
    for _, row in child.head(50).iterrows():  # a child lies inside its parent call
        parent = parents.loc[row.parent]
        assert parent.request == row.request
        assert parent.arrival <= row.arrival <= row.departure <= parent.departure
    visits = t[(t.kind == "visit") & (t.node == "db")]
    assert set(visits.call) <= set(child.call) | set(t[t.outcome == "in_flight"].call)
    assert len(calls[calls.node == "api->auth"]) == pytest.approx(
        result["edges"]["api->auth"]["calls"], abs=2)


def test_timeouts_hedges_and_bulkhead_refusals_have_rows(tmp_path):
    """A guarded edge (hedge after 0.05 s, bulkhead of 3, timeout 0.3 s) to a slow
    callee: the call rows' outcomes count what the edge counts: call_timeout and
    bulkhead rows equal its failures (every request traced, no warm-up), a
    hedge_lost row per hedged copy that lost."""
    nodes = {"client": {"kind": "sender", "rate": 8.0},
             "api": {"kind": "service", "servers": "inf", "service": exp(0.005)},
             "db": {"kind": "service", "servers": 2, "service": exp(0.12)}}
    edges = [["client", "api"], {"from": "api", "to": "db", "call": "sync", "timeout": 0.3,
                                 "hedge": {"after": 0.05}, "max_in_flight": 3}]
    result, t = _trace(tmp_path, nodes, edges)
    edge = result["edges"]["api->db"]
    rows = t[t.kind == "call"].outcome.value_counts()
    assert rows["call_timeout"] >= 1 and rows["bulkhead"] >= 1 and rows["hedge_lost"] >= 1
    assert rows["bulkhead"] == edge["failures"]["bulkhead"]
    assert rows.get("call_failed", 0) == edge["failures"]["call_failed"]
    assert rows["call_timeout"] >= edge["failures"]["call_timeout"]  # per copy
    sent = len(t[(t.kind == "call") & (t.outcome != "bulkhead")])
    assert sent == edge["calls"]
    failed = t[(t.kind == "attempt") & t.outcome.isin(["call_timeout", "bulkhead"])]
    assert len(failed) == (result["requests"]["dead_lettered"]["call_timeout"]
                           + result["requests"]["dead_lettered"]["bulkhead"])


def test_a_call_through_a_queue_is_followed_to_its_consumer(tmp_path):
    """api calls through ``jobs``: the call's number is on the visits at the queue and
    at its consumer, inside the call's row in time."""
    nodes = {"client": {"kind": "sender", "rate": 3.0},
             "api": {"kind": "service", "servers": "inf", "service": exp(0.01)},
             "jobs": {"kind": "queue"},
             "worker": {"kind": "service", "servers": 1, "service": exp(0.1)}}
    edges = [["client", "api"], {"from": "api", "to": "jobs", "call": "sync"},
             ["jobs", "worker"]]
    _result, t = _trace(tmp_path, nodes, edges, duration=100)
    calls = t[(t.kind == "call") & (t.outcome == "completed")].set_index("call")
    visits = t[(t.kind == "visit") & (t.call > 0)]
    assert set(visits.node) == {"jobs", "worker"}
    for _, v in visits[visits.call.isin(calls.index)].iterrows():
        c = calls.loc[v.call]
        assert c.arrival <= v.arrival and v.departure <= c.departure + 1e-12
