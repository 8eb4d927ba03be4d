"""``analyze`` on small models built from the spec dataclasses."""

from __future__ import annotations

import math

import pytest

from sim.analytic import analyze
from sim.analytic.mva import mva
from sim.analytic.stations import (erlang_b, fork_join_2, ggc, md1, mg1_priority, mm1, mmc,
                                   mmc_sojourn_percentile, mmc_wait_percentile, mmck)
from sim.distributions import Constant, Exponential, Lognormal
from sim.model.kinds.queue import QueueSpec
from sim.model.kinds.router import RouterSpec
from sim.model.kinds.sender import SenderSpec
from sim.model.kinds.service import ServiceSpec
from sim.model.spec import (Autoscale, Availability, BufferSpec, CircuitBreaker, Delivery,
                            EdgeSpec, RateLimit, RetrySpec)


def test_result_shape(mm1_model):
    out = analyze(mm1_model)
    assert set(out) == {"model", "applies", "reason", "method", "exact", "requests", "nodes",
                        "bottleneck"}
    assert list(out["nodes"]) == ["client", "requests", "worker"]
    for e in out["nodes"].values():
        assert {"arrival_rate", "throughput", "utilization", "busy", "queue_length", "wait",
                "sojourn", "p_block", "stable", "applies", "reason", "method", "exact"} <= set(e)
    assert set(out["requests"]) == {"arrival_rate", "throughput", "loss", "latency", "applies",
                                    "reason", "method", "exact"}
    assert out["bottleneck"] == {"node": "worker", "max_throughput": pytest.approx(10.0)}


def test_mm1_through_a_queue(mm1_model):
    """M/M/1 lam = 8, mu = 10 (Kleinrock 1975, sec. 3.2): the queue holds the wait
    (Wq = 0.4, Lq = 3.2), the worker the service (results: wait 0 on a queue-fed service);
    the latency is the M/M/1 sojourn, exponential with rate 2: mean 0.5, p99 ln(100)/2."""
    out = analyze(mm1_model)
    q, w = out["nodes"]["requests"], out["nodes"]["worker"]
    assert q["wait"]["mean"] == pytest.approx(0.4)
    assert q["wait"]["p99"] == pytest.approx(mmc_wait_percentile(8.0, 10.0, 1, 0.99))
    assert q["queue_length"]["mean"] == pytest.approx(3.2)
    assert w["utilization"] == pytest.approx(0.8) and w["busy"]["mean"] == pytest.approx(0.8)
    assert w["wait"]["mean"] == 0.0 and w["sojourn"]["mean"] == pytest.approx(0.1)
    assert out["requests"]["latency"]["mean"] == pytest.approx(0.5)
    assert out["requests"]["latency"]["p99"] == pytest.approx(math.log(100) / 2)
    assert out["applies"] and out["exact"] and w["method"] == "M/M/c (Erlang C)"


def test_direct_mmc(build, svc):
    out = analyze(build(SenderSpec("s", rate=4.0), svc("w", 1.0, 5), edges=[("s", "w")]))
    w, ref = out["nodes"]["w"], mmc(4.0, 1.0, 5)
    assert w["wait"]["mean"] == pytest.approx(ref.mean_wait)
    assert w["sojourn"]["mean"] == pytest.approx(ref.mean_sojourn)
    assert w["queue_length"]["mean"] == pytest.approx(ref.mean_queue_length)
    assert w["sojourn"]["p99"] == pytest.approx(mmc_sojourn_percentile(4.0, 1.0, 5, 0.99))
    assert out["requests"]["latency"]["p99"] == pytest.approx(w["sojourn"]["p99"])


