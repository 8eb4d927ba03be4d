"""Single-station formulas against published values and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim.analytic.stations import (erlang_b, erlang_c, fork_join_2, gg1, ggc, md1, mg1,
                                   mg1_priority, mm1, mm1_sojourn_percentile, mm_inf, mmc,
                                   mmc_sojourn_percentile, mmc_sojourn_tail,
                                   mmc_wait_percentile, mmc_wait_tail, mmck)


# --- Erlang B and C ---------------------------------------------------------------------

@pytest.mark.parametrize("a, c, expected, tol", [
    (10.0, 10, 0.2146, 5e-5),    # Erlang B table (e.g. Gross & Harris, table of B(c, a)): 0.2146
    (5.0, 10, 0.01838, 5e-6),    # Erlang B table: 10 trunks, 5 erlangs -> 0.01838
    (1.0, 1, 0.5, 1e-15),        # B(1, a) = a / (1 + a)
    (2.0, 2, 0.4, 1e-15),        # (a^2/2) / (1 + a + a^2/2) = 2 / 5
])
def test_erlang_b_table_values(a, c, expected, tol):
    assert erlang_b(a, c) == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize("a, c", [(10.0, 10), (950.0, 1000), (1000.0, 1000), (1200.0, 1000)])
def test_erlang_b_is_truncated_poisson(a, c):
    """B(c, a) = Poisson pmf(c) / Poisson cdf(c) (Gross & Harris sec. 2.5), also for c = 1000."""
    expected = stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a)
    assert erlang_b(a, c) == pytest.approx(expected, rel=1e-9)


def test_erlang_c_two_servers_one_erlang():
    """C(c=2, a=1) = 1/3: with B(2, 1) = 1/5, C = 2B / (2 - 1 + B) = (2/5) / (6/5)."""
    assert erlang_c(1.0, 2) == pytest.approx(1.0 / 3.0, rel=1e-12)


def test_erlang_c_five_agents_three_erlangs():
    """C(c=5, a=3) = 0.2362, computed by hand: B(5, 3) by the recursion is 0.110054,
    C = 5B / (5 - 3 (1 - B)) = 0.550271 / 2.330163 = 0.23615."""
    assert erlang_c(3.0, 5) == pytest.approx(0.23615, abs=5e-5)


@pytest.mark.parametrize("a, c", [(0.5, 1), (3.0, 5), (45.0, 50), (900.0, 1000)])
def test_erlang_c_is_probability_of_waiting(a, c):
    """C = P(N >= c) of the M/M/c stationary law (Kleinrock 1975, eq. 3.40), summed directly."""
    n = np.arange(c)
    log_head = n * math.log(a) - np.array([math.lgamma(k + 1) for k in n])
    log_tail = c * math.log(a) - math.lgamma(c + 1) - math.log1p(-a / c)
    top = max(log_head.max(), log_tail)
    head, tail = np.exp(log_head - top).sum(), math.exp(log_tail - top)
    assert erlang_c(a, c) == pytest.approx(tail / (head + tail), rel=1e-9)


def test_erlang_c_saturated_is_one():
    assert erlang_c(5.0, 5) == 1.0


# --- M/M/1, M/M/c, M/M/inf --------------------------------------------------------------

def test_mm1_identities():
    """M/M/1 with lam = 8, mu = 10 (Kleinrock 1975, sec. 3.2): rho = 0.8, L = rho/(1-rho) = 4,
    W = 1/(mu-lam) = 0.5, Lq = rho^2/(1-rho) = 3.2, Wq = rho/(mu-lam) = 0.4."""
    r = mm1(8.0, 10.0)
    assert r.utilization == pytest.approx(0.8)
    assert r.mean_in_system == pytest.approx(4.0)
    assert r.mean_sojourn == pytest.approx(0.5)
    assert r.mean_queue_length == pytest.approx(3.2)
    assert r.mean_wait == pytest.approx(0.4)
    assert r.p_wait == pytest.approx(0.8)
    assert r.throughput == 8.0 and not r.approximate and r.stable


def test_mmc_worked_example():
    """M/M/2, lam = mu = 1: C = 1/3, Wq = C / (2 mu - lam) = 1/3, Lq = 1/3, L = 4/3."""
    r = mmc(1.0, 1.0, 2)
    assert r.mean_wait == pytest.approx(1 / 3)
    assert r.mean_queue_length == pytest.approx(1 / 3)
    assert r.mean_in_system == pytest.approx(4 / 3)
    assert r.utilization == pytest.approx(0.5)


def test_mmc_little_law_and_large_c():
    r = mmc(990.0, 1.0, 1000)
    assert r.mean_in_system == pytest.approx(990.0 * r.mean_sojourn)
    assert r.mean_queue_length == pytest.approx(990.0 * r.mean_wait)
    assert 0 < r.p_wait < 1 and math.isfinite(r.mean_wait)


@pytest.mark.parametrize("lam", [10.0, 12.0])
def test_unstable_station_reports_utilization_and_infinite_waits(lam):
    r = mmc(lam, 1.0, 10)
    assert r.utilization == pytest.approx(lam / 10)
    assert r.mean_wait == math.inf and r.mean_sojourn == math.inf
    assert r.throughput == pytest.approx(10.0) and not r.stable


def test_mm_inf():
    """M/G/inf: L = lam / mu, W = 1 / mu, no waiting (Kleinrock 1975, sec. 3.6)."""
    r = mm_inf(3.0, 2.0)
    assert (r.mean_in_system, r.mean_sojourn, r.mean_wait, r.utilization) == (1.5, 0.5, 0.0, 0.0)
    assert mmc(3.0, 2.0, math.inf) == r


# --- M/M/c/K ----------------------------------------------------------------------------

def test_mm1k_closed_form():
    """M/M/1/N with N = 1 + K = 6, r = 2 (Gross & Harris sec. 2.6):
    p_N = (1 - r) r^N / (1 - r^(N+1)) = 64/127,
    L = r/(1-r) - (N+1) r^(N+1) / (1 - r^(N+1)) = -2 + 896/127."""
    r = mmck(2.0, 1.0, 1, 5)
    assert r.p_block == pytest.approx(64 / 127, rel=1e-12)
    assert r.mean_in_system == pytest.approx(-2 + 896 / 127, rel=1e-12)
    assert r.throughput == pytest.approx(2.0 * 63 / 127)


def test_mm1k_at_rho_one_is_uniform():
    """r = 1: p_n = 1/(N+1) on 0..N, so L = N/2 (Gross & Harris sec. 2.6)."""
    r = mmck(1.0, 1.0, 1, 4)
    assert r.p_block == pytest.approx(1 / 6)
    assert r.mean_in_system == pytest.approx(2.5)
    huge = mmck(1.0, 1.0, 1, 10**9)
    assert huge.mean_in_system == pytest.approx((10**9 + 1) / 2, rel=1e-9)


@pytest.mark.parametrize("lam, mu, c, K", [(7.0, 1.0, 5, 8), (3.0, 2.0, 3, 2), (50.0, 1.0, 40, 30)])
def test_mmck_against_birth_death_sums(lam, mu, c, K):
    """Stationary law p_n ~ a^n/n! (n <= c), p_c (a/c)^(n-c) above, summed directly."""
    a, n = lam / mu, np.arange(c + K + 1)
    w = np.array([a ** k / math.factorial(k) if k <= c
                  else a ** c / math.factorial(c) * (a / c) ** (k - c) for k in n], dtype=float)
    p = w / w.sum()
    r = mmck(lam, mu, c, K)
    assert r.p_block == pytest.approx(p[-1], rel=1e-10)
    assert r.mean_in_system == pytest.approx((n * p).sum(), rel=1e-10)
    assert r.mean_queue_length == pytest.approx((np.maximum(n - c, 0) * p).sum(), rel=1e-10)
    assert r.mean_sojourn == pytest.approx(r.mean_in_system / (lam * (1 - p[-1])), rel=1e-10)


def test_mmck_limits():
    """K = 0 is Erlang B; K -> inf is M/M/c."""
    assert mmck(5.0, 1.0, 10, 0).p_block == pytest.approx(erlang_b(5.0, 10), rel=1e-12)
    far, mmc_ = mmck(0.5, 1.0, 2, 100_000), mmc(0.5, 1.0, 2)
    assert far.mean_wait == pytest.approx(mmc_.mean_wait, rel=1e-12)
    assert far.p_block == pytest.approx(0.0, abs=1e-300)


def test_mmck_overloaded_stays_finite():
    r = mmck(3000.0, 1.0, 1000, 10**9)
    assert r.p_block == pytest.approx(2 / 3, rel=1e-9)
    assert r.throughput == pytest.approx(1000.0, rel=1e-9)


# --- M/G/1 ------------------------------------------------------------------------------

def test_md1_waits_half_of_mm1():
    """Pollaczek-Khinchine: Wq(M/D/1) = Wq(M/M/1) / 2 (Kleinrock 1975, sec. 5.6)."""
    assert md1(0.5, 1.0).mean_wait == pytest.approx(mm1(0.5, 1.0).mean_wait / 2)
    assert md1(0.5, 1.0).mean_wait == pytest.approx(0.5)


def test_mg1_reduces_to_mm1():
    assert mg1(8.0, 0.1, 1.0).mean_sojourn == pytest.approx(mm1(8.0, 10.0).mean_sojourn)


def test_mg1_hyperexponential():
    """P-K with scv = 3: Wq = rho E[S] (1 + 3) / (2 (1 - rho)) = 0.5 * 1 * 4 / 1 = 2."""
    assert mg1(0.5, 1.0, 3.0).mean_wait == pytest.approx(2.0)


def test_cobham_two_classes():
    """Cobham (1954), worked by hand: lam = (0.2, 0.3), exponential mean 1 (E[S^2] = 2):
    W0 = (0.2 * 2 + 0.3 * 2) / 2 = 0.5; Wq1 = 0.5 / (1 - 0.2) = 0.625;
    Wq2 = 0.5 / ((1 - 0.2)(1 - 0.5)) = 1.25."""
    high, low = mg1_priority([0.2, 0.3], [1.0, 1.0], [1.0, 1.0])
    assert high.mean_wait == pytest.approx(0.625)
    assert low.mean_wait == pytest.approx(1.25)


def test_cobham_conservation_law():
    """Kleinrock's conservation law: sum rho_k Wq_k = rho Wq(FCFS) for exponential service."""
    lams, means = [0.1, 0.2, 0.25], [1.0, 1.0, 1.0]
    rows = mg1_priority(lams, means, [1.0] * 3)
    rho = sum(lams)
    assert sum(l * r.mean_wait for l, r in zip(lams, rows)) == pytest.approx(
        rho * mm1(rho, 1.0).mean_wait)


