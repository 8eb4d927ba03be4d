"""Statistics over columns of samples, SimPy-free and testable on synthetic data.

:class:`SampleStats` keeps every sample exactly while there are at most
``exact_cap`` of them and then folds them into a fixed log-spaced histogram
whose bins are 1% wide, so memory stays bounded whatever the run length and
percentiles stay within 0.5% relative error (the geometric centre of a bin is
never further than sqrt(1.01) - 1 from any value in it).
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

__all__ = ["SampleStats", "ci95_halfwidth", "t_quantile", "t_quantile_975", "QUANTILES"]

QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99, "p999": 0.999}

_RATIO = 1.01
_LOG_RATIO = math.log(_RATIO)
_LOW = 1e-9          # seconds; smaller values (and 0) fall in the zero bin
_HIGH = 1e8          # seconds; larger values fall in the top bin (max is kept exactly)
_NBINS = int(math.ceil(math.log(_HIGH / _LOW) / _LOG_RATIO)) + 2
_FLUSH_AT = 8192


class SampleStats:
    """Mean, max and percentiles of a stream of non-negative samples (seconds).

    The hot path appends to the plain list ``buf`` (``stats.buf.append(x)`` or a
    bound ``append`` kept by the caller); the engine calls :meth:`flush` now and
    then, and the numpy work happens there, in batches. ``observers`` are called
    with each flushed batch (a numpy array), so per-interval statistics see the
    samples once, in batches, without the hot path appending them twice.
    """

    __slots__ = ("buf", "count", "total", "max", "min", "_exact", "_hist", "exact_cap",
                 "observers", "_known")

    def __init__(self, exact_cap: int = 100_000) -> None:
        self.buf: list[float] = []
        self.exact_cap = exact_cap
        self.observers: list = []
        self.reset()

    def reset(self) -> None:
        """Forget every sample (used at the end of the warm-up)."""
        self.buf.clear()
        self.count = 0
        self.total = 0.0
        self.max = 0.0
        self.min = math.inf
        self._exact: list[np.ndarray] | None = []
        self._hist: np.ndarray | None = None
        self._known: tuple | None = None

    def add(self, value: float) -> None:
        """Add one sample (convenience; the hot path appends to ``buf``)."""
        self.buf.append(value)
        if len(self.buf) >= _FLUSH_AT:
            self.flush()

    def extend(self, values: Iterable[float]) -> None:
        self.buf.extend(values)
        self.flush()

    def flush(self) -> None:
        """Fold the buffered samples into the running totals."""
        if not self.buf:
            return
        arr = np.asarray(self.buf, dtype=np.float64)
        self.buf.clear()
        self.add_batch(arr)

    def add_batch(self, arr: np.ndarray) -> None:
        """Add a batch of samples (a non-empty float array) as :meth:`flush` does: into
        the running totals, then to the observers (the compiled engine's buffers)."""
        self.fold(arr)
        for observe in self.observers:
            observe(arr)

    def fold(self, arr: np.ndarray) -> None:
        """Add a batch of samples (a non-empty float array) to the running totals."""
        self._known = None
        self.count += arr.size
        self.total += float(arr.sum())
        self.max = max(self.max, float(arr.max()))
        self.min = min(self.min, float(arr.min()))
        if self._exact is not None:
            self._exact.append(arr)
            if self.count > self.exact_cap:
                whole = np.concatenate(self._exact)
                self._exact = None
                self._hist = np.zeros(_NBINS, dtype=np.int64)
                self._bin(whole)
        else:
            self._bin(arr)

    def _bin(self, arr: np.ndarray) -> None:
        with np.errstate(divide="ignore"):
            idx = np.floor(np.log(np.maximum(arr, _LOW * 0.5) / _LOW) / _LOG_RATIO) + 1
        idx = np.clip(idx, 0, _NBINS - 1).astype(np.int64)
        self._hist += np.bincount(idx, minlength=_NBINS)

    @property
    def exact(self) -> bool:
        """True while every sample is kept, so percentiles are exact."""
        return self._exact is not None

    @property
    def mean(self) -> float | None:
        self.flush()
        return self.total / self.count if self.count else None

    def quantiles(self, probs: Sequence[float]) -> list[float | None]:
        """Quantiles (inverse empirical cdf, linear interpolation when exact). The last
        exact answer is kept until a sample is added: a one-sender model's latency is
        summarised as the sender's, the requests' and its class's."""
        self.flush()
        if self.count == 0:
            return [None] * len(probs)
        if self._exact is not None:
            probs = tuple(probs)
            if self._known is None or self._known[0] != probs:
                whole = np.concatenate(self._exact) if len(self._exact) > 1 else self._exact[0]
                self._known = (probs, [float(v) for v in np.quantile(whole, probs)])
            return list(self._known[1])
        cum = np.cumsum(self._hist)
        out = []
        for q in probs:
            k = int(np.searchsorted(cum, q * self.count, side="left"))
            k = min(k, _NBINS - 1)
            centre = 0.0 if k == 0 else _LOW * _RATIO ** (k - 0.5)
            out.append(float(min(max(centre, self.min), self.max)))
        return out

    def summary(self, keys: Sequence[str] = ("mean", "p50", "p90", "p95", "p99", "p999", "max")
                ) -> dict[str, float | None]:
        """The result's latency-style dict (``mean``, percentiles, ``max``) in seconds."""
        names = [k for k in keys if k in QUANTILES]
        values = dict(zip(names, self.quantiles([QUANTILES[k] for k in names])))
        out: dict[str, float | None] = {}
        for key in keys:
            if key == "mean":
                out[key] = self.mean
            elif key == "max":
                out[key] = self.max if self.count else None
            else:
                out[key] = values[key]
        return out

    @classmethod
    def merged(cls, parts: Iterable["SampleStats"]) -> "SampleStats":
        """One SampleStats holding the samples of several (e.g. all senders); the one
        part itself when no other has samples (callers only read the result)."""
        parts = list(parts)
        for part in parts:
            part.flush()
        filled = [part for part in parts if part.count]
        if len(filled) == 1:
            return filled[0]
        out = cls()
        for part in filled:
            if part._exact is not None:
                for arr in part._exact:
                    out.add_batch(arr)
                continue
            out.flush()
            out._to_histogram()
            out._hist += part._hist
            out.count += part.count
            out.total += part.total
            out.max = max(out.max, part.max)
            out.min = min(out.min, part.min)
        return out

    def _to_histogram(self) -> None:
        if self._exact is None:
            return
        whole = np.concatenate(self._exact) if self._exact else np.empty(0)
        self._exact = None
        self._hist = np.zeros(_NBINS, dtype=np.int64)
        self._bin(whole)


def t_quantile(p, dof):
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom (element-wise
    over arrays).

    ``scipy.special.stdtrit`` is the function ``scipy.stats.t.ppf`` evaluates, and
    gives the same values; importing ``scipy.special`` alone costs a few tenths of a
    second less than ``scipy.stats`` (measured with ``python -X importtime``), which a
    plan or sweep otherwise pays at every start.
    """
    from scipy.special import stdtrit  # scipy is heavy; only the aggregation needs it

    return stdtrit(dof, p)


def t_quantile_975(dof: int) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom."""
    return float(t_quantile(0.975, dof))


def ci95_halfwidth(values: Sequence[float | None]) -> float | None:
    """Half-width of the 95% Student-t confidence interval of the mean of ``values``.

    None with fewer than two finite values (a single replication has no CI).
    """
    arr = np.array([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2:
        return None
    return t_quantile_975(arr.size - 1) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
