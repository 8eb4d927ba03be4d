"""The JSON Schema (draft 2020-12) of the model format, generated from the key tables.

Every kind's keys (:data:`sim.model.kinds.KINDS`), the top-level keys, the ``run``
block, edges and distributions (:mod:`sim.model.format`) become one schema, so an
editor completes and checks model files with the same types, bounds, defaults and
descriptions that validation uses. The schema describes a model as JSON data:
unbounded is the string ``"inf"`` (YAML's ``.inf`` is a float JSON cannot hold).

What the schema cannot see is left to :func:`sim.model.validate`: rules across
nodes and edges (a queue's successors, ``p`` summing to 1, reaching a sink, a
service's own buffer only when fed directly) and a distribution's mean.
"""

from __future__ import annotations

import math
from typing import Any

from sim.model.format import DISTS, EDGE, INF_PATTERN, STEP, TOP
from sim.model.slo import SLO
from sim.model.keys import Key
from sim.model.kinds import KIND_NAMES, KINDS

__all__ = ["model_schema", "key_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def model_schema() -> dict[str, Any]:
    """The JSON Schema of a model file, as a dict ready for ``json.dumps``."""
    defs: dict[str, Any] = {
        "inf": {"type": "string", "pattern": INF_PATTERN,
                "description": "Unbounded: inf (YAML .inf), where the key allows it."},
        "node": _node(),
        "edge": _edge(),
        "distribution": _distribution(),
    }
    defs.update({f"kind.{name}": _kind(name) for name in KIND_NAMES})
    defs.update({f"dist.{d.name}": _dist(d) for d in DISTS})
    top = _object(TOP, "the model")
    top["properties"]["nodes"] = {
        "type": "object", "description": _describe(TOP[3]),
        "additionalProperties": {"$ref": "#/$defs/node"}}
    top["properties"]["edges"] = {
        "type": "array", "description": _describe(TOP[4]),
        "items": {"$ref": "#/$defs/edge"}}
    top["properties"]["scenario"] = {
        "type": "array", "description": _describe(TOP[5]),
        "items": {**_object(STEP, "a step"),
                  "oneOf": [{"required": ["set"]}, {"required": ["action", "node"]}]}}
    top["properties"]["slo"] = {
        "type": "array", "description": _describe(TOP[6]),
        "items": _object(SLO, "an objective")}
    return {"$schema": DRAFT, "title": "asyncsim model",
            "description": "A model of a message-driven system for asyncsim: nodes (senders, "
                           "queues, services, routers) and the edges between them. Times "
                           "are seconds, rates per second.",
            **top, "$defs": defs}


def key_schema(key: Key) -> dict[str, Any]:
    """The schema of one key's value, with its description and default."""
    out = _value(key)
    out["description"] = _describe(key)
    default = _json_default(key.default)
    if default is not None and (default != "inf" or key.inf):
        out["default"] = default
    return out


def _value(key: Key) -> dict[str, Any]:
    kind = key.type
    if kind in ("number", "integer"):
        out: dict[str, Any] = {"type": kind}
        if key.low is not None:
            out["exclusiveMinimum" if key.low_open else "minimum"] = key.low
        if key.high is not None:
            out["maximum"] = key.high
        return {"anyOf": [out, {"$ref": "#/$defs/inf"}]} if key.inf else out
    if kind == "probability":
        return {"type": "number", "minimum": 0, "maximum": 1}
    if kind == "fraction":
        return {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    if kind in ("boolean", "string"):
        return {"type": kind}
    if kind == "choice":
        return {"enum": list(key.choices)}
    if kind == "distribution":
        return {"$ref": "#/$defs/distribution"}
    if kind == "mapping":
        return _object(key.keys, key.name)
    return dict(key.json)


def _object(keys: tuple[Key, ...], what: str, exactly_one_of: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object",
                           "properties": {k.name: key_schema(k) for k in keys},
                           "additionalProperties": False}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    if exactly_one_of:
        out["oneOf"] = [{"required": [name]} for name in exactly_one_of]
    return out


def _kind(name: str) -> dict[str, Any]:
    kind = KINDS[name]
    out = _object(kind.keys, name, kind.exactly_one_of)
    out["properties"]["kind"] = {"const": name, "description": f"The node's kind: {name}."}
    for key, why in kind.refused.items():  # refused on purpose: say why in the schema too
        out["properties"][key] = {"not": {}, "description": f"Refused: {key} {why}."}
    out["description"] = kind.summary.replace("`", "")
    return out


def _node() -> dict[str, Any]:
    return {"type": "object", "required": ["kind"],
            "description": "A node: its kind and the keys of that kind.",
            "properties": {"kind": {"enum": list(KIND_NAMES)}},
            "allOf": [{"if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                       "then": {"$ref": f"#/$defs/kind.{name}"}} for name in KIND_NAMES]}


def _edge() -> dict[str, Any]:
    ends = [key_schema(EDGE[0]), key_schema(EDGE[1])]
    return {"description": "An edge: [from, to], [from, to, p] or {from, to, p, latency}.",
            "anyOf": [{"type": "array", "prefixItems": [*ends, key_schema(EDGE[2])],
                       "minItems": 2, "maxItems": 3, "items": False},
                      _object(EDGE, "an edge")]}


def _distribution() -> dict[str, Any]:
    names = [d.name for d in DISTS]
    return {"description": "A time in seconds: a number (a constant), or a mapping with "
                           "'dist' and that law's parameters.",
            "anyOf": [{"type": "number", "minimum": 0},
                      {"type": "object", "required": ["dist"],
                       "properties": {"dist": {"enum": names}},
                       "allOf": [{"if": {"properties": {"dist": {"const": n}},
                                         "required": ["dist"]},
                                  "then": {"$ref": f"#/$defs/dist.{n}"}} for n in names]}]}


def _dist(dist) -> dict[str, Any]:
    out = _object(dist.keys, dist.name, dist.exactly_one_of)
    out["properties"]["dist"] = {"const": dist.name}
    out["description"] = dist.summary
    return out


def _describe(key: Key) -> str:
    text = key.description
    if key.unit:
        text += f" Unit: {key.unit}."
    if key.note:
        text += f" Only {key.note.removeprefix('only ')}."
    if key.high_why:
        text += f" At most {int(key.high) if key.high else key.high}: {key.high_why}."
    return text


def _json_default(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return value