def test_jackson_feedback_network(build, svc):
    """Jackson (1957): a -> b -> back to a w.p. 0.5. gamma = 1: lam_a = lam_b = 2;
    W_a = 1/(5-2), W_b = 1/(4-2); T = V_a W_a + V_b W_b = 2/3 + 1."""
    m = build(SenderSpec("s", rate=1.0), svc("a", 0.2), svc("b", 0.25), RouterSpec("r"),
              RouterSpec("done"),
              edges=[("s", "a"), ("a", "b"), ("b", "r"), ("r", "a", 0.5), ("r", "done", 0.5)])
    out = analyze(m)
    assert out["nodes"]["a"]["arrival_rate"] == pytest.approx(2.0)
    assert out["nodes"]["b"]["sojourn"]["mean"] == pytest.approx(0.5)
    assert out["requests"]["latency"]["mean"] == pytest.approx(2 / 3 + 1.0)
    assert out["exact"] and out["requests"]["latency"]["p99"] is None


def test_edge_and_broker_latencies(build, svc):
    """Pure delays add their means; a constant broker delay shifts the queue's p99."""
    m = build(SenderSpec("s", rate=8.0), QueueSpec("q", BufferSpec(latency=Constant(0.05))),
              svc("w", 0.1, direct=False), RouterSpec("out"),
              edges=[("s", "q"), ("q", "w"), EdgeSpec("w", "out", latency=Exponential(0.02))])
    out = analyze(m)
    q = out["nodes"]["q"]
    assert q["wait"]["mean"] == pytest.approx(0.4 + 0.05)
    assert q["wait"]["p99"] == pytest.approx(mmc_wait_percentile(8.0, 10.0, 1, 0.99) + 0.05)
    assert q["queue_length"]["mean"] == pytest.approx(8.0 * 0.45)   # Little's law
    assert out["requests"]["latency"]["mean"] == pytest.approx(0.5 + 0.05 + 0.02)
    assert out["requests"]["latency"]["p99"] is None        # the edge delay is random


def test_errors_condition_the_latency_of_completed_requests(build, svc):
    """Feedback w.p. q = 0.5 after a service that errs w.p. e = 0.2 (hand derivation):
    P(done) = (1-e)(1-q) / (1 - (1-e)q) = 0.4/0.6; visits given done 1 / (1 - (1-e)q);
    lam_w = 1/0.6, W = 1/(4 - 1/0.6) = 3/7; E[T | done] = W / 0.6 = 5/7."""
    m = build(SenderSpec("s", rate=1.0), svc("w", 0.25, error_rate=0.2), RouterSpec("r"),
              RouterSpec("done"),
              edges=[("s", "w"), ("w", "r"), ("r", "w", 0.5), ("r", "done", 0.5)])
    out = analyze(m)
    assert out["nodes"]["w"]["arrival_rate"] == pytest.approx(1 / 0.6)
    assert out["requests"]["throughput"] == pytest.approx(2 / 3)
    assert out["requests"]["loss"] == pytest.approx(1 / 3)
    assert out["requests"]["latency"]["mean"] == pytest.approx(5 / 7)


def test_mmck_station_and_downstream_approximation(build, svc):
    m = build(SenderSpec("s", rate=5.0), QueueSpec("q", BufferSpec(capacity=3)),
              svc("w", 0.25, direct=False), svc("cb", 0.05),
              edges=[("s", "q"), ("q", "w"), ("w", "cb")])
    out = analyze(m)
    ref = mmck(5.0, 4.0, 1, 3)
    q, w, cb = (out["nodes"][n] for n in ("q", "w", "cb"))
    assert q["p_block"] == pytest.approx(ref.p_block)
    assert q["wait"]["mean"] == pytest.approx(ref.mean_wait) and q["exact"]
    assert w["throughput"] == pytest.approx(ref.throughput)
    assert w["utilization"] == pytest.approx(ref.utilization)
    assert cb["arrival_rate"] == pytest.approx(ref.throughput)
    assert not cb["exact"] and "assuming Poisson" in cb["method"]
    assert out["requests"]["loss"] == pytest.approx(ref.p_block)
    assert not out["exact"]


