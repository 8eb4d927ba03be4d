"""Arrival timestamps -> rate over time, stationarity, a ``profile`` and burstiness.

The span from the first to the last arrival is cut into equal windows.

*Stationarity* is judged by the chi-square dispersion test of the counts per
window against a constant rate (Cox & Lewis, *The Statistical Analysis of Series
of Events*, 1966, sec. 6.3): ``X2 = sum (c_i - mean c)**2 / mean c`` has about
``w - 1`` degrees of freedom for a Poisson stream. Bursty but steady traffic
also spreads the counts (for a renewal stream their variance is about
``scv * mean``), so ``X2`` is divided by the *local* interarrival SCV (gaps
divided by their window's mean gap, which a change of rate does not inflate)
when it exceeds 1. The stream is stationary when the p-value is at least
``alpha``.

The *profile* merges adjacent windows, the most alike pair first, while a z-test
of equal rates (the same variance model) cannot tell them apart at level
``alpha / (w - 1)`` (Bonferroni over the window boundaries). Its multipliers are
relative to the first segment's rate, which becomes the sender's base rate.

The *interarrival* law is fitted to the gaps in operational time (each gap
divided by the profile's multiplier over it), which is how the engine applies a
profile: the fitted ``interarrival`` with the ``profile`` reproduces the stream.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from scipy import stats

from sim.analytic.fit.ranking import fit, snippet
from sim.analytic.fit.samples import as_timestamps

__all__ = ["arrivals"]

MIN_PER_WINDOW = 5  # expected count per window for the chi-square approximation


def _scv(x: np.ndarray) -> float:
    mean = float(x.mean())
    return float(x.var() / (mean * mean)) if mean > 0 else 0.0


def _local_scv(t: np.ndarray, edges: np.ndarray) -> float:
    """SCV of the gaps, each divided by the mean gap of the window where it ends."""
    gaps = np.diff(t)
    window = np.clip(np.searchsorted(edges, t[1:], side="right") - 1, 0, len(edges) - 2)
    sums = np.bincount(window, weights=gaps, minlength=len(edges) - 1)
    counts = np.bincount(window, minlength=len(edges) - 1)
    keep = counts[window] >= 2
    if not keep.any():
        return _scv(gaps)
    means = sums[window[keep]] / counts[window[keep]]
    return _scv(gaps[keep] / np.where(means > 0, means, 1.0))


def _dispersion_test(counts: np.ndarray, scale: float, alpha: float) -> dict:
    w = len(counts)
    mean = float(counts.mean())
    x2 = float(((counts - mean) ** 2).sum() / mean / scale) if w > 1 else 0.0
    p = float(stats.chi2.sf(x2, w - 1)) if w > 1 else 1.0
    return {"name": "chi-square dispersion test of the counts per window against a constant rate",
            "statistic": x2, "df": w - 1, "p_value": p, "alpha": alpha,
            "scaled_by_scv": scale}


def _merge_p(a: dict, b: dict, scale: float) -> float:
    """Two-sided p-value of equal rates in adjacent segments ``a`` and ``b``."""
    rate = (a["count"] + b["count"]) / (a["dur"] + b["dur"])
    if rate == 0:
        return 1.0
    var = scale * rate * (1 / a["dur"] + 1 / b["dur"])
    z = (a["count"] / a["dur"] - b["count"] / b["dur"]) / math.sqrt(var)
    return float(2 * stats.norm.sf(abs(z)))


def _segments(counts: np.ndarray, edges: np.ndarray, scale: float, level: float) -> list[dict]:
    """Adjacent windows merged, most alike first, while their rates do not differ."""
    segs = [{"start": float(edges[i]), "count": float(c), "dur": float(edges[i + 1] - edges[i])}
            for i, c in enumerate(counts)]
    while len(segs) > 1:
        ps = [_merge_p(segs[i], segs[i + 1], scale) for i in range(len(segs) - 1)]
        i = int(np.argmax(ps))
        if ps[i] < level:
            break
        a, b = segs[i], segs.pop(i + 1)
        a["count"] += b["count"]
        a["dur"] += b["dur"]
    return segs


def _profile(segs: list[dict]) -> tuple[float, list[list[float]]]:
    base = segs[0]["count"] / segs[0]["dur"]
    steps = [[s["start"], s["count"] / s["dur"] / base] for s in segs]
    return base, steps


def _operational(t: np.ndarray, steps: list[list[float]], span: float) -> np.ndarray:
    """Operational time: the integral of the profile's multiplier from 0 to each t."""
    knots = [s for s, _ in steps] + [span]
    cum = np.concatenate([[0.0], np.cumsum([m * (knots[i + 1] - knots[i])
                                           for i, (_, m) in enumerate(steps)])])
    return np.interp(t, knots, cum)


