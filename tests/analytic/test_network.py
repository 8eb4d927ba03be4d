"""Traffic equations, stability and bottleneck on small models."""

from __future__ import annotations

import math

import pytest

from sim.analytic.mva import mva
from sim.analytic.network import (bottleneck, is_exponential, jackson_response, traffic,
                                  unstable_nodes, visit_ratios)
from sim.distributions import Constant, Exponential, Gamma
from sim.model.kinds.queue import QueueSpec
from sim.model.kinds.router import RouterSpec
from sim.model.kinds.sender import SenderSpec
from sim.model.kinds.service import ServiceSpec
from sim.model.spec import BufferSpec, EdgeSpec, RateLimit


def rows(model):
    return {r["node"]: r for r in traffic(model)}


def test_feedback_visit_ratio(build, svc):
    """A loop back with probability p gives 1 / (1 - p) visits (Jackson 1957;
    Lazowska et al. 1984, sec. 3.5): p = 0.25 -> 4/3."""
    m = build(SenderSpec("s", rate=3.0), svc("w", 0.1), RouterSpec("r"), RouterSpec("done"),
              edges=[("s", "w"), ("w", "r"), ("r", "w", 0.25), ("r", "done", 0.75)])
    assert visit_ratios(m)["s"]["w"] == pytest.approx(4 / 3)
    t = rows(m)
    assert t["w"]["arrival_rate"] == pytest.approx(4.0)
    assert t["w"]["utilization"] == pytest.approx(0.4)
    assert t["done"]["arrival_rate"] == pytest.approx(3.0)


def test_equal_split_and_balancers(build, svc):
    """No p: equal split; round_robin splits evenly whatever p says."""
    m = build(SenderSpec("s", rate=6.0), RouterSpec("lb"), svc("a", 0.1), svc("b", 0.1),
              svc("c", 0.1), edges=[("s", "lb"), ("lb", "a"), ("lb", "b"), ("lb", "c")])
    assert {n: rows(m)[n]["arrival_rate"] for n in "abc"} == pytest.approx(
        {"a": 2.0, "b": 2.0, "c": 2.0})
    m2 = build(SenderSpec("s", rate=6.0, routing="round_robin"), svc("a", 0.1), svc("b", 0.1),
               edges=[("s", "a", 0.9), ("s", "b", 0.1)])
    assert rows(m2)["a"]["arrival_rate"] == pytest.approx(3.0)


def test_probabilistic_p(build, svc):
    m = build(SenderSpec("s", rate=10.0), svc("a", 0.01), svc("b", 0.01),
              edges=[("s", "a", 0.3), ("s", "b", 0.7)])
    assert rows(m)["b"]["arrival_rate"] == pytest.approx(7.0)


def test_broadcast_counts_every_copy(build, svc):
    m = build(SenderSpec("s", rate=2.0), RouterSpec("fork", routing="broadcast"),
              svc("a", 0.1), svc("b", 0.1), svc("join", 0.01),
              edges=[("s", "fork"), ("fork", "a"), ("fork", "b"), ("a", "join"), ("b", "join")])
    v = visit_ratios(m)["s"]
    assert (v["a"], v["b"], v["join"]) == pytest.approx((1.0, 1.0, 2.0))


def test_broadcast_in_a_cycle_multiplies_without_bound(build, svc):
    m = build(SenderSpec("s", rate=1.0), svc("w", 0.1, routing="broadcast"), RouterSpec("done"),
              edges=[("s", "w"), ("w", "w"), ("w", "done")])
    assert visit_ratios(m)["s"]["w"] == math.inf
    assert "w" in unstable_nodes(m)


def test_competing_consumers_split_by_capacity(build, svc):
    """Consumers of one queue take messages in proportion to servers / mean service."""
    m = build(SenderSpec("s", rate=2.0), QueueSpec("q"),
              svc("big", 1.0, 3, direct=False), svc("small", 1.0, 1, direct=False),
              edges=[("s", "q"), ("q", "big"), ("q", "small")])
    t = rows(m)
    assert t["big"]["arrival_rate"] == pytest.approx(1.5)
    assert t["small"]["arrival_rate"] == pytest.approx(0.5)
    assert t["big"]["utilization"] == pytest.approx(0.5) == t["small"]["utilization"]
    assert t["q"]["utilization"] == pytest.approx(0.5)


def test_error_rate_thins_downstream(build, svc):
    m = build(SenderSpec("s", rate=5.0), svc("w", 0.1, error_rate=0.2), svc("cb", 0.01),
              edges=[("s", "w"), ("w", "cb")])
    assert rows(m)["cb"]["arrival_rate"] == pytest.approx(4.0)


def test_rate_limit_caps_the_flow(build, svc):
    m = build(SenderSpec("s", rate=8.0), RouterSpec("gw", rate_limit=RateLimit(5.0, 10.0)),
              svc("w", 0.25), edges=[("s", "gw"), ("gw", "w")])
    t = rows(m)
    assert t["gw"]["arrival_rate"] == pytest.approx(8.0)
    assert t["w"]["arrival_rate"] == pytest.approx(5.0)
    assert t["w"]["stable"] is False            # 5 * 0.25 = 1.25 servers on 1 server
    m2 = build(SenderSpec("s", rate=8.0, rate_limit=RateLimit(3.0, 1.0)), svc("w", 0.25),
               edges=[("s", "w")])
    assert rows(m2)["w"]["arrival_rate"] == pytest.approx(3.0)
    assert unstable_nodes(m2) == []


