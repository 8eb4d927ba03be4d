"""The compiled kernel against the SimPy engine, model by model.

Both engines draw every random number from the same stream in the same order
(sim.engine.compiled.state), so on models whose events never tie they must give the
same figures: every metric of the result, the time series and the per-interval
request series, up to the last digits of sums taken in other batches (relative
1e-9). Where events do tie (deterministic times), the order of simultaneous events
may differ, and the engines must agree within their confidence intervals instead.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.engine.run import run_replication
from sim.errors import ModelError
from tests.conftest import make_model, pick
from tests.engine.compiled.corpus import CORPUS

pytest.importorskip("numba")


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in d.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flat(value, path))
        else:
            out[path] = value
    return out


def _differences(a: dict, b: dict) -> list[tuple]:
    fa, fb = _flat(a), _flat(b)
    bad = []
    for key in sorted(set(fa) | set(fb)):
        x, y = fa.get(key, "missing"), fb.get(key, "missing")
        if isinstance(x, float) and isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                bad.append((key, x, y))
        elif x != y:
            bad.append((key, x, y))
    return bad


def _both(model, **settings):
    return (simulate(model, engine="compiled", **settings),
            simulate(model, engine="simpy", **settings))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_same_figures_as_the_simpy_engine(name):
    nodes, edges = CORPUS[name]
    model = make_model(nodes, edges, duration=1500, warmup=100, replications=2, seed=3)
    compiled, reference = _both(model)
    assert compiled.engine.name == "compiled" and reference.engine.name == "simpy"
    assert reference.to_dict()["requests"]["completed"] > 500
    assert _differences(compiled.to_dict(), reference.to_dict()) == []
    pd.testing.assert_frame_equal(compiled.timeseries, reference.timeseries, check_dtype=False)
    pd.testing.assert_frame_equal(compiled.requests_series, reference.requests_series,
                                  check_dtype=False, rtol=1e-9)


def test_same_figures_without_warmup_and_with_a_series_interval():
    nodes, edges = CORPUS["request_reply_retries"]
    model = make_model(nodes, edges, duration=600, warmup=0, seed=8)
    compiled, reference = _both(model, series=7.5)
    assert _differences(compiled.to_dict(), reference.to_dict()) == []
    assert len(compiled.requests_series) == math.ceil(600 / 7.5)
    pd.testing.assert_frame_equal(compiled.requests_series, reference.requests_series,
                                  check_dtype=False, rtol=1e-9)


def test_tables_grow_under_overload_and_figures_stay_the_same():
    """Arrivals at twice the service rate: about 20,000 messages wait at the end, so
    the kernel's message, request and heap tables grow many times over."""
    nodes = {"src": {"kind": "sender", "rate": 2.0, "timeout": 5000.0},
             "s": {"kind": "service", "servers": 1,
                   "service": {"dist": "exponential", "mean": 1.0}}}
    model = make_model(nodes, [["src", "s"]], duration=20000, warmup=0, seed=2)
    compiled, reference = _both(model)
    queue = compiled.to_dict()["nodes"]["s"]["queue_length"]["max"]
    assert queue > 15000
    assert _differences(compiled.to_dict(), reference.to_dict()) == []


def test_held_messages_pile_up_and_figures_stay_the_same():
    """A delay station (servers: inf) sends at 1.5/s into a blocking loss buffer
    (capacity 0) whose one server serves 1/s: about 1,000 messages are held by the
    end, each keeping a server of the delay station blocked, so the message table
    outgrows its first 1,024 slots and the cascade stack grows with it."""
    nodes = {"src": {"kind": "sender", "rate": 1.5},
             "delay": {"kind": "service", "servers": ".inf",
                       "service": {"dist": "exponential", "mean": 2.0}},
             "s": {"kind": "service", "servers": 1, "capacity": 0, "overflow": "block",
                   "service": {"dist": "exponential", "mean": 1.0}}}
    model = make_model(nodes, [["src", "delay"], ["delay", "s"]], duration=2000, warmup=0,
                       seed=7)
    compiled, reference = _both(model)
    blocked = compiled.to_dict()["nodes"]["delay"]["blocked"]
    assert blocked > 2000 * 500 / 2
    assert _differences(compiled.to_dict(), reference.to_dict()) == []


