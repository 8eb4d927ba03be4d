"""The failure-handling keys: retry budget, circuit breaker, queue delivery and
partitions, autoscaling. What is accepted (and the specs built), one refusal per
rule naming node, key and value, and the keys' round trip through files."""

from __future__ import annotations

import json
import math

import pytest

from tests.model.model_fixtures import put, refused, request_reply
from sim.model import from_dict, load, save, to_dict, validate
from sim.model.kinds.queue import DELIVERY_MODES
from sim.model.kinds.service import AUTOSCALE_METRICS
from sim.model.spec import (Autoscale, BufferSpec, CircuitBreaker, Delivery, RetryBudget,
                            RetrySpec)


def build(data):
    return validate(from_dict(data))


def with_keys():
    """request_reply with every new key set to a non-default value."""
    data = request_reply()
    put(data, "nodes.client.retry", {"max_attempts": 3, "jitter": "full",
                                     "budget": {"ratio": 0.2, "min_per_second": 1,
                                                "window": 5}})
    put(data, "nodes.client.circuit_breaker", {"failure_ratio": 0.25, "window": 30,
                                               "min_calls": 5, "cooldown": 2, "probes": 3})
    put(data, "nodes.requests.delivery", {"mode": "at_least_once", "visibility_timeout": 4,
                                          "max_receives": 2})
    put(data, "nodes.responses.partitions", 4)
    put(data, "nodes.worker.autoscale", {"metric": "queue_length", "target": 5, "min": 2,
                                         "max": 16, "interval": 10, "cooldown": 0,
                                         "startup": 3})
    return data


# -- accepted ----------------------------------------------------------------------------

def test_every_key_builds_its_spec():
    model = build(with_keys())
    client = model.node("client")
    assert client.retry == RetrySpec(max_attempts=3, jitter="full", budget=RetryBudget(
        ratio=0.2, min_per_second=1.0, window=5.0))
    assert client.circuit_breaker == CircuitBreaker(failure_ratio=0.25, window=30.0,
                                                    min_calls=5, cooldown=2.0, probes=3)
    assert model.node("requests").buffer == BufferSpec(
        capacity=100, delivery=Delivery("at_least_once", visibility_timeout=4.0,
                                        max_receives=2))
    assert model.node("responses").buffer == BufferSpec(partitions=4)
    assert model.node("worker").autoscale == Autoscale(
        metric="queue_length", target=5.0, min=2, max=16, interval=10.0, cooldown=0.0,
        startup=3.0)


def test_values_are_plain_numbers():
    model = build(with_keys())
    breaker = model.node("client").circuit_breaker
    assert type(breaker.min_calls) is int and type(breaker.window) is float
    assert type(model.node("responses").buffer.partitions) is int
    assert type(model.node("worker").autoscale.max) is int


def test_empty_mappings_take_the_spec_defaults():
    data = put(request_reply(), "nodes.client.retry", {"max_attempts": 2, "budget": {}})
    put(data, "nodes.client.circuit_breaker", {})
    put(data, "nodes.requests.delivery", {})
    put(data, "nodes.worker.autoscale", {"max": 8})
    model = build(data)
    assert model.node("client").retry.budget == RetryBudget()
    assert model.node("client").circuit_breaker == CircuitBreaker()
    assert model.node("requests").buffer.delivery == Delivery()
    assert model.node("worker").autoscale == Autoscale(max=8)


def test_absent_keys_leave_none():
    model = build(request_reply())
    assert model.node("client").retry.budget is None
    assert model.node("client").circuit_breaker is None
    assert model.node("requests").buffer == BufferSpec(capacity=100)
    assert model.node("worker").autoscale is None


def test_edges_of_the_ranges_are_accepted():
    data = put(request_reply(), "nodes.client.retry",
               {"max_attempts": 2, "budget": {"ratio": 0, "min_per_second": 0}})
    put(data, "nodes.client.circuit_breaker", {"failure_ratio": 1, "min_calls": 1.0})
    put(data, "nodes.requests.partitions", 1)
    put(data, "nodes.worker.autoscale", {"min": 8, "max": 8, "target": 1, "startup": 0})
    model = build(data)
    assert model.node("client").retry.budget.ratio == 0.0
    assert model.node("client").circuit_breaker.failure_ratio == 1.0
    assert model.node("client").circuit_breaker.min_calls == 1
    assert model.node("requests").buffer.partitions == 1
    assert (model.node("worker").servers, model.node("worker").autoscale.target) == (8, 1.0)


