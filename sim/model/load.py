"""Model files and dicts <-> ``networkx.DiGraph`` (docs/reference/model.md).

The graph carries the model format's keys and nothing else: ``G.graph`` holds ``name``,
``description``, ``run`` (a dict) and ``base_dir`` (the folder that relative
``file:`` and ``trace:`` paths start from); each node's attributes are its keys
from the file; each edge carries ``p`` and ``latency`` when given, plus ``order``,
its position in the file, because edge order means something (routing order, the
default ``inputs`` order) and a DiGraph does not keep it across nodes.

Only what is needed to build the graph is checked here (shapes, names, edges to
defined nodes, duplicates); :func:`sim.model.validate.validate` checks the rest.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.distributions import Distribution
from sim.errors import ModelError, nearest
from sim.files import UnreadableFile, read_text_file
from sim.model.graph import ModelGraph
from sim.model.readers import read_json, read_yaml

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["load", "load_graph", "from_dict", "graph_from_dict", "to_dict", "save", "ordered_edges", "TOP_KEYS", "EDGE_KEYS"]

TOP_KEYS = ("name", "description", "run", "nodes", "edges", "scenario", "slo")
EDGE_KEYS = ("from", "to", "p", "latency", "call", "visits", "timeout", "max_in_flight", "hedge",
             "retry", "classes", "switch", "when")


def load(path: str | Path) -> nx.DiGraph:
    """Read a model file: strict JSON for ``.json``, safe YAML otherwise.

    Parameters
    ----------
    path : str or Path
        The model file. Its folder becomes ``G.graph["base_dir"]``; its stem is the
        model's name when the file gives none.

    Raises
    ------
    ModelError
        The file cannot be read (it must be a regular file of UTF-8 text, at most
        :data:`sim.files.MAX_TEXT_BYTES`) or parsed (naming file and line), or its
        structure is wrong. The graph is not validated: call :func:`sim.model.validate`.
    """
    return load_graph(path).to_networkx()


def load_graph(path: str | Path) -> ModelGraph:
    """:func:`load` without networkx: the same graph as a :class:`ModelGraph`, which
    :func:`sim.model.validate` takes too (what the command line uses)."""
    path = Path(path)
    source = f"file '{path}'"
    try:
        text = read_text_file(path)
    except UnreadableFile as exc:
        if exc.kind == "binary":
            raise ModelError(f"{source} is not a YAML or JSON model: {exc}") from None
        raise ModelError(f"cannot read {source}: {exc}") from None
    is_json = path.suffix.lower() == ".json"
    data = read_json(text, source) if is_json else read_yaml(text, source)
    if isinstance(data, Mapping) and "name" not in data:
        data = {"name": path.stem, **data}
    return graph_from_dict(data, base_dir=str(path.resolve().parent), source=source)


def from_dict(data: Mapping, base_dir: str | Path | None = None, *,
              source: str = "the model") -> nx.DiGraph:
    """A graph from a model as plain data (the content of a model file).

    ``source`` names the data in errors about its overall shape.
    """
    return graph_from_dict(data, base_dir, source=source).to_networkx()


def graph_from_dict(data: Mapping, base_dir: str | Path | None = None, *,
                    source: str = "the model") -> ModelGraph:
    """:func:`from_dict` without networkx: the graph as a :class:`ModelGraph`."""
    if not isinstance(data, Mapping):
        raise ModelError(f"{source} must be a mapping with 'nodes' and 'edges'",
                         value=_type_name(data))
    for key in data:
        if key not in TOP_KEYS:
            raise ModelError(f"unknown key {key!r}", suggestion=nearest(str(key), TOP_KEYS))
    G = ModelGraph()
    G.graph.update(name=data.get("name", "model"), description=data.get("description", ""),
                   run=_mapping_or_empty(data.get("run"), "run"),
                   base_dir=None if base_dir is None else str(base_dir))
    if data.get("scenario") is not None:
        G.graph["scenario"] = copy.deepcopy(data["scenario"])
    if data.get("slo") is not None:  # only a model with objectives carries the key
        G.graph["slo"] = copy.deepcopy(data["slo"])
    for name, attrs in _mapping_or_empty(data.get("nodes"), "nodes").items():
        if not isinstance(name, str):
            raise ModelError("node names must be strings (quote it)", value=name)
        G.add_node(name)  # attributes without ** so keys such as 'self' stay plain keys
        G.nodes[name].update(_mapping_or_empty(attrs, f"nodes.{name}", node=name))
    edges = data.get("edges")
    if edges is None:
        edges = []
    if not isinstance(edges, (list, tuple)):
        raise ModelError("must be a list of [from, to] or {from, to, p, latency}", key="edges",
                         value=edges)
    for order, edge in enumerate(edges):
        _add_edge(G, edge, order)
    return G


def _type_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _mapping_or_empty(value: Any, key: str, node: str | None = None) -> dict:
    """A deep copy of a mapping given under ``key`` (nothing given reads as empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        if node is not None:
            raise ModelError("must be a mapping of the node's keys", node=node, value=value)
        raise ModelError("must be a mapping", key=key, value=value)
    return _copied(dict(value))


def _copied(value: Any) -> Any:
    """A copy of plain model data (mappings and lists copied, scalars shared): what
    ``copy.deepcopy`` gives for parsed YAML, at a third of its cost on a
    20,000-node model (benchmarks/load_scaling.py); anything else is deep-copied."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return copy.deepcopy(value)


def _edge_parts(edge: Any, order: int) -> tuple[Any, Any, dict]:
    """(from, to, attributes) of one entry of ``edges``."""
    where = f"edges.{order}"
    if isinstance(edge, Mapping):
        for key in edge:
            if key not in EDGE_KEYS:
                raise ModelError(f"unknown key {key!r} in {where}",
                                 suggestion=nearest(str(key), EDGE_KEYS))
        for key in ("from", "to"):
            if key not in edge:
                raise ModelError(f"is required on an edge (got {dict(edge)!r})",
                                 key=f"{where}.{key}")
        attrs = {k: _copied(edge[k]) for k in EDGE_KEYS[2:] if k in edge}
        return edge["from"], edge["to"], attrs
    if isinstance(edge, (list, tuple)) and len(edge) in (2, 3):
        return edge[0], edge[1], ({"p": edge[2]} if len(edge) == 3 else {})
    raise ModelError("must be [from, to], [from, to, p] or {from, to, p, latency}", key=where,
                     value=edge)


def _add_edge(G: ModelGraph, edge: Any, order: int) -> None:
    source, target, attrs = _edge_parts(edge, order)
    for end in (source, target):
        if not isinstance(end, str) or end not in G:
            names = [str(n) for n in G.nodes]
            raise ModelError(f"refers to unknown node {end!r}", edge=(source, target),
                             suggestion=nearest(str(end), names))
    if G.has_edge(source, target):
        raise ModelError("is defined twice", edge=(source, target))
    G.add_edge(source, target, **attrs, order=order)


def ordered_edges(G: nx.DiGraph) -> list[tuple[str, str, dict]]:
    """Edges with their attributes in model order (``order``; insertion order otherwise)."""
    edges = list(G.edges(data=True))
    return sorted(edges, key=lambda e: e[2].get("order", math.inf))


def _plain(value: Any) -> Any:
    """Plain Python data for a file: distributions as their model-file form, numpy values
    unwrapped, tuples as lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Distribution):
        return _plain(value.to_spec())
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return copy.deepcopy(value)


