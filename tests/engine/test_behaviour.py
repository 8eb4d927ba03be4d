"""Customer behaviour and service disciplines in the engine: balking, patience drawn per
message, processor sharing, preemptive-resume priority and quorums, each against a
case worked by hand or a closed form (sim.analytic.behaviour)."""

from __future__ import annotations

import pytest

from sim.analytic.behaviour import erlang_a, gimc, mmc_priority
from sim.distributions import Constant, Erlang
import tests.conftest as shared
from tests.conftest import assert_agrees, run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def const(v):
    return {"dist": "deterministic", "value": v}


# -- balking and reneging by hand ------------------------------------------------------


@pytest.fixture(params=["simpy", "compiled"])
def on_both_engines(request, monkeypatch):
    """The test's runs (run_model) on each engine in turn."""
    monkeypatch.setattr(shared, "ENGINE", request.param)


@pytest.mark.usefixtures("on_both_engines")
def test_balk_for_sure_keeps_at_most_n_waiting():
    """D/D/1, a message every 1 s, service 2.4 s, balk [[2, 1]]: an arrival finding 2
    waiting always balks, so at most 2 wait; the server never idles after t = 1, so
    completions are floor(T / 2.4) and every other arrival balked or is still there
    (at most 1 in service + 2 waiting)."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "w": {"kind": "service", "service": const(2.4), "balk": [[2, 1.0]]}}
    r = run_model(nodes, [["src", "w"]], duration=1000.5)
    w, req = r["nodes"]["w"], r["requests"]
    assert w["queue_length"]["max"] == 2
    assert req["completed"] == int((1000.5 - 1.0) // 2.4)
    assert w["balked"] == req["dead_lettered"]["balked"] == w["dropped"]
    assert 1000 - req["completed"] - w["balked"] in (1, 2, 3)


@pytest.mark.usefixtures("on_both_engines")
def test_balk_with_probability_matches_birth_death():
    """M/M/1 with lam = mu = 1 and balk [[1, 0.5]]: an arrival that finds one or more
    waiting (n >= 2 present) joins with probability 1/2, so the birth rates are
    lam, lam, lam/2, lam/2, ...: pi_1 = pi_2 = pi_0, pi_n = pi_0 (1/2)^(n-2) for
    n >= 2, pi_0 = 1/4 and, by PASTA, the balked fraction is
    0.5 P(N >= 2) = 0.5 * 1/2 = 1/4."""
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "w": {"kind": "service", "service": exp(1.0), "balk": [[1, 0.5]]}}
    r = run_model(nodes, [["src", "w"]], duration=10000, replications=2)
    w = r["nodes"]["w"]
    assert w["balked"] / w["arrivals"] == pytest.approx(1 / 4, abs=0.01)


def test_deterministic_patience_drawn_per_message():
    """D/D/1 overloaded (gap 1, service 2) with patience deterministic 3.5 s (ttl as a
    distribution): no message waits longer than 3.5 s, one message in two is served
    (the server's capacity) and the rest renege (expired)."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "w": {"kind": "service", "service": const(2.0), "ttl": const(3.5)}}
    r = run_model(nodes, [["src", "w"]], duration=1000.25)
    w, req = r["nodes"]["w"], r["requests"]
    assert w["wait"]["p99"] <= 3.5
    assert w["expired"] == req["dead_lettered"]["expired"]
    assert req["completed"] == pytest.approx(500, abs=2)
    assert w["expired"] == pytest.approx(500, abs=5)


def test_uniform_patience_bounds_each_wait():
    """Uniform patience on [0, 2] with a server nearly always busy (D/D/1, gap 1,
    service 10): a message reneges after its own draw, so no served message waited
    more than 2 s and, the server taking one in ten, most expire."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "w": {"kind": "service", "service": const(10.0),
                   "ttl": {"dist": "uniform", "low": 0.0, "high": 2.0}}}
    r = run_model(nodes, [["src", "w"]], duration=500.5)
    w = r["nodes"]["w"]
    assert w["wait"]["p99"] <= 2.0
    assert w["expired"] > 0.8 * w["arrivals"]


# -- Erlang-A ---------------------------------------------------------------------------


def test_erlang_a_abandonment_and_wait():
    """M/M/2+M, lam 1.8, mu 1, patience exponential of mean 2 (theta 0.5): abandonment
    probability and mean wait of the served from the birth-death chain (Garnett,
    Mandelbaum & Reiman 2002): P(ab) = 0.1945, E[W | served] = 0.3413 s."""
    nodes = {"src": {"kind": "sender", "rate": 1.8},
             "w": {"kind": "service", "servers": 2, "service": exp(1.0), "ttl": exp(2.0)}}
    r = run_model(nodes, [["src", "w"]], duration=10000, warmup=100, replications=4)
    exact = erlang_a(1.8, 1.0, 2, 0.5)
    w = r["nodes"]["w"]
    assert w["expired"] / w["arrivals"] == pytest.approx(exact.p_block, rel=0.04)
    assert_agrees(r, "nodes.w.wait.mean", exact.mean_wait, rel_floor=0.02)


# -- processor sharing -------------------------------------------------------------------


def test_mm1_ps_mean_sojourn():
    """M/M/1-PS, lam 0.7, mu 1: mean sojourn 1 / (mu - lam) = 3.33 s, and nothing waits."""
    nodes = {"src": {"kind": "sender", "rate": 0.7},
             "w": {"kind": "service", "service": exp(1.0), "discipline": "ps"}}
    r = run_model(nodes, [["src", "w"]], duration=10000, warmup=100, replications=5)
    assert_agrees(r, "nodes.w.sojourn.mean", 1 / (1.0 - 0.7), rel_floor=0.02,
                  max_rel_halfwidth=0.1)
    assert r["nodes"]["w"]["wait"]["mean"] == 0.0
    assert_agrees(r, "nodes.w.utilization", 0.7, rel_floor=0.01)


def test_md1_ps_job_of_size_x_sojourns_x_over_1_minus_rho():
    """M/D/1-PS with every job of size x = 1 s, lam 0.6: a job of size x sojourns
    x / (1 - rho) = 2.5 s on average (Kleinrock 1976, vol. 2, sec. 4.4)."""
    nodes = {"src": {"kind": "sender", "rate": 0.6},
             "w": {"kind": "service", "service": const(1.0), "discipline": "ps"}}
    r = run_model(nodes, [["src", "w"]], duration=10000, warmup=100, replications=5)
    assert_agrees(r, "nodes.w.sojourn.mean", 1.0 / (1 - 0.6), rel_floor=0.02)


def test_ps_with_servers_to_spare_shares_nothing():
    """D/D/2-PS, gap 1, size 1.5: at most 2 present on 2 servers, each at rate
    min(1, 2 / 2) = 1, so every sojourn is exactly 1.5 s."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "w": {"kind": "service", "servers": 2, "service": const(1.5), "discipline": "ps"}}
    r = run_model(nodes, [["src", "w"]], duration=100.25)
    assert r["nodes"]["w"]["sojourn"]["mean"] == pytest.approx(1.5)
    assert r["nodes"]["w"]["sojourn"]["p99"] == pytest.approx(1.5)


# -- preemptive-resume priority ------------------------------------------------------------


def test_preemption_by_hand():
    """Low messages at 10, 20, 30 s and high ones at 10.25, 20.5, 30.75 s, each taking
    1 s: each high arrival takes the server from the low message (0.25 to 0.75 s
    done), finishes 1 s later, and the low one resumes its remaining work: high
    latency 1 s, low latency 2 s (non-preemptive would give 1.75 and 1), and the low
    messages' wait is the 1 s they spent preempted."""
    nodes = {"lo": {"kind": "sender", "interarrival": const(10.0), "priority": 1},
             "hi": {"kind": "sender", "interarrival": const(10.25), "priority": 0},
             "w": {"kind": "service", "service": const(1.0), "discipline": "preemptive"}}
    r = run_model(nodes, [["lo", "w"], ["hi", "w"]], duration=39.9)
    assert r["nodes"]["hi"]["completed"] == 3 and r["nodes"]["lo"]["completed"] == 3
    assert r["nodes"]["hi"]["latency"]["max"] == pytest.approx(1.0)
    assert r["nodes"]["lo"]["latency"]["mean"] == pytest.approx(2.0)
    # a wait is all the time spent waiting, preemptions included: 0 s high, 1 s low
    assert r["nodes"]["w"]["wait"]["mean"] == pytest.approx(0.5)


def test_preemptive_high_class_sees_its_own_mm1():
    """M/M/1 preemptive-resume, lam_high 0.3, lam_low 0.4, mu 1: the high class sees an
    M/M/1 of its own load, mean sojourn 1 / (mu - lam_high) = 1.4286 s; the low class
    1/(mu(1 - rho_h)) + (rho_h + rho_l)/(mu (1 - rho_h)(1 - rho_h - rho_l)) = 4.762 s."""
    nodes = {"hi": {"kind": "sender", "rate": 0.3, "priority": 0},
             "lo": {"kind": "sender", "rate": 0.4, "priority": 1},
             "w": {"kind": "service", "service": exp(1.0), "discipline": "preemptive"}}
    r = run_model(nodes, [["hi", "w"], ["lo", "w"]], duration=10000, warmup=100,
                  replications=5)
    assert_agrees(r, "nodes.hi.latency.mean", 1 / (1 - 0.3), rel_floor=0.02)
    assert_agrees(r, "nodes.lo.latency.mean", 1 / 0.7 + 0.7 / (0.7 * 0.3), rel_floor=0.03,
                  max_rel_halfwidth=0.12)


# -- Cobham on M/M/c and GI/M/c ---------------------------------------------------------------


def test_cobham_mmc_per_class_waits():
    """M/M/2 non-preemptive priority, lam_high 0.6, lam_low 0.9, mu 1: Wq_k = C(2, 1.5)
    / (2 mu) / ((1 - s_(k-1))(1 - s_k)) = 0.459 s and 1.837 s (Cobham 1954)."""
    nodes = {"hi": {"kind": "sender", "rate": 0.6, "priority": 0},
             "lo": {"kind": "sender", "rate": 0.9, "priority": 1},
             "w": {"kind": "service", "servers": 2, "service": exp(1.0),
                   "discipline": "priority"}}
    r = run_model(nodes, [["hi", "w"], ["lo", "w"]], duration=10000, warmup=100,
                  replications=6)
    hi, lo = mmc_priority([0.6, 0.9], 1.0, 2)
    assert_agrees(r, "nodes.hi.latency.mean", hi.mean_sojourn, rel_floor=0.02)
    assert_agrees(r, "nodes.lo.latency.mean", lo.mean_sojourn, rel_floor=0.03,
                  max_rel_halfwidth=0.12)


@pytest.mark.parametrize("gaps, law", [
    (const(1 / 1.4), Constant(1 / 1.4)),
    ({"dist": "erlang", "k": 2, "mean": 1 / 1.4}, Erlang(2, 1 / 1.4)),
])
def test_gi_m_c_mean_wait_from_sigma(gaps, law):
    """D/M/2 and E2/M/2 at rho 0.7: Wq = K sigma / (c mu (1 - sigma)^2), sigma the root
    of sigma = A*(c mu (1 - sigma)) (0.326 s and 0.633 s)."""
    nodes = {"src": {"kind": "sender", "interarrival": gaps},
             "w": {"kind": "service", "servers": 2, "service": exp(1.0)}}
    r = run_model(nodes, [["src", "w"]], duration=10000, warmup=100, replications=5)
    assert_agrees(r, "nodes.w.wait.mean", gimc(law, 1.0, 2).mean_wait, rel_floor=0.02,
                  max_rel_halfwidth=0.12)


# -- quorum -------------------------------------------------------------------------------------


def _quorum_nodes(k, services, **extra):
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "r": {"kind": "router", "routing": "broadcast", "quorum": k}}
    for name, dist in services.items():
        nodes[name] = {"kind": "service", "servers": ".inf", "service": dist,
                       **extra.get(name, {})}
    edges = [["src", "r"]] + [["r", name] for name in services]
    return nodes, edges