def test_partitions_with_at_most_once_and_fifo():
    data = put(request_reply(), "nodes.requests.partitions", 3)
    put(data, "nodes.requests.delivery", {"mode": "at_most_once"})
    put(data, "nodes.requests.discipline", "fifo")
    assert build(data).node("requests").buffer.partitions == 3


def test_autoscale_on_a_service_with_its_own_buffer():
    data = put(request_reply(), "nodes.callback.autoscale", {"min": 1, "max": 4})
    data["edges"][3] = ["worker", "callback"]
    del data["nodes"]["responses"]
    data["edges"][2:3] = []
    callback = build(data).node("callback")
    assert callback.buffer == BufferSpec() and callback.autoscale == Autoscale(max=4)


def test_choices_follow_the_spec_literals():
    assert DELIVERY_MODES == ("at_most_once", "at_least_once")
    assert AUTOSCALE_METRICS == ("utilization", "queue_length")


# -- refused -----------------------------------------------------------------------------

def case(id_, path, value, *fragments):
    return pytest.param(path, value, fragments, id=id_)


def retry(**budget):
    return {"max_attempts": 3, "budget": budget}


REFUSALS = [
    # retry.budget
    case("budget-not-mapping", "nodes.client.retry", {"max_attempts": 3, "budget": 0.1},
         "node 'client': 'retry.budget' must be a mapping (got 0.1)"),
    case("budget-ratio-negative", "nodes.client.retry", retry(ratio=-0.1),
         "node 'client': 'retry.budget.ratio' must be a non-negative number (got -0.1)"),
    case("budget-ratio-inf", "nodes.client.retry", retry(ratio=math.inf),
         "node 'client': 'retry.budget.ratio' must be a non-negative number (got inf)"),
    case("budget-min-per-second-negative", "nodes.client.retry", retry(min_per_second=-1),
         "node 'client': 'retry.budget.min_per_second' must be a non-negative number (got -1)"),
    case("budget-window-zero", "nodes.client.retry", retry(window=0),
         "node 'client': 'retry.budget.window' must be a positive number (got 0)"),
    case("budget-misspelt", "nodes.client.retry", retry(ration=0.1),
         "node 'client': unknown key 'retry.budget.ration' (did you mean 'ratio'?)"),
    case("budget-unknown-no-hint", "nodes.client.retry", retry(colour=1),
         "node 'client': unknown key 'retry.budget.colour'",
         "budget takes ratio, min_per_second, window"),
    # circuit_breaker
    case("breaker-not-mapping", "nodes.client.circuit_breaker", True,
         "node 'client': 'circuit_breaker' must be a mapping (got True)"),
    case("breaker-ratio-zero", "nodes.client.circuit_breaker", {"failure_ratio": 0},
         "node 'client': 'circuit_breaker.failure_ratio' must be a number in (0, 1] (got 0)"),
    case("breaker-ratio-above-one", "nodes.client.circuit_breaker", {"failure_ratio": 1.5},
         "node 'client': 'circuit_breaker.failure_ratio' must be a number in (0, 1] (got 1.5)"),
    case("breaker-ratio-nan", "nodes.client.circuit_breaker", {"failure_ratio": math.nan},
         "'circuit_breaker.failure_ratio'", "(got nan)"),
    case("breaker-window-zero", "nodes.client.circuit_breaker", {"window": 0},
         "node 'client': 'circuit_breaker.window' must be a positive number (got 0)"),
    case("breaker-min-calls-zero", "nodes.client.circuit_breaker", {"min_calls": 0},
         "node 'client': 'circuit_breaker.min_calls' must be a positive integer (got 0)"),
    case("breaker-min-calls-fraction", "nodes.client.circuit_breaker", {"min_calls": 2.5},
         "node 'client': 'circuit_breaker.min_calls' must be a positive integer (got 2.5)"),
    case("breaker-cooldown-zero", "nodes.client.circuit_breaker", {"cooldown": 0},
         "node 'client': 'circuit_breaker.cooldown' must be a positive number (got 0)"),
    case("breaker-probes-zero", "nodes.client.circuit_breaker", {"probes": 0},
         "node 'client': 'circuit_breaker.probes' must be a positive integer (got 0)"),
    case("breaker-misspelt", "nodes.client.circuit_breaker", {"cooldwn": 5},
         "node 'client': unknown key 'circuit_breaker.cooldwn' (did you mean 'cooldown'?)"),
    case("breaker-on-a-router", "nodes.gateway", {"kind": "router", "circuit_breaker": {}},
         "node 'gateway': unknown key 'circuit_breaker' for a router (it applies to a sender)"),
    case("circuit-breaker-misspelt", "nodes.client.circuit_braker", {},
         "node 'client': unknown key 'circuit_braker' (did you mean 'circuit_breaker'?)"),
    # queue delivery
    case("delivery-not-mapping", "nodes.requests.delivery", "at_least_once",
         "node 'requests': 'delivery' must be a mapping (got 'at_least_once')"),
    case("delivery-mode-misspelt", "nodes.requests.delivery", {"mode": "at_least_one"},
         "node 'requests': 'delivery.mode' must be one of at_most_once | at_least_once",
         "(got 'at_least_one')", "(did you mean 'at_least_once'?)"),
    case("delivery-visibility-zero", "nodes.requests.delivery",
         {"mode": "at_least_once", "visibility_timeout": 0},
         "node 'requests': 'delivery.visibility_timeout' must be a positive number (got 0)"),
    case("delivery-max-receives-zero", "nodes.requests.delivery",
         {"mode": "at_least_once", "max_receives": 0},
         "node 'requests': 'delivery.max_receives' must be a positive integer (got 0)"),
    case("delivery-misspelt", "nodes.requests.delivery", {"mod": "at_least_once"},
         "node 'requests': unknown key 'delivery.mod' (did you mean 'mode'?)"),
    case("delivery-redelivery-keys-at-most-once", "nodes.requests.delivery",
         {"visibility_timeout": 60},
         "node 'requests': 'delivery.visibility_timeout' only applies when 'delivery.mode' is "
         "at_least_once (it is at_most_once by default) (got 60)"),
    case("delivery-on-a-service-own-buffer", "nodes.worker.delivery", {"mode": "at_least_once"},
         "node 'worker': 'delivery' only applies to a queue, not to a service's own buffer",
         "(got {'mode': 'at_least_once'})"),
    case("delivery-on-a-sender", "nodes.client.delivery", {},
         "node 'client': unknown key 'delivery' for a sender (it applies to a queue)"),
    # queue partitions
    case("partitions-zero", "nodes.requests.partitions", 0,
         "node 'requests': 'partitions' must be a positive integer (got 0)"),
    case("partitions-inf", "nodes.requests.partitions", "inf",
         "node 'requests': 'partitions' must be a positive integer (got 'inf')"),
    case("partitions-fraction", "nodes.requests.partitions", 1.5,
         "node 'requests': 'partitions' must be a positive integer (got 1.5)"),
    case("partitions-on-a-service-own-buffer", "nodes.worker.partitions", 4,
         "node 'worker': 'partitions' only applies to a queue, not to a service's own buffer",
         "(got 4)"),
    case("partitions-misspelt", "nodes.requests.partitons", 4,
         "node 'requests': unknown key 'partitons' (did you mean 'partitions'?)"),
    # autoscale
    case("autoscale-not-mapping", "nodes.worker.autoscale", 4,
         "node 'worker': 'autoscale' must be a mapping (got 4)"),
    case("autoscale-metric-misspelt", "nodes.worker.autoscale", {"metric": "utilisation"},
         "node 'worker': 'autoscale.metric' must be one of utilization | queue_length",
         "(got 'utilisation')", "(did you mean 'utilization'?)"),
    case("autoscale-target-zero", "nodes.worker.autoscale", {"target": 0},
         "node 'worker': 'autoscale.target' must be a positive number (got 0)"),
    case("autoscale-target-percent", "nodes.worker.autoscale", {"target": 70},
         "node 'worker': 'autoscale.target' must be a utilization in (0, 1] when "
         "'autoscale.metric' is utilization", "(got 70)"),
    case("autoscale-min-zero", "nodes.worker.autoscale", {"min": 0},
         "node 'worker': 'autoscale.min' must be a positive integer (got 0)"),
    case("autoscale-max-below-min", "nodes.worker.autoscale", {"min": 8, "max": 4},
         "node 'worker': 'autoscale.max' must be an integer >= 'autoscale.min' (8) (got 4)"),
    case("autoscale-default-max-below-min", "nodes.worker.autoscale", {"min": 200},
         "node 'worker': 'autoscale.max' must be an integer >= 'autoscale.min' (200) "
         "(it defaults to 100 when not given) (got 100)"),
    case("autoscale-interval-zero", "nodes.worker.autoscale", {"interval": 0},
         "node 'worker': 'autoscale.interval' must be a positive number (got 0)"),
    case("autoscale-cooldown-negative", "nodes.worker.autoscale", {"cooldown": -1},
         "node 'worker': 'autoscale.cooldown' must be a non-negative number (got -1)"),
    case("autoscale-startup-negative", "nodes.worker.autoscale", {"startup": -0.5},
         "node 'worker': 'autoscale.startup' must be a non-negative number (got -0.5)"),
    case("autoscale-misspelt", "nodes.worker.autoscale", {"maxx": 4},
         "node 'worker': unknown key 'autoscale.maxx' (did you mean 'max'?)"),
    case("autoscale-on-a-queue", "nodes.requests.autoscale", {},
         "node 'requests': unknown key 'autoscale' for a queue (it applies to a service)"),
]


