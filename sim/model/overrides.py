"""Overriding model keys by dotted path, as ``--set nodes.worker.servers=12`` does.

Paths: ``nodes.<node>.<key>[.<subkey>|.<index>...]``, ``edges.<i>.<key>`` (``i`` the
edge's position in the model) or ``edges.<from>-><to>.<key>`` (the edge by its ends,
as results name call edges), ``run.<key>``, ``scenario`` or
``scenario.<i>.<key>`` (a step of the scenario), ``name``, ``description``. Only the
node or edge is checked here; the keys and values are checked by ``validate``.
A value of ``None`` (``null`` on the command line) removes the key, restoring its
default.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from sim.errors import ModelError, nearest
from sim.model.graph import is_model_graph
from sim.model.load import from_dict, ordered_edges
from sim.model.readers import read_yaml

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["apply_overrides", "parse_set", "locate"]

_HEADS = ("nodes", "edges", "run", "scenario", "name", "description")


def parse_set(text: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` and read VALUE as YAML: ``12``, ``inf``, ``[1, 2]``,
    ``{dist: exponential, mean: 1}``, ``null``.

    Examples
    --------
    >>> parse_set("nodes.worker.servers=12")
    ('nodes.worker.servers', 12)
    """
    path, sep, raw = str(text).partition("=")
    path = path.strip()
    if not sep or not path:
        raise ModelError(f"--set {text!r} must be KEY=VALUE, e.g. nodes.worker.servers=12")
    if not raw.strip():
        raise ModelError(f"--set {text!r} needs a value after '=' (null removes the key)")
    return path, read_yaml(raw, f"the value of --set {path}")


def apply_overrides(model: nx.DiGraph | Mapping,
                    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> nx.DiGraph:
    """A new graph with each ``path: value`` of ``overrides`` applied, in order.

    Parameters
    ----------
    model : networkx.DiGraph, ModelGraph or mapping
        A graph (left unchanged; the new one is of its type) or a model as plain data
        (see ``from_dict``).
    overrides : mapping or iterable of (path, value)
        Dotted paths, e.g. ``{"nodes.worker.servers": 12, "run.duration": 60}``.
    """
    G = copy.deepcopy(model) if is_model_graph(model) else from_dict(model)
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    for path, value in items:
        _apply(G, str(path), value)
    return G


def locate(G: nx.DiGraph, path: str) -> tuple[str, Any, list[str]]:
    """Where a node or edge path points: ``("node", name, keys)`` or
    ``("edge", (from, to), keys)``; a ModelError for any other path."""
    head, *rest = path.split(".")
    if head == "nodes":
        name, rest = _node(G, rest, path)
        return "node", name, rest
    if head == "edges":
        edge, _attrs, rest = _edge(G, rest, path)
        return "edge", edge, rest
    raise ModelError(f"{path!r} must start with nodes.<node> or edges.<i> (or "
                     f"edges.<from>-><to>)", suggestion=nearest(head, ("nodes", "edges")))


def _apply(G: nx.DiGraph, path: str, value: Any) -> None:
    head, *rest = path.split(".")
    if head == "nodes":
        name, rest = _node(G, rest, path)
        _set(G.nodes[name], rest, value, path, node=name)
    elif head == "edges":
        edge, attrs, rest = _edge(G, rest, path)
        if rest[0] in ("from", "to", "order"):
            raise ModelError(f"cannot be overridden in {path!r}: remove the edge and add "
                             "another in the model instead", edge=edge, key=rest[0])
        _set(attrs, rest, value, path, edge=edge)
    elif head == "run" and rest:
        G.graph["run"] = dict(G.graph.get("run") or {})
        _set(G.graph["run"], rest, value, path)
    elif head in ("name", "description", "scenario") and not rest:
        G.graph[head] = value
    elif head == "scenario":
        G.graph["scenario"] = steps = copy.deepcopy(list(G.graph.get("scenario") or []))
        if len(rest) > 2 and rest[1] == "set":  # a step's set keys are dotted themselves
            rest = rest[:2] + [".".join(rest[2:])]
        _set(steps, rest, value, path)
    else:
        raise ModelError(f"{path!r} must start with nodes.<node>, edges.<i> (or "
                         f"edges.<from>-><to>), run, scenario, name or description",
                         suggestion=nearest(head, _HEADS))


def _node(G: nx.DiGraph, parts: list[str], path: str) -> tuple[str, list[str]]:
    """The node named at the start of ``parts`` (names may hold dots) and the rest."""
    for cut in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:cut])
        if name in G:
            return name, parts[cut:]
    if len(parts) < 2:
        raise ModelError(f"{path!r} must name a node and a key, e.g. nodes.worker.servers")
    names = [str(n) for n in G.nodes]
    raise ModelError(f"unknown node {parts[0]!r} in {path!r}",
                     suggestion=nearest(parts[0], names))


def _edge(G: nx.DiGraph, parts: list[str], path: str) -> tuple[tuple, dict, list[str]]:
    """The edge numbered by ``parts[0]`` (model order) or named ``<from>-><to>`` by the
    first parts (names may hold dots), its attributes, the rest."""
    edges = ordered_edges(G)
    if len(parts) >= 2 and parts[0].isdigit() and int(parts[0]) < len(edges):
        u, v, attrs = edges[int(parts[0])]
        return (u, v), attrs, parts[1:]
    for cut in range(len(parts) - 1, 0, -1):
        u, arrow, v = ".".join(parts[:cut]).partition("->")
        if arrow and G.has_edge(u, v):
            return (u, v), G.edges[u, v], parts[cut:]
    named = next((".".join(parts[:cut]) for cut in range(len(parts) - 1, 0, -1)
                  if "->" in ".".join(parts[:cut])), None)
    if named is not None:
        raise ModelError(f"no edge {named!r} in {path!r}", suggestion=nearest(
            named, [f"{u}->{v}" for u, v, _ in edges]))
    raise ModelError(f"{path!r} must be edges.<i>.<key> with i from 0 to {len(edges) - 1} "
                     f"(the edge's position in the model) or edges.<from>-><to>.<key>")


def _set(container: MutableMapping, keys: list[str], value: Any, path: str,
         **where: Any) -> None:
    """Set ``container[k0][k1]...`` to ``value`` (None removes it), creating mappings."""
    for depth, key in enumerate(keys[:-1]):
        container = _child(container, key, ".".join(keys[:depth]), path, where)
    last, parent = keys[-1], ".".join(keys[:-1])
    if isinstance(container, list):
        index = _index(container, last, parent, path, where)
        if value is None:
            raise ModelError(f"is a list: null cannot remove its item ({path!r})", key=parent,
                             **where)
        container[index] = value
    elif value is None:
        container.pop(last, None)
    else:
        container[last] = value


def _child(container: Any, key: str, parent: str, path: str, where: dict) -> Any:
    """The list item or mapping under ``key`` (a missing mapping is created)."""
    if isinstance(container, list):
        return container[_index(container, key, parent, path, where)]
    if container.get(key) is None:
        container[key] = {}
    child = container[key]
    if not isinstance(child, (MutableMapping, list)):
        here = f"{parent}.{key}" if parent else key
        raise ModelError(f"is not a mapping, so {path!r} cannot be set", key=here,
                         value=child, **where)
    return child


def _index(items: list, key: str, parent: str, path: str, where: dict) -> int:
    if not key.isdigit() or int(key) >= len(items):
        raise ModelError(f"is a list of {len(items)}: {path!r} needs an index from 0 to "
                         f"{len(items) - 1}", key=parent, **where)
    return int(key)
