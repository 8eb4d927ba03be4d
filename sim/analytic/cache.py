"""Hit ratios of caches under the independent reference model (IRM): key i is requested
with probability p_i, independently of the past, at total rate Lambda (1/s).

* LRU, Che's approximation (Che, Tung & Wang, IEEE JSAC 2002; Fricker, Robert &
  Roberts, ITC 2012 on why it is so accurate): the characteristic time T (in
  requests) solves ``sum_i (1 - exp(-p_i T)) = C``; key i's hit ratio is
  ``1 - exp(-p_i T)`` and the cache's ``sum_i p_i (1 - exp(-p_i T))``.
* FIFO (and RANDOM), Martina, Garetto & Leonardi (INFOCOM 2014), after Dan &
  Towsley (SIGMETRICS 1990): ``h_i = p_i T / (1 + p_i T)`` with ``sum_i h_i = C``.
* LFU (perfect LFU under IRM): it converges to the C most popular keys, so
  ``h = sum of the C largest p_i`` (exact in steady state: the static optimum).
* TTL with reset on miss (an entry lives ``ttl`` seconds from the miss that inserted
  it; Jung, Berger & Balakrishnan, INFOCOM 2003): a miss starts a cycle of length
  ttl in which key i's requests all hit, so its hit ratio is
  ``lambda_i T / (1 + lambda_i T)`` (lambda_i = p_i Lambda, T = ttl), exact when the
  capacity never fills (C >= number of keys).

With both a ttl and a capacity that can fill, each key's hit ratio is taken as the
smaller of the two (flagged approximate). ``fill`` delays are ignored (misses
during a fill are not counted): approximate too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["che_time", "lru_hit_ratio", "fifo_hit_ratio", "lfu_hit_ratio",
           "ttl_hit_ratio", "CacheEstimate", "estimate"]


def _solve(occupancy, capacity: float, n: int) -> float:
    """The T > 0 at which ``occupancy(T)`` (increasing, from 0 towards n) equals
    ``capacity`` (< n): bracket by doubling, then bisection to 1e-12 relative."""
    lo, hi = 0.0, 1.0
    while occupancy(hi) < capacity:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if occupancy(mid) < capacity:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


def che_time(p, capacity: int) -> float:
    """Che's characteristic time T (in requests): ``sum_i (1 - exp(-p_i T)) = C``;
    inf when the capacity holds every key requested."""
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    if capacity >= len(p):
        return math.inf
    return _solve(lambda t: float(np.sum(-np.expm1(-p * t))), capacity, len(p))


def lru_hit_ratios(p, capacity: int) -> np.ndarray:
    """Each key's LRU hit ratio by Che's approximation, ``1 - exp(-p_i T)``."""
    p = np.asarray(p, dtype=float)
    t = che_time(p, capacity)
    return np.ones_like(p) if math.isinf(t) else -np.expm1(-p * t)


def lru_hit_ratio(p, capacity: int) -> float:
    """``sum_i p_i (1 - exp(-p_i T))`` with T from :func:`che_time`."""
    p = np.asarray(p, dtype=float)
    return float(np.dot(p, lru_hit_ratios(p, capacity)) / p.sum())


def fifo_hit_ratios(p, capacity: int) -> np.ndarray:
    """Each key's FIFO hit ratio, ``p_i T / (1 + p_i T)`` with ``sum_i h_i = C``."""
    p = np.asarray(p, dtype=float)
    live = p[p > 0]
    if capacity >= len(live):
        return np.ones_like(p)
    t = _solve(lambda x: float(np.sum(live * x / (1 + live * x))), capacity, len(live))
    return p * t / (1 + p * t)


def fifo_hit_ratio(p, capacity: int) -> float:
    p = np.asarray(p, dtype=float)
    return float(np.dot(p, fifo_hit_ratios(p, capacity)) / p.sum())


def lfu_hit_ratios(p, capacity: int) -> np.ndarray:
    """1 for the ``capacity`` most popular keys, 0 for the others."""
    p = np.asarray(p, dtype=float)
    h = np.zeros_like(p)
    h[np.argsort(-p, kind="stable")[:capacity]] = 1.0
    return h


def lfu_hit_ratio(p, capacity: int) -> float:
    p = np.asarray(p, dtype=float)
    return float(np.dot(p, lfu_hit_ratios(p, capacity)) / p.sum())


def ttl_hit_ratios(rates, ttl: float) -> np.ndarray:
    """Each key's hit ratio under a TTL reset on miss, ``lambda_i T / (1 + lambda_i T)``."""
    x = np.asarray(rates, dtype=float) * ttl
    return x / (1 + x)


def ttl_hit_ratio(rates, ttl: float) -> float:
    """``sum_i lambda_i h_i / sum_i lambda_i`` with h_i from :func:`ttl_hit_ratios`."""
    rates = np.asarray(rates, dtype=float)
    return float(np.dot(rates, ttl_hit_ratios(rates, ttl)) / rates.sum())


_POLICY = {"lru": (lru_hit_ratios, "Che's approximation (lru)"),
           "fifo": (fifo_hit_ratios, "Martina et al.'s approximation (fifo)"),
           "lfu": (lfu_hit_ratios, "the most popular capacity keys (lfu under IRM)")}


@dataclass(frozen=True, slots=True)
class CacheEstimate:
    """A cache's expected ``hit_ratio`` and how it was found (``method``; ``exact``
    only for a ttl cache that never fills)."""

    hit_ratio: float
    method: str
    exact: bool


def estimate(p, spec, rate: float) -> CacheEstimate:
    """The expected hit ratio of cache ``spec`` (capacity, policy, ttl, fill) for key
    probabilities ``p`` requested at ``rate`` per second in all."""
    p = np.asarray(p, dtype=float)
    total = p.sum()
    if total <= 0:
        return CacheEstimate(0.0, "no keyed requests reach it", False)
    p = p / total
    keys = int(np.count_nonzero(p))
    fills = spec.capacity < keys
    formula, method = _POLICY[spec.policy]
    h = formula(p, spec.capacity) if fills else np.ones_like(p)
    if spec.ttl is not None:
        h = np.minimum(h, ttl_hit_ratios(p * rate, spec.ttl))
        method = ("lambda T / (1 + lambda T) per key (ttl, reset on miss)" if not fills
                  else f"{method}, capped per key by the ttl's lambda T / (1 + lambda T)")
    elif not fills:
        method = "every key fits: all hit once cached"
    exact = spec.fill is None and (not fills and spec.ttl is not None
                                   or fills and spec.policy == "lfu" and spec.ttl is None)
    if spec.fill is not None:
        method += "; misses during fill ignored"
    return CacheEstimate(float(np.dot(p, h)), method, exact)