@pytest.mark.parametrize("path, value, fragments", REFUSALS)
def test_refused(path, value, fragments):
    refused(put(request_reply(), path, value), *fragments)


@pytest.mark.parametrize("servers", [math.inf, "inf", ".inf"])
def test_autoscale_refused_on_unbounded_servers(servers):
    data = put(request_reply(), "nodes.worker.servers", servers)
    put(data, "nodes.worker.autoscale", {"max": 10})
    refused(data, "node 'worker': 'servers' must be a positive integer when 'autoscale' is "
                  "given", "nothing to scale", f"(got {servers!r})")


@pytest.mark.parametrize("servers, bounds", [(8, (10, 20)), (8, (2, 4))])
def test_autoscale_refuses_initial_servers_outside_min_max(servers, bounds):
    data = put(request_reply(), "nodes.worker.autoscale", {"min": bounds[0], "max": bounds[1]})
    refused(data, "node 'worker': 'servers' is the initial count of an autoscaled pool",
            f"within 'autoscale.min' ({bounds[0]}) and 'autoscale.max' ({bounds[1]})",
            f"(got {servers})")


def test_autoscale_refuses_default_servers_below_min():
    data = request_reply()
    put(data, "nodes.callback.autoscale", {"min": 2, "max": 4})
    refused(data, "node 'callback': 'servers' is the initial count",
            "'autoscale.min' (2) and 'autoscale.max' (4) (it defaults to 1 when not given)",
            "(got 1)")