def _windows(t: np.ndarray, windows: int) -> tuple[np.ndarray, np.ndarray]:
    w = max(1, min(int(windows), len(t) // MIN_PER_WINDOW))
    edges = np.linspace(0.0, float(t[-1]), w + 1)
    counts, _ = np.histogram(t, bins=edges)
    return edges, counts


def arrivals(timestamps: Any, *, windows: int = 60, alpha: float = 0.01,
             candidates: Sequence[str] | None = None, source: str = "timestamps") -> dict:
    """Describe an arrival stream and suggest a sender for it.

    Parameters
    ----------
    timestamps : sequence
        Arrival times: seconds, or date-times (see
        :func:`~sim.analytic.fit.samples.as_timestamps`); any order.
    windows : int
        Number of equal windows over the span (fewer when there are not
        ``MIN_PER_WINDOW`` arrivals per window on average).
    alpha : float
        Significance level of the stationarity test.
    candidates : sequence of str, optional
        Laws tried for the interarrival times (see :func:`~sim.analytic.fit.fit`).
    source : str
        What the data is, for error messages.

    Returns
    -------
    dict
        ``n``, ``span`` (s), ``mean_rate`` (1/s); ``windows``: a list of
        ``{start, end, count, rate}``; ``test``: the stationarity test (name,
        statistic, df, p_value, alpha); ``stationary``; ``base_rate`` and
        ``profile`` (``[[t, multiplier], ...]``, ``[[0, 1]]`` when stationary);
        ``scv`` (SCV of the raw interarrival times: the burstiness) and
        ``scv_local`` (with changes of rate removed); ``interarrival`` (the
        ranked fits in operational time) and ``snippet``, the sender keys to
        paste (``interarrival``, and ``profile`` when not stationary).
    """
    t = as_timestamps(timestamps, source)
    span = float(t[-1])
    edges, counts = _windows(t, windows)
    scale = max(1.0, _local_scv(t, edges))
    test = _dispersion_test(counts, scale, alpha)
    stationary = test["p_value"] >= alpha
    if stationary:
        base, steps = (len(t) - 1) / span, [[0.0, 1.0]]
    else:
        level = alpha / max(1, len(counts) - 1)
        base, steps = _profile(_segments(counts, edges, scale, level))
    fits = fit(np.diff(_operational(t, steps, span)), candidates, source=f"{source} (gaps)")
    keys: dict[str, Any] = {"interarrival": snippet(fits.best)}
    if len(steps) > 1:
        keys["profile"] = [[float(f"{s:.6g}"), float(f"{m:.3g}")] for s, m in steps]
    width = edges[1] - edges[0]
    return {
        "n": len(t), "span": span, "mean_rate": (len(t) - 1) / span,
        "windows": [{"start": float(a), "end": float(b), "count": int(c), "rate": c / width}
                    for a, b, c in zip(edges[:-1], edges[1:], counts)],
        "test": test, "stationary": stationary, "base_rate": base, "profile": steps,
        "scv": _scv(np.diff(t)), "scv_local": _local_scv(t, edges),
        "interarrival": fits, "snippet": keys,
    }
