"""The Distribution interface, parameter checks and the constant law.

numpy is imported where a law draws times or evaluates its cdf, not at import:
loading and checking a model needs only the moments, and ``asyncsim check`` would
otherwise spend about 0.1 s of its start-up importing numpy
(``python -X importtime``; benchmarks/startup.py).
"""

from __future__ import annotations

import abc
import functools
import itertools
import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sim.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Distribution", "Constant"]


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _real(value: Any, key: str | None, *, positive: bool = False) -> float:
    """``value`` as a float; refused unless a finite number >= 0 (> 0 if ``positive``)."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value) and (value > 0 if positive else value >= 0))
    if not ok:
        raise ModelError(f"must be a finite number {'>' if positive else '>='} 0",
                         key=key, value=value)
    return float(value)


def _reals(value: Any, key: str, *, positive: bool = False) -> tuple[float, ...]:
    """A non-empty list of numbers as a tuple of floats; a bad item is named by index."""
    if not isinstance(value, _sequence_types()) or len(value) == 0:
        sign = ">" if positive else ">="
        raise ModelError(f"must be a non-empty list of finite numbers {sign} 0", key=key,
                         value=value)
    return tuple(_real(v, f"{key}[{i}]", positive=positive) for i, v in enumerate(value))


def _sequence_types() -> tuple[type, ...]:
    """list and tuple, and numpy's array once numpy is imported (before, no value can be
    an array, and asking would import it)."""
    numpy = sys.modules.get("numpy")
    return (list, tuple) if numpy is None else (list, tuple, numpy.ndarray)


def _count(value: Any, key: str) -> int:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < 1 or int(value) != value):
        raise ModelError("must be a positive integer", key=key, value=value)
    return int(value)


_nonneg = _real
_pos = functools.partial(_real, positive=True)
_pos_list = functools.partial(_reals, positive=True)


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


class Distribution(abc.ABC):
    """A law of non-negative times in seconds, with its moments.

    Subclasses are frozen dataclasses whose parameters are checked on construction.
    Each has a ``mean`` (seconds; a field or a property), ``variance`` (seconds
    squared) and ``scv``; ``math.inf`` stands for a moment that does not exist.
    """

    __slots__ = ()
    name: ClassVar[str]
    params: ClassVar[tuple[str, ...]]
    _checks: ClassVar[dict[str, Callable[[Any, str], Any]]] = {}

    def __post_init__(self) -> None:
        for key, check in self._checks.items():
            _set(self, key, check(getattr(self, key), key))

    @property
    @abc.abstractmethod
    def variance(self) -> float:
        """Variance in seconds squared (``math.inf`` if it does not exist)."""

    @property
    def scv(self) -> float:
        """Squared coefficient of variation, variance / mean**2 (0 when the mean is 0)."""
        m, v = self.mean, self.variance
        if m == 0 or v == 0:
            return 0.0
        return math.inf if math.isinf(m) else v / m / m

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent times in seconds.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from; the same state gives the same times.
        size : int
            How many to draw.

        Returns
        -------
        numpy.ndarray
            float64 array of shape ``(size,)``, every value >= 0.
        """

    def stream(self, rng: np.random.Generator, batch: int = 4096) -> Callable[[], float]:
        """A zero-argument function returning the next time (python float, seconds).

        Times are drawn ``batch`` at a time with :meth:`sample` and served by C-level
        iteration, so a call costs about as much as ``next`` on a list iterator. The
        sequence equals successive ``sample(rng, batch)`` calls on the same ``rng``.
        """
        if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1:
            raise ValueError(f"batch must be a positive integer, got {batch!r}")

        def batches():
            while True:
                yield self.sample(rng, batch).tolist()
        return functools.partial(next, itertools.chain.from_iterable(batches()))

    def cdf(self, x: float | np.ndarray) -> float | np.ndarray:
        """P(X <= x) for ``x`` seconds (a float, or elementwise for an array)."""
        import numpy as np

        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", over="ignore"):
            p = np.where(x < 0, 0.0, self._cdf(np.maximum(x, 0.0)))
        return float(p) if p.ndim == 0 else p

    @abc.abstractmethod
    def _cdf(self, x: np.ndarray) -> np.ndarray:
        """The cdf at ``x >= 0``."""

    def to_spec(self) -> float | dict:
        """The model-file form (JSON-ready), which :func:`from_spec` turns back into an equal law."""
        return {"dist": self.name, **{p: getattr(self, p) for p in self.params}}

    @classmethod
    def _from_params(cls, params: dict, base_dir: Path) -> Distribution:
        missing = [p for p in cls.params if p not in params]
        if missing:
            raise ModelError(f"is required by dist {cls.name} "
                             f"(parameters: {', '.join(cls.params)})", key=missing[0])
        return cls(**params)


@dataclass(frozen=True, slots=True)
class Constant(Distribution):
    """Always ``value`` seconds (``deterministic``, or a plain number, in a model)."""

    value: float
    name = "deterministic"
    params = ("value",)
    _checks = {"value": _nonneg}
    mean = property(lambda self: self.value, doc="Mean in seconds.")
    variance = property(lambda self: 0.0, doc="Variance, 0.")

    def sample(self, rng, size):
        import numpy as np

        return np.full(size, self.value)

    def stream(self, rng, batch=4096):
        return functools.partial(next, itertools.repeat(self.value))

    def _cdf(self, x):
        return (x >= self.value) * 1.0

    def to_spec(self) -> float:
        return self.value
