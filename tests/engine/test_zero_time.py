"""Routers take no time: a cycle of routers must not recurse once per hop (it hit
Python's recursion limit after a few hundred hops)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from sim.engine import simulate
from sim.engine.router import MAX_HOPS
from sim.model import from_dict, validate


def loop_model(back: float, rate: float, duration: float):
    """s -> a -> b; b -> a with probability ``back``, else -> w (a sink service)."""
    return validate(from_dict({
        "name": "router-loop",
        "run": {"duration": duration, "seed": 4},
        "nodes": {"s": {"kind": "sender", "rate": rate},
                  "a": {"kind": "router"}, "b": {"kind": "router"},
                  "w": {"kind": "service", "servers": "inf", "service": 0.001}},
        "edges": [["s", "a"], ["a", "b"], ["b", "a", back], ["b", "w", 1 - back]]}))


def test_router_cycle_of_ten_thousand_loops_runs():
    """p = 0.9999 back: a request visits a 1 / (1 - p) = 10,000 times on average
    (geometric). Over n ~ 100 requests the mean visit count has a standard deviation
    of about 10,000 / sqrt(100) = 1,000; the bounds are 4 of them."""
    result = simulate(loop_model(0.9999, rate=10.0, duration=10.0)).to_dict()
    req, a = result["requests"], result["nodes"]["a"]
    assert req["offered"] > 50
    assert req["completed"] + req["in_flight"] == req["offered"]
    assert req["failed"] == 0
    per_request = a["arrivals"] / result["nodes"]["s"]["offered"]
    assert 6_000 < per_request < 14_000


def test_deferred_hops_keep_the_time_and_the_count():
    """A cycle looping far beyond MAX_HOPS: every visit is counted and no time passes
    (the service takes 1 ms, so the latency is 1 ms whatever the loops)."""
    assert MAX_HOPS < 1000
    result = simulate(loop_model(0.999, rate=5.0, duration=20.0)).to_dict()
    a, b = result["nodes"]["a"], result["nodes"]["b"]
    assert a["arrivals"] == b["arrivals"] == a["completed"]
    assert result["requests"]["latency"]["max"] == pytest.approx(0.001)



def _closed_into_full_queue(overflow: str, think: float) -> dict:
    return {"nodes": {"c": {"kind": "sender", "clients": 5, "think": think},
                      "q": {"kind": "queue", "capacity": 2, "overflow": overflow},
                      "w": {"kind": "service", "servers": 2,
                            "service": {"dist": "deterministic", "value": 1.0}}},
            "edges": [["c", "q"], ["q", "w"]], "run": {"duration": 100.0}}


@pytest.mark.parametrize("overflow", ["drop_oldest", "reject"])
def test_clients_that_never_think_in_front_of_a_full_queue_are_a_livelock(overflow, capsys):
    """5 clients with zero think time, 2 places and 2 servers busy for 1 s: every new
    request is refused or pushes out another at once, whose client sends again at
    the same instant, so simulated time can never pass (this used to recurse until
    RecursionError). It is refused with the reason, exit 2."""
    from sim.cli import main
    from sim.errors import ModelError
    from sim.model import save

    model = validate(from_dict(_closed_into_full_queue(overflow, 0.0)))
    with pytest.raises(ModelError, match=r"node 'c': 'think' .* without simulated time "
                                         r"passing"):
        simulate(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.yaml"
        save(model.graph, path)
        assert main(["run", str(path)]) == 2
    assert "give 'think' a positive time" in capsys.readouterr().err


@pytest.mark.parametrize("overflow", ["drop_oldest", "reject"])
def test_clients_that_think_a_little_keep_the_servers_busy(overflow):
    """The same with think time 0.01 s: more clients than servers and places, so the
    servers never idle: 2 completions a second from t = 1 s, and the one at t = 100 s
    falls after the run, so throughput is c (T - S) / (S T) = 2 * 99 / 100."""
    out = simulate(validate(from_dict(_closed_into_full_queue(overflow, 0.01)))).to_dict()
    req = out["requests"]
    assert req["offered"] == req["completed"] + req["failed"] + req["in_flight"]
    assert out["nodes"]["w"]["throughput"] == pytest.approx(2 * 99 / 100, abs=1e-9)
