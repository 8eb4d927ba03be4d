"""What the compiled kernel covers, and the reason it gives for what it does not."""

from __future__ import annotations

import dataclasses
import math

import pytest

from sim.engine.choice import AUTO_MIN_VISITS, _visits_per_replication as _visits, choose_engine
from sim.engine.compiled.coverage import COVERED_KEYS, uncovered
from sim.errors import ModelError
from sim.model import load, validate
from sim.model.kinds.queue import QueueSpec
from sim.model.kinds.router import RouterSpec
from sim.model.kinds.sender import SenderSpec
from sim.model.kinds.service import ServiceSpec
from tests.conftest import make_model
from tests.engine.compiled.corpus import CORPUS

BASE = {"src": {"kind": "sender", "rate": 1.0},
        "s": {"kind": "service", "servers": 1, "service": {"dist": "exponential", "mean": 0.5}}}


def _model(**changes):
    nodes = {name: dict(attrs) for name, attrs in BASE.items()}
    for name, keys in changes.items():
        nodes[name].update(keys)
    return make_model(nodes, [["src", "s"]])


def test_the_covered_keys_are_keys_of_their_kinds():
    specs = {"sender": SenderSpec, "queue": QueueSpec, "service": ServiceSpec,
             "router": RouterSpec}
    assert set(COVERED_KEYS) == set(specs)
    for kind, keys in COVERED_KEYS.items():
        fields = {f.name for f in dataclasses.fields(specs[kind])}
        assert keys <= fields, (kind, keys - fields)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_corpus_is_covered(name):
    nodes, edges = CORPUS[name]
    assert uncovered(make_model(nodes, edges)) is None


@pytest.mark.parametrize("changes, reason", [
    ({"s": {"autoscale": {"min": 1, "max": 4, "target": 0.6}}},
     "node 's': 'autoscale' is not compiled"),
    ({"src": {"timeout": 2, "hedge": {"after": 0.5}}}, "node 'src': 'hedge'"),
    ({"s": {"slowdown": [[0, 1], [1, 2]]}}, "node 's': 'slowdown' is not compiled"),
    ({"s": {"batch": {"size": 4, "window": 0.5}}}, "node 's': 'batch' is not compiled"),
    ({"s": {"capacity": 3, "shed": {"target": 0.1, "interval": 1.0}}},
     "node 's': 'shed' is not compiled"),
    ({"s": {"idempotent": False}}, "node 's': 'idempotent: false' is not compiled"),
])
def test_what_is_not_covered_is_named(changes, reason):
    assert reason in uncovered(_model(**changes))


def test_blocking_buffers_and_pulls_with_latency_are_covered():
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "q": {"kind": "queue", "capacity": 2, "overflow": "block"},
             "w": BASE["s"], "v": dict(BASE["s"], capacity=0, overflow="block")}
    edges = [["src", "q"], {"from": "q", "to": "w", "latency": 0.1}, ["w", "v"]]
    assert uncovered(make_model(nodes, edges)) is None


@pytest.mark.parametrize("discipline", ["ps", "preemptive"])
def test_shared_or_preempted_servers_beside_a_blocking_buffer_are_named(discipline):
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "s": dict(BASE["s"], discipline=discipline),
             "q": {"kind": "queue", "capacity": 2, "overflow": "block"}, "w": BASE["s"]}
    reason = uncovered(make_model(nodes, [["src", "s"], ["s", "q"], ["q", "w"]]))
    assert reason == (f"node 's': 'discipline: {discipline}' in a model with "
                      "'overflow: block' is not compiled")


def test_availability_beside_a_blocking_buffer_is_named():
    nodes = {"src": {"kind": "sender", "rate": 1.0},
             "s": dict(BASE["s"], availability={"mtbf": 100, "mttr": 1}),
             "q": {"kind": "queue", "capacity": 2, "overflow": "block"}, "w": BASE["s"]}
    edges = [["src", "s"], ["s", "q"], ["q", "w"]]
    assert uncovered(make_model(nodes, edges)) == (
        "node 's': 'availability' in a model with 'overflow: block' is not compiled")
    nodes["q"] = {"kind": "queue", "capacity": 2}
    assert uncovered(make_model(nodes, edges)) is None


def test_keys_are_compiled_for_consistent_hashing_only():
    """A keyed sender is covered (its keys drive consistent_hash); the other readers
    of keys, a cache and a partitioned queue, are refused by name."""
    keyed = {"kind": "sender", "rate": 1.0, "keys": {"count": 10}}
    ring = {"src": keyed, "lb": {"kind": "router", "routing": "consistent_hash"},
            "a": BASE["s"], "b": BASE["s"]}
    assert uncovered(make_model(ring, [["src", "lb"], ["lb", "a"], ["lb", "b"]])) is None
    parts = {"src": keyed, "q": {"kind": "queue", "partitions": 4}, "w": BASE["s"]}
    assert uncovered(make_model(parts, [["src", "q"], ["q", "w"]])) == (
        "node 'q': 'partitions' (each request placed on a partition by its key) is not "
        "compiled")
    cache = {"src": keyed, "cache": {"kind": "cache", "capacity": 3},
             "hit": {"kind": "router"}, "miss": {"kind": "router"}}
    edges = [["src", "cache"], {"from": "cache", "to": "hit", "when": "hit"},
             {"from": "cache", "to": "miss", "when": "miss"}]
    assert uncovered(make_model(cache, edges)) == (
        "node 'cache': kind 'cache' (a lookup of each request's key) is not compiled")


