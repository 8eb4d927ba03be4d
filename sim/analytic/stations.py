"""Closed-form results for single queueing stations.

Every function is pure: numbers in (rates per second, times in seconds), a frozen
:class:`StationResult` out. An unstable station (offered load >= servers on an
unbounded buffer) is not an error: it reports its utilisation, its capacity as
throughput, and ``inf`` for waits and lengths.

Notation follows Kleinrock (1975) and Gross & Harris: ``lam`` arrival rate,
``mu`` service rate of one server, ``c`` servers, ``a = lam / mu`` offered load in
erlangs, ``rho = a / c`` utilisation. ``Wq`` is the mean wait before service,
``W = Wq + 1 / mu`` the mean sojourn, ``Lq`` the mean number waiting (not in
service), ``L`` the mean number in the station.

numpy and scipy are imported by the two functions that use them (M/M/c/K), not at
import: ``asyncsim check`` reaches :func:`ggc` for pools and sync calls, and then
imports neither.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

__all__ = [
    "StationResult", "erlang_b", "erlang_c", "mm1", "mmc", "mmck", "mm_inf", "mg1",
    "md1", "mg1_priority", "gg1", "ggc", "mmc_wait_tail", "mmc_wait_percentile",
    "mmc_sojourn_tail", "mmc_sojourn_percentile", "mm1_sojourn_percentile",
    "fork_join_2",
]

INF = math.inf
_MAX_STATES = 5_000_000   # M/M/c/K states kept after truncating negligible tails


@dataclass(frozen=True, slots=True)
class StationResult:
    """Steady-state figures of one station.

    Attributes
    ----------
    utilization : float
        Offered load per server, ``lam * E[S] / c`` (for a loss or finite-buffer
        station, carried load per server); 0 for an infinite-server station.
        May be >= 1 for an unstable station.
    throughput : float
        Departure rate (1/s): ``lam`` when stable, the capacity ``c * mu`` when
        unstable, ``lam * (1 - p_block)`` for a finite buffer.
    p_wait : float
        Probability that an accepted arrival waits before service.
    p_block : float
        Probability that an arrival is refused (finite buffers only).
    mean_wait, mean_sojourn : float
        ``Wq`` and ``W`` of accepted arrivals, seconds.
    mean_queue_length, mean_in_system : float
        ``Lq`` (waiting only) and ``L`` (waiting and in service).
    approximate : bool
        True when the figures come from an approximation, not an exact result.
    method : str
        The formula used, e.g. ``"M/M/c (Erlang C)"``.
    stable : bool
        False when the offered load reaches the capacity of an unbounded buffer.
        (A stable M/G/1 with infinite service variance still waits ``inf`` on average.)
    """

    utilization: float
    throughput: float
    p_wait: float
    p_block: float
    mean_wait: float
    mean_sojourn: float
    mean_queue_length: float
    mean_in_system: float
    approximate: bool = False
    method: str = ""
    stable: bool = True

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


def _check(**values: float) -> None:
    for name, value in values.items():
        if not value >= 0:  # also refuses NaN
            raise ValueError(f"{name} must be a non-negative number (got {value!r})")


def _check_servers(c: float) -> None:
    if not (c == INF or (c >= 1 and float(c).is_integer())):
        raise ValueError(f"c must be a positive integer or inf (got {c!r})")


def _unstable(lam: float, mean: float, c: float, method: str, approximate: bool = False
              ) -> StationResult:
    rho = lam * mean / c
    return StationResult(rho, c / mean, 1.0, 0.0, INF, INF, INF, INF, approximate, method,
                         False)


def _from_wait(lam: float, mean: float, c: float, p_wait: float, wq: float, method: str,
               approximate: bool = False) -> StationResult:
    """Fill in W, Lq, L from Wq by Little's law (Little 1961)."""
    return StationResult(lam * mean / c, lam, p_wait, 0.0, wq, wq + mean, lam * wq,
                         lam * (wq + mean), approximate, method)


