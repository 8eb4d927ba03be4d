"""Request classes in the model: what validate accepts, and every refusal of the class
keys (each message named by its node or edge, key, value and the nearest name)."""

from __future__ import annotations

import copy

import pytest

from sim.errors import ModelError
from sim.model import from_dict, validate

EXP = {"dist": "exponential", "mean": 0.01}


def api(**edge_extra) -> dict:
    """Reads and writes of one API: read -> replica, write -> primary."""
    return {"name": "classes", "nodes": {
        "readers": {"kind": "sender", "rate": 10, "class": "read"},
        "writers": {"kind": "sender", "rate": 5, "class": "write"},
        "api": {"kind": "router"},
        "replica": {"kind": "service", "service": EXP},
        "primary": {"kind": "service", "service": EXP}},
        "edges": [["readers", "api"], ["writers", "api"],
                  {"from": "api", "to": "replica", "classes": ["read"]},
                  {"from": "api", "to": "primary", "classes": ["write"]}]}


def build(data):
    return validate(from_dict(data))


def test_classes_are_senders_classes_then_switch_targets():
    data = api()
    data["edges"][3]["switch"] = {"write": "audit"}
    model = build(data)
    assert model.classes == ("read", "write", "audit") and model.classed
    assert model.classes_at("api") == ("read", "write")
    assert model.classes_at("primary") == ("audit",)
    assert model.node("readers").cls == "read"


def test_a_model_without_class_keys_is_not_classed_and_classes_are_sender_names():
    model = build({"nodes": {"a": {"kind": "sender", "rate": 1},
                             "s": {"kind": "service", "service": EXP}}, "edges": [["a", "s"]]})
    assert not model.classed and model.classes == ("a",)


def test_p_by_class_and_service_by_class_are_typed():
    data = api()
    data["nodes"]["primary"]["service"] = {"by_class": {"read": 0.02}, "default": EXP}
    data["edges"][2] = {"from": "api", "to": "replica", "p": {"read": 0.75, "write": 0.0}}
    data["edges"][3] = {"from": "api", "to": "primary", "p": {"read": 0.25, "write": 1.0}}
    model = build(data)
    edge = model.out_edges("api")[0]
    assert edge.p is None and edge.p_for("read") == 0.75 and edge.p_for("write") == 0.0
    svc = model.node("primary")
    assert svc.law_of("read").mean == 0.02 and svc.law_of("write").mean == 0.01
    assert model.classes_at("replica") == ("read",)   # p = 0 is never taken


def refused(data, match):
    with pytest.raises(ModelError, match=match):
        build(data)


def test_unknown_class_on_an_edge_is_refused_with_the_nearest_name():
    data = api()
    data["edges"][2]["classes"] = ["raed"]
    refused(data, r"edge 'api' -> 'replica': 'classes' names an unknown request class "
                  r"\(classes: read, write.*\(got 'raed'\).*did you mean 'read'")


def test_unknown_class_in_p_switch_and_by_class_is_refused():
    data = api()
    data["edges"][2]["p"] = {"reed": 1.0}
    refused(data, r"'p' names an unknown request class.*did you mean 'read'")
    data = api()
    data["edges"][2]["switch"] = {"wirte": "x"}
    refused(data, r"'switch' names an unknown request class.*did you mean 'write'")
    data = api()
    data["nodes"]["replica"]["service"] = {"by_class": {"rad": 0.1}, "default": EXP}
    refused(data, r"node 'replica': 'service.by_class' names an unknown request class.*"
                  r"did you mean 'read'")


def test_a_class_with_no_way_out_of_a_node_is_refused():
    data = api()
    data["edges"][3]["classes"] = ["read"]
    refused(data, r"node 'api': 'classes' class 'write' reaches it but none of its outgoing "
                  r"edges takes that class")


def test_p_of_a_class_must_sum_to_1_naming_node_class_and_sum():
    data = api()
    data["edges"][2] = {"from": "api", "to": "replica", "p": {"read": 0.5, "write": 0.5}}
    data["edges"][3] = {"from": "api", "to": "primary", "p": {"read": 0.2, "write": 0.5}}
    refused(data, r"node 'api': 'p' of the edges class 'read' may take must sum to 1 for that "
                  r"class \(got 0\.7\)")


