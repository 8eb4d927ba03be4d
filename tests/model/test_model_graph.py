"""The command line's model graph (no networkx) validates to the same Model as the
networkx graph ``sim.model.load`` returns, and converts back to that graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from sim.errors import ModelError
from sim.model import (apply_overrides, load, load_graph, load_model, read_model, to_dict,
                       validate)
from sim.model.checks import find_loop
from sim.model.graph import ModelGraph, is_model_graph

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "models").glob("*.yaml"))


def _valid(path: Path) -> bool:
    try:
        load_model(path)
    except ModelError:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in MODELS if _valid(p)], ids=lambda p: p.stem)
def test_shipped_models_read_without_networkx_equal_the_networkx_ones(path):
    light, full = read_model(path), load_model(path)
    assert isinstance(light.graph, ModelGraph) and isinstance(full.graph, nx.DiGraph)
    assert light.nodes == full.nodes and light.edges == full.edges
    assert light.calls == full.calls and light.run == full.run
    assert light.scenario == full.scenario and light.slo == full.slo
    assert to_dict(light.graph) == to_dict(full.graph)


def test_to_networkx_gives_the_graph_load_returns():
    path = ROOT / "models" / "request_reply.yaml"
    G, H = load_graph(path).to_networkx(), load(path)
    assert list(G.nodes(data=True)) == list(H.nodes(data=True))
    assert list(G.edges(data=True)) == list(H.edges(data=True)) and G.graph == H.graph


def test_overrides_on_a_model_graph_keep_its_type_and_leave_it_unchanged():
    G = load_graph(ROOT / "models" / "request_reply.yaml")
    H = apply_overrides(G, {"nodes.worker.servers": 3})
    assert isinstance(H, ModelGraph) and H.nodes["worker"]["servers"] == 3
    assert G.nodes["worker"]["servers"] != 3
    assert validate(H).node("worker").servers == 3


def test_only_directed_simple_graphs_are_model_graphs():
    assert is_model_graph(ModelGraph()) and is_model_graph(nx.DiGraph())
    assert not is_model_graph(nx.MultiDiGraph()) and not is_model_graph(nx.Graph())
    assert not is_model_graph({"nodes": {}})
    with pytest.raises(ModelError, match="must be a networkx.DiGraph"):
        validate(nx.MultiDiGraph())


@pytest.mark.parametrize("pairs, loop", [
    ([], None), ([("a", "b"), ("b", "c")], None), ([("a", "b"), ("a", "c"), ("b", "c")], None),
    ([("a", "a")], ["a", "a"]), ([("a", "b"), ("b", "a")], ["a", "b", "a"]),
    ([("x", "a"), ("a", "b"), ("b", "c"), ("c", "a")], ["a", "b", "c", "a"])])
def test_find_loop_names_the_cycle_networkx_finds(pairs, loop):
    assert find_loop(pairs) == loop
    if loop is not None:
        cycle = nx.find_cycle(nx.DiGraph(pairs))
        assert loop == [u for u, _ in cycle] + [cycle[0][0]]