def test_erlang_loss_is_insensitive(build, svc):
    """Erlang B holds for any service law (Gross & Harris sec. 2.5): B(10, 5) = 0.01838."""
    m = build(SenderSpec("s", rate=5.0),
              svc("w", 1.0, 10, dist=Lognormal(mean=1.0, cv=2.0), capacity=0),
              edges=[("s", "w")])
    out = analyze(m)
    w = out["nodes"]["w"]
    assert w["p_block"] == pytest.approx(erlang_b(5.0, 10))
    assert w["sojourn"]["mean"] == pytest.approx(1.0) and w["exact"]
    assert out["requests"]["latency"]["mean"] == pytest.approx(1.0) and out["exact"]


def test_md1_and_allen_cunneen(build, svc):
    md = analyze(build(SenderSpec("s", rate=0.5), svc("w", 1.0, dist=Constant(1.0)),
                       edges=[("s", "w")]))
    w = md["nodes"]["w"]
    assert w["wait"]["mean"] == pytest.approx(md1(0.5, 1.0).mean_wait) and w["exact"]
    assert w["wait"]["p99"] is None
    ac = analyze(build(SenderSpec("s", rate=50.0),
                       svc("w", 0.1, 8, dist=Lognormal(mean=0.1, cv=1.5)), edges=[("s", "w")]))
    w = ac["nodes"]["w"]
    assert w["wait"]["mean"] == pytest.approx(ggc(50.0, 0.1, 8, 1.0, 2.25).mean_wait)
    assert not w["exact"] and not ac["exact"] and ac["applies"]


def test_interarrival_exponential_is_poisson(build, svc):
    m = build(SenderSpec("s", interarrival=Exponential(0.125)), svc("w", 0.1), edges=[("s", "w")])
    assert analyze(m)["nodes"]["w"]["sojourn"]["mean"] == pytest.approx(0.5)


def test_closed_model_is_mva(build, svc):
    """One queue D = 1 with think Z = 1 and N = 3: X = 0.9375, R = 2.2 (see test_mva)."""
    m = build(SenderSpec("c", clients=3, think=Exponential(1.0)), QueueSpec("q"),
              svc("w", 1.0, direct=False), edges=[("c", "q"), ("q", "w")])
    out = analyze(m)
    assert out["requests"]["throughput"] == pytest.approx(0.9375)
    assert out["requests"]["latency"]["mean"] == pytest.approx(2.2)
    assert out["nodes"]["q"]["wait"]["mean"] == pytest.approx(1.2)
    assert out["nodes"]["w"]["utilization"] == pytest.approx(0.9375)
    assert out["exact"] and out["method"] == "exact MVA"


def test_closed_with_latency_and_multi_server(build, svc):
    m = build(SenderSpec("c", clients=10, think=Constant(2.0)), svc("a", 0.5, 2),
              svc("b", 0.2), edges=[("c", "a"), EdgeSpec("a", "b", latency=Constant(0.3))])
    out = analyze(m)
    ref = mva([0.5, 0.2], 10, think=2.3, servers=[2, 1])
    assert out["requests"]["throughput"] == pytest.approx(ref.throughput[0])
    assert out["requests"]["latency"]["mean"] == pytest.approx(ref.response_time[0] + 0.3)
    assert not out["exact"] and "Seidmann" in out["method"]


def test_closed_finite_buffer(build, svc):
    small = build(SenderSpec("c", clients=5), svc("w", 1.0, capacity=2), edges=[("c", "w")])
    assert not analyze(small)["applies"]
    assert "can fill" in analyze(small)["reason"]
    roomy = build(SenderSpec("c", clients=5), svc("w", 1.0, capacity=4), edges=[("c", "w")])
    assert analyze(roomy)["applies"]


def test_fork_join_two_identical_branches(build, svc):
    m = build(SenderSpec("s", rate=0.5), RouterSpec("f", routing="broadcast"), svc("a", 1.0),
              svc("b", 1.0), edges=[("s", "f"), ("f", "a"), ("f", "b")])
    out = analyze(m)
    assert out["requests"]["latency"]["mean"] == pytest.approx(fork_join_2(0.5, 1.0))
    assert "Nelson & Tantawi" in out["method"] and out["exact"]