def test_p_of_a_class_on_some_of_its_edges_only_is_refused():
    data = api()
    data["edges"][2] = {"from": "api", "to": "replica", "p": {"read": 1.0, "write": 0.5}}
    data["edges"][3] = {"from": "api", "to": "primary", "p": {"write": 0.5}}
    refused(data, r"node 'api': 'p' must be given for class 'read' on every edge it may take "
                  r"from 'api' or on none \(missing on 'api' -> 'primary'\)")


def test_p_for_a_class_the_edge_does_not_take_is_refused():
    data = api()
    data["edges"][2]["p"] = {"write": 1.0}
    refused(data, r"edge 'api' -> 'replica': 'p' gives a p to class 'write', which the edge's "
                  r"classes \(read\) do not let take it")


def test_p_by_class_needs_probabilistic_routing():
    data = api()
    data["nodes"]["api"]["routing"] = "round_robin"
    data["edges"][2]["p"] = {"read": 1.0}
    refused(data, r"'p' by class only applies when 'api' routes 'probabilistic'")


def test_by_class_without_default_must_list_every_class_reaching_it():
    data = api()
    data["edges"][2].pop("classes")
    data["edges"][3].pop("classes")
    data["edges"][2]["p"] = {"read": 1.0, "write": 0.5}
    data["edges"][3]["p"] = {"read": 0.0, "write": 0.5}
    data["nodes"]["replica"]["service"] = {"by_class": {"read": 0.1}}
    refused(data, r"node 'replica': 'service.by_class' has no time for class 'write', which "
                  r"reaches it \(by_class lists read\); add it, or a default")


def test_bad_values_of_the_class_keys_are_refused():
    data = api()
    data["edges"][2]["classes"] = "read"
    refused(data, r"'classes' must be a non-empty list of request class names")
    data = api()
    data["edges"][2]["classes"] = ["read", "read"]
    refused(data, r"'classes' must name each class once \(got 'read'\)")
    data = api()
    data["edges"][2]["switch"] = ["read"]
    refused(data, r"'switch' must be a mapping of class to class")
    data = api()
    data["nodes"]["readers"]["class"] = 3
    refused(data, r"node 'readers': 'class' must be a string")
    data = api()
    data["nodes"]["replica"]["service"] = {"by_class": {"read": 0.1}, "defualt": EXP}
    refused(data, r"unknown key 'defualt'.*did you mean 'default'")
    data = api()
    data["edges"][2]["p"] = {"read": 1.5}
    refused(data, r"'p.read' must be a probability in \[0, 1\]")


def test_class_keys_out_of_a_queue_and_switch_on_a_call_are_refused():
    data = api()
    data["nodes"]["q"] = {"kind": "queue"}
    data["edges"][2] = {"from": "api", "to": "q", "classes": ["read"]}
    data["edges"].append({"from": "q", "to": "replica", "classes": ["read"]})
    refused(data, r"edge 'q' -> 'replica': 'classes' means nothing on an edge out of a queue")
    data = api()
    data["nodes"]["db"] = {"kind": "service", "service": EXP}
    data["edges"].append({"from": "replica", "to": "db", "call": "sync",
                          "switch": {"read": "write"}})
    refused(data, r"edge 'replica' -> 'db': 'switch' does not apply to a call edge")


def test_a_class_that_can_only_loop_is_refused():
    data = api()
    data["nodes"]["loop"] = {"kind": "router"}
    data["edges"][2] = {"from": "api", "to": "loop", "classes": ["read"]}
    data["edges"] += [{"from": "loop", "to": "replica", "classes": ["write"]},
                      {"from": "loop", "to": "api2", "classes": ["read"]},
                      {"from": "api2", "to": "loop"}]
    data["nodes"]["api2"] = {"kind": "router"}
    refused(data, r"'classes' class 'read' cannot reach a sink from it")


def test_the_shipped_example_validates():
    from pathlib import Path

    from sim.model import load_model

    model = load_model(Path(__file__).resolve().parents[2] / "models" / "request_classes.yaml")
    assert model.classes == ("read", "write")
    assert model.node("api").law_of("write").mean == pytest.approx(0.04)
    assert copy.deepcopy(model.classes_at("primary")) == ("read", "write")
