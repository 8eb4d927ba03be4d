"""Maximum-likelihood estimators, one per distribution of the model format, and the log-likelihood.

Each estimator takes the measured times (a float64 array, seconds >= 0, not all
equal) and returns a :mod:`sim.distributions` object in the model file's
parameterisation, or raises :class:`Skip` when the law cannot describe the data
(a density of 0 or infinity at 0 for data with zeros). :func:`loglik` evaluates
the log-likelihood of exactly the object returned.

References: Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions*
(vol. 1, 2nd ed., 1994) for the lognormal, gamma, Weibull, Lomax and truncated-normal
likelihoods; Dempster, Laird & Rubin (1977) for the EM algorithm of the
two-phase hyperexponential (a mixture of two exponentials).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from sim.distributions import (Constant, Distribution, Erlang, Exponential, Gamma,
                               Hyperexponential, Lognormal, Normal, Pareto, Uniform, Weibull)

__all__ = ["Skip", "Estimator", "ESTIMATORS", "loglik"]

EM_MAX_ITERATIONS = 500
EM_TOLERANCE = 1e-10  # relative change of the log-likelihood that ends EM


class Skip(Exception):
    """This law cannot describe the data; the message says why."""


@dataclass(frozen=True, slots=True)
class Estimator:
    """An MLE and its number of free parameters (for the AIC)."""

    n_params: int
    estimate: Callable[[np.ndarray], Distribution]


def _positive(x: np.ndarray, name: str) -> np.ndarray:
    if x.min() <= 0:
        raise Skip(f"{name} needs times > 0: its density is 0 or infinite at 0 and the "
                   "data contain zeros")
    return x


def exponential(x: np.ndarray) -> Exponential:
    """Mean = sample mean."""
    return Exponential(float(x.mean()))


def lognormal(x: np.ndarray) -> Lognormal:
    """mu, sigma**2 = mean and (biased) variance of log x; returned as mean and cv."""
    logs = np.log(_positive(x, "lognormal"))
    mu, s2 = float(logs.mean()), float(logs.var())
    return Lognormal(mean=math.exp(mu + s2 / 2), cv=math.sqrt(math.expm1(s2)))


def _gamma_shape(x: np.ndarray) -> tuple[float, float]:
    """MLE (shape, scale) of a gamma law with location 0 (scipy solves the score equation)."""
    shape, _, scale = stats.gamma.fit(x, floc=0)
    return float(shape), float(scale)


def gamma(x: np.ndarray) -> Gamma:
    """Shape a and scale solve the likelihood equations; mean = a * scale, cv = 1/sqrt(a)."""
    shape, scale = _gamma_shape(_positive(x, "gamma"))
    return Gamma(mean=shape * scale, cv=1 / math.sqrt(shape))


def erlang(x: np.ndarray) -> Erlang:
    """k by profile likelihood: for a fixed k the MLE of the mean is the sample mean.

    The profile log-likelihood is concave in a continuous shape, so the best integer
    k is next to the gamma MLE shape; the few integers around it are compared.
    """
    mean = float(x.mean())
    if x.min() <= 0:
        return Erlang(1, mean)  # k > 1 has density 0 at 0
    shape, _ = _gamma_shape(x)
    ks = range(max(1, math.floor(shape) - 1), math.ceil(shape) + 2)
    return max((Erlang(k, mean) for k in ks), key=lambda law: loglik(law, x))


def weibull(x: np.ndarray) -> Weibull:
    """Shape and scale with location 0, by scipy's solver of the likelihood equations."""
    shape, _, scale = stats.weibull_min.fit(_positive(x, "weibull"), floc=0)
    return Weibull(shape=float(shape), scale=float(scale))


def pareto(x: np.ndarray) -> Pareto:
    """Lomax alpha and scale with location 0 (numerical MLE).

    For data lighter-tailed than exponential the likelihood grows as alpha and scale
    grow together (the exponential limit): expect large values and a worse AIC than
    the exponential's.
    """
    alpha, _, scale = stats.lomax.fit(x, floc=0)
    return Pareto(alpha=float(alpha), scale=float(scale))


def normal(x: np.ndarray) -> Normal:
    """Location >= 0 and spread of a normal law truncated at 0, by bounded L-BFGS-B.

    Fitted on x / mean (scale-free), so the optimiser sees numbers near 1.
    """
    unit = float(x.mean())
    y = x / unit

    def negative(theta: np.ndarray) -> float:
        loc, sd = theta[0], math.exp(theta[1])
        z = (y - loc) / sd
        return float(0.5 * (z * z).sum() + len(y) * (math.log(sd) + special.log_ndtr(loc / sd)))

    start = np.array([1.0, math.log(max(float(y.std()), 1e-6))])
    found = optimize.minimize(negative, start, method="L-BFGS-B",
                              bounds=[(0.0, None), (-30.0, 30.0)])
    return Normal(mean=float(found.x[0]) * unit, sd=math.exp(found.x[1]) * unit)