def test_unstable_only_with_open_load_on_unbounded_buffer(build, svc, mm1_model):
    """Model reference: utilisation >= 1 on an unbounded buffer from open senders is unstable."""
    over = build(SenderSpec("c", rate=12.5), QueueSpec("q"), svc("w", 0.1, direct=False),
                 edges=[("c", "q"), ("q", "w")])
    assert unstable_nodes(over) == ["q", "w"]
    assert rows(over)["w"]["utilization"] == pytest.approx(1.25)
    exactly_full = build(SenderSpec("c", rate=10.0), svc("w", 0.1), edges=[("c", "w")])
    assert unstable_nodes(exactly_full) == ["w"]
    bounded = build(SenderSpec("c", rate=12.5), QueueSpec("q", BufferSpec(capacity=10)),
                    svc("w", 0.1, direct=False), edges=[("c", "q"), ("q", "w")])
    assert unstable_nodes(bounded) == []
    blocking = build(SenderSpec("c", rate=12.5), svc("w", 0.1, capacity=10,
                                                       buffer={"overflow": "block"}),
                     edges=[("c", "w")])
    assert unstable_nodes(blocking) == ["w"]
    closed = build(SenderSpec("c", clients=500), svc("w", 0.1), edges=[("c", "w")])
    assert unstable_nodes(closed) == []
    assert unstable_nodes(mm1_model) == []


def test_priority_inputs_starve_the_low_queue(build, svc):
    """A single server with inputs [high, low]: high sees rho 0.5, low the cumulative 1.1."""
    m = build(SenderSpec("a", rate=0.5), SenderSpec("b", rate=0.6), QueueSpec("high"),
              QueueSpec("low"), ServiceSpec("w", Exponential(1.0), inputs=("high", "low")),
              edges=[("a", "high"), ("b", "low"), ("low", "w"), ("high", "w")])
    t = rows(m)
    assert t["high"]["utilization"] == pytest.approx(0.5)
    assert t["low"]["utilization"] == pytest.approx(0.6 / 0.5)
    assert unstable_nodes(m) == ["low", "w"]


def test_availability_scales_capacity(build, svc):
    from sim.model.spec import Availability
    m = build(SenderSpec("s", rate=8.0),
              svc("w", 0.1, availability=Availability(Constant(9.0), Constant(1.0))),
              edges=[("s", "w")])
    t = rows(m)["w"]
    assert t["utilization"] == pytest.approx(0.8)
    assert t["open_utilization"] == pytest.approx(0.8 / 0.9)
    assert bottleneck(m) == ("w", pytest.approx(9.0))


def test_closed_sender_throughput_is_mva(build, svc):
    m = build(SenderSpec("c", clients=3, think=Exponential(1.0)), svc("w", 1.0),
              edges=[("c", "w")])
    t = rows(m)
    assert t["c"]["arrival_rate"] == pytest.approx(0.9375)       # exact MVA, N = 3
    assert t["w"]["utilization"] == pytest.approx(0.9375)
    assert t["w"]["stable"]


def test_mixed_network_inflates_closed_demand(build, svc):
    """Mixed open/closed (Lazowska et al. 1984, sec. 7.4): closed demand D / (1 - U_open).
    Open U = 0.5, D = 1, Z = 1, N = 1: X = 1 / (2 + 1)."""
    m = build(SenderSpec("o", rate=0.5), SenderSpec("c", clients=1, think=Constant(1.0)),
              svc("w", 1.0), edges=[("o", "w"), ("c", "w")])
    t = rows(m)
    assert t["c"]["arrival_rate"] == pytest.approx(1 / 3)
    assert t["w"]["arrival_rate"] == pytest.approx(0.5 + 1 / 3)


def test_latencies_lengthen_the_closed_cycle(build, svc):
    m = build(SenderSpec("c", clients=2, think=Constant(1.0)), svc("w", 1.0),
              edges=[EdgeSpec("c", "w", latency=Constant(0.5))])
    expected = mva([1.0], 2, think=1.5).throughput[0]
    assert rows(m)["c"]["arrival_rate"] == pytest.approx(expected)


def test_bottleneck_asymptotic_bound(build, svc):
    """X_max = 1 / max_k V_k S_k / c_k (Lazowska et al. 1984, ch. 5)."""
    m = build(SenderSpec("s", rate=1.0), svc("a", 0.2, 2), RouterSpec("r"), svc("b", 0.05),
              RouterSpec("done"),
              edges=[("s", "a"), ("a", "r"), ("r", "b", 0.5), ("r", "done", 0.5), ("b", "a")])
    # V_a = 2 (loop back w.p. 1/2), D_a = 2 * 0.2 / 2 = 0.2; V_b = 1, D_b = 0.05
    node, xmax = bottleneck(m)
    assert node == "a" and xmax == pytest.approx(5.0)
    free = build(SenderSpec("s", rate=1.0), svc("w", 1.0, math.inf), edges=[("s", "w")])
    assert bottleneck(free) == (None, math.inf)


def test_traffic_row_keys(mm1_model):
    row = rows(mm1_model)["worker"]
    assert set(row) >= {"node", "kind", "arrival_rate", "visits", "servers", "mean_service",
                        "offered_load", "utilization", "stable", "bounded"}
    assert row["offered_load"] == pytest.approx(0.8)
    assert rows(mm1_model)["client"]["utilization"] is None


def test_jackson_response_sums_visit_weighted_sojourns():
    assert jackson_response({"a": 2.0, "b": 1.0}, {"a": 0.5, "b": 0.25}, 0.1) == pytest.approx(1.35)


def test_is_exponential():
    assert is_exponential(Exponential(2.0))
    assert is_exponential(Gamma(mean=2.0, cv=1.0))
    assert not is_exponential(Constant(2.0))
    assert not is_exponential(Gamma(mean=2.0, cv=0.5))