def erlang_b(a: float, c: int) -> float:
    """Erlang's loss formula B(c, a): blocking probability of M/G/c/c.

    Computed by the stable recursion ``B(0) = 1``,
    ``B(k) = a B(k-1) / (k + a B(k-1))`` (Gross & Harris, *Fundamentals of
    Queueing Theory*, 4th ed., sec. 2.5; Jagerman 1974), exact for any c.

    Parameters
    ----------
    a : float
        Offered load in erlangs (``lam / mu``).
    c : int
        Number of servers.
    """
    _check(a=a)
    _check_servers(c)
    if c == INF:
        return 0.0
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(a: float, c: int) -> float:
    """Erlang's delay formula C(c, a): probability that an M/M/c arrival waits.

    ``C = c B / (c - a (1 - B))`` with ``B = erlang_b(a, c)`` (Kleinrock 1975,
    vol. 1, eq. 3.40; Gross & Harris sec. 2.3); 1 when ``a >= c``.
    """
    _check(a=a)
    _check_servers(c)
    if c == INF:
        return 0.0
    if a >= c:
        return 1.0
    b = erlang_b(a, c)
    return c * b / (c - a * (1.0 - b))


def mm1(lam: float, mu: float) -> StationResult:
    """M/M/1: ``rho = lam / mu``, ``W = 1 / (mu - lam)``, ``L = rho / (1 - rho)``.

    Kleinrock 1975, vol. 1, sec. 3.2.
    """
    return mmc(lam, mu, 1)


def mmc(lam: float, mu: float, c: int) -> StationResult:
    """M/M/c via Erlang C: ``Wq = C(c, a) / (c mu - lam)``.

    Kleinrock 1975, vol. 1, sec. 3.5; Gross & Harris sec. 2.3. Stable for any
    ``c`` (up to thousands of servers) through :func:`erlang_b`.
    ``c = inf`` gives :func:`mm_inf`.
    """
    _check(lam=lam, mu=mu)
    _check_servers(c)
    if c == INF:
        return mm_inf(lam, mu)
    if lam >= c * mu:
        return _unstable(lam, 1.0 / mu, c, "M/M/c (Erlang C)")
    pw = erlang_c(lam / mu, c)
    return _from_wait(lam, 1.0 / mu, c, pw, pw / (c * mu - lam), "M/M/c (Erlang C)")


def mm_inf(lam: float, mu: float) -> StationResult:
    """M/M/inf (and M/G/inf): no waiting, ``L = lam / mu`` Poisson, ``W = 1 / mu``.

    Kleinrock 1975, vol. 1, sec. 3.6; the result holds for any service
    distribution with mean ``1 / mu`` (Gross & Harris sec. 6.1). ``utilization``
    is 0 by convention (infinitely many servers); ``mean_in_system`` is the mean
    number of busy servers.
    """
    _check(lam=lam, mu=mu)
    return StationResult(0.0, lam, 0.0, 0.0, 0.0, 1.0 / mu, 0.0, lam / mu, False, "M/G/inf")


def _mmck_tail(r: float, capacity: int) -> tuple[float, float, float, float]:
    """Sums over the waiting states j = 1..K, relative to p_c, in logs.

    Returns ``(base, log_s0, mean_j, log_last)``: ``log sum_j r^j = base + log_s0``,
    the mean j over the tail, and ``log r^K = base + log_last``. ``base`` is split
    off so that huge K keeps full precision; terms below e-46 of the peak are dropped.
    """
    if capacity == 0:
        return 0.0, -INF, 0.0, -INF
    x = math.log(r)
    if abs(x) * capacity < 1e-12:   # r == 1 to double precision: uniform tail
        return 0.0, math.log(capacity), (capacity + 1) / 2.0, 0.0
    span = min(capacity, math.ceil(46.0 / abs(x)) + 1)
    if span > _MAX_STATES:
        raise ValueError(f"M/M/c/K with K={capacity} and a/c={r} needs too many states")
    import numpy as np

    ref = capacity if r > 1.0 else 1
    j = np.arange(capacity - span + 1, capacity + 1) if r > 1.0 else np.arange(1, span + 1)
    from scipy.special import logsumexp  # lazily: check and a short run need no scipy

    log_w = (j - ref) * x
    log_s0 = float(logsumexp(log_w))
    mean_j = float(np.sum(j * np.exp(log_w - log_s0)))
    log_last = (capacity - ref) * x if j[-1] == capacity else -INF
    return ref * x, log_s0, mean_j, log_last


