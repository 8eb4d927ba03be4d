"""Cross-node rules of customer behaviour that a node's own table cannot see:
``quorum`` needs ``routing: broadcast`` and at most as many copies as outgoing edges."""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import ModelError

__all__ = ["check_quorum", "check_behaviour"]


def check_quorum(spec, out: list) -> None:
    """Refuse a ``quorum`` without broadcast, or above the copies a broadcast sends."""
    k = getattr(spec, "quorum", None)
    if k is None:
        return
    if spec.routing != "broadcast":
        raise ModelError(f"only applies with 'routing: broadcast' (its routing is "
                         f"{spec.routing!r}; a quorum counts the copies of a broadcast)",
                         node=spec.name, key="quorum", value=k)
    if k > len(out):
        raise ModelError(f"must be at most the number of outgoing edges ({len(out)}), the "
                         "copies a broadcast sends", node=spec.name, key="quorum", value=k)


def check_behaviour(specs, outs: Mapping[str, list]) -> None:
    """Every node's cross-node behaviour rules."""
    for spec in specs:
        check_quorum(spec, outs[spec.name])