def test_three_way_fork_has_no_latency_formula(build, svc):
    m = build(SenderSpec("s", rate=0.5), RouterSpec("f", routing="broadcast"), svc("a", 1.0),
              svc("b", 1.0), svc("c", 1.0), edges=[("s", "f"), ("f", "a"), ("f", "b"), ("f", "c")])
    out = analyze(m)
    assert out["nodes"]["c"]["applies"] and out["nodes"]["c"]["sojourn"]["mean"] == pytest.approx(2)
    assert not out["requests"]["applies"] and out["requests"]["latency"]["mean"] is None
    assert "broadcast" in out["reason"]


def test_priority_messages_cobham(build, svc):
    """Sender priorities at a priority queue (Cobham 1954): class waits 0.625 and 1.25
    (see test_stations.test_cobham_two_classes); each sender's latency adds the service."""
    m = build(SenderSpec("hi", rate=0.2, priority=0), SenderSpec("lo", rate=0.3, priority=1),
              QueueSpec("q", BufferSpec(discipline="priority")), svc("w", 1.0, direct=False),
              edges=[("hi", "q"), ("lo", "q"), ("q", "w")])
    out = analyze(m)
    assert out["nodes"]["hi"]["latency"]["mean"] == pytest.approx(1.625)
    assert out["nodes"]["lo"]["latency"]["mean"] == pytest.approx(2.25)
    assert out["nodes"]["q"]["wait"]["mean"] == pytest.approx((0.2 * 0.625 + 0.3 * 1.25) / 0.5)
    assert out["requests"]["latency"]["mean"] == pytest.approx(2.0)


def test_priority_input_queues_cobham(build, svc):
    m = build(SenderSpec("a", rate=0.2), SenderSpec("b", rate=0.3), QueueSpec("high"),
              QueueSpec("low"), ServiceSpec("w", Exponential(1.0), inputs=("high", "low")),
              edges=[("a", "high"), ("b", "low"), ("high", "w"), ("low", "w")])
    out = analyze(m)
    high, low = mg1_priority([0.2, 0.3], [1.0, 1.0], [1.0, 1.0])
    assert out["nodes"]["high"]["wait"]["mean"] == pytest.approx(high.mean_wait)
    assert out["nodes"]["low"]["wait"]["mean"] == pytest.approx(low.mean_wait)
    assert out["nodes"]["w"]["utilization"] == pytest.approx(0.5)


def test_priority_on_several_exponential_servers_is_cobham(build, svc):
    """M/M/2 with two priority classes: Cobham's multi-server form (overall wait =
    M/M/2's by conservation, lam_hi Wq_hi + lam_lo Wq_lo = lam Wq)."""
    m = build(SenderSpec("hi", rate=0.2, priority=0), SenderSpec("lo", rate=0.3, priority=1),
              svc("w", 1.0, 2, buffer={"discipline": "priority"}),
              edges=[("hi", "w"), ("lo", "w")])
    out = analyze(m)
    assert out["nodes"]["w"]["applies"] and out["nodes"]["w"]["exact"]
    assert out["nodes"]["w"]["wait"]["mean"] == pytest.approx(mmc(0.5, 1.0, 2).mean_wait)


def test_identical_competing_consumers_pool(build, svc):
    """Consumers with the same exponential service form one M/M/(2+1) station."""
    m = build(SenderSpec("s", rate=2.4), QueueSpec("q"), svc("a", 1.0, 2, direct=False),
              svc("b", 1.0, 1, direct=False), edges=[("s", "q"), ("q", "a"), ("q", "b")])
    out = analyze(m)
    ref = mmc(2.4, 1.0, 3)
    assert out["nodes"]["q"]["wait"]["mean"] == pytest.approx(ref.mean_wait)
    assert out["nodes"]["a"]["arrival_rate"] == pytest.approx(1.6)
    assert out["nodes"]["b"]["utilization"] == pytest.approx(0.8)


