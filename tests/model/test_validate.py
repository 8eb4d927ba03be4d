"""What validate accepts, and the typed specs it builds."""

from __future__ import annotations

import math

import pytest

from tests.model.model_fixtures import put, request_reply
from sim.model import from_dict, validate
from sim.model.kinds.queue import QueueSpec
from sim.model.kinds.router import RouterSpec
from sim.model.kinds.sender import SenderSpec
from sim.model.kinds.service import ServiceSpec
from sim.model.spec import Backoff, BufferSpec, EdgeSpec, RateLimit, RetrySpec, RunSpec


def build(data):
    return validate(from_dict(data))


def test_spec_example_builds_typed_specs():
    data = request_reply()
    put(data, "nodes.client", {"kind": "sender", "rate": 80, "timeout": 2.0, "retry": {
        "max_attempts": 3, "backoff": {"initial": 0.1, "multiplier": 2, "max": 5},
        "jitter": "full"}})
    put(data, "nodes.worker.error_rate", 0.01)
    model = build(data)
    assert model.name == "request-reply"
    assert [n.name for n in model.nodes] == list(data["nodes"])
    client, requests, worker, responses, callback = model.nodes
    assert client == SenderSpec(name="client", rate=80.0, timeout=2.0, retry=RetrySpec(
        max_attempts=3, backoff=Backoff(initial=0.1, multiplier=2.0, max=5.0), jitter="full"))
    assert requests == QueueSpec(name="requests", buffer=BufferSpec(capacity=100))
    assert isinstance(worker, ServiceSpec)
    assert (worker.servers, worker.inputs, worker.buffer) == (8, ("requests",), None)
    assert worker.service.mean == pytest.approx(0.08)
    assert worker.error_rate == 0.01 and worker.idempotent is True
    assert callback.service.mean == pytest.approx(0.005) and callback.servers == 1
    assert model.edges[0] == EdgeSpec("client", "requests")
    assert model.run == RunSpec(duration=100.0, warmup=0.0, replications=1, seed=3)


def test_model_keeps_the_graph():
    G = from_dict(request_reply())
    assert validate(G).graph is G


def test_run_defaults_when_absent():
    data = request_reply()
    del data["run"]
    assert build(data).run == RunSpec()


def test_warmup_auto():
    assert build(put(request_reply(), "run.warmup", "auto")).run.warmup == "auto"


@pytest.mark.parametrize("value", [math.inf, "inf", ".inf", "Infinity"])
def test_servers_and_capacity_accept_inf(value):
    data = put(request_reply(), "nodes.worker.servers", value)
    put(data, "nodes.requests.capacity", value)
    model = build(data)
    assert model.node("worker").servers == math.inf
    assert model.node("requests").buffer.capacity == math.inf


def test_integral_floats_become_ints():
    model = build(put(request_reply(), "nodes.worker.servers", 8.0))
    assert model.node("worker").servers == 8 and isinstance(model.node("worker").servers, int)


def test_capacity_zero_is_a_loss_system():
    assert build(put(request_reply(), "nodes.requests.capacity", 0)).node(
        "requests").buffer.capacity == 0


def test_service_fed_directly_has_its_own_buffer():
    data = request_reply()
    data["nodes"]["worker"].update(capacity=5, overflow="block", discipline="priority", ttl=2)
    data["edges"][0:2] = [["client", "worker"]]
    del data["nodes"]["requests"]
    worker = build(data).node("worker")
    assert worker.inputs == ()
    assert worker.buffer == BufferSpec(capacity=5, overflow="block", discipline="priority", ttl=2)


def test_service_fed_by_queues_and_directly_has_both():
    data = request_reply()
    data["edges"].append(["client", "worker"])
    worker = build(data).node("worker")
    assert worker.inputs == ("requests",)
    assert worker.buffer == BufferSpec()


def _two_queues(inputs=None):
    data = request_reply()
    data["nodes"]["urgent"] = {"kind": "queue"}
    data["edges"] += [["client", "urgent"], ["urgent", "worker"]]
    if inputs is not None:
        data["nodes"]["worker"]["inputs"] = inputs
    return data


def test_inputs_default_to_edge_order():
    assert build(_two_queues()).node("worker").inputs == ("requests", "urgent")