def test_cobham_low_class_unstable():
    high, low = mg1_priority([0.5, 0.6], [1.0, 1.0], [1.0, 1.0])
    assert math.isfinite(high.mean_wait) and low.mean_wait == math.inf


# --- approximations ---------------------------------------------------------------------

def test_kingman_exact_for_mg1_and_zero_for_dd1():
    assert gg1(0.5, 1.0, 1.0, 0.0).mean_wait == pytest.approx(md1(0.5, 1.0).mean_wait)
    assert gg1(0.5, 1.0, 0.0, 0.0).mean_wait == 0.0
    assert gg1(0.5, 1.0, 1.0, 1.0).approximate


def test_allen_cunneen_exact_for_mmc():
    assert ggc(4.0, 1.0, 5, 1.0, 1.0).mean_wait == pytest.approx(mmc(4.0, 1.0, 5).mean_wait)
    assert ggc(4.0, 1.0, 5, 1.0, 0.0).mean_wait == pytest.approx(mmc(4.0, 1.0, 5).mean_wait / 2)
    assert ggc(4.0, 1.0, 5, 1.0, 1.0).approximate


# --- percentiles ------------------------------------------------------------------------

def test_mmc_wait_tail_and_percentile():
    """P(Wq > t) = C exp(-(c mu - lam) t) (Kleinrock 1975, eq. 3.42); for M/M/1, C = rho."""
    assert mmc_wait_tail(0.8, 1.0, 1, 2.0) == pytest.approx(0.8 * math.exp(-0.4))
    t = mmc_wait_percentile(0.8, 1.0, 1, 0.99)
    assert t == pytest.approx(math.log(0.8 / 0.01) / 0.2)
    assert mmc_wait_tail(0.8, 1.0, 1, t) == pytest.approx(0.01)
    assert mmc_wait_percentile(1.0, 1.0, 2, 0.5) == 0.0  # C = 1/3: the median waits 0