def test_partitions_refused_with_at_least_once():
    data = put(request_reply(), "nodes.requests.partitions", 4)
    put(data, "nodes.requests.delivery", {"mode": "at_least_once"})
    refused(data, "node 'requests': 'partitions' cannot be combined with "
                  "'delivery.mode: at_least_once' on the same queue", "engine limitation",
            "(got 4)")


@pytest.mark.parametrize("discipline", ["lifo", "priority"])
def test_partitions_refused_with_a_non_fifo_discipline(discipline):
    data = put(request_reply(), "nodes.requests.partitions", 2)
    put(data, "nodes.requests.discipline", discipline)
    refused(data, f"node 'requests': 'partitions' cannot be combined with 'discipline: "
                  f"{discipline}'", "engine limitation", "fifo order only", "(got 2)")


# -- round trips -------------------------------------------------------------------------

def test_to_dict_keeps_the_new_keys():
    data = with_keys()
    assert to_dict(from_dict(data)) == data


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_file_round_trip(tmp_path, suffix):
    G = from_dict(with_keys())
    save(G, tmp_path / f"m{suffix}")
    if suffix == ".json":
        raw = json.loads((tmp_path / "m.json").read_text())
        assert raw["nodes"]["worker"]["autoscale"]["metric"] == "queue_length"
    H = load(tmp_path / f"m{suffix}")
    assert to_dict(H) == to_dict(G)
    assert validate(H) == validate(G)