def mmck(lam: float, mu: float, c: int, K: float) -> StationResult:
    """M/M/c/K with ``K`` waiting places: system capacity ``c + K``.

    Birth-death stationary distribution ``p_n ~ a^n / n!`` for ``n <= c`` and
    ``p_c (a / c)^(n - c)`` above (Gross & Harris sec. 2.6; Kleinrock 1975,
    vol. 1, sec. 3.7). ``p_block`` is ``p_(c+K)`` (PASTA); waits are those of
    accepted arrivals, ``Wq = Lq / (lam (1 - p_block))``. Computed in log space
    and stable for any ``lam``; ``K = 0`` is Erlang B, ``K = inf`` is :func:`mmc`.

    Note ``K`` counts messages *waiting*, as a queue's ``capacity`` does in a
    model; textbooks often write the system capacity ``c + K`` as K.
    """
    _check(lam=lam, mu=mu, K=K)
    _check_servers(c)
    if K == INF or c == INF:
        return mmc(lam, mu, c)
    if lam == 0:
        return StationResult(0.0, 0.0, 0.0, 0.0, 0.0, 1.0 / mu, 0.0, 0.0, False, "M/M/c/K")
    import numpy as np
    from scipy.special import gammaln, logsumexp  # lazily: check needs no scipy

    c, a = int(c), lam / mu
    n = np.arange(c + 1, dtype=float)
    log_head = n * math.log(a) - gammaln(n + 1)
    base, log_s0, mean_j, log_last = _mmck_tail(a / c, int(K))
    log_head -= log_head[-1] + base   # relative to p_c r^base: keeps huge K precise
    log_norm = float(logsumexp(np.append(log_head, log_s0)))
    p_head = np.exp(log_head - log_norm)
    p_tail = math.exp(log_s0 - log_norm)
    p_full = math.exp(log_last - log_norm) if K > 0 else float(p_head[-1])
    lq = p_tail * mean_j
    busy = float(np.sum(n * p_head)) + c * p_tail
    x = lam * (1.0 - p_full)
    p_wait = (float(p_head[-1]) + p_tail - p_full) / (1.0 - p_full)
    wq = lq / x
    return StationResult(busy / c, x, p_wait, p_full, wq, wq + 1.0 / mu, lq,
                         lq + busy, False, "M/M/c/K")


def mg1(lam: float, mean: float, scv: float) -> StationResult:
    """M/G/1 by the Pollaczek-Khinchine formula.

    ``Wq = rho * E[S] * (1 + scv) / (2 (1 - rho))`` with ``scv = Var[S] / E[S]^2``
    (Kleinrock 1975, vol. 1, eq. 5.73; Gross & Harris sec. 5.1).
    """
    _check(lam=lam, mean=mean, scv=scv)
    rho = lam * mean
    if rho >= 1:
        return _unstable(lam, mean, 1, "M/G/1 (Pollaczek-Khinchine)")
    wq = rho * mean * (1.0 + scv) / (2.0 * (1.0 - rho))
    return _from_wait(lam, mean, 1, rho, wq, "M/G/1 (Pollaczek-Khinchine)")


def md1(lam: float, d: float) -> StationResult:
    """M/D/1: Pollaczek-Khinchine with ``scv = 0``; the wait is half of M/M/1's.

    Kleinrock 1975, vol. 1, sec. 5.6.
    """
    return mg1(lam, d, 0.0)


