"""The exception tree of asyncsim.

Every error a user can cause is a :class:`SimError`; the command line turns it
into one line on stderr and exit code 2 (3 for :class:`InfeasiblePlan`)::

    SimError
     +-- ModelError         a model file or graph is invalid (names node/edge, key, value)
     +-- ExperimentError    an experiment (sweep) file is invalid
     +-- PlanError          a capacity-plan file is invalid
     |    +-- InfeasiblePlan    no configuration within the bounds meets the objectives
     +-- ConservationError  the engine's own bookkeeping broke an invariant (a bug)
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable

__all__ = [
    "SimError",
    "ModelError",
    "ExperimentError",
    "PlanError",
    "InfeasiblePlan",
    "ConservationError",
    "nearest",
    "describe",
]

_MISSING = object()


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """Return the valid choice closest to a misspelt ``word``, or None."""
    found = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def describe(where: str, message: str, key: str | None = None,
             suggestion: str | None = None) -> str:
    """``"<where>: '<key>' <message> (did you mean '<suggestion>'?)"``, the shape of
    every experiment and plan message (the key and the suggestion are optional)."""
    text = f"{where}: {key!r} {message}" if key is not None else f"{where}: {message}"
    if suggestion is not None:
        text += f" (did you mean {suggestion!r}?)"
    return text


def _where(node: str | None, edge: tuple[str, str] | None) -> str:
    if edge is not None:
        return f"edge {edge[0]!r} -> {edge[1]!r}"
    if node is not None:
        return f"node {node!r}"
    return "model"


class SimError(Exception):
    """Base class of every error a user of asyncsim can cause."""


class ModelError(SimError):
    """An invalid model, reported with where, which key, which value, what was expected.

    Parameters
    ----------
    expected : str
        What the key must be, phrased to follow "must be", e.g.
        ``"a positive integer or inf"``; or a whole sentence when ``key`` is None.
    node, edge : str, (str, str), optional
        Where the mistake is; neither means the model as a whole.
    key : str, optional
        The offending key (dotted for nested keys, e.g. ``service.cv``).
    value : any, optional
        The offending value, shown as ``(got ...)``.
    suggestion : str, optional
        The nearest valid key or choice, shown as ``(did you mean ...?)``.
    """

    def __init__(
        self,
        expected: str,
        *,
        node: str | None = None,
        edge: tuple[str, str] | None = None,
        key: str | None = None,
        value: Any = _MISSING,
        suggestion: str | None = None,
    ) -> None:
        self.node, self.edge, self.key = node, edge, key
        self._raw_value = value
        self.value = None if value is _MISSING else value
        self.expected, self.suggestion = expected, suggestion
        where = _where(node, edge)
        text = f"{where}: {key!r} {expected}" if key is not None else f"{where}: {expected}"
        if value is not _MISSING:
            text += f" (got {value!r})"
        if suggestion is not None:
            text += f" (did you mean {suggestion!r}?)"
        super().__init__(text)

    def at(self, node: str | None = None, edge: tuple[str, str] | None = None,
           prefix: str | None = None) -> "ModelError":
        """The same error re-located to a node or edge, its key under ``prefix``."""
        key = self.key
        if prefix is not None:
            key = prefix if key is None else f"{prefix}.{key}"
        return ModelError(self.expected, node=node, edge=edge, key=key,
                          value=self._raw_value, suggestion=self.suggestion)


class ExperimentError(SimError):
    """An invalid experiment (sweep) file or argument."""


class PlanError(SimError):
    """An invalid capacity-plan file or argument."""


class InfeasiblePlan(PlanError):
    """No configuration within the plan's bounds meets every objective."""

    def __init__(self, message: str, *, binding: str | None = None,
                 best: dict | None = None) -> None:
        super().__init__(message)
        self.binding, self.best = binding, best


class ConservationError(SimError):
    """offered != completed + failed + in_flight: a bug in the engine, never the user."""
