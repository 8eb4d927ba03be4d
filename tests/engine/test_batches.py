"""Batched service (``batch`` on a service) by hand, on deterministic models."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import simulate
from tests.conftest import make_model


def det(value):
    return {"dist": "deterministic", "value": value}


def _run(tmp_path, batch, *, gap=1.0, service=0.5, duration=1000, **extra):
    nodes = {"c": {"kind": "sender", "interarrival": det(gap)},
             "w": {"kind": "service", "service": det(service), "batch": batch, **extra}}
    model = make_model(nodes, [["c", "w"]], duration=duration, warmup=0, replications=1)
    path = tmp_path / "t.csv"
    result = simulate(model, trace=str(path)).to_dict()
    return result["nodes"]["w"], pd.read_csv(path)


def test_window_zero_takes_what_waits_batch_sizes_by_hand(tmp_path):
    """Seven arrivals at 0.1, 0.2, ..., 0.7; size 4, window 0, 1 s a batch: the first
    finds the server idle and goes alone (0.1 -> 1.1); at 1.1 six wait and the
    next four go (1.1 -> 2.1); then the last two (2.1 -> 3.1)."""
    nodes = {"c": {"kind": "sender", "trace": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]},
             "w": {"kind": "service", "service": det(1.0), "batch": {"size": 4}}}
    model = make_model(nodes, [["c", "w"]], duration=10, warmup=0, replications=1)
    path = tmp_path / "t.csv"
    w = simulate(model, trace=str(path)).to_dict()["nodes"]["w"]
    t = pd.read_csv(path)
    starts = t[(t.kind == "visit") & (t.node == "w")].groupby("start").size()
    assert [round(x, 9) for x in starts.index] == [0.1, 1.1, 2.1]
    assert list(starts.values) == [1, 4, 2]
    assert w["batches"] == 3 and w["batch_size"]["mean"] == pytest.approx(7 / 3)
    assert w["busy"]["mean"] == pytest.approx(3.0 / 10)


def test_a_window_waits_for_a_full_batch(tmp_path):
    """Arrivals every 1 s, size 3, window 10 s: a batch gathers messages 1, 2, 3 and
    starts at 3 when full; it takes 0.5 s; so every batch is full, starts at each
    third arrival, and a message waits (3 - k) s for k = 1, 2, 3: sojourn
    mean = (2 + 1 + 0) / 3 + 0.5 = 1.5 s exactly."""
    w, _t = _run(tmp_path, {"size": 3, "window": 10.0}, duration=999.5)
    assert w["batch_size"]["mean"] == pytest.approx(3.0)
    assert w["sojourn"]["mean"] == pytest.approx(1.5, abs=1e-9)
    assert w["batches"] == 333


def test_a_window_that_expires_starts_a_partial_batch(tmp_path):
    """Arrivals every 1 s, size 5, window 1.5 s: a batch gathers the first message,
    takes the next (1 s later) and starts when the window ends 1.5 s after the
    first: batches of 2, a message waits 1.5 or 0.5 s: sojourn = 1 + 0.2 = 1.2 s."""
    w, _t = _run(tmp_path, {"size": 5, "window": 1.5}, service=0.2, duration=1000)
    assert w["batch_size"]["mean"] == pytest.approx(2.0, abs=0.01)
    assert w["sojourn"]["mean"] == pytest.approx(1.2, abs=0.01)


def test_an_error_fails_the_whole_batch_unless_partial(tmp_path):
    """error_rate 0.3 on batches of 3 (window 10): whole batches fail, so failures
    come in multiples of 3; with partial each message fails on its own (about 30%)."""
    w, t = _run(tmp_path, {"size": 3, "window": 10.0}, duration=3000.5, error_rate=0.3)
    failed = t[(t.kind == "visit") & (t.outcome == "error")]
    assert w["errors"] % 3 == 0 and w["errors"] == pytest.approx(0.3 * 3000, rel=0.15)
    assert failed.groupby("start").size().eq(3).all()
    w2, t2 = _run(tmp_path, {"size": 3, "window": 10.0, "partial": True}, duration=3000.5,
                  error_rate=0.3)
    assert w2["errors"] == pytest.approx(0.3 * 3000, rel=0.1)
    sizes = t2[(t2.kind == "visit") & (t2.outcome == "error")].groupby("start").size()
    assert (sizes < 3).any()
