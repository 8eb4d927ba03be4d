"""Declarations of the model's keys: one :class:`Key` per key, one :class:`Kind` per node kind.

A kind's table of keys is the single source of its type, bounds, default and
description: :func:`read` validates a node's attributes against it (unknown keys
with the nearest suggestion, required keys, types and bounds), and
:mod:`sim.model.schema` and :mod:`sim.model.reference` render the same tables as
the JSON Schema and the reference page, so the three cannot drift. Rules that
join several keys stay as code in the kind's module (``sim.model.kinds.<kind>``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import nearest
from sim.model.checks import Ctx

__all__ = ["Key", "Kind", "Wiring", "read", "check_value", "article", "TYPES"]

TYPES = ("number", "integer", "probability", "fraction", "boolean", "string", "choice",
         "distribution", "mapping", "custom")
"""What a key's value is; ``custom`` values are checked by their kind's own code."""


@dataclass(frozen=True)
class Key:
    """One key of a node or of a mapping nested in one (``retry``, ``autoscale``, ...).

    Attributes
    ----------
    name : str
        The key as written in a model file.
    type : str
        One of :data:`TYPES`.
    description : str
        One line: what the key means, in the reference's words.
    default : any
        The value taken when the key is absent; None means "absent" (the feature is
        off, or the spec's field stays None); ``default_text`` says it in words.
    unit : str
        Unit of a number (``s``, ``1/s``, ``messages``, ...), empty for none.
    low, high : float, optional
        Bounds of a number or integer; ``low_open`` makes ``low`` exclusive.
    high_why : str
        Why ``high`` (a size beyond it could not fit in memory or time).
    inf : bool
        ``inf`` (YAML ``.inf``, JSON ``"inf"``) is accepted: unbounded.
    choices : tuple of str
        The values of a ``choice`` key, in the order the reference lists them.
    keys : tuple of Key
        The keys of a ``mapping`` key.
    required : bool
        The key must be given.
    positive_mean : bool
        A ``distribution`` whose mean must be positive.
    json : dict
        JSON Schema of a ``custom`` key (others derive theirs from the fields above).
    type_text : str
        How the reference names a ``custom`` key's type.
    note : str
        Where the key applies, when that depends on more than the kind.
    """

    name: str
    type: str
    description: str
    default: Any = None
    default_text: str = ""
    unit: str = ""
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_why: str = ""
    inf: bool = False
    choices: tuple[str, ...] = ()
    keys: tuple["Key", ...] = ()
    required: bool = False
    positive_mean: bool = False
    json: Mapping[str, Any] = field(default_factory=dict)
    type_text: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"key {self.name!r}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Wiring:
    """What a node's builder may know of the graph around it: its feeders, in model
    order, as ``(name, kind)`` pairs (a service learns from them which queues it
    consumes and whether it has a buffer of its own), and every node's kind by name
    (a service checks that the names in its ``uses`` are pools)."""

    feeders: tuple[tuple[str, str], ...] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """The declaration of a node kind: its keys and rules, and the builder of its spec.

    Attributes
    ----------
    name : str
        The kind as written after ``kind:``.
    summary : str
        A paragraph for the reference: what the node stands for.
    keys : tuple of Key
        Every key the kind takes (``kind`` and ``description`` included), in the
        order the reference lists them.
    build : callable
        ``build(ctx, attrs, wiring) -> spec``: the frozen spec from attributes whose
        keys are known; checks values (through :func:`read`) and cross-key rules.
    refused : mapping of str to str
        Keys that other kinds take but mean nothing on this one, with the reason
        given when they are written here.
    exactly_one_of : tuple of str
        Keys of which exactly one must be given (a sender's arrival process).
    in_edge_refusal : str, optional
        Why the kind takes no incoming edge (a sender), or None.
    sink_refusal : str, optional
        Why the kind cannot be a sink (it needs an outgoing edge), or None.
    out_edge : callable, optional
        ``out_edge(ctx, attrs, target_kind)``: checks an edge leaving a node of the
        kind, with the edge's attributes and the kind of its target.
    out_edge_keys : tuple of str
        Edge keys only edges leaving this kind take (a cache's ``when``).
    out_edges : callable, optional
        ``out_edges(name, edges)``: checks the node's outgoing path edges together
        (a cache needs one hit and one miss edge).
    """

    name: str
    summary: str
    keys: tuple[Key, ...]
    build: Callable[..., Any]
    refused: Mapping[str, str] = field(default_factory=dict)
    exactly_one_of: tuple[str, ...] = ()
    in_edge_refusal: str | None = None
    sink_refusal: str | None = None
    out_edge: Callable[[Ctx, Mapping, str], None] | None = None
    out_edge_keys: tuple[str, ...] = ()
    out_edges: Callable[[str, list], None] | None = None

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)


def article(word: str) -> str:
    """``a retry``, ``an availability``: the phrase of a message naming a thing."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def check_value(ctx: Ctx, key: Key, value: Any) -> Any:
    """One value checked against its key's type and bounds; the typed value.

    ``mapping`` values come back as a dict of their own keys' values (see
    :func:`read`); ``custom`` values come back unchanged for their kind's code.
    """
    kind = key.type
    if kind == "number":
        if not key.low:  # 0 or None: >= 0, or > 0 when low_open
            number = ctx.number(key.name, value, positive=key.low_open)
        else:
            number = ctx.at_least(key.name, value, key.low)
        return _at_most(ctx, key, value, number)
    if kind == "integer":
        return _at_most(ctx, key, value, ctx.integer(key.name, value, low=int(key.low or 0),
                                                     inf=key.inf))
    if kind == "probability":
        return ctx.probability(key.name, value)
    if kind == "fraction":
        return ctx.fraction(key.name, value)
    if kind == "boolean":
        return ctx.boolean(key.name, value)
    if kind == "string":
        return ctx.string(key.name, value)
    if kind == "choice":
        return ctx.choice(key.name, value, key.choices)
    if kind == "distribution":
        return ctx.distribution(key.name, value, positive_mean=key.positive_mean)
    if kind == "mapping":
        return read(ctx.sub(key.name), key.keys, ctx.mapping(key.name, value), key.name)
    return value


def _at_most(ctx: Ctx, key: Key, given: Any, value: float) -> float:
    """Refuse a finite value above the key's ``high``, saying why it cannot fit."""
    if key.high is not None and math.isfinite(value) and value > key.high:
        why = f" ({key.high_why})" if key.high_why else ""
        high = int(key.high) if float(key.high).is_integer() else key.high
        raise ctx.error(key.name, f"must be at most {high}{why}", value=given)
    return value


def read(ctx: Ctx, keys: tuple[Key, ...], attrs: Mapping, what: str,
         skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check ``attrs`` against ``keys``: unknown keys (nearest suggested), required
    keys, then each value in table order. Absent keys take their default.

    ``what`` names the mapping in messages (``retry``: "required on a retry");
    keys in ``skip`` are left to the caller (checked before, or by cross-key code).
    """
    names = tuple(k.name for k in keys)
    ctx.known_keys(attrs, names, what)
    values: dict[str, Any] = {}
    for key in keys:
        if key.name in skip:
            continue
        if key.name in attrs:
            values[key.name] = check_value(ctx, key, attrs[key.name])
        elif key.required:
            raise ctx.error(key.name, f"is required on {article(what)}")
        else:
            values[key.name] = key.default
    return values


def suggest_kind(ctx: Ctx, kinds: Mapping[str, Kind], kind: str, attrs: Mapping) -> None:
    """Refuse a node's key its kind does not take: the kind's reason when it refuses
    the key on purpose, else the kind that takes it, else the nearest key."""
    declared = kinds[kind]
    allowed = declared.key_names
    for key in attrs:
        if key in allowed:
            continue
        if key in declared.refused:
            raise ctx.error(key, declared.refused[key], value=attrs[key])
        owners = [k for k, d in kinds.items() if key in d.key_names]
        if owners:
            raise ctx.error(None, f"unknown key {key!r} for a {kind} "
                                  f"(it applies to a {' or '.join(owners)})")
        shown = key if isinstance(key, str) else repr(key)
        hint = nearest(str(shown), allowed)
        takes = "" if hint else f" ({article(kind)} takes {', '.join(allowed)})"
        raise ctx.error(None, f"unknown key {key!r}{takes}", suggestion=hint)