def test_a_crash_of_many_messages_at_once_gives_the_same_figures():
    """A delay station holds about 1,400 messages in service when it crashes: all are lost
    in one event, and each lost attempt adds to its sender's breaker window and retry
    budget at once, more entries than the rings hold in their 2 s windows (about 240),
    so a ring that kept only a fixed margin free would wrap over its own entries."""
    nodes = {"src": {"kind": "sender", "rate": 120.0, "timeout": 30.0,
                     "retry": {"max_attempts": 3, "budget": {"ratio": 5, "window": 2}},
                     "circuit_breaker": {"failure_ratio": 0.9, "window": 2,
                                         "min_calls": 50}},
             "delay": {"kind": "service", "servers": ".inf",
                       "service": {"dist": "exponential", "mean": 12.0},
                       "availability": {"mtbf": {"dist": "exponential", "mean": 40.0},
                                        "mttr": {"dist": "exponential", "mean": 1.0}}}}
    model = make_model(nodes, [["src", "delay"]], duration=600, warmup=0, seed=4)
    compiled, reference = _both(model)
    d = compiled.to_dict()
    assert d["nodes"]["delay"]["crashes"] >= 5
    assert d["requests"]["retries"] > 5 * 1000
    assert _differences(d, reference.to_dict()) == []


def test_deterministic_times_agree_within_their_intervals():
    """D/D/1 ties every arrival with a completion; with ties the order of simultaneous
    events may differ, so the engines agree within the 95% intervals (and the exact
    D/D/1 figures: sojourn 0.5 s, utilisation 0.5)."""
    nodes = {"src": {"kind": "sender", "interarrival": 1.0},
             "s": {"kind": "service", "servers": 1, "service": 0.5},
             "r": {"kind": "router", "routing": "round_robin"},
             "a": {"kind": "service", "servers": 1, "service": 1.0},
             "b": {"kind": "service", "servers": 1, "service": 1.0}}
    edges = [["src", "s"], ["s", "r"], ["r", "a"], ["r", "b"]]
    model = make_model(nodes, edges, duration=1000, warmup=10, replications=3)
    for result in _both(model):
        d = result.to_dict()
        assert d["nodes"]["s"]["sojourn"]["mean"] == pytest.approx(0.5)
        assert d["nodes"]["s"]["utilization"] == pytest.approx(0.5, rel=1e-3)
        assert d["requests"]["latency"]["mean"] == pytest.approx(1.5)


def test_each_replication_is_the_same_alone_or_in_a_run():
    """Streams depend on (seed, replication, node) only: replication 1 run alone equals
    replication 1 of a run of three, on the kernel."""
    nodes, edges = CORPUS["routers"]
    model = make_model(nodes, edges, duration=500, warmup=50, replications=3, seed=11)
    whole = simulate(model, engine="compiled").replications[1]
    alone, _ = run_replication(model, 1, seed=11, duration=500, warmup=50, engine="compiled")
    assert _differences(whole, alone) == []


def test_same_seed_same_result_and_another_seed_another():
    nodes, edges = CORPUS["mm1"]
    model = make_model(nodes, edges, duration=800, warmup=0, seed=4)
    first = simulate(model, engine="compiled").to_dict()
    assert simulate(model, engine="compiled").to_dict() == first
    other = simulate(model, engine="compiled", seed=5).to_dict()
    assert pick(other, "requests.latency.mean") != pick(first, "requests.latency.mean")


