"""Checks of single values, each raising a :class:`~sim.errors.ModelError` that
names where (node, edge or model), the key, the value and what was expected.

Strings exist only at the edges: a choice is returned as the validated string
(a ``Literal`` of :mod:`sim.model.spec`), numbers as ``int``/``float``, never
numpy scalars or YAML's spellings of infinity.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.distributions import Distribution, from_spec
from sim.errors import ModelError, nearest

__all__ = ["Ctx", "is_number", "is_inf", "find_loop"]

# Spellings of "unbounded" accepted where unbounded makes sense (servers, capacity).
_INF_WORDS = frozenset({"inf", ".inf", "+inf", "+.inf", "infinity", "+infinity"})


def is_number(value: Any) -> bool:
    """True for a real number that is not a bool (YAML ``true`` is no count)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_inf(value: Any) -> bool:
    """True for ``math.inf`` and its spellings ``inf``, ``.inf``, ``"inf"``."""
    if isinstance(value, str):
        return value.strip().lower() in _INF_WORDS
    return is_number(value) and math.isinf(value) and value > 0


def find_loop(pairs: Iterable[tuple[str, str]]) -> list[str] | None:
    """A cycle of the directed graph of ``pairs`` as its nodes, first repeated at the
    end (``['a', 'b', 'a']``), or None when there is none.

    networkx names the cycle only when there is one (a depth-first search finds
    out first), so that a valid model is checked without importing it."""
    pairs = list(pairs)
    if not _has_cycle(pairs):
        return None
    import networkx as nx

    try:
        cycle = nx.find_cycle(nx.DiGraph(list(pairs)))
    except nx.NetworkXNoCycle:
        return None
    return [u for u, _v in cycle] + [cycle[0][0]]


def _has_cycle(pairs: list[tuple[str, str]]) -> bool:
    """True when the directed graph of ``pairs`` has a cycle (iterative depth-first
    search: a node reached again while still on the path closes one)."""
    succ: dict[Any, list] = {}
    for u, v in pairs:
        succ.setdefault(u, []).append(v)
        succ.setdefault(v, [])
    state = dict.fromkeys(succ, 0)  # 0 unseen, 1 on the path, 2 done
    for root in succ:
        if state[root]:
            continue
        state[root] = 1
        path = [(root, iter(succ[root]))]
        while path:
            node, children = path[-1]
            for child in children:
                if state[child] == 1:
                    return True
                if state[child] == 0:
                    state[child] = 1
                    path.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                path.pop()
    return False


def _integral(value: Any) -> int | None:
    """The int a number stands for (``12`` or ``12.0``), or None."""
    if not is_number(value) or not math.isfinite(value) or float(value) != int(value):
        return None
    return int(value)


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where the values being checked live: a node or an edge, under a key prefix."""

    node: str | None = None
    edge: tuple[str, str] | None = None
    prefix: str | None = None
    base_dir: str | None = None

    def key(self, key: str) -> str:
        return key if self.prefix is None else f"{self.prefix}.{key}"

    def sub(self, key: str) -> "Ctx":
        """The context of a nested mapping under ``key`` (e.g. ``retry.backoff``)."""
        return Ctx(self.node, self.edge, self.key(key), self.base_dir)

    def error(self, key: str | None, expected: str, **kwargs: Any) -> ModelError:
        """A ModelError here; ``kwargs`` are ModelError's ``value`` and ``suggestion``."""
        full = None if key is None else self.key(key)
        return ModelError(expected, node=self.node, edge=self.edge, key=full, **kwargs)

    # -- structure -------------------------------------------------------------------

    def mapping(self, key: str, value: Any) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.error(key, "must be a mapping", value=value)
        return value

    def known_keys(self, attrs: Mapping, allowed: Iterable[str], what: str = "") -> None:
        """Refuse a key outside ``allowed``: suggest the nearest, else list them all."""
        allowed = tuple(allowed)
        for key in attrs:
            if key in allowed:
                continue
            shown = self.key(key) if isinstance(key, str) else key
            hint = nearest(str(key), allowed)
            takes = "" if hint else f" ({what or 'it'} takes {', '.join(allowed)})"
            raise self.error(None, f"unknown key {shown!r}{takes}", suggestion=hint)

    def required(self, attrs: Mapping, key: str, what: str) -> Any:
        if key not in attrs:
            raise self.error(key, f"is required on {what}")
        return attrs[key]

    # -- scalars ---------------------------------------------------------------------

    def number(self, key: str, value: Any, *, positive: bool = False) -> float:
        """A finite number, ``>= 0`` (or ``> 0`` when ``positive``)."""
        ok = is_number(value) and math.isfinite(value)
        ok = ok and (value > 0 if positive else value >= 0)
        if not ok:
            kind = "a positive number" if positive else "a non-negative number"
            raise self.error(key, f"must be {kind}", value=value)
        return float(value)

    def at_least(self, key: str, value: Any, low: float) -> float:
        if not (is_number(value) and math.isfinite(value) and value >= low):
            raise self.error(key, f"must be a number >= {low:g}", value=value)
        return float(value)

    def integer(self, key: str, value: Any, *, low: int = 0, inf: bool = False) -> int | float:
        """An integer ``>= low``, or ``math.inf`` where ``inf`` is allowed."""
        if inf and is_inf(value):
            return math.inf
        n = _integral(value)
        if n is None or n < low:
            kind = {0: "a non-negative integer", 1: "a positive integer"}.get(
                low, f"an integer >= {low}")
            raise self.error(key, f"must be {kind}{' or inf' if inf else ''}", value=value)
        return n

    def probability(self, key: str, value: Any) -> float:
        if not (is_number(value) and 0 <= value <= 1):
            raise self.error(key, "must be a probability in [0, 1]", value=value)
        return float(value)

    def fraction(self, key: str, value: Any) -> float:
        """A share in ``(0, 1]``: a ratio that 0 would make meaningless (never trips)."""
        if not (is_number(value) and 0 < value <= 1):
            raise self.error(key, "must be a number in (0, 1]", value=value)
        return float(value)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false", value=value)
        return value

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(key, "must be a string", value=value)
        return value

    def choice(self, key: str, value: Any, choices: tuple[str, ...]) -> str:
        """One of ``choices``; a typo is refused with the nearest choice, never guessed."""
        if isinstance(value, str) and value in choices:
            return value
        listed = " | ".join(choices)
        hint = nearest(str(value).lower(), choices) if isinstance(value, str) else None
        raise self.error(key, f"must be one of {listed}", value=value, suggestion=hint)

    def distribution(self, key: str, value: Any, *, positive_mean: bool = False) -> Distribution:
        """A distribution (docs/reference/model.md), re-located to this node or edge on error."""
        try:
            dist = from_spec(value, node=self.node, key=self.key(key), base_dir=self.base_dir)
        except ModelError as exc:
            if self.edge is None:
                raise
            raise exc.at(edge=self.edge) from None
        if positive_mean and not dist.mean > 0:
            raise self.error(key, "must be a distribution with a positive mean", value=value)
        return dist
