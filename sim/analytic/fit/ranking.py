"""Fit every candidate law by maximum likelihood and rank them by AIC."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from sim.analytic.fit.estimators import ESTIMATORS, Skip, loglik
from sim.analytic.fit.samples import FitError, as_samples
from sim.distributions import Distribution
from sim.errors import nearest

__all__ = ["FitResult", "fit", "snippet", "describe", "CANDIDATES"]

#: The laws tried by default, in the order used to break exact AIC ties.
CANDIDATES = ("exponential", "lognormal", "gamma", "erlang", "weibull", "pareto", "normal",
              "hyperexponential", "uniform")


class FitResult(list):
    """The fits, best first: a list of dicts (see :func:`fit`).

    ``skipped`` maps each candidate that could not be fitted to the reason.
    """

    def __init__(self, rows: Iterable[dict], skipped: dict[str, str]) -> None:
        super().__init__(rows)
        self.skipped = skipped

    @property
    def best(self) -> Distribution:
        """The law with the lowest AIC."""
        return self[0]["distribution"]


def _candidates(candidates: Sequence[str] | None, x: np.ndarray) -> tuple[str, ...]:
    if x.min() == x.max():
        return ("deterministic",)  # every continuous density degenerates on equal data
    if candidates is None:
        return CANDIDATES
    if isinstance(candidates, str):
        candidates = [candidates]
    for name in candidates:
        if name not in ESTIMATORS:
            hint = nearest(str(name), ESTIMATORS)
            also = f" (did you mean {hint!r}?)" if hint else ""
            raise FitError(f"unknown distribution {name!r} to fit: choose from "
                           f"{', '.join(CANDIDATES)}{also}")
    return tuple(candidates)


def _row(name: str, x: np.ndarray) -> dict:
    estimator = ESTIMATORS[name]
    law = estimator.estimate(x)
    ll = loglik(law, x)
    if math.isinf(ll) and ll > 0:
        aic, ks = -math.inf, 0.0
    elif not math.isfinite(ll):
        raise Skip(f"{name} gives the data zero likelihood")
    else:
        aic = 2 * estimator.n_params - 2 * ll
        ks = float(stats.kstest(x, law.cdf).statistic)
    spec = law.to_spec()
    params = {"value": spec} if not isinstance(spec, dict) else {
        k: v for k, v in spec.items() if k != "dist"}
    return {"dist": name, "params": params, "distribution": law, "n_params": estimator.n_params,
            "loglik": ll, "aic": aic, "ks": ks}


def fit(samples: Any, candidates: Sequence[str] | None = None, *,
        source: str = "samples") -> FitResult:
    """Fit the model format's distributions to measured times by maximum likelihood.

    Parameters
    ----------
    samples : sequence of numbers
        Service or interarrival times in seconds (>= 0).
    candidates : sequence of str, optional
        Names of laws to try (keys of the model format's ``dist``); by default
        :data:`CANDIDATES`. Data whose values are all equal are fitted as
        ``deterministic`` whatever is asked.
    source : str
        What the data is, for error messages.

    Returns
    -------
    FitResult
        A list of dicts, lowest AIC first, each with ``dist`` (the name), ``params``
        (the model-file parameters: ``mean`` and ``cv`` for lognormal and gamma),
        ``distribution`` (the :mod:`sim.distributions` object), ``n_params``,
        ``loglik``, ``aic`` (``2 n_params - 2 loglik``) and ``ks`` (the
        Kolmogorov-Smirnov distance between the data and the fitted cdf; a
        distance, not a test, since the parameters come from the same data).
        ``.skipped`` gives the reason for each candidate left out.

    Raises
    ------
    FitError
        Bad data (see :func:`~sim.analytic.fit.samples.as_samples`), an unknown
        candidate name, or no candidate able to describe the data.
    """
    x = as_samples(samples, source)
    rows, skipped = [], {}
    for name in _candidates(candidates, x):
        try:
            rows.append(_row(name, x))
        except Skip as why:
            skipped[name] = str(why)
    if not rows:
        reasons = "; ".join(skipped.values()) or "no candidate given"
        raise FitError(f"{source}: no distribution could be fitted ({reasons})")
    order = {name: i for i, name in enumerate(CANDIDATES)}
    rows.sort(key=lambda row: (row["aic"], order.get(row["dist"], len(order))))
    return FitResult(rows, skipped)


def _round(value: Any, digits: int) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [_round(v, digits) for v in value]
    return value


def snippet(law: Distribution, digits: int = 4) -> float | dict:
    """The model-file form of ``law`` rounded to ``digits`` significant digits, for a model.

    The probabilities of a hyperexponential still sum to 1 after rounding.
    """
    spec = law.to_spec()
    if not isinstance(spec, dict):
        return _round(float(spec), digits)
    out = {k: _round(v, digits) for k, v in spec.items()}
    if "probs" in out:
        first = out["probs"][:-1]
        out["probs"] = first + [round(1.0 - math.fsum(first), 12)]
    return out


def describe(samples: Any, source: str = "samples") -> dict:
    """Count, mean, cv, min, median, p99 and max of measured times (seconds)."""
    x = as_samples(samples, source)
    mean = float(x.mean())
    return {"n": len(x), "mean": mean, "cv": float(x.std() / mean) if mean > 0 else 0.0,
            "min": float(x.min()), "p50": float(np.median(x)),
            "p99": float(np.quantile(x, 0.99)), "max": float(x.max())}