def test_a_livelock_is_refused_the_same_way():
    """Clients that never think, in front of a loss system, send again at one instant
    for ever: both engines stop with the same message."""
    nodes = {"users": {"kind": "sender", "clients": 2},
             "s": {"kind": "service", "servers": 1, "capacity": 0,
                   "service": {"dist": "exponential", "mean": 1.0}}}
    model = make_model(nodes, [["users", "s"]], duration=10)
    messages = []
    for engine in ("compiled", "simpy"):
        with pytest.raises(ModelError, match="without simulated time passing") as info:
            simulate(model, engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_the_kernel_never_leaks_slots():
    """Every message and request slot taken is given back: after a run with retries,
    timeouts, drops and duplicates the free stacks hold all slots but the live ones."""
    from sim.engine.compiled import layout as L
    from sim.engine.compiled.replication import _Driver
    from sim.engine.compiled.state import build_state

    nodes, edges = CORPUS["request_reply_retries"]
    model = make_model(nodes, edges, duration=300, warmup=0, seed=5)
    b = build_state(model, 5, 0, 0.0)
    _Driver(model, b, 0, 0.0, 300.0, None, None).run()
    s = b.state
    live_messages = s.mi.shape[0] - s.g[L.G_MTOP]
    live_requests = s.ri.shape[0] - s.g[L.G_RTOP]
    waiting = int(s.bi[:, L.B_N].sum()) + int(s.ni[:, L.N_BUSY].sum())
    pending = np.count_nonzero(s.ri[:, L.Q_STATE] == L.PENDING)
    assert live_requests >= pending
    assert live_messages >= waiting
    assert live_messages <= waiting + s.g[L.G_HEAP]


@pytest.mark.parametrize("name", ["broadcast_quorum", "broadcast_errors_retries",
                                  "nested_joins"])
def test_the_kernel_frees_every_join(name):
    """A join is freed with the last message or child join referring to it: after a
    run with forks, quorums, losses and retries, the joins in use are exactly those
    the live messages reach through their parents."""
    from sim.engine.compiled import layout as L
    from sim.engine.compiled.replication import _Driver
    from sim.engine.compiled.state import build_state

    nodes, edges = CORPUS[name]
    model = make_model(nodes, edges, duration=300, warmup=0, seed=5)
    b = build_state(model, 5, 0, 0.0)
    _Driver(model, b, 0, 0.0, 300.0, None, None).run()
    s = b.state
    taken = set(range(s.mi.shape[0])) - set(s.mfree[:s.g[L.G_MTOP]].tolist())
    joins = {m for m in taken if s.mi[m, L.M_JOIN] == L.JOIN_SLOT}
    reached = set()
    for m in taken - joins:
        j = s.mi[m, L.M_JOIN]
        while j >= 0:
            reached.add(int(j))
            j = s.mi[j, L.J_PARENT]
    assert reached and joins == reached


def test_a_replication_without_its_series_has_the_same_figures():
    """keep_series=False (sweeps and plans drop the series) takes no snapshots: the
    rows are empty and the result dict is the same."""
    nodes, edges = CORPUS["request_reply_retries"]
    model = make_model(nodes, edges, duration=400, warmup=40, seed=6)
    kept, rows = run_replication(model, 0, seed=6, duration=400, warmup=40, engine="compiled")
    dropped, none = run_replication(model, 0, seed=6, duration=400, warmup=40,
                                    engine="compiled", keep_series=False)
    assert len(rows) == 201 * len(model.nodes) and none == []
    assert _differences(kept, dropped) == []


def _shipped_covered() -> list[str]:
    from pathlib import Path

    from sim.engine.compiled.coverage import uncovered
    from sim.model import load, validate

    root = Path(__file__).parents[3] / "models"
    return [str(p) for p in sorted(root.glob("*.yaml"))
            if uncovered(validate(load(p))) is None]


@pytest.mark.parametrize("path", _shipped_covered())
def test_shipped_models_the_kernel_covers_give_the_same_figures(path):
    from sim.model import load, validate

    model = validate(load(path))
    compiled, reference = _both(model, duration=300, warmup=30, replications=2)
    assert _differences(compiled.to_dict(), reference.to_dict()) == []
    pd.testing.assert_frame_equal(compiled.timeseries, reference.timeseries, check_dtype=False)


def test_the_shipped_models_documented_as_covered_are():
    """The shipped models the kernel covers stay so (the test above would silently
    shrink otherwise): a fork-join and a quorum among them."""
    names = {path.rsplit("/", 1)[-1] for path in _shipped_covered()}
    assert {"bounded_queue.yaml", "load_balancer_jsq.yaml", "load_balancer_p2c.yaml",
            "order_pipeline.yaml", "request_reply.yaml", "retry_storm.yaml",
            "event_broadcast.yaml", "quorum_write.yaml"} <= names


@pytest.mark.parametrize("discipline", ["ps", "preemptive"])
def test_shared_and_preempted_servers_under_overload_give_the_same_figures(discipline):
    """Arrivals at 1.35 times the capacity: over 10,000 messages are present at the end, all
    in service under ps (the jobs' heaps grow with the message table) and mostly
    preempted or waiting under preemptive priority."""
    nodes = {"hi": {"kind": "sender", "rate": 1.4, "priority": 0, "timeout": 5000.0},
             "lo": {"kind": "sender", "rate": 2.2, "priority": 1, "timeout": 5000.0},
             "s": {"kind": "service", "servers": 2, "discipline": discipline,
                   "service": {"dist": "exponential", "mean": 0.75}}}
    model = make_model(nodes, [["hi", "s"], ["lo", "s"]], duration=20000, warmup=0, seed=2)
    compiled, reference = _both(model)
    assert compiled.to_dict()["requests"]["in_flight"] > 10000
    assert _differences(compiled.to_dict(), reference.to_dict()) == []
