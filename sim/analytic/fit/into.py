"""Write fitted keys into a node of a model file, validated and atomically.

The file is read with :func:`sim.model.load` and written back with
:func:`sim.model.save` (YAML stays YAML, JSON stays JSON; comments and layout
of a YAML file are not kept). The new model is validated before anything is
written, and the file is replaced in one ``os.replace`` of a sibling temporary
file, so a reader never sees half a model and a failure leaves it untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from sim.errors import ModelError, nearest
from sim.files import replace_atomically
from sim.model import load, save, validate

__all__ = ["write_into", "keys_for"]

Kind = Literal["service", "interarrival", "arrivals"]

# Keys a fitted arrival process replaces: a sender takes one of these arrival keys.
_REPLACED_ARRIVAL_KEYS = ("rate", "trace", "interarrival", "profile", "period")


def keys_for(kind: Kind, law_spec: Any, profile: list | None = None) -> dict:
    """The node keys that a fit of ``kind`` sets: ``service`` or ``interarrival``
    (and ``profile`` for a non-stationary arrival stream)."""
    if kind == "service":
        return {"service": law_spec}
    keys = {"interarrival": law_spec}
    if profile is not None and len(profile) > 1:
        keys["profile"] = profile
    return keys


def _check_node(G, node: str, kind: Kind) -> dict:
    if node not in G.nodes:
        raise ModelError(f"has no node {node!r} (nodes: {', '.join(G.nodes)})",
                         suggestion=nearest(node, list(G.nodes)))
    attrs = G.nodes[node]
    want = "service" if kind == "service" else "sender"
    if attrs.get("kind") != want:
        key = "service" if kind == "service" else "interarrival"
        raise ModelError(f"must be a {want} to take a fitted {key!r}", node=node, key="kind",
                         value=attrs.get("kind"))
    if want == "sender" and "clients" in attrs:
        raise ModelError("is a closed sender ('clients'): a fitted 'interarrival' needs an "
                         "open sender", node=node, key="clients", value=attrs["clients"])
    return attrs


def write_into(path: str | Path, node: str, kind: Kind, keys: Mapping[str, Any]) -> None:
    """Set ``keys`` on ``node`` of the model file at ``path``.

    Parameters
    ----------
    path : str or Path
        A model file (YAML or JSON).
    node : str
        A service for ``kind="service"``; an open sender otherwise, whose
        ``rate``, ``trace``, ``profile`` and ``period`` are replaced by ``keys``.
    kind : {"service", "interarrival", "arrivals"}
        What was fitted.
    keys : mapping
        From :func:`keys_for`.

    Raises
    ------
    ModelError
        The file does not load, the node is missing or of the wrong kind, or the
        model with the new keys does not validate. The file is then unchanged.
    """
    path = Path(path)
    G = load(path)
    attrs = _check_node(G, node, kind)
    if kind != "service":
        for key in _REPLACED_ARRIVAL_KEYS:
            attrs.pop(key, None)
    attrs.update(keys)
    validate(G)
    _replace(G, path)


def _replace(G, path: Path) -> None:
    def write(tmp: str) -> None:
        save(G, tmp)
        shutil.copymode(path, tmp)

    replace_atomically(path, write)
