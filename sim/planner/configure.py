"""The models of a plan's configurations: typed overrides of one validated model.

A plan changes a few numeric keys of one model (its decision variables, and
the senders' rates in the saturation probes). The model is validated once per
checked configuration at load (the variables at their first and last values,
see :mod:`sim.planner.spec`); every other configuration is that typed model
with the changed fields replaced (``dataclasses.replace``), not the raw graph
overridden by dotted strings and validated again.

A key is changed this way, as a *typed override*, when it names a number held
directly by a node's spec (``servers``, ``rate``, ``error_rate``, ``timeout``
...) or by its buffer (``capacity``, ``ttl``, ``partitions``), and the
validated models at both ends of its range hold the value as given. Every
rule the model puts on such a number alone is an interval (positive, at most 1,
between an autoscaler's bounds) or integrality, so the values between two
valid ends, on a grid whose step keeps integers integral, are valid too. Any
other key (an edge's ``p``, a nested key) falls back to one validation per
configuration, cached.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from sim.errors import ModelError, PlanError

__all__ = ["Configurator", "TypedKey"]

_BUFFER_KEYS = ("capacity", "ttl", "partitions")
_NOT_NUMBERS = ("name", "kind", "inputs", "buffer", "routing")


@dataclasses.dataclass(frozen=True, slots=True)
class TypedKey:
    """Where a dotted key lives in the typed model: a node, a field, the number type."""

    node: str
    field: str
    in_buffer: bool
    type: type

    def value(self, raw: Any) -> int | float | None:
        """``raw`` as the spec holds it, or None when it is not of that type."""
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            return None
        if self.type is int:
            return int(raw) if float(raw).is_integer() else None
        return float(raw)

    def get(self, model) -> Any:
        spec = model.node(self.node)
        return getattr(spec.buffer if self.in_buffer else spec, self.field)

    def set(self, spec, value):
        """A copy of node ``spec`` with the field set to ``value``."""
        if self.in_buffer:
            return dataclasses.replace(spec, buffer=dataclasses.replace(spec.buffer,
                                                                         **{self.field: value}))
        return dataclasses.replace(spec, **{self.field: value})


def typed_key(model, key: str) -> TypedKey | None:
    """The typed place of ``nodes.<node>.<field>`` in ``model``, or None."""
    if not key.startswith("nodes."):
        return None
    names = {spec.name for spec in model.nodes}
    rest = key[len("nodes."):]
    node, _, field = rest.rpartition(".")
    if node not in names or not field:
        return None
    spec = model.node(node)
    fields = {f.name for f in dataclasses.fields(spec)}
    in_buffer = False
    if field in fields and field not in _NOT_NUMBERS:
        current = getattr(spec, field)
    elif field in _BUFFER_KEYS and getattr(spec, "buffer", None) is not None:
        in_buffer, current = True, getattr(spec.buffer, field)
    else:
        return None
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return None
    return TypedKey(node, field, in_buffer, int if isinstance(current, int) else float)


class Configurator:
    """The validated model of each configuration of a plan (cached).

    Parameters
    ----------
    graph : networkx.DiGraph
        The plan's model with its ``set:`` load (variables not applied).
    label : str
        Names the plan in messages.
    """

    def __init__(self, graph, label: str) -> None:
        self.graph, self.label = graph, label
        self.validations = 0
        self._models: dict[tuple, Any] = {}
        self._typed: dict[str, TypedKey] = {}
        self._positive: set[str] = set()
        self._base = None

    @staticmethod
    def key(overrides: Mapping) -> tuple:
        return tuple(sorted(overrides.items()))

    def validated(self, overrides: Mapping):
        """Validate the graph with ``overrides`` (one validation), cache and return it;
        a ModelError is left to the caller, who knows what to blame."""
        from sim.model import apply_overrides, validate

        key = self.key(overrides)
        if key not in self._models:
            self.validations += 1
            self._models[key] = validate(apply_overrides(self.graph, dict(overrides)))
            if self._base is None:
                self._base = (dict(overrides), self._models[key])
        return self._models[key]

    def allow_typed(self, keys, ends: tuple[Mapping, Mapping]) -> None:
        """Let ``keys`` be typed overrides where both validated ``ends`` hold them as given."""
        low, high = (self.validated(end) for end in ends)
        for key in keys:
            where = typed_key(low, key)
            if where is None:
                continue
            held = [where.value(end[key]) for end in ends]
            if held[0] is not None and held[1] is not None \
                    and where.get(low) == held[0] and where.get(high) == held[1]:
                self._typed[key] = where

    def allow_scaled(self, keys) -> None:
        """Let sender ``rate`` keys be typed overrides for any positive value: the only
        rule on a rate is positive and finite, which a positive multiple keeps (the
        saturation probes scale the rates)."""
        if self._base is None:
            return
        for key in keys:
            where = typed_key(self._base[1], key)
            if where is not None and where.field == "rate" and where.type is float:
                self._typed[key] = where
                self._positive.add(key)

    def model(self, overrides: Mapping):
        """The validated model of ``overrides`` (dotted keys): typed when it can be."""
        key = self.key(overrides)
        if key in self._models:
            return self._models[key]
        typed = self._derive(overrides)
        if typed is not None:
            self._models[key] = typed
            return typed
        try:
            return self.validated(overrides)
        except ModelError as exc:
            raise PlanError(f"{self.label}: configuration {dict(overrides)}: "
                            f"{str(exc).removeprefix('model: ')}") from None

    def _derive(self, overrides: Mapping):
        """``overrides`` applied to the first validated model by typed overrides, or None."""
        if self._base is None:
            return None
        base_overrides, base = self._base
        if set(base_overrides) - set(overrides):
            return None
        changes: dict[str, list] = {}
        for key, raw in overrides.items():
            if base_overrides.get(key, _MISSING) == raw:
                continue
            where = self._typed.get(key)
            value = None if where is None else where.value(raw)
            if value is None or (key in self._positive and value <= 0):
                return None
            changes.setdefault(where.node, []).append((where, value))
        nodes = []
        for spec in base.nodes:
            for where, value in changes.get(spec.name, ()):
                spec = where.set(spec, value)
            nodes.append(spec)
        return dataclasses.replace(base, nodes=tuple(nodes), graph=None)

    def graph_of(self, overrides: Mapping):
        """The model graph of a configuration (for writing ``model.yaml``); not validated
        again: the configuration's model is valid."""
        from sim.model import apply_overrides

        return apply_overrides(self.graph, dict(overrides))


_MISSING = object()
