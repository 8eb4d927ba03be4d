"""--set overrides by dotted path."""

from __future__ import annotations

import math

import pytest

from tests.model.model_fixtures import request_reply
from sim.errors import ModelError
from sim.model import apply_overrides, from_dict, load_model, parse_set, save, validate


@pytest.mark.parametrize("text, expected", [
    ("nodes.worker.servers=12", ("nodes.worker.servers", 12)),
    ("nodes.worker.servers=inf", ("nodes.worker.servers", "inf")),
    ("nodes.worker.servers=.inf", ("nodes.worker.servers", math.inf)),
    ("run.duration=60.5", ("run.duration", 60.5)),
    ("nodes.worker.service={dist: exponential, mean: 1}",
     ("nodes.worker.service", {"dist": "exponential", "mean": 1})),
    ("nodes.worker.routing=round_robin", ("nodes.worker.routing", "round_robin")),
    ("nodes.worker.inputs=[a, b]", ("nodes.worker.inputs", ["a", "b"])),
    ("nodes.worker.ttl=null", ("nodes.worker.ttl", None)),
    (" run.seed = 7", ("run.seed", 7)),
    ("description=a=b", ("description", "a=b")),
])
def test_parse_set(text, expected):
    assert parse_set(text) == expected


@pytest.mark.parametrize("text, message", [
    ("nodes.worker.servers", r"--set 'nodes.worker.servers' must be KEY=VALUE"),
    ("=3", r"--set '=3' must be KEY=VALUE"),
    ("run.seed=", r"--set 'run.seed=' needs a value after '='"),
    ("run.seed={a: 1", r"the value of --set run.seed line \d+ is not valid YAML"),
    ("run.seed=!!python/name:os.system", r"tags that construct objects are refused"),
])
def test_parse_set_refusals(text, message):
    with pytest.raises(ModelError, match=message):
        parse_set(text)


def test_overrides_return_a_new_graph():
    G = from_dict(request_reply())
    H = apply_overrides(G, {"nodes.worker.servers": 12, "run.duration": 60,
                            "nodes.worker.service.mean": 0.05, "name": "bigger"})
    assert G.nodes["worker"]["servers"] == 8 and G.graph["run"]["duration"] == 100
    assert G.nodes["worker"]["service"]["mean"] == 0.08
    model = validate(H)
    assert model.node("worker").servers == 12 and model.run.duration == 60
    assert model.node("worker").service.mean == pytest.approx(0.05)
    assert model.name == "bigger"


def test_override_edge_p_by_position():
    data = request_reply()
    data["edges"][2] = ["worker", "responses", 0.5]
    data["edges"].append(["worker", "callback", 0.5])
    H = apply_overrides(data, [("edges.2.p", 0.3), ("edges.4.p", 0.7)])
    assert [e.p for e in validate(H).out_edges("worker")] == [0.3, 0.7]


def test_override_adds_a_missing_key_and_mapping():
    H = apply_overrides(request_reply(), {"nodes.client.retry.max_attempts": 3,
                                          "nodes.client.retry.backoff.initial": 0.1})
    assert H.nodes["client"]["retry"] == {"max_attempts": 3, "backoff": {"initial": 0.1}}


def test_override_list_item():
    data = request_reply()
    data["nodes"]["client"]["profile"] = [[0, 1], [10, 2]]
    H = apply_overrides(data, {"nodes.client.profile.1.1": 3})
    assert H.nodes["client"]["profile"] == [[0, 1], [10, 3]]


def test_null_removes_a_key():
    H = apply_overrides(request_reply(), {"nodes.requests.capacity": None})
    assert "capacity" not in H.nodes["requests"]
    assert validate(H).node("requests").buffer.capacity == math.inf


def test_node_names_with_dots():
    data = request_reply()
    data["nodes"]["worker.eu"] = data["nodes"].pop("worker")
    data["edges"][1:3] = [["requests", "worker.eu"], ["worker.eu", "responses"]]
    H = apply_overrides(data, {"nodes.worker.eu.servers": 3})
    assert H.nodes["worker.eu"]["servers"] == 3


def test_keys_are_left_to_validate():
    H = apply_overrides(request_reply(), {"nodes.worker.sevrers": 3})
    with pytest.raises(ModelError, match=r"node 'worker': unknown key 'sevrers'"):
        validate(H)


@pytest.mark.parametrize("path, message", [
    ("nodes.wroker.servers",
     r"model: unknown node 'wroker' in 'nodes.wroker.servers' \(did you mean 'worker'\?\)"),
    ("nodes.worker", r"'nodes.worker' must name a node and a key"),
    ("node.worker.servers", r"'node.worker.servers' must start with nodes.<node>.*"
                            r"\(did you mean 'nodes'\?\)"),
    ("run", r"'run' must start with"),
    ("edges.9.p", r"'edges.9.p' must be edges.<i>.<key> with i from 0 to 3"),
    ("edges.first.p", r"'edges.first.p' must be edges.<i>.<key>"),
    ("edges.0.to", r"edge 'client' -> 'requests': 'to' cannot be overridden"),
    ("edges.client->reqests.latency",
     r"no edge 'client->reqests' in .* \(did you mean 'client->requests'\?\)"),
    ("nodes.callback.service.mean",
     r"node 'callback': 'service' is not a mapping, so 'nodes.callback.service.mean' cannot "
     r"be set \(got 0.005\)"),
])
def test_override_refusals(path, message):
    with pytest.raises(ModelError, match=message):
        apply_overrides(request_reply(), {path: 1})


def test_an_edge_is_addressed_by_its_ends_or_its_position():
    by_name = apply_overrides(request_reply(), {"edges.client->requests.latency": 0.25})
    by_index = apply_overrides(request_reply(), {"edges.0.latency": 0.25})
    assert by_name.edges["client", "requests"]["latency"] == 0.25
    assert by_index.edges["client", "requests"]["latency"] == 0.25


def test_override_list_index_out_of_range():
    data = request_reply()
    data["nodes"]["client"]["profile"] = [[0, 1]]
    with pytest.raises(ModelError, match=r"node 'client': 'profile' is a list of 1: "
                                         r"'nodes.client.profile.3.0' needs an index from 0 to 0"):
        apply_overrides(data, {"nodes.client.profile.3.0": 1})


def test_load_model_applies_overrides_before_validating(tmp_path):
    save(from_dict(request_reply()), tmp_path / "rr.yaml")
    model = load_model(tmp_path / "rr.yaml", overrides=[parse_set("nodes.worker.servers=inf")])
    assert model.node("worker").servers == math.inf
    with pytest.raises(ModelError, match=r"node 'worker': 'servers' must be a positive integer "
                                         r"or inf \(got -1\)"):
        load_model(tmp_path / "rr.yaml", {"nodes.worker.servers": -1})
