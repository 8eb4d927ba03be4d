"""The kind declarations (sim.model.kinds): every kind declared, every key described,
defaults equal to the specs', and the refusals the tables and the kinds' rules add:
routing keys on a queue, sizes that cannot fit, loops with no exit along p > 0."""

from __future__ import annotations

import dataclasses
import math
import pickle

import pytest

from tests.model.model_fixtures import put, refused, request_reply
from sim.model import from_dict, validate
from sim.model.keys import Key, Kind
from sim.model.kinds import KIND_NAMES, KINDS
from sim.model.spec import (Autoscale, Backoff, CircuitBreaker, Delivery, RateLimit,
                            RetryBudget, RetrySpec)


def walk(keys: tuple[Key, ...], prefix: str = ""):
    """Every key of a table, nested ones included, with its dotted path."""
    for key in keys:
        yield prefix + key.name, key
        yield from walk(key.keys, f"{prefix}{key.name}.")


# -- the registry ------------------------------------------------------------------------

def test_every_kind_name_has_a_declaration_in_order():
    assert tuple(KINDS) == KIND_NAMES
    for name in KIND_NAMES:
        assert isinstance(KINDS[name], Kind) and KINDS[name].name == name


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_key_is_described(kind):
    for path, key in walk(KINDS[kind].keys):
        assert key.description.strip(), f"{kind}: key {path!r} has no description"
        assert key.type != "mapping" or key.keys, f"{kind}: mapping {path!r} has no keys"
        assert key.type != "choice" or key.choices, f"{kind}: choice {path!r} has no choices"


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_starts_with_kind_and_description(kind):
    assert KINDS[kind].key_names[:2] == ("kind", "description")
    assert KINDS[kind].summary.strip()


NESTED_SPECS = [("sender", "retry", RetrySpec), ("sender", "retry.backoff", Backoff),
                ("sender", "retry.budget", RetryBudget),
                ("sender", "circuit_breaker", CircuitBreaker),
                ("sender", "rate_limit", RateLimit), ("queue", "delivery", Delivery),
                ("service", "autoscale", Autoscale)]


@pytest.mark.parametrize("kind, path, cls", NESTED_SPECS)
def test_nested_tables_match_their_spec_fields_and_defaults(kind, path, cls):
    """The table and the frozen spec cannot drift: same keys, same defaults."""
    table = dict(walk(KINDS[kind].keys))[path]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert set(fields) == {k.name for k in table.keys}
    for key in table.keys:
        default = fields[key.name].default
        if default is not dataclasses.MISSING and default is not None and not key.required:
            assert key.default == default, f"{path}.{key.name}"


# -- routing keys on a queue --------------------------------------------------------------

def test_routing_on_a_queue_is_refused_with_the_reason():
    data = put(request_reply(), "nodes.requests.routing", "broadcast")
    refused(data, "node 'requests': 'routing' means nothing on a queue",
            "its consumers compete for its messages", "(got 'broadcast')")


def test_p_on_an_edge_out_of_a_queue_is_refused_with_the_reason():
    data = request_reply()
    put(data, "nodes.other", {"kind": "service", "service": 0.01})
    data["edges"][1] = ["requests", "worker", 0.5]
    data["edges"].append(["requests", "other", 0.5])
    refused(data, "edge 'requests' -> 'worker': 'p' means nothing on an edge out of a queue",
            "compete", "(got 0.5)")


# -- loops with no exit ------------------------------------------------------------------

def router_loop(p_exit: float) -> dict:
    """client -> gw; gw -> spin (1 - p_exit), gw -> worker (p_exit); spin -> gw."""
    data = request_reply()
    put(data, "nodes.gw", {"kind": "router"})
    put(data, "nodes.spin", {"kind": "router"})
    data["edges"][0] = ["client", "gw"]
    data["edges"] += [["gw", "spin", 1 - p_exit], ["gw", "requests", p_exit], ["spin", "gw"]]
    return data


def test_router_cycle_with_p_one_is_refused_naming_a_node_of_the_loop():
    err = refused(router_loop(0.0), "cannot reach a sink", "along edges with p > 0",
                  "'gw' -> 'spin' -> 'gw'", "p = 0 is never taken")
    assert err.node == "gw"


def test_router_cycle_with_an_exit_is_accepted():
    model = validate(from_dict(router_loop(0.25)))
    assert model.node("gw").routing == "probabilistic"


# -- sizes that cannot fit ----------------------------------------------------------------

@pytest.mark.parametrize("path, value, fragments", [
    ("nodes.responses.partitions", 10**9,
     ("node 'responses': 'partitions' must be at most 100000", "own buffer in memory",
      "(got 1000000000)")),
    ("nodes.worker.servers", 10**7,
     ("node 'worker': 'servers' must be at most 1000000", "give inf", "(got 10000000)")),
    ("nodes.worker.autoscale", {"max": 10**9},
     ("node 'worker': 'autoscale.max' must be at most 1000000", "(got 1000000000)")),
])
def test_sizes_that_cannot_fit_are_refused(path, value, fragments):
    refused(put(request_reply(), path, value), *fragments)


def test_clients_beyond_the_bound_are_refused():
    data = put(request_reply(), "nodes.client", {"kind": "sender", "clients": 10**8})
    refused(data, "node 'client': 'clients' must be at most 1000000", "open sender with 'rate'")


def test_the_largest_sizes_allowed_still_validate():
    data = put(request_reply(), "nodes.responses.partitions", 100_000)
    put(data, "nodes.worker.servers", 10**6)
    assert validate(from_dict(data)).node("worker").servers == 10**6


# -- attribute names that networkx's add_node takes as its own arguments -----------------

@pytest.mark.parametrize("key", ["self", "node_for_adding"])
def test_keys_named_like_add_node_arguments_are_unknown_keys(key):
    refused(put(request_reply(), f"nodes.worker.{key}", 1),
            f"node 'worker': unknown key {key!r}")


# -- the validated model's indexes -------------------------------------------------------

def test_model_lookups_agree_with_a_scan_of_the_edges():
    model = validate(from_dict(router_loop(0.5)))
    for spec in model.nodes:
        assert model.node(spec.name) is spec
        assert model.out_edges(spec.name) == tuple(e for e in model.edges
                                                   if e.source == spec.name)
        assert model.in_edges(spec.name) == tuple(e for e in model.edges
                                                  if e.target == spec.name)
        assert model.is_sink(spec.name) == (not model.out_edges(spec.name))
    assert model.out_edges("nowhere") == () and model.in_edges("nowhere") == ()
    with pytest.raises(KeyError):
        model.node("nowhere")


def test_model_indexes_survive_replace_and_pickle():
    model = validate(from_dict(request_reply()))
    fewer = dataclasses.replace(model, edges=model.edges[:1])
    assert fewer.is_sink("requests") and not model.is_sink("requests")
    copy = pickle.loads(pickle.dumps(dataclasses.replace(model, graph=None)))
    assert copy == dataclasses.replace(model, graph=None)
    assert copy.out_edges("client") == model.out_edges("client")
    assert math.isinf(copy.node("responses").buffer.capacity)
