"""Mean value analysis of closed queueing networks.

Stations are described by numbers only: per class, the *service demand* at each
station (visit ratio times mean service time, seconds per request, not divided
by the servers) and per station the number of servers (1, c, or ``math.inf`` for
a delay station such as a think time or a network latency). Each class has a
population and a think time (a delay outside the stations).

* exact MVA (Reiser & Lavenberg 1980) for single-server and delay stations,
  single- or multi-class (the recursion over population vectors is used while
  it has at most :data:`EXACT_LIMIT` vectors);
* Schweitzer's approximate MVA (Schweitzer 1979; Bard 1979) beyond that;
* a multi-server station of ``c`` servers by Seidmann's approximation
  (Seidmann, Schweitzer & Shalev-Oren 1987): a single server of demand ``D / c``
  followed by a delay of ``D (c - 1) / c``; the result is then approximate.

Reference: Lazowska, Zahorjan, Graham & Sevcik, *Quantitative System
Performance* (1984), ch. 6-7; Bolch et al., *Queueing Networks and Markov
Chains*, 2nd ed., sec. 8.2 and 9.1.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["MVAResult", "mva", "EXACT_LIMIT", "SINGLE_CLASS_EXACT_LIMIT"]

EXACT_LIMIT = 20_000              # population vectors for the exact multi-class recursion
SINGLE_CLASS_EXACT_LIMIT = 100_000  # single class: O(N K) exact recursion up to this N
_TOL, _MAX_ITER = 1e-12, 100_000


@dataclass(frozen=True, slots=True)
class MVAResult:
    """Solution of a closed network.

    Attributes
    ----------
    throughput : tuple of float
        Requests per second completed by each class.
    response_time : tuple of float
        Mean time per request in the stations (excluding the think time), per class.
    residence : numpy.ndarray
        ``(classes, stations)`` mean time a request of each class spends at each
        station over all its visits.
    queue_length : tuple of float
        Mean number of requests at each station (waiting and in service).
    utilization : tuple of float
        Mean busy fraction of each station's servers (0 for a delay station).
    approximate : bool
        True when Schweitzer's or Seidmann's approximation was used.
    method : str
        E.g. ``"exact MVA"`` or ``"Schweitzer MVA + Seidmann"``.
    """

    throughput: tuple[float, ...]
    response_time: tuple[float, ...]
    residence: np.ndarray
    queue_length: tuple[float, ...]
    utilization: tuple[float, ...]
    approximate: bool
    method: str


def _expand(demands: np.ndarray, servers: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Seidmann: replace each c-server station by a queue (D/c) and a delay (D(c-1)/c).

    Returns the expanded demands ``(R, K + M)``, a mask of queueing stations, and
    whether any multi-server station was approximated. Columns ``K..`` are the
    delay parts, in order of the multi-server stations.
    """
    multi = [k for k, c in enumerate(servers) if math.isfinite(c) and c > 1]
    queue = np.isfinite(servers)
    d = demands.copy()
    extra = []
    for k in multi:
        c = servers[k]
        d[:, k] = demands[:, k] / c
        extra.append(demands[:, k] * (c - 1) / c)
    if extra:
        d = np.hstack([d, np.column_stack(extra)])
        queue = np.concatenate([queue, np.zeros(len(extra), dtype=bool)])
    return d, queue, bool(multi)