def test_broadcasts_beyond_the_kernels_room_are_named():
    """The kernel grows its tables between events: a broadcast in a cycle of routers
    (copies without bound at one instant) and a fork tree wider than its room
    (3 ** 7 = 2,187 copies) are refused; the same tree three levels shallower is not."""
    loop = {"src": {"kind": "sender", "rate": 1.0},
            "r": {"kind": "router", "routing": "broadcast"}, "back": {"kind": "router"},
            "s": BASE["s"]}
    edges = [["src", "r"], ["r", "s"], ["r", "back"], {"from": "back", "to": "r", "p": 0.5},
             {"from": "back", "to": "s", "p": 0.5}]
    assert uncovered(make_model(loop, edges)) == (
        "a broadcast in a cycle of routers (copies without bound at one instant) is not "
        "compiled")

    def tree(levels):
        nodes, edges, leaves = {"src": {"kind": "sender", "rate": 1.0}}, [["src", "t"]], ["t"]
        for _ in range(levels):
            for name in leaves:
                nodes[name] = {"kind": "router", "routing": "broadcast"}
            leaves = [f"{name}{k}" for name in leaves for k in range(3)]
            edges += [[name[:-1], name] for name in leaves]
        nodes.update({name: BASE["s"] for name in leaves})
        return make_model(nodes, edges)

    assert uncovered(tree(7)) == ("broadcasts making 2,187 copies of one message at one "
                                  "instant are not compiled (the kernel keeps room for "
                                  "2,016)")
    assert uncovered(tree(4)) is None
    from pathlib import Path

    page = (Path(__file__).parents[3] / "docs" / "reference" / "engines.md").read_text()
    assert "more than 2,016 copies at one instant" in " ".join(page.split())


def test_model_level_features_and_traces_are_named():
    shipped = validate(load("models/request_classes.yaml"))
    assert uncovered(shipped) == "request classes are not compiled"
    assert "call edges" in uncovered(validate(load("models/sync_calls.yaml")))
    assert uncovered(_model(), trace=True) == "a trace is written only by the SimPy engine"


def test_auto_weighs_a_batch_of_replications_together():
    """A plan runs a configuration's replications in one process, which loads the
    kernel once: their visits count together."""
    model = _model()
    visits = _visits(model, model.run.merged(duration=100))
    short = model.run.merged(duration=100)
    need = math.ceil(AUTO_MIN_VISITS / visits)        # the smallest batch that pays off
    assert choose_engine(model, short, batch=need - 1).name == "simpy"
    assert f"node visits in {need - 1} replications" in choose_engine(
        model, short, batch=need - 1).reason
    assert choose_engine(model, short, batch=need).name == "compiled"


def test_auto_takes_the_kernel_for_long_covered_runs_and_says_why():
    model = _model()
    short = model.run.merged(duration=100)
    long = model.run.merged(duration=2 * AUTO_MIN_VISITS)
    assert choose_engine(model, short).name == "simpy"
    assert "a short run" in choose_engine(model, short).reason
    assert choose_engine(model, long) == ("compiled",
                                          "the model is covered by the compiled kernel")
    shed = _model(s={"capacity": 2, "shed": {"target": 0.1, "interval": 1.0}})
    assert choose_engine(shed, long.merged()) == (
        "simpy", "node 's': 'shed' is not compiled")


def test_compiled_on_an_uncovered_model_is_refused_with_the_reason():
    model = _model(s={"capacity": 2, "shed": {"target": 0.1, "interval": 1.0}})
    with pytest.raises(ModelError, match=r"the compiled engine cannot run this model: "
                       r"node 's': 'shed' is not compiled"):
        choose_engine(model, model.run.merged(engine="compiled"))
    assert choose_engine(model, model.run.merged(engine="simpy")) == ("simpy", "asked for")


@pytest.mark.parametrize("discipline", ["ps", "preemptive"])
def test_shared_or_preempted_servers_that_also_consume_from_queues_are_refused(discipline):
    nodes = {"a": {"kind": "sender", "rate": 1.0}, "b": {"kind": "sender", "rate": 1.0},
             "q": {"kind": "queue"},
             "s": {"kind": "service", "service": {"dist": "exponential", "mean": 0.3},
                   "discipline": discipline, "inputs": ["q"]}}
    model = make_model(nodes, [["a", "s"], ["b", "q"], ["q", "s"]])
    assert uncovered(model) == (f"node 's': 'discipline: {discipline}' with 'inputs' "
                                "(queues consumed too) is not compiled")
    fed = {key: value for key, value in nodes["s"].items() if key != "inputs"}
    alone = make_model({"a": nodes["a"], "s": fed}, [["a", "s"]])
    assert uncovered(alone) is None


def test_a_misspelt_engine_is_refused_with_a_suggestion():
    with pytest.raises(ModelError, match=r"'run.engine' must be one of auto, simpy, compiled "
                       r"\(got 'compield'\) \(did you mean 'compiled'\?\)"):
        make_model(BASE, [["src", "s"]]).run.merged({"engine": "compield"},
                                                    spelling="run.{key}")


def test_the_reference_page_lists_every_covered_key():
    """docs/reference/engines.md names each key the compiled engine reads."""
    from pathlib import Path

    page = (Path(__file__).parents[3] / "docs" / "reference" / "engines.md").read_text()
    listed = {kind: page.split(f"| {kind} |")[1].split("\n")[0] for kind in COVERED_KEYS}
    implicit = {"name", "kind", "replicas", "has_default", "idempotent", "buffer"}
    for kind, keys in COVERED_KEYS.items():
        for key in keys - implicit:
            assert f"`{key}`" in listed[kind], (kind, key)


def test_every_covered_kind_has_its_reader():
    """The kinds the coverage table admits are exactly the kinds the kernel's results
    are read for (sim.engine.compiled.replication), so no covered kind lacks a reader."""
    from sim.engine.compiled.replication import _RAW

    assert set(_RAW) == set(COVERED_KEYS)
