"""Experimental designs: the points of a sweep as dicts of dotted-key overrides.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Range", "Choices", "grid_points", "latin_hypercube", "lhs_unit"]


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