def test_quorum_two_of_three_exponential_branches():
    """Quorum 2 of 3 independent exponential branches (mu = 1): the second order
    statistic has mean 1/(3 mu) + 1/(2 mu) = 0.8333 s."""
    nodes, edges = _quorum_nodes(2, {b: exp(1.0) for b in "abc"})
    r = run_model(nodes, edges, duration=5000, replications=4)
    assert_agrees(r, "requests.latency.mean", 1 / 3 + 1 / 2, rel_floor=0.01)
    assert r["requests"]["failed"] == 0


def test_quorum_by_hand_deterministic():
    """Branches of 1, 2 and 3 s with quorum 2: every request goes on at 2 s exactly."""
    nodes, edges = _quorum_nodes(2, {"a": const(1.0), "b": const(2.0), "c": const(3.0)})
    r = run_model(nodes, edges, duration=200)
    assert r["requests"]["latency"]["mean"] == pytest.approx(2.0)
    assert r["requests"]["latency"]["max"] == pytest.approx(2.0)


def test_quorum_fails_once_it_cannot_be_met():
    """Two of three branches always err: quorum 2 can never be met, so every request
    fails (cause error); with quorum 1 every request completes after the good branch."""
    errs = {"a": {"error_rate": 1.0}, "b": {"error_rate": 1.0}}
    nodes, edges = _quorum_nodes(2, {b: const(1.0) for b in "abc"}, **errs)
    r = run_model(nodes, edges, duration=200)
    assert r["requests"]["completed"] == 0
    assert r["requests"]["dead_lettered"]["error"] == r["requests"]["failed"] > 150
    nodes, edges = _quorum_nodes(1, {"a": const(1.0), "b": const(1.0), "c": const(0.5)},
                                 **errs)
    r = run_model(nodes, edges, duration=200)
    assert r["requests"]["failed"] == 0
    assert r["requests"]["latency"]["max"] == pytest.approx(0.5)