def test_unlike_consumers_do_not_apply_downstream(build, svc):
    m = build(SenderSpec("s", rate=1.0), QueueSpec("q"), svc("a", 1.0, direct=False),
              svc("b", 2.0, direct=False), svc("cb", 0.01),
              edges=[("s", "q"), ("q", "a"), ("q", "b"), ("a", "cb"), ("b", "cb")])
    out = analyze(m)
    assert not out["nodes"]["q"]["applies"] and "different service times" in out["reason"]
    assert not out["nodes"]["cb"]["applies"] and "downstream" in out["nodes"]["cb"]["reason"]
    assert out["requests"]["latency"]["mean"] is None


def test_unstable_node(build, svc):
    m = build(SenderSpec("s", rate=12.0), svc("w", 0.1), svc("cb", 0.01),
              edges=[("s", "w"), ("w", "cb")])
    out = analyze(m)
    w, cb = out["nodes"]["w"], out["nodes"]["cb"]
    assert w["stable"] is False and w["wait"]["mean"] == math.inf
    assert w["utilization"] == 1.0 and w["offered_load"] == pytest.approx(1.2)
    assert cb["arrival_rate"] == pytest.approx(10.0)       # drained at capacity
    assert out["requests"]["latency"]["mean"] == math.inf
    assert out["requests"]["throughput"] == pytest.approx(10.0)
    assert out["requests"]["loss"] == 0.0                   # a backlog, not a refusal


def test_lifo_keeps_means_not_percentiles(build, svc):
    m = build(SenderSpec("s", rate=8.0), QueueSpec("q", BufferSpec(discipline="lifo")),
              svc("w", 0.1, direct=False), edges=[("s", "q"), ("q", "w")])
    q = analyze(m)["nodes"]["q"]
    assert q["wait"]["mean"] == pytest.approx(mm1(8.0, 10.0).mean_wait)
    assert q["wait"]["p99"] is None


def test_timeout_without_retry_keeps_nodes(build, svc):
    m = build(SenderSpec("s", rate=8.0, timeout=1.0), svc("w", 0.1), edges=[("s", "w")])
    out = analyze(m)
    assert out["nodes"]["w"]["applies"] and out["nodes"]["w"]["sojourn"]["mean"] == 0.5
    assert not out["requests"]["applies"] and "timeout" in out["requests"]["reason"]
    assert not out["applies"]


def test_service_fed_by_queue_and_directly(build, svc):
    m = build(SenderSpec("a", rate=1.0), SenderSpec("b", rate=1.0), QueueSpec("q"),
              ServiceSpec("w", Exponential(0.1), buffer=BufferSpec()),
              edges=[("a", "q"), ("q", "w"), ("b", "w")])
    out = analyze(m)
    assert not out["nodes"]["w"]["applies"]
    assert "both by queues and directly" in out["nodes"]["w"]["reason"]


@pytest.mark.parametrize("sender, extra, match", [
    (SenderSpec("s", rate=1.0, timeout=1.0, retry=RetrySpec(3)), {}, "retries"),
    (SenderSpec("s", rate=1.0, profile=((0.0, 1.0), (10.0, 2.0))), {}, "profile"),
    (SenderSpec("s", trace=(0.0, 1.0, 2.5)), {}, "trace"),
    (SenderSpec("s", interarrival=Lognormal(1.0, 0.5)), {}, "not Poisson"),  # no LST here
    (SenderSpec("s", rate=1.0, rate_limit=RateLimit(2.0, 1.0)), {}, "rate limit"),
    (SenderSpec("s", rate=1.0),
     {"availability": Availability(Exponential(100.0), Exponential(1.0))}, "breaks down"),
    (SenderSpec("s", rate=1.0), {"buffer": {"ttl": 2.0}}, "ttl"),
    (SenderSpec("s", rate=1.0), {"capacity": 5, "buffer": {"overflow": "block"}}, "block"),
    (SenderSpec("s", rate=1.0), {"capacity": 5, "buffer": {"overflow": "drop_oldest"}},
     "drop_oldest"),
    (SenderSpec("s", clients=2, timeout=1.0), {}, "closed and has a timeout"),
    (SenderSpec("s", rate=1.0, timeout=1.0, circuit_breaker=CircuitBreaker()), {},
     "circuit breaker"),
    (SenderSpec("s", rate=1.0), {"autoscale": Autoscale()}, "autoscales"),
    (SenderSpec("s", rate=1.0), {"buffer": {"delivery": Delivery("at_least_once")}},
     "redelivers"),
    (SenderSpec("s", rate=1.0), {"buffer": {"partitions": 4}}, "partitions"),
])
def test_features_without_formula_are_refused(build, svc, sender, extra, match):
    out = analyze(build(sender, svc("w", 0.1, **extra), edges=[("s", "w")]))
    assert not out["applies"] and match in out["reason"]
    assert all(not e["applies"] and e["arrival_rate"] is None for e in out["nodes"].values())
    assert out["requests"]["latency"]["mean"] is None and out["exact"] is False


