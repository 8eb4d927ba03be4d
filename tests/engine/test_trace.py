"""Tracing: a trace accounts for every attempt the JSON counts, visits follow the path."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import simulate
from tests.conftest import make_model


def storm_model():
    nodes = {"client": {"kind": "sender", "rate": 30.0, "timeout": 0.3,
                        "retry": {"max_attempts": 3, "backoff": {"initial": 0.05}}},
             "q": {"kind": "queue", "capacity": 20},
             "w": {"kind": "service", "servers": 2, "service": {"dist": "exponential",
                                                                "mean": 0.06},
                   "error_rate": 0.05},
             "cb": {"kind": "service", "servers": 1, "service": 0.001}}
    edges = [["client", "q"], ["q", "w"], ["w", "cb"]]
    return make_model(nodes, edges, duration=200, warmup=20, replications=2)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_trace_accounts_for_every_attempt(tmp_path, suffix):
    path = tmp_path / f"trace.{suffix}"
    result = simulate(storm_model(), trace=str(path))
    req = result.to_dict()["requests"]
    trace = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
    attempts = trace[trace.kind == "attempt"]
    assert len(attempts) == req["attempts"]
    assert attempts[["replication", "request", "attempt"]].duplicated().sum() == 0
    outcomes = attempts.outcome.value_counts()
    assert outcomes.get("timeout", 0) == req["timed_out"]
    assert outcomes.get("in_flight", 0) >= 1
    assert attempts.groupby(["replication", "request"]).ngroups == req["offered"]
    done = trace[(trace.kind == "visit") & (trace.node == "w") & (trace.outcome == "done")]
    assert (done.departure >= done.start).all() and (done.start >= done.arrival).all()


def test_trace_sample_fraction(tmp_path):
    path = tmp_path / "sample.csv"
    result = simulate(storm_model(), trace=str(path), trace_sample=0.2)
    offered = result.to_dict()["requests"]["offered"]
    traced = pd.read_csv(path).groupby(["replication", "request"]).ngroups
    assert traced == pytest.approx(0.2 * offered, rel=0.1)


def test_one_request_followed_through_its_path(tmp_path):
    path = tmp_path / "one.csv"
    simulate(storm_model(), trace=str(path))
    trace = pd.read_csv(path)
    completed = trace[(trace.kind == "attempt") & (trace.outcome == "completed")]
    rid = completed.iloc[0][["replication", "request", "attempt"]]
    rows = trace[(trace.replication == rid.replication) & (trace.request == rid.request)
                 & (trace.attempt == rid.attempt) & (trace.kind == "visit")]
    assert list(rows.sort_values("departure").node) == ["q", "w", "cb"]