def to_dict(G: nx.DiGraph) -> dict:
    """The model as plain data, the inverse of :func:`from_dict` (``base_dir`` left out).

    Edges come out as ``[from, to]``, ``[from, to, p]``, or a mapping when they carry
    more than ``p``.
    """
    data: dict[str, Any] = {"name": G.graph.get("name", "model")}
    if G.graph.get("description"):
        data["description"] = G.graph["description"]
    if G.graph.get("run"):
        data["run"] = dict(G.graph["run"])
    if G.graph.get("scenario"):
        data["scenario"] = copy.deepcopy(G.graph["scenario"])
    if G.graph.get("slo") is not None:
        data["slo"] = copy.deepcopy(G.graph["slo"])
    data["nodes"] = {name: dict(attrs) for name, attrs in G.nodes(data=True)}
    data["edges"] = []
    for u, v, attrs in ordered_edges(G):
        extra = {k: a for k, a in attrs.items() if k != "order"}
        if not extra:
            data["edges"].append([u, v])
        elif list(extra) == ["p"]:
            data["edges"].append([u, v, extra["p"]])
        else:
            data["edges"].append({"from": u, "to": v, **extra})
    return _plain(data)


def _json_safe(value: Any) -> Any:
    """``inf`` as the string "inf" (strict JSON has no Infinity; validate accepts it)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def save(G: nx.DiGraph, path: str | Path) -> None:
    """Write the graph as a model file: strict JSON for ``.json``, YAML otherwise."""
    path = Path(path)
    data = to_dict(G)
    if path.suffix.lower() == ".json":
        text = json.dumps(_json_safe(data), indent=2, allow_nan=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    path.write_text(text, encoding="utf-8")
