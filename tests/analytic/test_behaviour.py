"""Closed forms of customer behaviour and disciplines (sim.analytic.behaviour), checked
against limits and textbook cases, and how ``analyze`` uses them or says why not."""

from __future__ import annotations

import math

import pytest

from sim.analytic.behaviour import (erlang_a, gim_sigma, gimc, lst, mg1_preemptive, mgc_ps,
                                    mmc_priority, quorum_mean)
from sim.analytic.solve import analyze
from sim.analytic.stations import erlang_c, mg1, mm1, mmc
from sim.distributions import Constant, Erlang, Exponential, Lognormal
from tests.conftest import make_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


@pytest.mark.parametrize("c", [1, 2, 3, 8])
def test_gimc_with_poisson_arrivals_is_erlang_c(c):
    """Exponential interarrivals make GI/M/c an M/M/c: Wq = C(c, a) / (c mu - lam)."""
    lam = 0.8 * c
    assert gimc(Exponential(1 / lam), 1.0, c).mean_wait == pytest.approx(
        mmc(lam, 1.0, c).mean_wait, rel=1e-9)


def test_dm1_sigma_and_wait():
    """D/M/1 (gap d, rate mu): sigma = exp(-mu d (1 - sigma)), Wq = sigma / (mu (1 - sigma))."""
    d, mu = 1 / 0.7, 1.0
    sigma = gim_sigma(lst(Constant(d)), 1, mu)
    assert sigma == pytest.approx(math.exp(-mu * d * (1 - sigma)), abs=1e-12)
    assert gimc(Constant(d), mu, 1).mean_wait == pytest.approx(sigma / (mu * (1 - sigma)))


def test_gimc_without_transform_is_none():
    assert gimc(Lognormal(1.0, 0.5), 2.0, 1) is None


def test_erlang_a_limits():
    """Patience of mean -> inf gives M/M/c (Erlang C); theta = mu makes the line an
    M/M/inf: the number present is Poisson(a), and the abandonment probability is
    E[(N - c)+] theta / lam."""
    near = erlang_a(1.6, 1.0, 2, 1e-7)
    assert near.mean_wait == pytest.approx(mmc(1.6, 1.0, 2).mean_wait, rel=1e-4)
    a, c = 3.0, 2
    res = erlang_a(a, 1.0, c, 1.0)
    pois = [math.exp(-a) * a ** n / math.factorial(n) for n in range(80)]
    excess = sum(p * (n - c) for n, p in enumerate(pois) if n > c)
    assert res.p_block == pytest.approx(excess / a, rel=1e-9)
    assert res.mean_queue_length == pytest.approx(excess, rel=1e-9)


def test_preemptive_high_class_is_its_own_mg1():
    """Class 0 of M/G/1 preemptive-resume sees M/G/1 of its own load only."""
    hi, lo = mg1_preemptive([0.3, 0.4], [1.0, 1.0], [1.0, 1.0])
    assert hi.mean_sojourn == pytest.approx(mm1(0.3, 1.0).mean_sojourn)
    assert lo.mean_sojourn == pytest.approx(1 / 0.7 + 0.7 / (0.7 * 0.3))
    assert hi.mean_sojourn == pytest.approx(mg1(0.3, 1.0, 1.0).mean_sojourn)


def test_ps_is_insensitive():
    """M/G/1-PS: E[T] = E[S] / (1 - rho) for any law; M/G/c-PS sojourns as M/M/c."""
    assert mgc_ps(0.6, 1.0, 1).mean_sojourn == pytest.approx(1.0 / 0.4)
    assert mgc_ps(1.5, 1.0, 2).mean_sojourn == pytest.approx(mmc(1.5, 1.0, 2).mean_sojourn)
    assert mgc_ps(0.6, 1.0, 1).mean_wait == 0.0


def test_cobham_conserves_work_and_reduces_to_mg1():
    """Cobham M/M/c: the rate-weighted class waits are M/M/c's FCFS wait (identical mu:
    the conservation law); on one server it is the M/G/1 priority form."""
    lams = [0.6, 0.9]
    res = mmc_priority(lams, 1.0, 2)
    weighted = sum(l * r.mean_wait for l, r in zip(lams, res)) / sum(lams)
    assert weighted == pytest.approx(mmc(1.5, 1.0, 2).mean_wait)
    assert res[0].mean_wait == pytest.approx(
        erlang_c(1.5, 2) / 2.0 / (1 - 0.3))


def test_quorum_mean_order_statistics():
    """k-th of n identical exponentials: sum_(i<k) 1/((n-i) mu); unequal rates by
    inclusion-exclusion (max of rates 1, 2, 3: 1 + 1/2 + 1/3 - 1/3 - 1/4 - 1/5 + 1/6)."""
    assert quorum_mean([2.0] * 3, 2) == pytest.approx(1 / 6 + 1 / 4)
    assert quorum_mean([1.0, 2.0, 3.0], 3) == pytest.approx(
        1 + 1 / 2 + 1 / 3 - 1 / 3 - 1 / 4 - 1 / 5 + 1 / 6)
    assert quorum_mean([1.0, 2.0, 3.0], 1) == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="quorum k"):
        quorum_mean([1.0, 1.0], 3)


# -- analyze ----------------------------------------------------------------------------------


def _analyze(nodes, edges):
    return analyze(make_model(nodes, edges))