def test_balancing_and_mixed_models_are_refused(build, svc):
    rr = build(SenderSpec("s", rate=1.0), RouterSpec("lb", routing="round_robin"), svc("a", 0.1),
               svc("b", 0.1), edges=[("s", "lb"), ("lb", "a"), ("lb", "b")])
    assert "round_robin" in analyze(rr)["reason"]
    mixed = build(SenderSpec("o", rate=1.0), SenderSpec("c", clients=2), svc("w", 0.1),
                  edges=[("o", "w"), ("c", "w")])
    assert "mixes open and closed" in analyze(mixed)["reason"]
    gw = build(SenderSpec("s", rate=1.0), RouterSpec("gw", rate_limit=RateLimit(5.0, 5.0)),
               svc("w", 0.1), edges=[("s", "gw"), ("gw", "w")])
    assert "router 'gw' has a rate limit" in analyze(gw)["reason"]


def test_pool_split_is_flagged_but_latency_exact(build, svc):
    """Which of several consumers takes a message depends on their order in the engine,
    so the per-consumer split is approximate; the station and the latency are exact."""
    m = build(SenderSpec("s", rate=2.4), QueueSpec("q"), svc("a", 1.0, 2, direct=False),
              svc("b", 1.0, 1, direct=False), edges=[("s", "q"), ("q", "a"), ("q", "b")])
    out = analyze(m)
    assert out["nodes"]["q"]["exact"] and not out["nodes"]["a"]["exact"]
    assert out["requests"]["exact"]
    assert out["requests"]["latency"]["mean"] == pytest.approx(mmc(2.4, 1.0, 3).mean_sojourn)
    assert out["requests"]["latency"]["p99"] == pytest.approx(
        mmc_sojourn_percentile(2.4, 1.0, 3, 0.99))


def test_profile_counts_by_its_time_average(build, svc):
    from sim.analytic.network import traffic
    m = build(SenderSpec("s", rate=2.0, profile=((0.0, 1.0), (30.0, 3.0)), period=60.0),
              svc("w", 0.1), edges=[("s", "w")])
    w = {r["node"]: r for r in traffic(m)}["w"]
    assert w["arrival_rate"] == pytest.approx(4.0)    # 2 * (1 * 30 + 3 * 30) / 60
    once = build(SenderSpec("s", rate=2.0, profile=((0.0, 1.0), (30.0, 3.0))),
                 svc("w", 0.1), edges=[("s", "w")])
    assert {r["node"]: r for r in traffic(once)}["w"]["arrival_rate"] == pytest.approx(6.0)


