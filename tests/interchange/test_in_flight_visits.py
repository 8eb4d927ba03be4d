"""Visits still open when a run ends get a row (outcome ``in_flight``), so an imported
trace does not read a message still waiting in a queue as a request that ended."""

from __future__ import annotations

import pandas as pd

from sim.engine import simulate
from tests.conftest import make_model


def test_open_visits_are_written_at_the_end(tmp_path):
    """One server of mean 1 s against 2 arrivals/s: the queue grows, so at the end
    messages are waiting; each traced attempt still in flight has a visit in flight."""
    nodes = {"client": {"kind": "sender", "rate": 2.0},
             "q": {"kind": "queue"},
             "work": {"kind": "service", "servers": 1,
                      "service": {"dist": "exponential", "mean": 1.0}}}
    path = tmp_path / "t.csv"
    simulate(make_model(nodes, [["client", "q"], ["q", "work"]], duration=50),
             trace=str(path))
    t = pd.read_csv(path)
    open_attempts = t[(t.kind == "attempt") & (t.outcome == "in_flight")]
    open_visits = t[(t.kind == "visit") & (t.outcome == "in_flight")]
    assert len(open_attempts) > 5
    assert set(open_visits.request) == set(open_attempts.request)
    assert (open_visits.departure == 50).all()
