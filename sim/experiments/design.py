"""Experimental designs: the points of a sweep as dicts of dotted-key overrides.

A design is a lazy sequence (:class:`GridDesign`, :class:`SampleDesign`,
:class:`SingleDesign`): its length is known at once and point ``i`` is computed
when asked for, so a grid of a million points costs no memory and its first
points come at once. Sizes that cannot work are refused when the design is
built: a grid of more than :data:`MAX_POINTS` points (the result store keeps
a file per task and the final tables a row per task), a Latin hypercube of
more than :data:`MAX_SAMPLES` points (its strata are drawn together, in
memory: 8 bytes per point and dimension).

``grid_points`` is the full factorial (cartesian product) of value lists;
``latin_hypercube`` draws ``count`` points so that, in every dimension, each of
the ``count`` equal-probability strata holds exactly one point (McKay, Beckman
and Conover, "A comparison of three methods for selecting values of input
variables in the analysis of output from a computer code", Technometrics 21(2),
1979).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Range", "Choices", "grid_points", "latin_hypercube", "lhs_unit", "GridDesign",
           "SampleDesign", "SingleDesign", "DesignTooLarge", "MAX_POINTS", "MAX_SAMPLES"]

MAX_POINTS = 10_000_000
MAX_SAMPLES = 1_000_000


class DesignTooLarge(ValueError):
    """A design whose size cannot work; the message says why and the bound."""


@dataclass(frozen=True, slots=True)
class Range:
    """A numeric dimension from ``low`` to ``high``.

    ``integer`` draws whole numbers from ``low`` to ``high`` inclusive (each
    integer gets an equal share of the strata); ``log`` spreads the strata
    evenly on a logarithmic scale (``low`` must then be positive).
    """

    low: float
    high: float
    integer: bool = False
    log: bool = False

    def value(self, u: float) -> float | int:
        """The value at quantile ``u`` in [0, 1)."""
        top = self.high + 1 if self.integer else self.high
        if self.log:
            x = math.exp(math.log(self.low) + u * (math.log(top) - math.log(self.low)))
        else:
            x = self.low + u * (top - self.low)
        if self.integer:
            return int(min(math.floor(x), self.high))
        return float(min(x, self.high))


@dataclass(frozen=True, slots=True)
class Choices:
    """A categorical dimension: the strata are split evenly among ``values``."""

    values: tuple

    def value(self, u: float) -> Any:
        """The choice at quantile ``u`` in [0, 1)."""
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values of ``grid``; the first key varies slowest.

    Examples
    --------
    >>> grid_points({"a": [1, 2], "b": ["x", "y"]})
    [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*grid.values())]


def lhs_unit(count: int, dims: int, seed: int) -> np.ndarray:
    """A Latin hypercube on the unit cube: ``count`` rows, ``dims`` columns.

    In each column, ``floor(u * count)`` takes every value ``0 .. count - 1``
    exactly once; the position within each stratum is uniform.
    """
    rng = np.random.default_rng(seed)
    columns = [(rng.permutation(count) + rng.random(count)) / count for _ in range(dims)]
    return np.column_stack(columns) if columns else np.empty((count, 0))


def latin_hypercube(params: Mapping[str, Range | Choices], count: int,
                    seed: int) -> list[dict[str, Any]]:
    """``count`` points of a Latin hypercube over ``params``.

    Parameters
    ----------
    params : mapping of str to Range or Choices
        The dotted keys to vary and their domains, in column order.
    count : int
        Number of points (and of strata per dimension).
    seed : int
        Seed of the design; the same seed gives the same points.

    Returns
    -------
    list of dict
        One ``{dotted key: value}`` per point, values as plain Python numbers.
    """
    unit = lhs_unit(count, len(params), seed)
    domains = list(params.items())
    return [{key: dom.value(float(u)) for (key, dom), u in zip(domains, row)} for row in unit]


class _Design(Sequence):
    """A lazy sequence of points (``{dotted key: value}``)."""

    kind = ""
    params: tuple[str, ...] = ()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.point(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.point(index)

    def __iter__(self) -> Iterator[dict]:
        return (self.point(i) for i in range(len(self)))

    def point(self, index: int) -> dict:
        raise NotImplementedError

    def probes(self) -> list[int]:
        """Points that between them hold every value the design gives each key alone
        (checked first, so a bad value is reported before anything runs)."""
        return [0]

    def describe(self) -> dict:
        """Plain data that determines every point (for fingerprints and manifests)."""
        raise NotImplementedError


class SingleDesign(_Design):
    """No sweep: one point, the model as it is."""

    kind = "single"

    def __len__(self) -> int:
        return 1

    def point(self, index: int) -> dict:
        return {}

    def describe(self) -> dict:
        return {"single": True}


class GridDesign(_Design):
    """The cartesian product of ``grid``'s value lists; the first key varies slowest.

    Point ``i`` is ``i`` written in the mixed radix of the list lengths.
    """

    kind = "grid"

    def __init__(self, grid: Mapping[str, Sequence[Any]]) -> None:
        self.params = tuple(grid)
        self._values = tuple(tuple(v) for v in grid.values())
        self._size = math.prod(len(v) for v in self._values)
        if self._size > MAX_POINTS:
            shape = " x ".join(str(len(v)) for v in self._values)
            raise DesignTooLarge(f"has {self._size:,} points ({shape}); at most "
                                 f"{MAX_POINTS:,}: the result store keeps a file per task "
                                 "and the final tables a row per task; split the sweep or "
                                 "use samples (a Latin hypercube)")
        strides, step = [], 1
        for values in reversed(self._values):
            strides.append(step)
            step *= len(values)
        self._strides = tuple(reversed(strides))

    def __len__(self) -> int:
        return self._size

    def point(self, index: int) -> dict:
        return {key: values[(index // stride) % len(values)]
                for key, values, stride in zip(self.params, self._values, self._strides)}

    def probes(self) -> list[int]:
        """Point 0 and, for each key and each of its values, the first point with it."""
        found = [0]
        for values, stride in zip(self._values, self._strides):
            found += [j * stride for j in range(1, len(values))]
        return sorted(set(found))

    def describe(self) -> dict:
        return {"grid": {k: list(v) for k, v in zip(self.params, self._values)}}


class SampleDesign(_Design):
    """``count`` points of a Latin hypercube over ``params`` (see :func:`latin_hypercube`)."""

    kind = "samples"

    def __init__(self, params: Mapping[str, Range | Choices], count: int, seed: int) -> None:
        if count > MAX_SAMPLES:
            raise DesignTooLarge(f"is {count:,}; at most {MAX_SAMPLES:,}: a Latin hypercube "
                                 "draws the strata of all its points together, in memory; "
                                 "use fewer points (their spread does not need more)")
        self.params = tuple(params)
        self._domains = tuple(params.values())
        self._count, self._seed = count, seed
        self._unit = lhs_unit(count, len(self._domains), seed)

    def __len__(self) -> int:
        return self._count

    def point(self, index: int) -> dict:
        row = self._unit[index]
        return {key: dom.value(float(u)) for key, dom, u in zip(self.params, self._domains, row)}

    def probes(self) -> list[int]:
        """Point 0 and the points with each dimension's lowest and highest value."""
        found = {0}
        for column in self._unit.T:
            found.update((int(np.argmin(column)), int(np.argmax(column))))
        return sorted(found)

    def describe(self) -> dict:
        return {"samples": {"count": self._count, "seed": self._seed,
                            "params": {k: repr(d) for k, d in zip(self.params,
                                                                   self._domains)}}}