def test_finite_buffer_that_never_fills(build, svc):
    """Capacity 5000 at rho = 0.75: the blocking probability (0.75^5000 for M/M/1) is
    nil, so the station is solved as unbounded; downstream stays exact for exponential
    service; non-exponential service is flagged approximate and the overflow policy
    no longer matters."""
    exp_m = build(SenderSpec("s", rate=0.75), QueueSpec("q", BufferSpec(capacity=5000)),
                  svc("w", 1.0, direct=False), svc("cb", 0.1), edges=[("s", "q"), ("q", "w"),
                                                                     ("w", "cb")])
    out = analyze(exp_m)
    assert out["nodes"]["q"]["wait"]["mean"] == pytest.approx(mm1(0.75, 1.0).mean_wait)
    assert out["nodes"]["cb"]["exact"] and out["exact"]
    logn = build(SenderSpec("s", rate=0.75),
                 QueueSpec("q", BufferSpec(capacity=5000, overflow="block")),
                 svc("w", 1.0, dist=Lognormal(mean=1.0, cv=1.0), direct=False),
                 edges=[("s", "q"), ("q", "w")])
    out = analyze(logn)
    assert out["applies"] and not out["nodes"]["q"]["exact"]
    assert "never fills" in out["nodes"]["q"]["method"]
    tight = build(SenderSpec("s", rate=0.75),
                  QueueSpec("q", BufferSpec(capacity=5, overflow="block")),
                  svc("w", 1.0, direct=False), edges=[("s", "q"), ("q", "w")])
    assert "overflow 'block'" in analyze(tight)["reason"]


def test_own_buffer_latency(build, svc):
    """A service's own buffer delay (constant 0.05 s) adds to its wait and shifts its p99."""
    m = build(SenderSpec("s", rate=8.0), svc("w", 0.1, buffer={"latency": Constant(0.05)}),
              edges=[("s", "w")])
    out = analyze(m)
    w = out["nodes"]["w"]
    assert out["requests"]["latency"]["p99"] == pytest.approx(math.log(100) / 2 + 0.05)
    assert w["wait"]["mean"] == pytest.approx(0.4 + 0.05)
    assert w["sojourn"]["mean"] == pytest.approx(0.55)
    assert w["sojourn"]["p99"] == pytest.approx(math.log(100) / 2 + 0.05)
    closed = build(SenderSpec("c", clients=2, think=Constant(1.0)),
                   svc("w", 1.0, buffer={"latency": Constant(0.5)}), edges=[("c", "w")])
    out = analyze(closed)
    ref = mva([1.0], 2, think=1.5)
    assert out["requests"]["throughput"] == pytest.approx(ref.throughput[0])
    assert out["requests"]["latency"]["mean"] == pytest.approx(ref.response_time[0] + 0.5)


def test_queue_consumed_by_a_directly_fed_service(build, svc):
    m = build(SenderSpec("a", rate=1.0), SenderSpec("b", rate=1.0), QueueSpec("q"),
              ServiceSpec("w", Exponential(0.1), buffer=BufferSpec()),
              edges=[("a", "q"), ("q", "w"), ("b", "w")])
    out = analyze(m)
    assert not out["nodes"]["q"]["applies"] and out["nodes"]["q"]["wait"]["mean"] is None


def test_priority_inputs_must_be_fifo(build, svc):
    m = build(SenderSpec("a", rate=0.2), SenderSpec("b", rate=0.3), QueueSpec("high"),
              QueueSpec("low", BufferSpec(discipline="lifo")),
              ServiceSpec("w", Exponential(1.0), inputs=("high", "low")),
              edges=[("a", "high"), ("b", "low"), ("high", "w"), ("low", "w")])
    assert "not FIFO" in analyze(m)["nodes"]["w"]["reason"]


def test_fork_after_a_station_and_total_failure(build, svc):
    """Latency = upstream M/M/1 sojourn + the fork-join; no p99 (no closed form)."""
    m = build(SenderSpec("s", rate=0.5), svc("front", 0.5), RouterSpec("f", routing="broadcast"),
              svc("a", 1.0), svc("b", 1.0),
              edges=[("s", "front"), ("front", "f"), ("f", "a"), ("f", "b")])
    out = analyze(m)
    expected = mm1(0.5, 2.0).mean_sojourn + fork_join_2(0.5, 1.0)
    assert out["requests"]["latency"]["mean"] == pytest.approx(expected)
    assert out["requests"]["latency"]["p99"] is None
    doomed = build(SenderSpec("s", rate=0.5), svc("w", 0.5, error_rate=1.0), edges=[("s", "w")])
    out = analyze(doomed)
    assert out["requests"]["throughput"] == 0.0 and out["requests"]["loss"] == 1.0
    assert out["requests"]["latency"]["mean"] is None