def uniform(x: np.ndarray) -> Uniform:
    """Low and high are the smallest and largest sample."""
    return Uniform(low=float(x.min()), high=float(x.max()))


def _h2_start(x: np.ndarray) -> tuple[float, float, float]:
    """(p, m1, m2) of the balanced-means H2 matching mean and scv (Whitt 1982), or a
    spread guess when scv <= 1."""
    mean, scv = float(x.mean()), float(x.var() / x.mean() ** 2)
    if scv <= 1.01:
        return 0.5, 0.5 * mean, 1.5 * mean
    p = 0.5 * (1 + math.sqrt((scv - 1) / (scv + 1)))
    return p, mean / (2 * p), mean / (2 * (1 - p))


def _h2_loglik(x: np.ndarray, p: float, m1: float, m2: float) -> tuple[float, np.ndarray]:
    """Log-likelihood and each sample's log-probability of coming from phase 1."""
    a = math.log(p) - math.log(m1) - x / m1 if p > 0 else np.full(len(x), -np.inf)
    b = math.log1p(-p) - math.log(m2) - x / m2 if p < 1 else np.full(len(x), -np.inf)
    total = np.logaddexp(a, b)
    return float(total.sum()), a - total


def hyperexponential(x: np.ndarray) -> Hyperexponential:
    """Two exponential phases by EM, at most ``EM_MAX_ITERATIONS`` iterations.

    E-step: each sample's probability of phase 1; M-step: p is their mean, each
    phase's mean the weighted sample mean. EM never lowers the likelihood.
    """
    p, m1, m2 = _h2_start(x)
    previous = -math.inf
    for _ in range(EM_MAX_ITERATIONS):
        ll, log_r = _h2_loglik(x, p, m1, m2)
        if ll - previous <= EM_TOLERANCE * abs(ll):
            break
        previous = ll
        r = np.exp(log_r)
        w1, w2 = float(r.sum()), float(len(x) - r.sum())
        p = w1 / len(x)
        m1 = float(r @ x) / w1 if w1 > 0 else m1
        m2 = float((1 - r) @ x) / w2 if w2 > 0 else m2
        if min(m1, m2) < 1e-9 * float(x.mean()):
            raise Skip("hyperexponential: a phase collapses onto the zeros in the data "
                       "(unbounded likelihood)")
    (p1, a), (_, b) = sorted([(p, m1), (1 - p, m2)], key=lambda pair: pair[1])
    return Hyperexponential(means=(a, b), probs=(p1, 1 - p1))


def deterministic(x: np.ndarray) -> Constant:
    """The common value of data that are all equal."""
    if x.min() != x.max():
        raise Skip("deterministic fits only data whose values are all equal")
    return Constant(float(x[0]))


ESTIMATORS: dict[str, Estimator] = {
    "exponential": Estimator(1, exponential),
    "lognormal": Estimator(2, lognormal),
    "gamma": Estimator(2, gamma),
    "erlang": Estimator(2, erlang),
    "weibull": Estimator(2, weibull),
    "pareto": Estimator(2, pareto),
    "normal": Estimator(2, normal),
    "hyperexponential": Estimator(3, hyperexponential),
    "uniform": Estimator(2, uniform),
    "deterministic": Estimator(1, deterministic),
}


def _scipy_law(law: Distribution):
    """The equal frozen scipy.stats law (location 0), for its log-density."""
    if isinstance(law, Exponential):
        return stats.expon(scale=law.mean)
    if isinstance(law, Lognormal):
        s2 = math.log1p(law.cv ** 2)
        return stats.lognorm(s=math.sqrt(s2), scale=law.mean * math.exp(-s2 / 2))
    if isinstance(law, Gamma):
        c2 = law.cv ** 2
        return stats.gamma(1 / c2, scale=law.mean * c2)
    if isinstance(law, Erlang):
        return stats.gamma(law.k, scale=law.mean / law.k)
    if isinstance(law, Weibull):
        return stats.weibull_min(law.shape, scale=law.scale)
    if isinstance(law, Pareto):
        return stats.lomax(law.alpha, scale=law.scale)
    if isinstance(law, Normal):
        return stats.truncnorm(-law.loc / law.sd, np.inf, loc=law.loc, scale=law.sd)
    if isinstance(law, Uniform):
        return stats.uniform(loc=law.low, scale=law.high - law.low)
    raise TypeError(f"no likelihood for {law!r}")


def loglik(law: Distribution, x: np.ndarray) -> float:
    """Log-likelihood of the samples ``x`` under ``law`` (``-inf`` if one has density 0).

    A constant law, a point mass, has no density: its log-likelihood is ``inf`` when
    every sample equals it and ``-inf`` otherwise.
    """
    if isinstance(law, Constant):
        return math.inf if bool((x == law.value).all()) else -math.inf
    if isinstance(law, Hyperexponential) and len(law.means) == 2:
        return _h2_loglik(x, law.probs[0], *law.means)[0]
    with np.errstate(divide="ignore"):
        return float(_scipy_law(law).logpdf(x).sum())