def test_mm1_sojourn_percentile_is_exponential():
    """The M/M/1 sojourn is exponential with rate mu - lam (Kleinrock 1975, eq. 3.27)."""
    assert mm1_sojourn_percentile(0.5, 1.0, 0.99) == pytest.approx(math.log(100) / 0.5)
    assert mmc_sojourn_percentile(0.5, 1.0, 1, 0.99) == pytest.approx(math.log(100) / 0.5)


@pytest.mark.parametrize("lam, mu, c", [(1.0, 1.0, 2), (3.0, 1.0, 4), (1.5, 2.0, 1)])
def test_mmc_sojourn_tail_by_convolution(lam, mu, c):
    """P(W > t) = P(S > t) + int_0^t f_S(s) P(Wq > t - s) ds, integrated numerically."""
    for t in (0.3, 1.0, 4.0):
        conv, _ = integrate.quad(lambda s: mu * math.exp(-mu * s)
                                 * mmc_wait_tail(lam, mu, c, t - s), 0, t)
        assert mmc_sojourn_tail(lam, mu, c, t) == pytest.approx(math.exp(-mu * t) + conv,
                                                                rel=1e-8)


# --- fork-join --------------------------------------------------------------------------

def test_fork_join_two_way():
    """Nelson & Tantawi (1988): R = (12 - rho)/8 / (mu - lam); rho = 0.5, mu = 1 -> 2.875.
    At rho -> 0 it tends to E[max of two Exp(mu)] = 1.5 / mu."""
    assert fork_join_2(0.5, 1.0) == pytest.approx(11.5 / 8 / 0.5)
    assert fork_join_2(1e-12, 2.0) == pytest.approx(0.75, rel=1e-9)
    assert fork_join_2(1.0, 1.0) == math.inf


def test_infinite_servers_never_wait():
    assert erlang_b(5.0, math.inf) == 0.0 and erlang_c(5.0, math.inf) == 0.0
    assert mmc_wait_tail(5.0, 1.0, math.inf, 0.0) == 0.0
    assert mmc_sojourn_percentile(5.0, 1.0, math.inf, 0.99) == pytest.approx(math.log(100))


def test_to_dict():
    d = mm1(8.0, 10.0).to_dict()
    assert d["mean_sojourn"] == pytest.approx(0.5) and d["stable"] is True
    assert d["method"] == "M/M/c (Erlang C)" and d["approximate"] is False


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="lam"):
        mm1(-1.0, 1.0)
    with pytest.raises(ValueError, match="c must be"):
        mmc(1.0, 1.0, 0)
    with pytest.raises(ValueError, match="q must be"):
        mmc_wait_percentile(0.5, 1.0, 1, 1.0)