def test_inputs_order_is_priority_order():
    assert build(_two_queues(["urgent", "requests"])).node("worker").inputs == (
        "urgent", "requests")


def test_edges_keep_model_order_across_sources():
    data = request_reply()
    data["edges"] = [data["edges"][i] for i in (3, 1, 0, 2)]
    model = build(data)
    assert [(e.source, e.target) for e in model.edges] == [
        ("responses", "callback"), ("requests", "worker"), ("client", "requests"),
        ("worker", "responses")]


def test_routing_probabilities_within_tolerance():
    data = request_reply()
    data["nodes"]["audit"] = {"kind": "service", "service": 0.01}
    data["edges"][2] = ["worker", "responses", 0.1]
    data["edges"] += [["worker", "callback", 0.2], ["worker", "audit", 0.7]]
    model = build(data)  # 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floating point
    assert [e.p for e in model.out_edges("worker")] == [0.1, 0.2, 0.7]


def test_equal_split_when_no_p():
    data = request_reply()
    data["edges"].append(["worker", "callback"])
    data["nodes"]["worker"]["routing"] = "least_loaded"
    model = build(data)
    assert [e.p for e in model.out_edges("worker")] == [None, None]
    assert model.node("worker").routing == "least_loaded"


def test_cycle_with_an_exit_is_allowed():
    data = request_reply()
    data["edges"][2] = ["worker", "responses", 0.9]
    data["edges"].append(["worker", "requests", 0.1])
    assert len(build(data).edges) == 5


def test_router_without_edges_is_a_sink():
    data = request_reply()
    data["nodes"]["gateway"] = {"kind": "router", "rate_limit": {"rate": 100, "burst": 20}}
    data["edges"][0] = ["client", "gateway"]
    model = build(data)
    assert model.node("gateway") == RouterSpec(name="gateway", rate_limit=RateLimit(100.0, 20.0))
    assert model.is_sink("gateway")


def test_rate_limit_burst_defaults_to_one():
    model = build(put(request_reply(), "nodes.client.rate_limit", {"rate": 5}))
    assert model.node("client").rate_limit == RateLimit(rate=5.0, burst=1.0)


def test_closed_sender_with_think():
    model = build(put(request_reply(), "nodes.client",
                      {"kind": "sender", "clients": 20, "think": {"dist": "exponential",
                                                                  "mean": 1}}))
    client = model.node("client")
    assert client.is_closed and client.clients == 20 and client.think.mean == pytest.approx(1)


def test_open_sender_with_profile_and_period():
    data = put(request_reply(), "nodes.client.profile", [[0, 1], [60, 2.5], [60, 0]])
    put(data, "nodes.client.period", 120)
    client = build(data).node("client")
    assert client.profile == ((0.0, 1.0), (60.0, 2.5), (60.0, 0.0)) and client.period == 120.0


def test_trace_list_and_csv_file(tmp_path):
    (tmp_path / "arrivals.csv").write_text("time,size\n0.0,1\n\n0.5,2\n0.5,1\n2.25,3\n")
    data = put(request_reply(), "nodes.client", {"kind": "sender", "trace": "arrivals.csv"})
    from_file = validate(from_dict(data, base_dir=tmp_path)).node("client")
    assert from_file.trace == (0.0, 0.5, 0.5, 2.25)
    put(data, "nodes.client.trace", [0, 0.5, 0.5, 2.25])
    assert build(data).node("client").trace == from_file.trace


def test_availability_and_latencies():
    data = put(request_reply(), "nodes.worker.availability",
               {"mtbf": {"dist": "exponential", "mean": 1000}, "mttr": 30})
    put(data, "nodes.requests.latency", 0.002)
    put(data, "edges.0", {"from": "client", "to": "requests", "latency": 0.01})
    model = build(data)
    assert model.node("worker").availability.mtbf.mean == pytest.approx(1000)
    assert model.node("requests").buffer.latency.mean == pytest.approx(0.002)
    assert model.edges[0].latency.mean == pytest.approx(0.01)


def test_description_on_nodes_and_model():
    data = put(request_reply(), "nodes.worker.description", "the pool")
    data["description"] = "a model"
    assert build(data).description == "a model"