def test_fork_under_a_quorum_joins_before_counting():
    """Quorum 1 of (a, a fork of d and e), all exponential of mean 1: the request goes on
    at min(X, max(Y, Z)), whose mean is int e^-t (1 - (1 - e^-t)^2) dt = 2/3 s."""
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "r": {"kind": "router", "routing": "broadcast", "quorum": 1},
             "s2": {"kind": "router", "routing": "broadcast"}}
    for b in "ade":
        nodes[b] = {"kind": "service", "servers": ".inf", "service": exp(1.0)}
    edges = [["src", "r"], ["r", "a"], ["r", "s2"], ["s2", "d"], ["s2", "e"]]
    r = run_model(nodes, edges, duration=5000, replications=4)
    assert_agrees(r, "requests.latency.mean", 2 / 3, rel_floor=0.01)


def test_quorum_on_a_broadcasting_service():
    """A service (0.5 s) broadcasting to branches of 1 s and 2 s with quorum 1: every
    request goes on at 0.5 + 1 = 1.5 s."""
    nodes = {"src": {"kind": "sender", "interarrival": const(1.0)},
             "gw": {"kind": "service", "servers": ".inf", "service": const(0.5),
                    "routing": "broadcast", "quorum": 1},
             "a": {"kind": "service", "servers": ".inf", "service": const(1.0)},
             "b": {"kind": "service", "servers": ".inf", "service": const(2.0)}}
    r = run_model(nodes, [["src", "gw"], ["gw", "a"], ["gw", "b"]], duration=100)
    assert r["requests"]["latency"]["max"] == pytest.approx(1.5)
    assert r["requests"]["latency"]["mean"] == pytest.approx(1.5)
