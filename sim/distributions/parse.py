"""The model-file form of a distribution (a number, or a mapping with ``dist``) -> an object."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.distributions.base import Constant, Distribution, _real
from sim.distributions.laws import (Empirical, Erlang, Exponential, Gamma, Hyperexponential,
                                     Lognormal, Normal, Pareto, Uniform, Weibull)
from sim.errors import ModelError, nearest

__all__ = ["DISTRIBUTIONS", "from_spec"]


DISTRIBUTIONS: dict[str, type[Distribution]] = {cls.name: cls for cls in (
    Exponential, Constant, Uniform, Lognormal, Gamma, Erlang, Weibull, Pareto, Normal,
    Hyperexponential, Empirical)}


def from_spec(value: Any, *, node: str | None = None, key: str | None = None,
              base_dir: str | os.PathLike | None = None,
              edge: tuple[str, str] | None = None) -> Distribution:
    """Turn the model-file form of a distribution into a :class:`Distribution`.

    Parameters
    ----------
    value : float, mapping or Distribution
        A number >= 0 (a :class:`Constant`, seconds), a mapping with ``dist`` and
        its parameters, or a distribution (returned as it is).
    node, key : str, optional
        Where the value sits in the model, for error messages (``key="service"``
        reports a bad ``cv`` as ``'service.cv'``).
    base_dir : str or os.PathLike, optional
        Directory that an empirical ``file`` is relative to (the model file's);
        the working directory by default.
    edge : (str, str), optional
        Where the value sits instead of a node (an edge's ``latency``).

    Returns
    -------
    Distribution

    Raises
    ------
    ModelError
        Naming node, key, value and what was expected, with the nearest valid
        name for a misspelt ``dist`` or parameter.
    """
    if isinstance(value, Distribution):
        return value
    try:
        return _parse(value, Path(base_dir) if base_dir is not None else Path())
    except ModelError as err:
        raise err.at(node=node, edge=edge, prefix=key) from None


def _parse(value: Any, base_dir: Path) -> Distribution:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Constant(_real(value, None))
    if not isinstance(value, Mapping):
        raise ModelError("must be a finite number >= 0 or a mapping with 'dist'", value=value)
    names = ", ".join(DISTRIBUTIONS)
    if "dist" not in value:
        raise ModelError(f"is required: one of {names}", key="dist")
    dist = value["dist"]
    cls = DISTRIBUTIONS.get(dist) if isinstance(dist, str) else None
    if cls is None:
        raise ModelError(f"must be one of {names}", key="dist", value=dist,
                         suggestion=nearest(dist, DISTRIBUTIONS) if isinstance(dist, str) else None)
    params = {k: v for k, v in value.items() if k != "dist"}
    for k in params:
        if k not in cls.params:
            hint = nearest(str(k), cls.params)
            takes = "" if hint else f" (dist {cls.name} takes {', '.join(cls.params)})"
            raise ModelError(f"has unknown key {k!r}{takes}", suggestion=hint)
    return cls._from_params(params, base_dir)