def mg1_priority(lams: Sequence[float], means: Sequence[float], scvs: Sequence[float]
                 ) -> tuple[StationResult, ...]:
    """M/G/1 with non-preemptive priority classes; class 0 is served first.

    Cobham (1954): ``Wq_k = W0 / ((1 - s_(k-1)) (1 - s_k))`` with residual work
    ``W0 = sum_i lam_i E[S_i^2] / 2`` and ``s_k = rho_0 + ... + rho_k``
    (Kleinrock 1976, vol. 2, eq. 3.30; Gross & Harris sec. 3.4.1). A class with
    ``s_k >= 1`` waits forever. ``utilization`` and ``p_wait`` are the whole
    station's; ``throughput`` and lengths are the class's own.
    """
    if not len(lams) == len(means) == len(scvs):
        raise ValueError("lams, means and scvs must have one value per class")
    for lam, mean, scv in zip(lams, means, scvs):
        _check(lam=lam, mean=mean, scv=scv)
    rhos = [lam * mean for lam, mean in zip(lams, means)]
    w0 = sum(lam * mean * mean * (1.0 + scv) / 2.0 for lam, mean, scv in zip(lams, means, scvs))
    total, before, out = sum(rhos), 0.0, []
    for lam, mean, rho in zip(lams, means, rhos):
        upto = before + rho
        if upto >= 1:
            cap = max(0.0, 1.0 - before) / mean if mean > 0 else lam
            out.append(StationResult(total, min(lam, cap), 1.0, 0.0,
                                     INF, INF, INF, INF, False, "M/G/1 priority (Cobham)", False))
        else:
            wq = w0 / ((1.0 - before) * (1.0 - upto))
            out.append(StationResult(total, lam, min(total, 1.0), 0.0, wq, wq + mean,
                                     lam * wq, lam * (wq + mean), False, "M/G/1 priority (Cobham)"))
        before = upto
    return tuple(out)


def gg1(lam: float, mean: float, scv_a: float, scv_s: float) -> StationResult:
    """G/G/1 by Kingman's heavy-traffic approximation (Kingman 1961).

    ``Wq ~ rho / (1 - rho) * (scv_a + scv_s) / 2 * E[S]`` (Bolch et al., *Queueing
    Networks and Markov Chains*, 2nd ed., eq. 6.123 (Kingman-Koellerstroem)).
    Exact for M/G/1 (``scv_a = 1``), still flagged approximate because
    the arrival process is known only by its moments.
    """
    _check(lam=lam, mean=mean, scv_a=scv_a, scv_s=scv_s)
    rho = lam * mean
    if rho >= 1:
        return _unstable(lam, mean, 1, "G/G/1 (Kingman)", True)
    wq = rho / (1.0 - rho) * (scv_a + scv_s) / 2.0 * mean
    return _from_wait(lam, mean, 1, rho, wq, "G/G/1 (Kingman)", True)


def ggc(lam: float, mean: float, c: int, scv_a: float, scv_s: float) -> StationResult:
    """G/G/c by the Allen-Cunneen approximation.

    ``Wq ~ C(c, a) / (c mu - lam) * (scv_a + scv_s) / 2`` (Allen 1990, *Probability,
    Statistics and Queueing Theory*; Bolch et al. eq. 6.84). Exact for M/M/c.
    """
    _check(lam=lam, mean=mean, scv_a=scv_a, scv_s=scv_s)
    _check_servers(c)
    if c == INF:
        return mm_inf(lam, 1.0 / mean)
    mu = 1.0 / mean
    if lam >= c * mu:
        return _unstable(lam, mean, c, "G/G/c (Allen-Cunneen)", True)
    pw = erlang_c(lam / mu, c)
    wq = pw / (c * mu - lam) * (scv_a + scv_s) / 2.0
    return _from_wait(lam, mean, c, pw, wq, "G/G/c (Allen-Cunneen)", True)


