"""The stochastic laws of the model format, each with its moments, sampler and cdf.

numpy is imported by the samplers and cdfs that use it, not at import (see
:mod:`sim.distributions.base`); :class:`Empirical` keeps its samples as an array.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.distributions.base import (Distribution, _count, _exp, _nonneg, _pos,
                                     _pos_list, _reals, _set)
from sim.errors import ModelError
from sim.files import UnreadableFile, read_text_file

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Exponential", "Uniform", "Lognormal", "Gamma", "Erlang", "Weibull", "Pareto",
           "Normal", "Hyperexponential", "Empirical"]


class _Special:
    """``scipy.special``, imported at first use: it costs about 0.1-0.3 s, and loading
    and checking a model needs it only for a truncated normal (``asyncsim check``
    startup, measured with ``python -X importtime``)."""

    def __getattr__(self, name: str):
        from scipy import special as module

        return getattr(module, name)


special = _Special()


@dataclass(frozen=True, slots=True)
class Exponential(Distribution):
    """Exponential law of ``mean`` > 0 seconds (model file: ``mean``, or ``rate`` per second)."""

    mean: float
    name = "exponential"
    params = ("mean", "rate")
    _checks = {"mean": _pos}
    variance = property(lambda self: self.mean * self.mean, doc="Variance, mean**2.")

    def sample(self, rng, size):
        return rng.exponential(self.mean, size)

    def _cdf(self, x):
        import numpy as np

        return -np.expm1(-x / self.mean)

    def to_spec(self) -> dict:
        return {"dist": self.name, "mean": self.mean}

    @classmethod
    def _from_params(cls, params, base_dir):
        if len(params) != 1:
            raise ModelError("needs exactly one of 'mean' or 'rate' for dist exponential")
        if "mean" in params:
            return cls(params["mean"])
        mean = 1.0 / _pos(params["rate"], "rate")
        if math.isinf(mean):
            raise ModelError("must be a rate whose inverse is finite", key="rate",
                             value=params["rate"])
        return cls(mean)


@dataclass(frozen=True, slots=True)
class Uniform(Distribution):
    """Uniform law on [``low``, ``high``] seconds, 0 <= low <= high."""

    low: float
    high: float
    name = "uniform"
    params = ("low", "high")
    _checks = {"low": _nonneg, "high": _nonneg}
    mean = property(lambda self: (self.low + self.high) / 2, doc="Mean in seconds.")
    variance = property(lambda self: (self.high - self.low) * (self.high - self.low) / 12,
                        doc="Variance, (high - low)**2 / 12.")

    def __post_init__(self) -> None:
        Distribution.__post_init__(self)
        if self.high < self.low:
            raise ModelError(f"must be >= low ({self.low:g})", key="high", value=self.high)

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    def _cdf(self, x):
        import numpy as np

        if self.high == self.low:
            return (x >= self.low) * 1.0
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)


MAX_CV = 1e150
"""Largest ``cv`` accepted: its square (the scv) and the moments built from it must fit
in a float64 (``cv**2`` overflows to inf above about 1.34e154, and lognormal draws
then become NaN)."""


def _cv(value: Any, key: str) -> float:
    cv = _nonneg(value, key)
    if cv > MAX_CV:
        raise ModelError(f"must be at most {MAX_CV:g} (its square, the squared coefficient "
                         "of variation, must fit in a float)", key=key, value=value)
    return cv


@dataclass(frozen=True, slots=True)
class _MeanCV(Distribution):
    """A law given by ``mean`` > 0 seconds and ``cv`` >= 0; ``cv = 0`` is the constant mean.

    So is a cv below 1e-8 (spread under float64's sqrt-epsilon), which keeps 1/cv**2 finite.
    """

    mean: float
    cv: float
    params = ("mean", "cv")
    _checks = {"mean": _pos, "cv": _cv}
    variance = property(lambda self: (self.cv * self.mean) * (self.cv * self.mean),
                        doc="Variance, (cv * mean)**2.")

    def sample(self, rng, size):
        import numpy as np

        return np.full(size, self.mean) if self.cv < 1e-8 else self._draw(rng, size)

    def _cdf(self, x):
        return (x >= self.mean) * 1.0 if self.cv < 1e-8 else self._law_cdf(x)


@dataclass(frozen=True, slots=True)
class Lognormal(_MeanCV):
    """Lognormal law: sigma**2 = ln(1 + cv**2), mu = ln(mean) - sigma**2 / 2."""

    name = "lognormal"

    @property
    def _sigma_mu(self) -> tuple[float, float]:
        s2 = math.log1p(self.cv * self.cv)
        return math.sqrt(s2), math.log(self.mean) - s2 / 2

    def _draw(self, rng, size):
        sigma, mu = self._sigma_mu
        return rng.lognormal(mu, sigma, size)

    def _law_cdf(self, x):
        import numpy as np

        sigma, mu = self._sigma_mu
        return special.ndtr((np.log(x) - mu) / sigma)


@dataclass(frozen=True, slots=True)
class Gamma(_MeanCV):
    """Gamma law: shape 1/cv**2, scale mean * cv**2 seconds."""

    name = "gamma"

    def _draw(self, rng, size):
        c2 = self.cv * self.cv
        return rng.gamma(1 / c2, self.mean * c2, size)

    def _law_cdf(self, x):
        c2 = self.cv * self.cv
        return special.gammainc(1 / c2, x / (self.mean * c2))


@dataclass(frozen=True, slots=True)
class Erlang(Distribution):
    """Sum of ``k`` exponential phases, ``mean`` > 0 seconds in all: scv 1/k."""

    k: int
    mean: float
    name = "erlang"
    params = ("k", "mean")
    _checks = {"k": _count, "mean": _pos}
    variance = property(lambda self: self.mean * self.mean / self.k, doc="Variance.")

    def sample(self, rng, size):
        return rng.gamma(self.k, self.mean / self.k, size)

    def _cdf(self, x):
        return special.gammainc(self.k, x * self.k / self.mean)


@dataclass(frozen=True, slots=True)
class Weibull(Distribution):
    """Weibull law of ``shape`` k > 0 and ``scale`` l > 0 seconds: mean l * Gamma(1 + 1/k)."""

    shape: float
    scale: float
    name = "weibull"
    params = ("shape", "scale")
    _checks = {"shape": _pos, "scale": _pos}

    @property
    def mean(self) -> float:
        """Mean in seconds (``math.inf`` once Gamma(1 + 1/k) overflows)."""
        return self.scale * _exp(math.lgamma(1 + 1 / self.shape))

    @property
    def scv(self) -> float:
        """Gamma(1 + 2/k) / Gamma(1 + 1/k)**2 - 1, in logs so tiny shapes give inf, not nan."""
        d = math.lgamma(1 + 2 / self.shape) - 2 * math.lgamma(1 + 1 / self.shape)
        return math.expm1(d) if d < 709.0 else math.inf

    variance = property(lambda self: self.mean * self.mean * self.scv, doc="Variance.")

    def sample(self, rng, size):
        return self.scale * rng.weibull(self.shape, size)

    def _cdf(self, x):
        import numpy as np

        return -np.expm1(-((x / self.scale) ** self.shape))


@dataclass(frozen=True, slots=True)
class Pareto(Distribution):
    """Pareto law in Lomax form (support from 0), tail index ``alpha``, ``scale`` seconds.

    The mean scale/(alpha - 1) is ``math.inf`` for alpha <= 1, the variance and scv
    ``math.inf`` for alpha <= 2: analytic formulas must check for it.
    """

    alpha: float
    scale: float
    name = "pareto"
    params = ("alpha", "scale")
    _checks = {"alpha": _pos, "scale": _pos}

    @property
    def mean(self) -> float:
        """Mean in seconds, ``math.inf`` for alpha <= 1."""
        return self.scale / (self.alpha - 1) if self.alpha > 1 else math.inf

    @property
    def variance(self) -> float:
        a = self.alpha
        return self.scale * self.scale * a / ((a - 1) ** 2 * (a - 2)) if a > 2 else math.inf

    def sample(self, rng, size):
        return self.scale * rng.pareto(self.alpha, size)

    def _cdf(self, x):
        import numpy as np

        return -np.expm1(-self.alpha * np.log1p(x / self.scale))


@dataclass(frozen=True, slots=True, init=False, repr=False)
class Normal(Distribution):
    """Normal law of location ``mean`` >= 0 and spread ``sd`` >= 0 seconds, truncated at 0.

    The constructor's ``mean`` is stored as ``loc``: the properties ``mean`` and
    ``variance`` are the moments of the truncated law, which is what is sampled.
    ``sd = 0`` is the constant ``loc``.
    """

    loc: float
    sd: float
    name = "normal"
    params = ("mean", "sd")

    def __init__(self, mean: float, sd: float) -> None:
        _set(self, "loc", _nonneg(mean, "mean"))
        _set(self, "sd", _nonneg(sd, "sd"))

    def __repr__(self) -> str:
        return f"Normal(mean={self.loc!r}, sd={self.sd!r})"

    @property
    def _mills(self) -> tuple[float, float]:
        """z = loc/sd and phi(z)/Phi(z), the inverse Mills ratio at the truncation point."""
        z = self.loc / self.sd
        return z, math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / float(special.ndtr(z))

    @property
    def mean(self) -> float:
        """Mean of the truncated law in seconds, loc + sd * phi(z)/Phi(z)."""
        return self.loc if self.sd == 0 else self.loc + self.sd * self._mills[1]

    @property
    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        z, lam = self._mills
        return self.sd * self.sd * (1 - (z * lam if lam else 0.0) - lam * lam)

    def sample(self, rng, size):
        import numpy as np

        if self.sd == 0:
            return np.full(size, self.loc)
        # Inverse cdf of the truncated law, one uniform per time; V in (0, 1] keeps it finite.
        v = 1.0 - rng.random(size)
        x = self.loc - self.sd * special.ndtri(v * special.ndtr(self.loc / self.sd))
        return np.maximum(x, 0.0, out=x)  # V = 1 lands on 0 up to one rounding error

    def _cdf(self, x):
        if self.sd == 0:
            return (x >= self.loc) * 1.0
        return 1.0 - special.ndtr((self.loc - x) / self.sd) / special.ndtr(self.loc / self.sd)

    def to_spec(self) -> dict:
        return {"dist": self.name, "mean": self.loc, "sd": self.sd}


@dataclass(frozen=True, slots=True)
class Hyperexponential(Distribution):
    """Exponential of mean ``means[i]`` seconds with probability ``probs[i]``."""

    means: tuple[float, ...]
    probs: tuple[float, ...]
    name = "hyperexponential"
    params = ("means", "probs")
    _checks = {"means": _pos_list, "probs": _reals}

    def __post_init__(self) -> None:
        Distribution.__post_init__(self)
        if len(self.probs) != len(self.means):
            raise ModelError(f"must have one probability per mean ({len(self.means)})",
                             key="probs", value=list(self.probs))
        for i, p in enumerate(self.probs):
            if p > 1:
                raise ModelError("must be a probability in [0, 1]", key=f"probs[{i}]", value=p)
        total = math.fsum(self.probs)
        if abs(total - 1) > 1e-9:
            raise ModelError(f"must sum to 1 (sums to {total:g})", key="probs",
                             value=list(self.probs))

    @property
    def mean(self) -> float:
        """Mean in seconds, sum p * m."""
        return math.fsum(p * m for p, m in zip(self.probs, self.means))

    @property
    def variance(self) -> float:
        """E[X**2] - mean**2 with E[X**2] = sum 2 * p * m**2."""
        m = self.mean
        return math.fsum(2 * p * x * x for p, x in zip(self.probs, self.means)) - m * m

    def sample(self, rng, size):
        import numpy as np

        branch = np.searchsorted(np.cumsum(self.probs), rng.random(size), side="right")
        means = np.asarray(self.means)[np.minimum(branch, len(self.means) - 1)]
        return means * rng.standard_exponential(size)

    def _cdf(self, x):
        import numpy as np

        return sum(p * -np.expm1(-x / m) for p, m in zip(self.probs, self.means))

    def to_spec(self) -> dict:
        return {"dist": self.name, "means": list(self.means), "probs": list(self.probs)}


@dataclass(frozen=True, slots=True)
class Empirical(Distribution):
    """Resampling with replacement from observed times ``samples`` (seconds, >= 0)."""

    samples: tuple[float, ...]
    _array: np.ndarray = field(init=False, repr=False, compare=False)
    name = "empirical"
    params = ("samples", "file")
    _checks = {"samples": _reals}
    mean = property(lambda self: float(self._array.mean()), doc="Mean in seconds.")
    variance = property(lambda self: float(self._array.var()), doc="Variance of the samples.")

    def __post_init__(self) -> None:
        import numpy as np

        Distribution.__post_init__(self)
        array = np.array(self.samples)
        array.flags.writeable = False
        _set(self, "_array", array)

    def __repr__(self) -> str:
        if len(self.samples) <= 10:
            return f"Empirical(samples={self.samples!r})"
        return f"Empirical(samples=<{len(self.samples)} values>)"

    def sample(self, rng, size):
        return self._array[rng.integers(0, len(self._array), size)]

    def _cdf(self, x):
        import numpy as np

        return np.searchsorted(np.sort(self._array), x, side="right") / len(self._array)

    def to_spec(self) -> dict:
        return {"dist": self.name, "samples": list(self.samples)}

    @classmethod
    def _from_params(cls, params, base_dir):
        if len(params) != 1:
            raise ModelError("needs exactly one of 'samples' or 'file' for dist empirical")
        if "file" in params:
            return cls(_read_column(params["file"], base_dir))
        return cls(params["samples"])


def _read_column(name: Any, base_dir: Path) -> tuple[float, ...]:
    """The numbers of a one-column CSV, blank lines skipped, a header allowed first."""
    if not isinstance(name, (str, os.PathLike)):
        raise ModelError("must be a path to a CSV file", key="file", value=name)
    path = base_dir / name
    try:
        lines = read_text_file(path, encoding="utf-8-sig").splitlines()
    except UnreadableFile as err:
        raise ModelError(f"must name a readable text file ({path}: {err})",
                         key="file", value=name) from None
    values = []
    rows = [(number, line.strip()) for number, line in enumerate(lines, 1) if line.strip()]
    for i, (number, text) in enumerate(rows):
        try:
            value = float(text)
        except ValueError:
            if i == 0:
                continue
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            raise ModelError(f"must be a CSV with one number >= 0 a line; "
                             f"line {number} of {path} is not", key="file", value=text)
        values.append(value)
    if not values:
        raise ModelError(f"must contain at least one number ({path} has none)",
                         key="file", value=name)
    return tuple(values)


