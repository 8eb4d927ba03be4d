"""Model files <-> graphs: parsing safely, refusing what does not parse, round trips."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest

from tests.model.model_fixtures import request_reply
from sim.errors import ModelError
from sim.model import from_adjacency, from_dict, load, save, to_dict, validate

MODEL_EXAMPLE = """\
name: request-reply
description: Client -> request queue -> workers -> response queue -> callback.
run: {duration: 3600, warmup: 300, replications: 5, seed: 1}
nodes:
  client:    {kind: sender, rate: 80, timeout: 2.0,
              retry: {max_attempts: 3, backoff: {initial: 0.1, multiplier: 2, max: 5},
                      jitter: full}}
  requests:  {kind: queue, capacity: 10000, overflow: reject}
  worker:    {kind: service, servers: 8, service: {dist: lognormal, mean: 0.08, cv: 1.5},
              error_rate: 0.01}
  responses: {kind: queue}
  callback:  {kind: service, servers: 2, service: {dist: exponential, mean: 0.005}}
edges:
  - [client, requests]
  - [requests, worker]
  - {from: worker, to: responses, latency: {dist: exponential, mean: 0.001}}
  - [responses, callback]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def same_graph(G, H):
    """Equal graph attributes (but base_dir), nodes with attributes, edges in order."""
    strip = lambda g: {k: v for k, v in g.graph.items() if k != "base_dir"}  # noqa: E731
    assert strip(G) == strip(H)
    assert list(G.nodes(data=True)) == list(H.nodes(data=True))
    order = lambda g: sorted(g.edges(data=True), key=lambda e: e[2]["order"])  # noqa: E731
    assert order(G) == order(H)


# -- reading -----------------------------------------------------------------------------

def test_yaml_graph_carries_the_spec_keys(tmp_path):
    G = load(write(tmp_path, "rr.yaml", MODEL_EXAMPLE))
    assert isinstance(G, nx.DiGraph)
    assert G.graph == {"name": "request-reply",
                       "description": "Client -> request queue -> workers -> response queue "
                                      "-> callback.",
                       "run": {"duration": 3600, "warmup": 300, "replications": 5, "seed": 1},
                       "base_dir": str(tmp_path.resolve())}
    assert list(G) == ["client", "requests", "worker", "responses", "callback"]
    assert G.nodes["requests"] == {"kind": "queue", "capacity": 10000, "overflow": "reject"}
    assert G.edges["client", "requests"] == {"order": 0}
    assert G.edges["worker", "responses"] == {
        "order": 2, "latency": {"dist": "exponential", "mean": 0.001}}
    assert validate(G).node("worker").servers == 8


def test_name_defaults_to_file_stem(tmp_path):
    text = "nodes: {c: {kind: sender, rate: 1}, s: {kind: service, service: 1}}\nedges: [[c, s]]\n"
    assert load(write(tmp_path, "tiny.yml", text)).graph["name"] == "tiny"


def test_p_in_list_form(tmp_path):
    text = ("nodes: {c: {kind: sender, rate: 1}, a: {kind: service, service: 1},\n"
            "        b: {kind: service, service: 1}}\nedges: [[c, a, 0.25], [c, b, 0.75]]\n")
    G = load(write(tmp_path, "p.yaml", text))
    assert G.edges["c", "a"] == {"p": 0.25, "order": 0}
    assert [e.p for e in validate(G).edges] == [0.25, 0.75]


def test_json_reads_the_same_graph(tmp_path):
    G = load(write(tmp_path, "rr.yaml", MODEL_EXAMPLE))
    data = to_dict(G)
    same_graph(load(write(tmp_path, "rr.json", json.dumps(data))), G)


def test_relative_empirical_file_uses_model_folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("0.1\n0.3\n")
    text = ("nodes:\n  c: {kind: sender, rate: 1}\n"
            "  s: {kind: service, service: {dist: empirical, file: data/times.csv}}\n"
            "edges: [[c, s]]\n")
    model = validate(load(write(tmp_path, "emp.yaml", text)))
    assert model.node("s").service.mean == pytest.approx(0.2)


