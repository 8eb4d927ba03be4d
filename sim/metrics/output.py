"""Output analysis: initial-transient deletion (MSER-5), batch means, relative precision.

Pure numpy over sequences of observations, so every rule is testable on
synthetic data; the engine runs the pilots and the replications
(:mod:`sim.engine.precision`).

References
----------
White, K. P. (1997). An effective truncation heuristic for bias reduction in
simulation output. *Simulation* 69(6), 323-334.
White, K. P., Cobb, M. J., & Spratt, S. C. (2000). A comparison of five
steady-state truncation heuristics for simulation. *Proc. Winter Simulation
Conference*, 755-760 (MSER-5: MSER on batch means of 5).
Franklin, W. W., & White, K. P. (2008). Stationarity tests and MSER-5: exploring
the intuition behind mean-squared-error-reduction in simulation output analysis.
*Proc. Winter Simulation Conference*, 541-546.
Law, A. M., & Kelton, W. D. (2000). *Simulation Modeling and Analysis*, 3rd ed.,
section 9.4.1 (replications until a relative precision is reached).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from sim.metrics.stats import ci95_halfwidth

__all__ = ["batch_means", "mser_statistic", "mser_truncation", "mser5", "Truncation",
           "relative_precision", "precision_status", "MSER_BATCH", "MSER_TAIL"]

MSER_BATCH = 5
# The last batches are left out of the reliability check: MSER(d) of a handful of
# batches can be tiny by chance (two close values), which says nothing about bias.
MSER_TAIL = 10


def batch_means(sequence: Sequence[float], size: int) -> np.ndarray:
    """Means of consecutive, non-overlapping batches of ``size`` observations.

    A last, incomplete batch is left out (as in White et al. 2000).

    Parameters
    ----------
    sequence : sequence of float
        Observations in the order they were produced.
    size : int
        Observations per batch (positive).

    Returns
    -------
    numpy.ndarray
        ``len(sequence) // size`` batch means.
    """
    if size < 1:
        raise ValueError(f"batch size must be a positive integer (got {size!r})")
    arr = np.asarray(sequence, dtype=np.float64)
    k = arr.size // size
    return arr[: k * size].reshape(k, size).mean(axis=1)


def mser_statistic(values: Sequence[float]) -> np.ndarray:
    """MSER(d) for every truncation ``d = 0 .. k-2`` of ``k`` values.

    ``MSER(d) = sum_{j>d} (Z_j - mean(Z_{d+1..k}))**2 / (k - d)**2`` (White 1997): the
    squared standard error of the truncated mean, up to a constant. Computed from
    suffix sums of the centred values in O(k).

    Parameters
    ----------
    values : sequence of float
        Observations or batch means, in order; at least two.

    Returns
    -------
    numpy.ndarray
        ``k - 1`` values; entry ``d`` is MSER with the first ``d`` values deleted.
    """
    z = np.asarray(values, dtype=np.float64)
    if z.size < 2:
        raise ValueError(f"MSER needs at least 2 values (got {z.size})")
    z = z - z.mean()                      # centring limits cancellation in s2 - s1**2/m
    s1 = np.cumsum(z[::-1])[::-1]         # s1[d] = sum of z[d:]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    m = np.arange(z.size, 0, -1, dtype=np.float64)
    ss = np.maximum(s2 - s1 * s1 / m, 0.0)
    return (ss / (m * m))[:-1]


@dataclass(frozen=True, slots=True)
class Truncation:
    """Where MSER cuts a sequence.

    Attributes
    ----------
    index : int
        Observations to delete from the start (``batches * batch``).
    batches : int
        Batches deleted, ``d*``.
    n_batches : int
        Batches in the sequence, ``k``.
    batch : int
        Observations per batch.
    reliable : bool
        False when the minimum over (almost) the whole sequence lies in its second
        half: the run is too short to have left its transient (Franklin & White 2008).
    """

    index: int
    batches: int
    n_batches: int
    batch: int
    reliable: bool


def mser_truncation(sequence: Sequence[float], batch: int = MSER_BATCH) -> Truncation:
    """The MSER truncation point of ``sequence`` batched by ``batch`` (5: MSER-5).

    ``d*`` minimises MSER(d) over the first half of the batches (White et al.
    2000); ``reliable`` tells whether the global minimum (leaving out the last
    ``MSER_TAIL`` batches) lies there too.

    Parameters
    ----------
    sequence : sequence of float
        Observations in the order they were produced (e.g. end-to-end latencies
        in completion order); at least ``2 * batch``.
    batch : int
        Batch size; 1 gives plain MSER.

    Returns
    -------
    Truncation
    """
    z = batch_means(sequence, batch)
    if z.size < 2:
        raise ValueError(f"MSER-{batch} needs at least {2 * batch} observations "
                         f"(got {len(sequence)})")
    stat = mser_statistic(z)
    half = z.size // 2
    d = int(np.argmin(stat[: half + 1]))
    tail = stat[: max(z.size - MSER_TAIL, half + 1)]
    reliable = int(np.argmin(tail)) <= half
    return Truncation(index=d * batch, batches=d, n_batches=int(z.size), batch=batch,
                      reliable=reliable)


def mser5(sequence: Sequence[float]) -> int:
    """Observations to delete from the start of ``sequence`` by MSER-5 (White 1997).

    Parameters
    ----------
    sequence : sequence of float
        Observations in order (at least 10).

    Returns
    -------
    int
        A multiple of 5, at most half the sequence.
    """
    return mser_truncation(sequence, MSER_BATCH).index


def relative_precision(values: Sequence[float | None], target: float) -> dict:
    """Half-width of the 95% CI of the mean of ``values``, relative to the mean.

    Parameters
    ----------
    values : sequence of float or None
        One estimate per replication (None and non-finite values are ignored).
    target : float
        Wanted relative half-width, e.g. 0.02.

    Returns
    -------
    dict
        ``mean``, ``halfwidth`` (None with fewer than two values), ``relative``
        (``halfwidth / |mean|``; 0 when both are 0; None when undefined) and
        ``reached`` (``relative <= target``).
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    mean = sum(finite) / len(finite) if finite else None
    half = ci95_halfwidth(finite)
    relative = None
    if half is not None and mean is not None:
        if mean != 0:
            relative = half / abs(mean)
        elif half == 0:
            relative = 0.0
    reached = relative is not None and relative <= target
    return {"mean": mean, "halfwidth": half, "relative": relative, "reached": reached}


def precision_status(samples: Mapping[str, Sequence[float | None]],
                     target: float) -> tuple[bool, dict]:
    """The stopping rule: has every metric reached the relative precision ``target``?

    The sequential procedure of Law & Kelton (2000, section 9.4.1): after each
    replication, stop once the 95% CI half-width of every chosen metric is within
    ``target`` of its mean.

    Parameters
    ----------
    samples : mapping of str to sequence of float
        Per metric, one estimate per replication so far.
    target : float
        Relative half-width wanted (positive).

    Returns
    -------
    (bool, dict)
        Whether all metrics reached it, and :func:`relative_precision` per metric.
    """
    status = {name: relative_precision(values, target) for name, values in samples.items()}
    return all(s["reached"] for s in status.values()), status
