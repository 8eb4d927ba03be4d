"""``sim.simulate`` and ``sim.analyze`` take a Model, a graph or a path, nothing else.

A ``networkx.DiGraph`` built by ``sim.model.from_dict`` or ``from_adjacency`` is
validated first (it failed with AttributeError before); any other type is refused
with a SimError that says what is accepted.
"""

from __future__ import annotations

import networkx as nx
import pytest

import sim
from sim.model import from_adjacency, from_dict

# One M/M/1 station: lambda = 2/s, service mean 0.25 s, so rho = 0.5 and the mean
# time in system is W = S / (1 - rho) = 0.25 / 0.5 = 0.5 s.
NODES = {"client": {"kind": "sender", "rate": 2},
         "worker": {"kind": "service", "service": {"dist": "exponential", "mean": 0.25}}}


def by_dict() -> nx.DiGraph:
    return from_dict({"name": "mm1", "nodes": NODES, "edges": [["client", "worker"]]})


def by_adjacency() -> nx.DiGraph:
    return from_adjacency([[0, 1], [0, 0]], list(NODES.items()), name="mm1")


@pytest.mark.parametrize("build", [by_dict, by_adjacency])
def test_analyze_takes_a_graph(build):
    """W = 0.5 s exactly (Jackson network of one M/M/1 station)."""
    figures = sim.analyze(build())
    assert figures["requests"]["latency"]["mean"] == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize("build", [by_dict, by_adjacency])
def test_simulate_takes_a_graph(build):
    """A short run completes about lambda * duration = 2 * 200 = 400 requests; 4 sd of a
    Poisson count (4 * 20) is far more than the run's variation."""
    result = sim.simulate(build(), duration=200, warmup=0, replications=1, seed=1)
    completed = result.to_dict()["requests"]["completed"]
    assert abs(completed - 400) < 80


@pytest.mark.parametrize("function", [sim.simulate, sim.analyze])
def test_an_invalid_graph_is_refused_as_a_model_error(function):
    graph = by_dict()
    graph.nodes["worker"]["servers"] = -2
    with pytest.raises(sim.ModelError, match=r"node 'worker': 'servers' must be"):
        function(graph)


@pytest.mark.parametrize("function", [sim.simulate, sim.analyze])
@pytest.mark.parametrize("value, name", [(42, "builtins.int"), (NODES, "builtins.dict"),
                                         (nx.Graph(), "networkx.classes.graph.Graph")])
def test_other_inputs_are_refused(function, value, name):
    with pytest.raises(sim.SimError, match=rf"^{function.__name__}\(\) takes a Model .* "
                                           rf"networkx.DiGraph .* or a model file path, "
                                           rf"not {name}$"):
        function(value)
