"""The routing matrix's components, written out without networkx, come in exactly the
order ``networkx.topological_sort(networkx.condensation(g))`` gives, so the traffic
equations are solved in the same order (and to the same bits) as before."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from sim.analytic.flowsolve import RoutingMatrix


def networkx_components(P: RoutingMatrix) -> list[list[int]]:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(P)))
    g.add_edges_from((i, j) for i, row in enumerate(P.rows) for j in row)
    cond = nx.condensation(g)
    return [sorted(cond.nodes[c]["members"]) for c in nx.topological_sort(cond)]


@pytest.mark.parametrize("seed", range(40))
def test_components_match_networkx_on_random_graphs(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 25)
    P = RoutingMatrix([f"n{i}" for i in range(n)])
    for _ in range(rng.randint(0, 3 * n)):
        P.add(rng.randrange(n), rng.randrange(n), rng.random() + 0.01)  # self loops too
    assert P.components() == networkx_components(P)


def test_components_of_a_chain_with_a_cycle():
    P = RoutingMatrix(["a", "b", "c", "d"])
    for i, j in [(0, 1), (1, 2), (2, 1), (2, 3)]:
        P.add(i, j, 0.5)
    assert P.components() == [[0], [1, 2], [3]] == networkx_components(P)