def _exact_single(d: np.ndarray, queue: np.ndarray, n: int, z: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Reiser-Lavenberg recursion for one class: returns X (1,) and residence (1, K)."""
    q = np.zeros(d.shape[1])
    x, r = 0.0, d[0].copy()
    for m in range(1, n + 1):
        r = np.where(queue, d[0] * (1.0 + q), d[0])
        x = m / (z + r.sum())
        q = x * r
    return np.array([x]), r[None, :]


def _exact_multi(d: np.ndarray, queue: np.ndarray, pops: Sequence[int], z: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Exact multi-class MVA over all population vectors (Reiser & Lavenberg 1980)."""
    n_cls, n_st = d.shape
    totals: dict[tuple[int, ...], np.ndarray] = {tuple([0] * n_cls): np.zeros(n_st)}
    x, r = np.zeros(n_cls), d.copy()
    for vec in sorted(itertools.product(*(range(p + 1) for p in pops)), key=sum)[1:]:
        x, r = np.zeros(n_cls), np.zeros_like(d)
        for s in range(n_cls):
            if vec[s] == 0:
                continue
            prev = totals[vec[:s] + (vec[s] - 1,) + vec[s + 1:]]
            r[s] = np.where(queue, d[s] * (1.0 + prev), d[s])
            x[s] = vec[s] / (z[s] + r[s].sum())
        totals[vec] = x @ r
    return x, r


def _schweitzer(d: np.ndarray, queue: np.ndarray, pops: np.ndarray, z: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Schweitzer's fixed point: a class-s arrival sees ``Q - Q_s / N_s``."""
    n_cls, n_st = d.shape
    active = pops > 0
    q = np.where(active[:, None], pops[:, None] / n_st, 0.0) * np.ones((n_cls, n_st))
    x, r = np.zeros(n_cls), d.copy()
    for _ in range(_MAX_ITER):
        seen = q.sum(axis=0)[None, :] - np.divide(q, pops[:, None], out=np.zeros_like(q),
                                                  where=active[:, None])
        r = np.where(queue[None, :], d * (1.0 + seen), d)
        x = np.where(active, pops / (z + r.sum(axis=1)), 0.0)
        new = x[:, None] * r
        if np.max(np.abs(new - q)) <= _TOL * max(1.0, float(pops.sum())):
            return x, r
        q = new
    return x, r


def _collapse(res: np.ndarray, n_st: int, servers: np.ndarray) -> np.ndarray:
    """Fold the Seidmann delay columns back into their stations."""
    out = res[:, :n_st].copy()
    multi = [k for k, c in enumerate(servers) if math.isfinite(c) and c > 1]
    for j, k in enumerate(multi):
        out[:, k] += res[:, n_st + j]
    return out


def mva(demands: Sequence[float] | Sequence[Sequence[float]], population: int | Sequence[int],
        think: float | Sequence[float] = 0.0, servers: Sequence[float] | None = None,
        *, exact: bool | None = None) -> MVAResult:
    """Solve a closed product-form network by mean value analysis.

    Parameters
    ----------
    demands : array_like
        Service demands ``D_k = V_k * S_k`` in seconds: shape ``(K,)`` for one
        class, ``(R, K)`` for R classes.
    population : int or sequence of int
        Requests circulating in each class (clients of a closed sender).
    think : float or sequence of float
        Mean think time per class, seconds.
    servers : sequence of float, optional
        Servers at each station: 1 (default), an integer c > 1 (Seidmann's
        approximation), or ``math.inf`` (a delay station).
    exact : bool, optional
        Force the exact recursion (True) or Schweitzer's approximation (False);
        by default exact while the population is small enough.

    Returns
    -------
    MVAResult

    Notes
    -----
    Exact MVA: ``R_k(n) = D_k (1 + Q_k(n - 1))`` at a queueing station and
    ``D_k`` at a delay; ``X(n) = n / (Z + sum_k R_k(n))``; ``Q_k(n) = X(n) R_k(n)``
    (Reiser & Lavenberg 1980; Lazowska et al. 1984, sec. 6.4). Schweitzer
    replaces ``Q_k(n - 1)`` by ``Q_k(n) (n - 1) / n`` (Lazowska et al. sec. 6.4.2).
    """
    d = np.atleast_2d(np.asarray(demands, dtype=float))
    pops = np.atleast_1d(np.asarray(population, dtype=int))
    z = np.broadcast_to(np.asarray(think, dtype=float), pops.shape).astype(float)
    srv = np.ones(d.shape[1]) if servers is None else np.asarray(servers, dtype=float)
    if d.shape != (len(pops), len(srv)) or np.any(d < 0) or np.any(pops < 0) or np.any(srv < 1):
        raise ValueError("demands must be (classes, stations) >= 0, populations >= 0, servers >= 1")
    # a class that spends no time anywhere cycles infinitely fast and loads nothing
    free = (d.sum(axis=1) == 0) & (z == 0) & (pops > 0)
    pops_run = np.where(free, 0, pops)
    dx, queue, seidmann = _expand(d, srv)
    states = math.prod(int(p) + 1 for p in pops_run)
    if exact is None:
        exact = (pops_run.sum() <= SINGLE_CLASS_EXACT_LIMIT if len(pops) == 1
                 else states <= EXACT_LIMIT)
    if exact and len(pops) == 1:
        x, r = _exact_single(dx, queue, int(pops_run[0]), float(z[0]))
    elif exact:
        x, r = _exact_multi(dx, queue, [int(p) for p in pops_run], z)
    else:
        x, r = _schweitzer(dx, queue, pops_run.astype(float), z)
    x = np.where(free, math.inf, x)
    return _result(x, _collapse(r, d.shape[1], srv), d, srv, exact, seidmann)


def _result(x: np.ndarray, res: np.ndarray, d: np.ndarray, srv: np.ndarray, exact: bool,
            seidmann: bool) -> MVAResult:
    load = np.where(np.isfinite(x), x, 0.0)     # infinitely fast classes carry no demand
    util = np.where(np.isfinite(srv), (load @ d) / np.where(np.isfinite(srv), srv, 1.0), 0.0)
    method = ("exact MVA" if exact else "Schweitzer MVA") + (" + Seidmann" if seidmann else "")
    return MVAResult(
        throughput=tuple(float(v) for v in x),
        response_time=tuple(float(v) for v in res.sum(axis=1)),
        residence=res,
        queue_length=tuple(float(v) for v in load @ res),
        utilization=tuple(float(v) for v in util),
        approximate=seidmann or not exact,
        method=method,
    )
