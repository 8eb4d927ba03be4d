"""Service disciplines against closed forms: processor sharing (M/M/1-PS, M/G/1-PS and
M/M/c-PS, insensitive to the service law) and preemptive-resume priority (M/M/1 with
two and three classes of one service rate). Each runs on both engines
(tests/validation/conftest.py).

Tolerances: 2.5 half-widths of the 95% CI across replications plus a 2-3% floor for
the warm-up bias (see conftest.assert_agrees); each expected value is far enough from
the FIFO or non-preemptive value that the wrong discipline fails the test.
"""

from __future__ import annotations

import math

from tests.conftest import assert_agrees, run_model


def exp(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def erlang_c(a: float, c: int) -> float:
    """Probability of waiting in M/M/c with offered load ``a`` (Erlang C)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


# -- processor sharing ------------------------------------------------------------------


def test_mm1_ps_mean_sojourn_is_one_over_mu_minus_lambda():
    """M/M/1-PS, lam 0.7, mu 1: the number present is M/M/1's, so the mean sojourn is
    1 / (mu - lam) = 3.33 s (Kleinrock 1976, vol. 2, sec. 4.4); nothing waits, and the
    servers are busy a fraction rho = 0.7 of the time."""
    lam, mu = 0.7, 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "w": {"kind": "service", "service": exp(1 / mu), "discipline": "ps"}}
    r = run_model(nodes, [["src", "w"]], duration=20000, warmup=200, replications=6)
    assert_agrees(r, "nodes.w.sojourn.mean", 1 / (mu - lam), rel_floor=0.02)
    assert r["nodes"]["w"]["wait"]["mean"] == 0.0
    assert_agrees(r, "nodes.w.utilization", lam / mu, rel_floor=0.01)


def test_mg1_ps_is_insensitive_to_the_service_law():
    """M/G/1-PS with lognormal service of mean 1 s and cv 2, lam 0.6: the mean sojourn
    is E[S] / (1 - rho) = 2.5 s whatever the law (Kleinrock 1976, vol. 2, sec. 4.4),
    where FIFO gives Pollaczek-Khinchine's E[S] + rho E[S] (1 + cv^2) / (2 (1 - rho))
    = 4.75 s."""
    lam, mean = 0.6, 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "w": {"kind": "service", "discipline": "ps",
                   "service": {"dist": "lognormal", "mean": mean, "cv": 2.0}}}
    r = run_model(nodes, [["src", "w"]], duration=20000, warmup=200, replications=6)
    assert_agrees(r, "nodes.w.sojourn.mean", mean / (1 - lam * mean), rel_floor=0.03,
                  max_rel_halfwidth=0.1)


def test_mmc_ps_mean_sojourn_is_mmc():
    """M/M/3-PS, lam 2.4, mu 1: n present each served at rate min(1, 3 / n), so the
    number present is M/M/3's birth-death chain and the mean sojourn M/M/3's,
    1/mu + C(3, 2.4) / (3 mu - lam) = 2.0787 s (Kelly 1979, sec. 3.3), with no wait
    (FIFO spends 1.0787 s of it waiting)."""
    lam, mu, c = 2.4, 1.0, 3
    expected = 1 / mu + erlang_c(lam / mu, c) / (c * mu - lam)
    nodes = {"src": {"kind": "sender", "rate": lam},
             "w": {"kind": "service", "servers": c, "service": exp(1 / mu),
                   "discipline": "ps"}}
    r = run_model(nodes, [["src", "w"]], duration=10000, warmup=200, replications=6)
    assert_agrees(r, "nodes.w.sojourn.mean", expected, rel_floor=0.02)
    assert r["nodes"]["w"]["wait"]["mean"] == 0.0
    assert_agrees(r, "nodes.w.utilization", lam / (c * mu), rel_floor=0.01)


# -- preemptive-resume priority -----------------------------------------------------------


def preemptive_sojourns(lams: list[float], mu: float) -> list[float]:
    """M/M/1 preemptive-resume, classes of one rate mu, class 0 highest: class k sees
    T_k = (1/mu) / ((1 - s_(k-1)) (1 - s_k)), s_k the load of classes 0..k (Kleinrock
    1976, vol. 2, ch. 3, with E[S^2] = 2 / mu^2): the high class an M/M/1 of its own
    load, W_0 = (1/mu) / (1 - rho_0)."""
    out, before = [], 0.0
    for lam in lams:
        upto = before + lam / mu
        out.append((1 / mu) / ((1 - before) * (1 - upto)))
        before = upto
    return out


def test_preemptive_two_classes_on_mm1():
    """lam_high 0.3, lam_low 0.4, mu 1: T_high = 1 / 0.7 = 1.4286 s (non-preemptive
    priority would give 2.0 s) and T_low = 1 / (0.7 * 0.3) = 4.762 s."""
    lams, mu = [0.3, 0.4], 1.0
    nodes = {"hi": {"kind": "sender", "rate": lams[0], "priority": 0},
             "lo": {"kind": "sender", "rate": lams[1], "priority": 1},
             "w": {"kind": "service", "service": exp(1 / mu), "discipline": "preemptive"}}
    r = run_model(nodes, [["hi", "w"], ["lo", "w"]], duration=20000, warmup=200,
                  replications=6)
    high, low = preemptive_sojourns(lams, mu)
    assert math.isclose(high, 1 / 0.7) and math.isclose(low, 1 / (0.7 * 0.3))
    assert_agrees(r, "nodes.hi.latency.mean", high, rel_floor=0.02)
    assert_agrees(r, "nodes.lo.latency.mean", low, rel_floor=0.03, max_rel_halfwidth=0.12)


def test_preemptive_three_classes_on_mm1():
    """lam 0.2, 0.25, 0.3 at priorities 0, 1, 2, mu 1: T = 1.25, 2.2727 and 7.2727 s
    (non-preemptive priority would give the high class 1.9375 s)."""
    lams, mu = [0.2, 0.25, 0.3], 1.0
    nodes = {f"c{k}": {"kind": "sender", "rate": lam, "priority": k}
             for k, lam in enumerate(lams)}
    nodes["w"] = {"kind": "service", "service": exp(1 / mu), "discipline": "preemptive"}
    r = run_model(nodes, [[f"c{k}", "w"] for k in range(3)], duration=20000, warmup=200,
                  replications=6)
    for k, expected in enumerate(preemptive_sojourns(lams, mu)):
        assert_agrees(r, f"nodes.c{k}.latency.mean", expected, rel_floor=0.03,
                      max_rel_halfwidth=0.12)