# -- refusals at load --------------------------------------------------------------------

def test_yaml_node_defined_twice(tmp_path):
    text = ("nodes:\n  client: {kind: sender, rate: 1}\n  worker: {kind: service, service: 1}\n"
            "  worker: {kind: service, service: 2}\nedges: [[client, worker]]\n")
    with pytest.raises(ModelError, match=r"node 'worker': is defined twice in file '.*twice.yaml'"
                                         r" \(lines 3 and 4\)"):
        load(write(tmp_path, "twice.yaml", text))


def test_yaml_key_given_twice_in_a_node(tmp_path):
    text = "nodes:\n  worker: {kind: service, servers: 2, servers: 3}\n"
    with pytest.raises(ModelError, match=r"node 'worker': 'servers' is given twice .*line"):
        load(write(tmp_path, "twice.yaml", text))


def test_yaml_top_level_key_twice(tmp_path):
    with pytest.raises(ModelError, match=r"model: 'edges' is given twice"):
        load(write(tmp_path, "twice.yaml", "edges: []\nnodes: {}\nedges: []\n"))


def test_json_node_defined_twice(tmp_path):
    text = ('{"nodes": {"client": {"kind": "sender", "rate": 1}, '
            '"client": {"kind": "sender", "rate": 2}}, "edges": []}')
    with pytest.raises(ModelError, match=r"node 'client': is defined twice in file '.*\.json'"):
        load(write(tmp_path, "twice.json", text))


@pytest.mark.parametrize("tag", ["!!python/object:collections.OrderedDict {}",
                                 "!!python/object/apply:os.system ['true']",
                                 "!!python/name:os.system", "!custom 3"])
def test_object_constructing_tags_refused(tmp_path, tag):
    text = f"name: evil\nnodes:\n  worker: {tag}\n"
    with pytest.raises(ModelError, match=r"file '.*evil.yaml' line 3: .*tag.*"
                                         r"tags that construct objects are refused"):
        load(write(tmp_path, "evil.yaml", text))


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    text = "nodes:\n  client: {kind: sender, rate: 1\nedges: []\n"
    with pytest.raises(ModelError, match=r"file '.*bad.yaml' line \d+ is not valid YAML"):
        load(write(tmp_path, "bad.yaml", text))


def test_json_is_strict(tmp_path):
    text = '{"nodes": {},\n "edges": [],}\n'
    with pytest.raises(ModelError, match=r"file '.*bad.json' line 2 column \d+ is not valid JSON"):
        load(write(tmp_path, "bad.json", text))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_refuses_non_finite_constants(tmp_path, constant):
    text = f'{{"nodes": {{"w": {{"kind": "service", "servers": {constant}}}}}}}'
    with pytest.raises(ModelError, match=rf"file '.*x.json' holds {constant}, but strict JSON "
                                         rf"has no {constant}"):
        load(write(tmp_path, "x.json", text))


def test_yaml_comments_are_not_json(tmp_path):
    with pytest.raises(ModelError, match="is not valid JSON"):
        load(write(tmp_path, "c.json", "# a comment\n{}\n"))


def test_missing_file():
    with pytest.raises(ModelError, match=r"cannot read file 'no/such/model.yaml'"):
        load("no/such/model.yaml")


@pytest.mark.parametrize("text, got", [("", "nothing"), ("- a\n- b\n", "list"), ("3\n", "int")])
def test_file_must_hold_a_mapping(tmp_path, text, got):
    with pytest.raises(ModelError, match=rf"file '.*m.yaml' must be a mapping with 'nodes' and "
                                         rf"'edges' \(got '{got}'\)"):
        load(write(tmp_path, "m.yaml", text))


# -- round trips -------------------------------------------------------------------------

