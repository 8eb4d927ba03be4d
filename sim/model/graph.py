"""A model's graph without networkx: what the command line validates.

``import networkx`` costs about 0.2 s (some 290 modules), more than the rest of
``asyncsim check``. The command line only reads a file, applies ``--set`` and
validates, which needs the few ``networkx.DiGraph`` operations below; so it builds a
:class:`ModelGraph`, the same nodes, edges and attributes in the same order, and
:meth:`ModelGraph.to_networkx` gives the ``networkx.DiGraph`` that
:func:`sim.model.load` returns when one is wanted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["ModelGraph", "is_model_graph"]


def is_model_graph(value: Any) -> bool:
    """True for a :class:`ModelGraph` or a ``networkx.DiGraph`` (not a multigraph).

    networkx is not imported to find out: a value cannot be one of its graphs unless
    networkx has been imported already.
    """
    if isinstance(value, ModelGraph):
        return True
    nx = sys.modules.get("networkx")
    return nx is not None and isinstance(value, nx.DiGraph) and not value.is_multigraph()


class ModelGraph:
    """Directed graph with attribute dicts on the graph (``graph``), on each node and on
    each edge; nodes and each node's successors in insertion order, as in
    ``networkx.DiGraph``. Only the operations the model layer uses are offered."""

    def __init__(self) -> None:
        self.graph: dict[str, Any] = {}
        self._succ: dict[Any, dict[Any, dict]] = {}
        self._node: dict[Any, dict] = {}

    @property
    def nodes(self) -> _Nodes:
        """``G.nodes[n]`` (attributes), ``G.nodes(data=True)``, ``iter(G.nodes)``."""
        return _Nodes(self._node)

    @property
    def edges(self) -> _Edges:
        """``G.edges[u, v]`` (attributes), ``G.edges(data=True)``, ``iter(G.edges)``."""
        return _Edges(self._succ)

    def add_node(self, n: Any) -> None:
        if n not in self._node:
            self._node[n] = {}
            self._succ[n] = {}

    def add_edge(self, u: Any, v: Any, **attrs: Any) -> None:
        self.add_node(u)
        self.add_node(v)
        self._succ[u].setdefault(v, {}).update(attrs)

    def has_edge(self, u: Any, v: Any) -> bool:
        return u in self._succ and v in self._succ[u]

    def successors(self, n: Any) -> Iterator:
        return iter(self._succ[n])

    def is_multigraph(self) -> bool:
        return False

    def is_directed(self) -> bool:
        return True

    def __contains__(self, n: Any) -> bool:
        try:
            return n in self._node
        except TypeError:
            return False

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def copy(self) -> ModelGraph:
        """New attribute dicts, shared values (as ``networkx.DiGraph.copy``)."""
        H = ModelGraph()
        H.graph.update(self.graph)
        for n, attrs in self._node.items():
            H._node[n] = dict(attrs)
            H._succ[n] = {}
        for u, row in self._succ.items():
            for v, attrs in row.items():
                H._succ[u][v] = dict(attrs)
        return H

    def to_networkx(self):
        """The same graph as a ``networkx.DiGraph`` (attribute dicts copied, values shared)."""
        import networkx as nx

        G = nx.DiGraph()
        G.graph.update(self.graph)
        for n, attrs in self._node.items():
            G.add_node(n)
            G.nodes[n].update(attrs)
        for u, row in self._succ.items():
            for v, attrs in row.items():
                G.add_edge(u, v)
                G.edges[u, v].update(attrs)
        return G


class _Nodes:
    __slots__ = ("_node",)

    def __init__(self, node: dict) -> None:
        self._node = node

    def __getitem__(self, n: Any) -> dict:
        return self._node[n]

    def __call__(self, data: bool = False):
        return iter(self._node.items()) if data else iter(self._node)

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __contains__(self, n: Any) -> bool:
        return n in self._node

    def __len__(self) -> int:
        return len(self._node)


class _Edges:
    __slots__ = ("_succ",)

    def __init__(self, succ: dict) -> None:
        self._succ = succ

    def __getitem__(self, uv: tuple) -> dict:
        u, v = uv
        return self._succ[u][v]

    def __call__(self, data: bool = False):
        if data:
            return ((u, v, attrs) for u, row in self._succ.items() for v, attrs in row.items())
        return iter(self)

    def __iter__(self) -> Iterator:
        return ((u, v) for u, row in self._succ.items() for v in row)

    def __len__(self) -> int:
        return sum(len(row) for row in self._succ.values())
