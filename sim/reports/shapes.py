"""How each node kind is drawn in the topology figure, from one table.

``SHAPES`` is keyed by ``sim.model.kinds.KIND_NAMES`` (a test fails when a kind is
missing); a node of a kind without a shape is an error naming the node, never
left out of the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import ModelError, nearest

__all__ = ["Shape", "SHAPES", "shape_of", "group_by_shape"]


@dataclass(frozen=True, slots=True)
class Shape:
    """A matplotlib marker (``node_shape`` of networkx) and what it stands for."""

    marker: str
    meaning: str


SHAPES: dict[str, Shape] = {
    "sender": Shape("s", "square: where requests are born"),
    "queue": Shape("D", "diamond: a broker queue"),
    "service": Shape("o", "circle: a worker pool"),
    "router": Shape("^", "triangle: routes, takes no time"),
    "pool": Shape("h", "hexagon: a pool of units services hold (no edges)"),
    "cache": Shape("p", "pentagon: a cache, splits hits from misses, takes no time"),
}


def shape_of(node: str, kind) -> Shape:
    """The shape of ``node`` of ``kind``; a ModelError when the kind has none."""
    try:
        return SHAPES[kind]
    except (KeyError, TypeError):
        raise ModelError(f"must be a kind the topology figure can draw: one of "
                         f"{', '.join(SHAPES)}", node=node, key="kind", value=kind,
                         suggestion=nearest(str(kind), SHAPES)) from None


def group_by_shape(nodes) -> dict[str, list]:
    """``{marker: [node, ...]}`` for ``(node, kind)`` pairs, in the order given."""
    out: dict[str, list] = {}
    for node, kind in nodes:
        out.setdefault(shape_of(node, kind).marker, []).append(node)
    return out