def test_yaml_round_trip(tmp_path):
    G = load(write(tmp_path, "rr.yaml", MODEL_EXAMPLE))
    save(G, tmp_path / "copy.yaml")
    H = load(tmp_path / "copy.yaml")
    same_graph(G, H)
    assert to_dict(H) == to_dict(G)
    assert validate(H) == validate(G)


def test_json_round_trip_with_inf(tmp_path):
    data = request_reply()
    data["nodes"]["worker"]["servers"] = math.inf
    G = from_dict(data)
    save(G, tmp_path / "m.json")
    raw = json.loads((tmp_path / "m.json").read_text())
    assert raw["nodes"]["worker"]["servers"] == "inf"
    H = load(tmp_path / "m.json")
    assert validate(H) == validate(G)


def test_to_dict_inverts_from_dict():
    data = request_reply()
    data["description"] = "d"
    data["edges"][2] = {"from": "worker", "to": "responses", "p": 1.0, "latency": 0.01}
    assert to_dict(from_dict(data)) == data


def test_to_dict_writes_plain_python():
    G = from_dict(request_reply())
    G.nodes["worker"]["servers"] = np.int64(4)
    G.nodes["callback"]["service"] = {"dist": "empirical", "samples": np.array([0.1, 0.2])}
    data = to_dict(G)
    assert type(data["nodes"]["worker"]["servers"]) is int
    assert data["nodes"]["callback"]["service"]["samples"] == [0.1, 0.2]


# -- adjacency matrices ------------------------------------------------------------------

NODES = [("client", {"kind": "sender", "rate": 10}),
         ("gateway", {"kind": "router"}),
         ("a", {"kind": "service", "service": 0.01}),
         ("b", {"kind": "service", "service": 0.02})]


def test_adjacency_equals_edge_list():
    matrix = np.array([[0, 1, 0, 0], [0, 0, 0.3, 0.7], [0, 0, 0, 0], [0, 0, 0, 0]])
    G = from_adjacency(matrix, NODES, name="lb", run={"seed": 2})
    H = from_dict({"name": "lb", "run": {"seed": 2}, "nodes": dict(NODES),
                   "edges": [["client", "gateway"], ["gateway", "a", 0.3],
                             ["gateway", "b", 0.7]]})
    same_graph(G, H)
    assert type(G.edges["gateway", "a"]["p"]) is float
    assert validate(G) == validate(H)


def test_adjacency_from_nested_lists():
    G = from_adjacency([[0, 1, 0, 0], [0, 0, 0.5, 0.5], [0] * 4, [0] * 4], NODES)
    assert list(G.edges) == [("client", "gateway"), ("gateway", "a"), ("gateway", "b")]


@pytest.mark.parametrize("matrix, message", [
    ([[0, 1], [0, 0]], r"model: 'matrix' has 2 rows, but 4 nodes are given"),
    ([[0, 1, 0, 0]] * 3, r"model: 'matrix' must be a square matrix \(got \(3, 4\)\)"),
    ([[0, 1, 0], [0, 0]], r"model: 'matrix' must be a square matrix"),
    ([[0, 1.5, -0.5, 0], [0] * 4, [0] * 4, [0] * 4],
     r"node 'client': 'p' must hold probabilities >= 0 in its matrix row \(got -0.5\)"),
    ([[0, 1, 0, 0], [0, 0, 0.5, 0.4], [0] * 4, [0] * 4],
     r"node 'gateway': 'p' must sum to 1 along its matrix row \(or to 0 for a sink\) "
     r"\(got 0.9\)"),
    ([[0, math.nan, 0, 0], [0] * 4, [0] * 4, [0] * 4], r"node 'client': 'p'.*\(got nan\)"),
])
def test_adjacency_refusals(matrix, message):
    with pytest.raises(ModelError, match=message):
        from_adjacency(matrix, NODES)


def test_adjacency_node_twice():
    with pytest.raises(ModelError, match=r"node 'a': is defined twice"):
        from_adjacency(np.zeros((2, 2)), [("a", {}), ("a", {})])
