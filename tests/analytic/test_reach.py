"""The analytic solver's reachability (``descendants``, ``ancestors``), a walk of the
model's own edge lists, gives exactly the sets networkx gives: the node itself is
excluded even on a cycle, self-loops and unreachable parts included."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

from sim.analytic.topology import ancestors, descendants
from sim.model import load_model

MODELS = sorted((Path(__file__).resolve().parents[2] / "models").glob("*.yaml"))


class _Edge:
    def __init__(self, source: str, target: str) -> None:
        self.source, self.target = source, target


class _EdgeLists:
    """The two lookups of :class:`sim.model.spec.Model` the walk uses, over any edges
    (a model's validation would refuse most random graphs)."""

    def __init__(self, edges: list[tuple[str, str]]) -> None:
        self._out: dict[str, list[_Edge]] = {}
        self._in: dict[str, list[_Edge]] = {}
        for u, v in edges:
            e = _Edge(u, v)
            self._out.setdefault(u, []).append(e)
            self._in.setdefault(v, []).append(e)

    def out_edges(self, name: str) -> list[_Edge]:
        return self._out.get(name, [])

    def in_edges(self, name: str) -> list[_Edge]:
        return self._in.get(name, [])


@pytest.mark.parametrize("seed", range(30))
def test_reach_matches_networkx_on_random_graphs_with_cycles(seed):
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(rng.randint(1, 20))]
    edges = [(rng.choice(names), rng.choice(names)) for _ in range(rng.randint(0, 40))]
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from(edges)
    lists = _EdgeLists(edges)
    for n in names:
        assert descendants(lists, n) == nx.descendants(g, n)
        assert ancestors(lists, n) == nx.ancestors(g, n)


def test_a_node_on_a_cycle_is_not_its_own_descendant():
    lists = _EdgeLists([("a", "b"), ("b", "a"), ("b", "c"), ("c", "c")])
    assert descendants(lists, "a") == {"b", "c"}
    assert descendants(lists, "c") == set()
    assert ancestors(lists, "a") == {"b"}


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_reach_matches_networkx_on_every_shipped_model(path):
    model = load_model(path)
    g = nx.DiGraph()
    g.add_nodes_from(n.name for n in model.nodes)
    g.add_edges_from((e.source, e.target) for e in model.edges)
    for n in model.nodes:
        assert descendants(model, n.name) == nx.descendants(g, n.name)
        assert ancestors(model, n.name) == nx.ancestors(g, n.name)