def mmc_wait_tail(lam: float, mu: float, c: int, t: float) -> float:
    """``P(Wq > t) = C(c, a) exp(-(c mu - lam) t)`` for FCFS M/M/c, t >= 0.

    Kleinrock 1975, vol. 1, eq. 3.42 (Gross & Harris sec. 2.3.1).
    """
    if c == INF:
        return 0.0
    if lam >= c * mu:
        return 1.0
    return erlang_c(lam / mu, c) * math.exp(-(c * mu - lam) * t)


def mmc_wait_percentile(lam: float, mu: float, c: int, q: float) -> float:
    """The q-quantile of the FCFS M/M/c wait: 0 when ``q <= 1 - C``,
    else ``ln(C / (1 - q)) / (c mu - lam)``. Inverts :func:`mmc_wait_tail`."""
    if not 0 <= q < 1:
        raise ValueError(f"q must be in [0, 1) (got {q!r})")
    if c == INF:
        return 0.0
    if lam >= c * mu:
        return INF
    pw = erlang_c(lam / mu, c)
    return 0.0 if 1.0 - q >= pw else math.log(pw / (1.0 - q)) / (c * mu - lam)


def _hypo_tail(theta: float, mu: float, t: float) -> float:
    """P(E_theta + E_mu > t) for independent exponentials."""
    if abs(theta - mu) <= 1e-12 * max(theta, mu):
        return (1.0 + mu * t) * math.exp(-mu * t)
    return (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)


def mmc_sojourn_tail(lam: float, mu: float, c: int, t: float) -> float:
    """``P(W > t)`` for FCFS M/M/c: the wait (0 w.p. 1 - C, else exponential with
    rate ``c mu - lam``) plus an independent exponential service.

    Gross & Harris sec. 2.3.1 (sojourn-time distribution of M/M/c).
    """
    if c == INF:
        return math.exp(-mu * t)
    if lam >= c * mu:
        return 1.0
    pw = erlang_c(lam / mu, c)
    return (1.0 - pw) * math.exp(-mu * t) + pw * _hypo_tail(c * mu - lam, mu, t)


def mmc_sojourn_percentile(lam: float, mu: float, c: int, q: float) -> float:
    """The q-quantile of the FCFS M/M/c sojourn time, by root-finding on
    :func:`mmc_sojourn_tail` (exact to 1e-12 relative)."""
    if not 0 <= q < 1:
        raise ValueError(f"q must be in [0, 1) (got {q!r})")
    if c != INF and lam >= c * mu:
        return INF
    if q == 0:
        return 0.0
    hi = 1.0 / mu
    while mmc_sojourn_tail(lam, mu, c, hi) > 1.0 - q:
        hi *= 2.0
    from scipy.optimize import brentq  # lazily: check needs no scipy

    return brentq(lambda t: mmc_sojourn_tail(lam, mu, c, t) - (1.0 - q), 0.0, hi,
                  xtol=1e-15, rtol=1e-12)


def mm1_sojourn_percentile(lam: float, mu: float, q: float) -> float:
    """The q-quantile of the FCFS M/M/1 sojourn, exponential with rate ``mu - lam``:
    ``-ln(1 - q) / (mu - lam)`` (Kleinrock 1975, vol. 1, eq. 3.27)."""
    if not 0 <= q < 1:
        raise ValueError(f"q must be in [0, 1) (got {q!r})")
    if lam >= mu:
        return INF
    return -math.log1p(-q) / (mu - lam)


def fork_join_2(lam: float, mu: float) -> float:
    """Mean response time of a two-way fork-join of identical M/M/1 queues.

    ``R = (12 - rho) / 8 * 1 / (mu - lam)``, exact for two servers
    (Flatto & Hahn 1984; Nelson & Tantawi 1988, *Approximate analysis of fork/join
    synchronization in parallel queues*, IEEE Trans. Computers 37(6), eq. 2).
    Returns ``inf`` when ``lam >= mu``.
    """
    _check(lam=lam, mu=mu)
    if lam >= mu:
        return INF
    return (12.0 - lam / mu) / 8.0 / (mu - lam)
