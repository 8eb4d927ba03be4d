"""The values of the request-class keys, one at a time: an edge's ``classes``,
``switch`` and ``p`` by class, and a service's ``service`` by class. Names are
checked against the model's classes later, by :mod:`sim.model.classes`, which
sees the whole model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.distributions import Distribution
from sim.model.checks import Ctx

__all__ = ["edge_class_fields", "service_law"]


def _name(ctx: Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ctx.error(key, "must name a request class (a non-empty string)", value=value)
    return value


def _classes(ctx: Ctx, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("classes", "must be a non-empty list of request class names, e.g. "
                                   "[read, write]", value=value)
    names = tuple(_name(ctx, "classes", v) for v in value)
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise ctx.error("classes", "must name each class once", value=twice)
    return names


def _switch(ctx: Ctx, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        raise ctx.error("switch", "must be a mapping of class to class, e.g. {read: write}",
                        value=value)
    pairs = tuple((_name(ctx, "switch", a), _name(ctx, f"switch.{a}", b))
                  for a, b in value.items())
    return pairs


def _p_by_class(ctx: Ctx, value: Mapping) -> tuple[tuple[str, float], ...]:
    if not value:
        raise ctx.error("p", "must be a probability or a non-empty mapping of class to "
                             "probability", value=dict(value))
    return tuple((_name(ctx, "p", c), ctx.probability(f"p.{c}", p)) for c, p in value.items())


def edge_class_fields(ctx: Ctx, attrs: Mapping, call: bool) -> dict[str, Any]:
    """``classes``, ``p_by_class`` and ``switch`` of an edge's :class:`EdgeSpec`
    (None where not given); ``switch`` is refused on a call edge (a call does not
    pass the request on), as is ``p`` (refused by :mod:`sim.model.calls`)."""
    out: dict[str, Any] = {}
    if "classes" in attrs:
        out["classes"] = _classes(ctx, attrs["classes"])
    if "switch" in attrs:
        if call:
            raise ctx.error("switch", "does not apply to a call edge: a call does not pass "
                                      "the request on (switch on a path edge)",
                            value=attrs["switch"])
        out["switch"] = _switch(ctx, attrs["switch"])
    if not call and isinstance(attrs.get("p"), Mapping):
        out["p_by_class"] = _p_by_class(ctx, attrs["p"])
    return out


def service_law(ctx: Ctx, value: Any) -> tuple[Distribution, tuple | None, bool]:
    """``(service law, by_class, has_default)`` of a service's ``service``: a
    distribution, or ``{by_class: {class: law}, default: law}``."""
    if not (isinstance(value, Mapping) and "by_class" in value):
        return ctx.distribution("service", value), None, True
    ctx.known_keys(value, ("by_class", "default"), "a service by class")
    table = value["by_class"]
    if not isinstance(table, Mapping) or not table:
        raise ctx.error("service.by_class", "must be a non-empty mapping of class to "
                                            "distribution, e.g. {read: 0.01, write: 0.05}",
                        value=table)
    sub = ctx.sub("service.by_class")
    by_class = tuple((_name(ctx, "service.by_class", c), sub.distribution(c, law))
                     for c, law in table.items())
    if "default" in value:
        return ctx.distribution("service.default", value["default"]), by_class, True
    return by_class[0][1], by_class, False


