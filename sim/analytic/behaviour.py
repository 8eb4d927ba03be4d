"""Closed forms for customer behaviour and the service disciplines beyond FIFO:
abandonment (Erlang-A), preemptive-resume and multi-server non-preemptive priority,
processor sharing, renewal arrivals to exponential servers (GI/M/c), and the order
statistics of a quorum. Pure functions, numbers in (rates per second, times in
seconds), like :mod:`sim.analytic.stations`. numpy is imported by the two that use
it (Erlang-A, the GI/M/c boundary), not at import.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Sequence

from sim.analytic.stations import INF, StationResult, erlang_c, mmc
from sim.distributions import Distribution

__all__ = ["erlang_a", "mg1_preemptive", "mgc_ps", "mmc_priority", "lst", "gim_sigma",
           "gimc", "quorum_mean", "QUORUM_MAX_BRANCHES"]

_TAIL = 1e-15          # Erlang-A: stop the birth-death chain once this negligible
_MAX_STATES = 2_000_000
QUORUM_MAX_BRANCHES = 12
"""Copies of a quorum with unequal rates beyond which the inclusion-exclusion sum
(3**n terms) is not attempted."""


def erlang_a(lam: float, mu: float, c: int, theta: float) -> StationResult:
    """M/M/c+M (Erlang-A): exponential patience of rate ``theta`` (mean 1/theta).

    The number present is a birth-death chain with birth ``lam`` and death
    ``min(n, c) mu + max(n - c, 0) theta`` (Palm 1943; Garnett, Mandelbaum &
    Reiman 2002, sec. 2; Mandelbaum & Zeltyn 2004). An arrival that finds n >= c
    present (PASTA) is j = n - c + 1-th in line: it moves up at rate
    ``c mu + (i - 1) theta`` from place i and abandons at rate ``theta``, so it is
    served with probability ``prod_{i<=j} (c mu + (i-1) theta) / (c mu + i theta)``
    after a wait whose mean, given service, is ``sum_{i<=j} 1 / (c mu + i theta)``.

    Returns a result where ``p_block`` is the abandonment probability, ``throughput``
    the served rate ``lam (1 - p_block)``, ``mean_wait`` the mean wait of the served
    messages (the simulation's ``wait``) and ``mean_queue_length`` the mean number
    waiting (served and abandoning alike). Always stable (impatience empties the line).
    """
    if not (lam >= 0 and mu > 0 and theta > 0 and c >= 1):
        raise ValueError("erlang_a needs lam >= 0, mu > 0, theta > 0 and c >= 1")
    c = int(c)
    if lam == 0:
        return StationResult(0.0, 0.0, 0.0, 0.0, 0.0, 1.0 / mu, 0.0, 0.0, False,
                             "M/M/c+M (Erlang-A)")
    logs, n, log_p, top = [0.0], 0, 0.0, 0.0
    while n < _MAX_STATES:
        n += 1
        log_p += math.log(lam / (min(n, c) * mu + max(n - c, 0) * theta))
        logs.append(log_p)
        top = max(top, log_p)
        if n > c and log_p - top < math.log(_TAIL) and lam < c * mu + (n - c) * theta:
            break
    import numpy as np

    p = np.exp(np.array(logs) - top)
    p /= p.sum()
    served_p, served_w, waiting = float(p[:c].sum()), 0.0, 0.0
    stay, wait = 1.0, 0.0
    for m in range(c, len(p)):
        j = m - c + 1
        rate = c * mu + j * theta
        stay *= (c * mu + (j - 1) * theta) / rate
        wait += 1.0 / rate
        served_p += p[m] * stay
        served_w += p[m] * stay * wait
        waiting += p[m] * (m - c)
    lq = float(waiting)
    abandon = 1.0 - served_p
    wq = served_w / served_p if served_p > 0 else INF
    util = lam * (1.0 - abandon) / (c * mu)
    return StationResult(util, lam * (1.0 - abandon), float(1.0 - p[:c].sum()), abandon,
                         wq, wq + 1.0 / mu, lq, lq + util * c, False,
                         "M/M/c+M (Erlang-A)")


def mg1_preemptive(lams: Sequence[float], means: Sequence[float], scvs: Sequence[float]
                   ) -> tuple[StationResult, ...]:
    """M/G/1 with preemptive-resume priority classes; class 0 is the highest.

    Class k's mean sojourn is ``E[S_k] / (1 - s_(k-1)) + R_k / ((1 - s_(k-1))
    (1 - s_k))`` with ``R_k = sum_(i<=k) lam_i E[S_i^2] / 2`` and ``s_k = rho_0 + ... +
    rho_k`` (Kleinrock 1976, vol. 2, eq. 3.65; Harchol-Balter 2013, sec. 32.3): lower
    classes are invisible to class k, so class 0 sees an M/G/1 of its own load.
    ``mean_wait`` is the time not in service, ``sojourn - E[S_k]``.
    """
    rhos = [lam * mean for lam, mean in zip(lams, means)]
    total, before, residual, out = sum(rhos), 0.0, 0.0, []
    method = "M/G/1 preemptive-resume priority"
    for lam, mean, scv, rho in zip(lams, means, scvs, rhos):
        upto = before + rho
        residual += lam * mean * mean * (1.0 + scv) / 2.0
        if upto >= 1:
            cap = max(0.0, 1.0 - before) / mean if mean > 0 else lam
            out.append(StationResult(total, min(lam, cap), 1.0, 0.0, INF, INF, INF, INF,
                                     False, method, False))
        else:
            t = mean / (1.0 - before) + residual / ((1.0 - before) * (1.0 - upto))
            out.append(StationResult(total, lam, min(total, 1.0), 0.0, t - mean, t,
                                     lam * (t - mean), lam * t, False, method))
        before = upto
    return tuple(out)


def mgc_ps(lam: float, mean: float, c: float) -> StationResult:
    """M/G/c processor sharing (each of n present served at rate min(1, c / n)).

    A symmetric queue (Kelly 1979, sec. 3.3), insensitive to the service law: the
    number present is M/M/c's, so the mean sojourn is M/M/c's, and for c = 1
    ``W = E[S] / (1 - rho)``; a message of work x sojourns ``x / (1 - rho)`` on
    average (Kleinrock 1976, vol. 2, sec. 4.4). Nothing waits: ``mean_wait`` is 0,
    and ``mean_queue_length`` (messages waiting) is 0.
    """
    base = mmc(lam, 1.0 / mean, c)
    if not base.stable:
        return StationResult(base.utilization, base.throughput, 0.0, 0.0, 0.0, INF, 0.0,
                             INF, False, "M/G/c-PS", False)
    return StationResult(base.utilization, lam, 0.0, 0.0, 0.0, base.mean_sojourn, 0.0,
                         base.mean_in_system, False,
                         "M/G/1-PS" if c == 1 else "M/G/c-PS (symmetric, as M/M/c)")


def mmc_priority(lams: Sequence[float], mu: float, c: int) -> tuple[StationResult, ...]:
    """M/M/c with non-preemptive priority classes of one service rate (class 0 first).

    Cobham's multi-server form: ``Wq_k = C(c, a) / (c mu) / ((1 - s_(k-1))(1 - s_k))``
    with ``a = lam / mu`` over all classes and ``s_k = sum_(i<=k) lam_i / (c mu)``
    (Cobham 1954; Gross & Harris, 4th ed., sec. 3.4.2; Kella & Yechiali 1985).
    """
    lam = sum(lams)
    total = lam / (c * mu)
    w0 = erlang_c(lam / mu, c) / (c * mu) if total < 1 else INF
    before, out = 0.0, []
    method = "M/M/c priority (Cobham)"
    for lam_k in lams:
        upto = before + lam_k / (c * mu)
        if upto >= 1 or total >= 1:   # a saturated class keeps every server busy
            cap = max(0.0, 1.0 - before) * c * mu
            out.append(StationResult(total, min(lam_k, cap), 1.0, 0.0, INF, INF, INF, INF,
                                     False, method, False))
        else:
            wq = w0 / ((1.0 - before) * (1.0 - upto))
            out.append(StationResult(total, lam_k, erlang_c(lam / mu, c), 0.0, wq,
                                     wq + 1.0 / mu, lam_k * wq, lam_k * (wq + 1.0 / mu),
                                     False, method))
        before = upto
    return tuple(out)


# -- GI/M/c -------------------------------------------------------------------------


def lst(dist: Distribution):
    """The Laplace-Stieltjes transform ``s -> E[exp(-s T)]`` of ``dist``, in closed form
    for deterministic, exponential, erlang, gamma, uniform and hyperexponential
    laws; None for the others (no exact transform here)."""
    name = dist.name
    if name == "deterministic" or getattr(dist, "scv", 1.0) == 0:
        d = dist.mean
        return lambda s: math.exp(-s * d)
    if name == "exponential":
        m = dist.mean
        return lambda s: 1.0 / (1.0 + s * m)
    if name == "erlang":
        k, m = dist.k, dist.mean
        return lambda s: (1.0 + s * m / k) ** -k
    if name == "gamma":
        shape, scale = 1.0 / dist.cv ** 2, dist.mean * dist.cv ** 2
        return lambda s: (1.0 + s * scale) ** -shape
    if name == "uniform":
        a, b = dist.low, dist.high
        return lambda s: (math.exp(-s * a) - math.exp(-s * b)) / (s * (b - a)) if s > 0 else 1.0
    if name == "hyperexponential":
        pairs = tuple(zip(dist.probs, dist.means))
        return lambda s: sum(p / (1.0 + s * m) for p, m in pairs)
    return None


def gim_sigma(transform, c: int, mu: float) -> float:
    """The root in (0, 1) of ``sigma = A*(c mu (1 - sigma))`` (A* the interarrival
    LST), by bisection on ``A*(c mu (1 - x)) - x``, positive below the root and
    negative between it and 1 when ``rho < 1`` (Gross & Harris sec. 6.2)."""
    h = lambda x: transform(c * mu * (1.0 - x)) - x   # noqa: E731
    lo, hi = 0.0, 1.0 - 1e-12
    if h(hi) >= 0:
        step = 1e-3
        hi = 1.0 - step
        while h(hi) >= 0 and step > 1e-14:
            step /= 10.0
            hi = 1.0 - step
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if h(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def gimc(interarrival: Distribution, mu: float, c: int) -> StationResult | None:
    """GI/M/c: renewal arrivals (``interarrival``), c exponential servers of rate ``mu``.

    Seen by arrivals, the number present is geometric beyond c - 1:
    ``q_n = K sigma^(n-c+1)`` for n >= c - 1, with sigma the root of
    ``sigma = A*(c mu (1 - sigma))``; q_0 .. q_(c-2) and K solve the balance
    equations of the embedded chain for j = 1 .. c - 1 and the normalisation, whose
    transition terms are sums of transform values (the geometric tail sums to an
    exponential: ``sum_k sigma^(k-1) Erlang(k, c mu) density = c mu exp(-c mu (1 -
    sigma) t)``). An arrival waits with probability ``K sigma / (1 - sigma)``, and then
    an exponential time of rate ``c mu (1 - sigma)``, so ``Wq = K sigma / (c mu
    (1 - sigma)^2)`` (Gross & Harris, 4th ed., sec. 6.2; Kleinrock 1975, vol. 1,
    sec. 6.4; Takacs 1962). None when the interarrival law has no closed-form transform.
    """
    transform = lst(interarrival)
    if transform is None:
        return None
    lam, c = 1.0 / interarrival.mean, int(c)
    if lam >= c * mu:
        rho = lam / (c * mu)
        return StationResult(rho, c * mu, 1.0, 0.0, INF, INF, INF, INF, False, "GI/M/c", False)
    sigma = gim_sigma(transform, c, mu)
    k = _gimc_boundary(transform, sigma, mu, c)
    p_wait = k * sigma / (1.0 - sigma)
    wq = p_wait / (c * mu * (1.0 - sigma))
    res = StationResult(lam / (c * mu), lam, p_wait, 0.0, wq, wq + 1.0 / mu, lam * wq,
                        lam * (wq + 1.0 / mu), False, "GI/M/c (Takacs, root sigma)")
    return res


def _binomial_lst(transform, m: int, j: int, mu: float) -> float:
    """``E[C(m, j) e^(-j mu T) (1 - e^(-mu T))^(m-j)]``: j of m busy servers still busy
    after an interarrival time."""
    total = sum(math.comb(m - j, l) * (-1) ** l * transform((j + l) * mu)
                for l in range(m - j + 1))
    return math.comb(m, j) * total


def _tail_term(transform, sigma: float, mu: float, c: int, j: int) -> float:
    """``sigma E[int_0^T c mu e^(-a tau) b_(c,j)(T - tau) d tau]``, a = c mu (1 - sigma):
    arrivals that found c or more present (weights ``sigma^(n-c+1)``) and left j."""
    a = c * mu * (1.0 - sigma)
    total = 0.0
    for l in range(c - j + 1):
        s = (j + l) * mu
        coef = math.comb(c - j, l) * (-1) ** l
        if abs(a - s) > 1e-9 * max(a, s, 1.0):
            inner = (transform(s) - transform(a)) / (a - s)
        else:  # E[T e^(-a T)] = -A*'(a), by a central difference
            h = 1e-6 * max(a, 1.0)
            inner = -(transform(a + h) - transform(a - h)) / (2 * h)
        total += coef * inner
    return sigma * c * mu * math.comb(c, j) * total


def _gimc_boundary(transform, sigma: float, mu: float, c: int) -> float:
    """K = q_(c-1), from balance at j = 1 .. c - 1 and the normalisation."""
    if c == 1:
        return 1.0 - sigma
    import numpy as np

    # unknowns x = (q_0, ..., q_(c-2), K); q_(c-1) = K
    n = c
    A = np.zeros((n, n))
    b = np.zeros(n)
    for j in range(1, c):
        row = j - 1
        if j <= c - 2:
            A[row, j] += 1.0
        else:
            A[row, c - 1] += 1.0
        for i in range(max(j - 1, 0), c - 1):      # arrivals that found i < c - 1
            A[row, i] -= _binomial_lst(transform, i + 1, j, mu)
        A[row, c - 1] -= _binomial_lst(transform, c, j, mu) + _tail_term(
            transform, sigma, mu, c, j)
    A[n - 1, : c - 1] = 1.0
    A[n - 1, c - 1] = 1.0 / (1.0 - sigma)
    b[n - 1] = 1.0
    x = np.linalg.solve(A, b)
    return float(x[c - 1])


# -- quorum ---------------------------------------------------------------------------


def quorum_mean(rates: Sequence[float], k: int) -> float:
    """Mean of the k-th smallest of independent exponentials of ``rates`` (1/s): the
    time until k of n copies have completed.

    Identical rates mu: ``sum_(i=0)^(k-1) 1 / ((n - i) mu)`` (Renyi's representation;
    David & Nagaraja 2003, sec. 2.5). Unequal rates: ``int P(fewer than k done by t) dt``
    expanded over the subsets done (at most :data:`QUORUM_MAX_BRANCHES` copies).
    """
    n = len(rates)
    if not 1 <= k <= n:
        raise ValueError(f"quorum k must lie in 1..{n} (got {k})")
    if all(math.isclose(r, rates[0], rel_tol=1e-12) for r in rates):
        return sum(1.0 / ((n - i) * rates[0]) for i in range(k))
    if n > QUORUM_MAX_BRANCHES:
        raise ValueError(f"quorum over {n} unequal copies: at most {QUORUM_MAX_BRANCHES}")
    total = 0.0
    idx = range(n)
    for size in range(k):               # S: the copies done by t, |S| < k
        for done in combinations(idx, size):
            rest = sum(rates[i] for i in idx if i not in done)
            for t_size in range(size + 1):   # expand prod_(i in S) (1 - e^(-r_i t))
                for sub in combinations(done, t_size):
                    total += (-1) ** t_size / (rest + sum(rates[i] for i in sub))
    return total