def test_analyze_erlang_a():
    out = _analyze({"src": {"kind": "sender", "rate": 1.8},
                    "w": {"kind": "service", "servers": 2, "service": exp(1.0),
                          "ttl": exp(2.0)}}, [["src", "w"]])
    exact = erlang_a(1.8, 1.0, 2, 0.5)
    w = out["nodes"]["w"]
    assert w["exact"] and "Erlang-A" in w["method"]
    assert w["p_block"] == pytest.approx(exact.p_block)
    assert w["wait"]["mean"] == pytest.approx(exact.mean_wait)
    assert out["requests"]["loss"] == pytest.approx(exact.p_block)


def test_analyze_ps_and_preemptive():
    out = _analyze({"src": {"kind": "sender", "rate": 0.7},
                    "w": {"kind": "service", "service": {"dist": "lognormal", "mean": 1.0,
                                                         "cv": 2.0}, "discipline": "ps"}},
                   [["src", "w"]])
    assert out["exact"] and out["requests"]["latency"]["mean"] == pytest.approx(1 / 0.3)
    assert out["nodes"]["w"]["sojourn"]["mean"] == pytest.approx(1 / 0.3)
    assert out["nodes"]["w"]["wait"]["mean"] == 0.0
    out = _analyze({"hi": {"kind": "sender", "rate": 0.3, "priority": 0},
                    "lo": {"kind": "sender", "rate": 0.4, "priority": 1},
                    "w": {"kind": "service", "service": exp(1.0), "discipline": "preemptive"}},
                   [["hi", "w"], ["lo", "w"]])
    assert out["nodes"]["hi"]["latency"]["mean"] == pytest.approx(1 / 0.7)


def test_analyze_gi_m_c_and_its_downstream_flagged():
    out = _analyze({"src": {"kind": "sender", "interarrival": {"dist": "erlang", "k": 2,
                                                                "mean": 1 / 1.4}},
                    "w": {"kind": "service", "servers": 2, "service": exp(1.0)},
                    "z": {"kind": "service", "servers": 1, "service": exp(0.2)}},
                   [["src", "w"], ["w", "z"]])
    assert out["nodes"]["w"]["exact"]
    assert out["nodes"]["w"]["wait"]["mean"] == pytest.approx(
        gimc(Erlang(2, 1 / 1.4), 1.0, 2).mean_wait)
    assert not out["nodes"]["z"]["exact"] and "assuming Poisson" in out["nodes"]["z"]["method"]


def test_analyze_quorum_order_statistic():
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "r": {"kind": "router", "routing": "broadcast", "quorum": 2}}
    for b in "abc":
        nodes[b] = {"kind": "service", "servers": ".inf", "service": exp(1.0)}
    out = _analyze(nodes, [["src", "r"], ["r", "a"], ["r", "b"], ["r", "c"]])
    assert out["exact"] and out["requests"]["latency"]["mean"] == pytest.approx(1 / 3 + 1 / 2)


@pytest.mark.parametrize("nodes, edges, match", [
    ({"src": {"kind": "sender", "rate": 1.0},
      "w": {"kind": "service", "service": exp(0.5), "balk": [[2, 0.5]]}},
     [["src", "w"]], "balks"),
    ({"src": {"kind": "sender", "rate": 1.0},
      "w": {"kind": "service", "service": exp(0.5), "ttl": {"dist": "uniform", "low": 0,
                                                            "high": 2}}},
     [["src", "w"]], "Erlang-A"),
    ({"hi": {"kind": "sender", "rate": 0.3, "priority": 0},
      "lo": {"kind": "sender", "rate": 0.4, "priority": 1},
      "w": {"kind": "service", "servers": 2, "service": exp(1.0), "discipline": "preemptive"}},
     [["hi", "w"], ["lo", "w"]], "preemptive priority on 2 servers"),
    ({"hi": {"kind": "sender", "rate": 0.3, "priority": 0},
      "lo": {"kind": "sender", "rate": 0.4, "priority": 1},
      "w": {"kind": "service", "servers": 2, "service": {"dist": "deterministic", "value": 1},
            "discipline": "priority"}},
     [["hi", "w"], ["lo", "w"]], "non-exponential service"),
])
def test_analyze_says_why_not(nodes, edges, match):
    out = _analyze(nodes, edges)
    assert not out["applies"] and match in out["reason"]


def test_analyze_quorum_on_queueing_branches_declines_latency():
    nodes = {"src": {"kind": "sender", "rate": 0.5},
             "r": {"kind": "router", "routing": "broadcast", "quorum": 2}}
    for b in "abc":
        nodes[b] = {"kind": "service", "servers": 1, "service": exp(1.0)}
    out = _analyze(nodes, [["src", "r"], ["r", "a"], ["r", "b"], ["r", "c"]])
    assert out["requests"]["latency"]["mean"] is None
    assert "quorum" in out["requests"]["reason"]


@pytest.mark.parametrize("keys, stable", [
    ({}, False),
    ({"ttl": exp(2.0)}, True),
    ({"ttl": 5.0}, True),
    ({"balk": [[10, 1.0]]}, True),
    ({"balk": [[10, 0.5]]}, False),
])
def test_impatience_bounds_the_line(keys, stable):
    """Offered load 1.5 per server: an impatient line (ttl, or balking for sure beyond
    n) cannot grow without bound, so it is stable (Erlang-A is stable at any load);
    balking with p < 1 still lets it grow."""
    from sim.analytic.network import unstable_nodes
    model = make_model({"src": {"kind": "sender", "rate": 3.0},
                        "w": {"kind": "service", "servers": 2, "service": exp(1.0), **keys}},
                       [["src", "w"]])
    assert (unstable_nodes(model) == []) is stable
