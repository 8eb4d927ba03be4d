"""One test per refusal of an invalid model: the message names the node or edge, the key, the
value, and the nearest valid key or choice for a typo (ARCHITECTURE guideline 3)."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from tests.model.model_fixtures import put, refused, request_reply
from sim.errors import ModelError
from sim.model import from_dict, validate


def case(id_, mutate, *fragments):
    return pytest.param(mutate, fragments, id=id_)


def node(name, **attrs):
    """Mutation replacing node ``name``'s attributes."""
    return lambda d: d["nodes"].__setitem__(name, attrs)


def setting(path, value):
    return lambda d: put(d, path, value)


def dropping(name, key):
    return lambda d: d["nodes"][name].pop(key)


def adding(*edges):
    return lambda d: d["edges"].extend(edges)


def all_of(*mutations):
    def mutate(d):
        for m in mutations:
            m(d)
    return mutate


KIND_AND_KEYS = [
    case("unknown-kind", setting("nodes.worker.kind", "servise"),
         "node 'worker': 'kind' must be one of sender | queue | service | router",
         "(got 'servise')", "(did you mean 'service'?)"),
    case("kind-missing", dropping("worker", "kind"), "node 'worker': 'kind' is required"),
    case("kind-not-a-string", setting("nodes.worker.kind", 3), "node 'worker': 'kind'",
         "(got 3)"),
    case("misspelt-key", setting("nodes.worker.sevrers", 8),
         "node 'worker': unknown key 'sevrers' (did you mean 'servers'?)"),
    case("misspelt-sender-key", setting("nodes.client.timout", 2),
         "node 'client': unknown key 'timout' (did you mean 'timeout'?)"),
    case("key-of-another-kind", setting("nodes.requests.servers", 2),
         "node 'requests': unknown key 'servers' for a queue (it applies to a service)"),
    case("unknown-key-no-hint", setting("nodes.client.colour", "red"),
         "node 'client': unknown key 'colour'", "a sender takes kind, description, rate"),
    case("description-not-string", setting("nodes.worker.description", 5),
         "node 'worker': 'description' must be a string (got 5)"),
    case("service-missing", dropping("worker", "service"),
         "node 'worker': 'service' is required on a service"),
    case("sender-without-arrivals", dropping("client", "rate"),
         "node 'client': a sender needs one of 'rate', 'interarrival', 'clients' or 'trace'"),
    case("sender-two-arrivals", setting("nodes.client.clients", 5),
         "node 'client': 'clients' cannot be given with 'rate'", "exactly one", "(got 5)"),
    case("no-sender", all_of(lambda d: d["nodes"].pop("client"), lambda d: d["edges"].pop(0)),
         "model: has no sender"),
]

NUMBERS = [
    case("servers-negative", setting("nodes.worker.servers", -2),
         "node 'worker': 'servers' must be a positive integer or inf (got -2)"),
    case("servers-zero", setting("nodes.worker.servers", 0), "'servers'", "(got 0)"),
    case("servers-fraction", setting("nodes.worker.servers", 2.5),
         "node 'worker': 'servers'", "(got 2.5)"),
    case("servers-bool", setting("nodes.worker.servers", True), "'servers'", "(got True)"),
    case("servers-nan", setting("nodes.worker.servers", math.nan), "'servers'", "(got nan)"),
    case("servers-word", setting("nodes.worker.servers", "many"), "'servers'", "(got 'many')"),
    case("rate-negative", setting("nodes.client.rate", -1),
         "node 'client': 'rate' must be a positive number (got -1)"),
    case("rate-zero", setting("nodes.client.rate", 0), "'rate'", "(got 0)"),
    case("rate-inf", setting("nodes.client.rate", math.inf), "node 'client': 'rate'", "(got inf)"),
    case("rate-inf-word", setting("nodes.client.rate", "inf"), "'rate'", "(got 'inf')"),
    case("rate-nan", setting("nodes.client.rate", math.nan), "'rate'", "(got nan)"),
    case("rate-bool", setting("nodes.client.rate", True), "'rate'", "(got True)"),
    case("rate-string", setting("nodes.client.rate", "80"), "'rate'", "(got '80')"),
    case("capacity-negative", setting("nodes.requests.capacity", -1),
         "node 'requests': 'capacity' must be a non-negative integer or inf (got -1)"),
    case("capacity-fraction", setting("nodes.requests.capacity", 1.5), "'capacity'", "(got 1.5)"),
    case("capacity-minus-inf", setting("nodes.requests.capacity", -math.inf), "'capacity'",
         "(got -inf)"),
    case("clients-zero", node("client", kind="sender", clients=0),
         "node 'client': 'clients' must be a positive integer (got 0)"),
    case("clients-inf", node("client", kind="sender", clients="inf"), "'clients'", "(got 'inf')"),
    case("error-rate-above-one", setting("nodes.worker.error_rate", 1.5),
         "node 'worker': 'error_rate' must be a probability in [0, 1] (got 1.5)"),
    case("error-rate-negative", setting("nodes.worker.error_rate", -0.1), "'error_rate'",
         "(got -0.1)"),
    case("timeout-zero", setting("nodes.client.timeout", 0),
         "node 'client': 'timeout' must be a positive number (got 0)"),
    case("timeout-inf", setting("nodes.client.timeout", math.inf), "'timeout'", "(got inf)"),
    case("ttl-negative", setting("nodes.requests.ttl", -1),
         "node 'requests': 'ttl' must be a positive number (got -1)"),
    case("priority-negative", setting("nodes.client.priority", -1),
         "node 'client': 'priority' must be a non-negative integer (got -1)"),
    case("priority-fraction", setting("nodes.client.priority", 1.5), "'priority'", "(got 1.5)"),
    case("idempotent-number", setting("nodes.worker.idempotent", 1),
         "node 'worker': 'idempotent' must be true or false (got 1)"),
    case("interarrival-zero-mean", node("client", kind="sender", interarrival=0),
         "node 'client': 'interarrival' must be a distribution with a positive mean"),
    case("service-misspelt-dist", setting("nodes.worker.service", {"dist": "exponental"}),
         "node 'worker': 'service.dist'", "(did you mean 'exponential'?)"),
    case("service-negative", setting("nodes.worker.service", -1), "node 'worker': 'service'",
         "(got -1)"),
    case("queue-latency-negative", setting("nodes.requests.latency", -1),
         "node 'requests': 'latency'", "(got -1)"),
]

CHOICES = [
    case("overflow-misspelt", setting("nodes.requests.overflow", "rejct"),
         "node 'requests': 'overflow' must be one of reject | drop_oldest | block",
         "(got 'rejct')", "(did you mean 'reject'?)"),
    case("discipline-upper-case", setting("nodes.requests.discipline", "LIFO"),
         "node 'requests': 'discipline'", "(got 'LIFO')", "(did you mean 'lifo'?)"),
    case("routing-misspelt", setting("nodes.worker.routing", "round-robin"),
         "node 'worker': 'routing'", "(did you mean 'round_robin'?)"),
    case("jitter-misspelt", setting("nodes.client.retry", {"max_attempts": 3, "jitter": "ful"}),
         "node 'client': 'retry.jitter' must be one of none | full | equal | decorrelated",
         "(did you mean 'full'?)"),
]

NESTED = [
    case("retry-not-mapping", setting("nodes.client.retry", 3),
         "node 'client': 'retry' must be a mapping (got 3)"),
    case("retry-misspelt", setting("nodes.client.retry", {"max_attemps": 3}),
         "node 'client': unknown key 'retry.max_attemps' (did you mean 'max_attempts'?)"),
    case("retry-attempts-zero", setting("nodes.client.retry", {"max_attempts": 0}),
         "node 'client': 'retry.max_attempts' must be a positive integer (got 0)"),
    case("retry-attempts-missing", setting("nodes.client.retry", {"jitter": "full"}),
         "node 'client': 'retry.max_attempts' is required"),
    case("backoff-initial-negative",
         setting("nodes.client.retry", {"max_attempts": 2, "backoff": {"initial": -1}}),
         "node 'client': 'retry.backoff.initial' must be a non-negative number (got -1)"),
    case("backoff-initial-missing",
         setting("nodes.client.retry", {"max_attempts": 2, "backoff": {"multiplier": 2}}),
         "node 'client': 'retry.backoff.initial' is required"),
    case("backoff-multiplier-below-one",
         setting("nodes.client.retry",
                 {"max_attempts": 2, "backoff": {"initial": 0.1, "multiplier": 0.5}}),
         "node 'client': 'retry.backoff.multiplier' must be a number >= 1 (got 0.5)"),
    case("backoff-max-negative",
         setting("nodes.client.retry", {"max_attempts": 2, "backoff": {"initial": 1, "max": -1}}),
         "'retry.backoff.max'", "(got -1)"),
    case("backoff-misspelt",
         setting("nodes.client.retry",
                 {"max_attempts": 2, "backoff": {"initial": 1, "multipler": 2}}),
         "node 'client': unknown key 'retry.backoff.multipler' (did you mean 'multiplier'?)"),
    case("rate-limit-rate-zero", setting("nodes.client.rate_limit", {"rate": 0}),
         "node 'client': 'rate_limit.rate' must be a positive number (got 0)"),
    case("rate-limit-burst-below-one",
         setting("nodes.client.rate_limit", {"rate": 1, "burst": 0.5}),
         "node 'client': 'rate_limit.burst' must be a number >= 1 (got 0.5)"),
    case("rate-limit-misspelt", setting("nodes.client.rate_limit", {"rate": 1, "brust": 2}),
         "node 'client': unknown key 'rate_limit.brust' (did you mean 'burst'?)"),
    case("rate-limit-not-mapping", setting("nodes.client.rate_limit", 10),
         "node 'client': 'rate_limit' must be a mapping (got 10)"),
    case("availability-mttr-missing", setting("nodes.worker.availability", {"mtbf": 100}),
         "node 'worker': 'availability.mttr' is required"),
    case("availability-zero-mean", setting("nodes.worker.availability", {"mtbf": 0, "mttr": 1}),
         "node 'worker': 'availability.mtbf' must be a distribution with a positive mean"),
    case("availability-misspelt",
         setting("nodes.worker.availability", {"mtfb": 100, "mttr": 1}),
         "node 'worker': unknown key 'availability.mtfb' (did you mean 'mtbf'?)"),
]

SENDERS = [
    case("think-on-open-sender", setting("nodes.client.think", 1),
         "node 'client': 'think' only applies to a closed sender ('clients') (got 1)"),
    case("profile-on-closed-sender", node("client", kind="sender", clients=3, profile=[[0, 1]]),
         "node 'client': 'profile' only applies to an open sender"),
    case("period-without-profile", setting("nodes.client.period", 10),
         "node 'client': 'period' only applies to a sender with a 'profile' (got 10)"),
    case("profile-time-decreasing", setting("nodes.client.profile", [[0, 1], [10, 2], [5, 1]]),
         "node 'client': 'profile.2' must be a step [t, multiplier] with t >= 10",
         "(got [5, 1])"),
    case("profile-time-negative", setting("nodes.client.profile", [[-1, 1]]),
         "node 'client': 'profile.0'", "(got [-1, 1])"),
    case("profile-multiplier-negative", setting("nodes.client.profile", [[0, -1]]),
         "'profile.0'", "multiplier >= 0", "(got [0, -1])"),
    case("profile-empty", setting("nodes.client.profile", []),
         "node 'client': 'profile' must be a non-empty list of [t, multiplier] steps (got [])"),
    case("profile-not-pairs", setting("nodes.client.profile", [[0, 1, 2]]), "'profile.0'",
         "(got [0, 1, 2])"),
    case("period-not-after-profile",
         all_of(setting("nodes.client.profile", [[0, 1], [10, 2]]),
                setting("nodes.client.period", 10)),
         "node 'client': 'period' must be greater than the last time of 'profile' (10) (got 10)"),
    case("trace-decreasing", node("client", kind="sender", trace=[1, 3, 2]),
         "node 'client': 'trace.2' must be a time >= 3", "(got 2)"),
    case("trace-negative", node("client", kind="sender", trace=[-1]), "'trace.0'", "(got -1)"),
    case("trace-empty", node("client", kind="sender", trace=[]),
         "node 'client': 'trace' must hold at least one arrival time"),
    case("trace-not-list", node("client", kind="sender", trace=5),
         "node 'client': 'trace' must be a list of arrival times or the path", "(got 5)"),
    case("trace-file-missing", node("client", kind="sender", trace="nowhere.csv"),
         "node 'client': 'trace' must be a readable CSV file", "(got 'nowhere.csv')"),
]

SERVICES = [
    case("buffer-key-on-queue-fed-service", setting("nodes.worker.capacity", 5),
         "node 'worker': 'capacity' only applies to a service fed directly", "(got 5)"),
    case("inputs-not-list", setting("nodes.worker.inputs", "requests"),
         "node 'worker': 'inputs' must be a list", "(got 'requests')"),
    case("inputs-misspelt", setting("nodes.worker.inputs", ["reqests"]),
         "node 'worker': 'inputs' must list only queues with an edge to 'worker'",
         "(got 'reqests')", "(did you mean 'requests'?)"),
    case("inputs-not-a-queue",
         all_of(adding(["client", "worker"]), setting("nodes.worker.inputs", ["client"])),
         "node 'worker': 'inputs' must list only queues", "(got 'client')"),
    case("inputs-missing-a-queue",
         all_of(setting("nodes.urgent", {"kind": "queue"}), adding(["client", "urgent"],
                                                                    ["urgent", "worker"]),
                setting("nodes.worker.inputs", ["requests"])),
         "node 'worker': 'inputs' must list every queue that feeds 'worker'",
         "'urgent' is missing"),
    case("inputs-twice", setting("nodes.worker.inputs", ["requests", "requests"]),
         "node 'worker': 'inputs' must list each queue once", "(got 'requests')"),
]

EDGES = [
    case("edge-into-sender", adding(["callback", "client"]),
         "edge 'callback' -> 'client': goes into sender 'client'"),
    case("queue-to-queue", setting("edges.1", ["requests", "responses"]),
         "edge 'requests' -> 'responses': joins two queues"),
    case("queue-to-router",
         all_of(setting("nodes.gateway", {"kind": "router"}), adding(["requests", "gateway"])),
         "edge 'requests' -> 'gateway': goes from a queue to a router"),
    case("p-above-one", all_of(setting("edges.2", ["worker", "responses", 1.5]),
                               adding(["worker", "callback", 0.5])),
         "edge 'worker' -> 'responses': 'p' must be a probability in [0, 1] (got 1.5)"),
    case("p-bool", setting("edges.2", ["worker", "responses", True]),
         "edge 'worker' -> 'responses': 'p'", "(got True)"),
    case("p-not-summing-to-one", all_of(setting("edges.2", ["worker", "responses", 0.5]),
                                        adding(["worker", "callback", 0.4])),
         "node 'worker': 'p' of the outgoing edges must sum to 1 (got 0.9)"),
    case("p-on-a-single-edge", setting("edges.2", ["worker", "responses", 0.5]),
         "node 'worker': 'p' of the outgoing edges must sum to 1 (got 0.5)"),
    case("p-on-some-edges", all_of(setting("edges.2", ["worker", "responses", 0.5]),
                                   adding(["worker", "callback"])),
         "node 'worker': 'p' must be given on every outgoing edge or on none",
         "(missing on 'worker' -> 'callback')"),
    case("p-without-probabilistic-routing",
         all_of(setting("edges.2", ["worker", "responses", 0.5]),
                adding(["worker", "callback", 0.5]), setting("nodes.worker.routing", "random")),
         "edge 'worker' -> 'responses': 'p' only applies when 'worker' routes 'probabilistic'",
         "'random'"),
    case("edge-latency-negative",
         setting("edges.2", {"from": "worker", "to": "responses", "latency": -1}),
         "edge 'worker' -> 'responses': 'latency'", "(got -1)"),
    case("edge-latency-misspelt-dist",
         setting("edges.2", {"from": "worker", "to": "responses", "latency": {"dist": "gama"}}),
         "edge 'worker' -> 'responses': 'latency.dist'", "(did you mean 'gamma'?)"),
]

TOPOLOGY = [
    case("cannot-reach-sink",
         all_of(setting("nodes.gateway", {"kind": "router"}),
                setting("nodes.looper", {"kind": "service", "service": 1}),
                setting("nodes.loop", {"kind": "queue"}),
                setting("edges.0", ["client", "gateway"]),
                adding(["gateway", "requests"], ["gateway", "looper"], ["looper", "loop"],
                       ["loop", "looper"])),
         "node 'looper': cannot reach a sink"),
    case("sender-without-edges", setting("nodes.idle", {"kind": "sender", "rate": 1}),
         "node 'idle': has no outgoing edge"),
    case("queue-without-consumer",
         all_of(setting("nodes.dead", {"kind": "queue"}), adding(["worker", "dead"])),
         "node 'dead': has no outgoing edge: a queue needs a service consuming from it"),
]

RUN = [
    case("run-misspelt", setting("run.durtion", 5),
         "model: unknown key 'run.durtion' (did you mean 'duration'?)"),
    case("run-duration-zero", setting("run.duration", 0),
         "model: 'run.duration' must be a positive number of seconds", "(got 0)"),
    case("run-duration-inf", setting("run.duration", math.inf), "'run.duration'", "(got inf)"),
    case("run-warmup-negative", setting("run.warmup", -1),
         "model: 'run.warmup' must be a non-negative number of seconds", "or 'auto' (got -1)"),
    case("run-warmup-word", setting("run.warmup", "aut"), "'run.warmup'", "(got 'aut')"),
    case("run-replications-zero", setting("run.replications", 0),
         "model: 'run.replications' must be a positive integer (got 0)"),
    case("run-seed-negative", setting("run.seed", -1),
         "model: 'run.seed' must be a non-negative integer (got -1)"),
    case("run-seed-fraction", setting("run.seed", 1.5), "'run.seed'", "(got 1.5)"),
    case("name-not-string", setting("name", 5), "model: 'name' must be a string (got 5)"),
]


@pytest.mark.parametrize("mutate, fragments", KIND_AND_KEYS + NUMBERS + CHOICES + NESTED
                         + SENDERS + SERVICES + EDGES + TOPOLOGY + RUN)
def test_refused(mutate, fragments):
    data = request_reply()
    mutate(data)
    refused(data, *fragments)


# -- refusals while the graph is built (from_dict) -------------------------------------

STRUCTURE = [
    case("edge-to-unknown-node", setting("edges.2", ["worker", "respones"]),
         "edge 'worker' -> 'respones': refers to unknown node 'respones'",
         "(did you mean 'responses'?)"),
    case("edge-from-unknown-node", setting("edges.0", ["clinet", "requests"]),
         "edge 'clinet' -> 'requests': refers to unknown node 'clinet'",
         "(did you mean 'client'?)"),
    case("edge-defined-twice", adding(["client", "requests"]),
         "edge 'client' -> 'requests': is defined twice"),
    case("edge-misspelt-key", setting("edges.0", {"from": "client", "to": "requests",
                                                  "latancy": 1}),
         "model: unknown key 'latancy' in edges.0 (did you mean 'latency'?)"),
    case("edge-missing-to", setting("edges.0", {"from": "client"}),
         "model: 'edges.0.to' is required on an edge"),
    case("edge-bad-shape", setting("edges.0", ["client"]),
         "model: 'edges.0' must be [from, to], [from, to, p] or {from, to, p, latency}",
         "(got ['client'])"),
    case("edges-not-a-list", setting("edges", {"client": "requests"}), "model: 'edges' must be"),
    case("nodes-not-a-mapping", setting("nodes", ["client"]), "model: 'nodes' must be a mapping"),
    case("node-not-a-mapping", setting("nodes.worker", 5),
         "node 'worker': must be a mapping of the node's keys (got 5)"),
    case("node-name-not-string", setting("nodes", {1: {"kind": "sender", "rate": 1}}),
         "model: node names must be strings (quote it) (got 1)"),
    case("top-level-misspelt", setting("node", {}),
         "model: unknown key 'node' (did you mean 'nodes'?)"),
    case("run-not-a-mapping", setting("run", 5), "model: 'run' must be a mapping (got 5)"),
]


@pytest.mark.parametrize("mutate, fragments", STRUCTURE)
def test_refused_while_building(mutate, fragments):
    data = request_reply()
    mutate(data)
    refused(data, *fragments)


def test_model_not_a_mapping():
    with pytest.raises(ModelError,
                       match=r"must be a mapping with 'nodes' and 'edges' \(got 'list'\)"):
        from_dict([1, 2])


# -- graphs built in Python, not from a file ------------------------------------------

def test_edge_to_undefined_node_in_python_graph():
    G = from_dict(request_reply())
    G.add_edge("requests", "wroker")
    with pytest.raises(ModelError, match=r"node 'wroker': 'kind' is required.*"
                                         r"\(did you mean 'worker'\?\)"):
        validate(G)


def test_unknown_edge_attribute_in_python_graph():
    G = from_dict(request_reply())
    G.edges["client", "requests"]["weight"] = 2
    with pytest.raises(ModelError, match=r"edge 'client' -> 'requests': unknown key 'weight'"):
        validate(G)


def test_not_a_digraph():
    with pytest.raises(ModelError, match=r"must be a networkx.DiGraph \(got 'Graph'\)"):
        validate(nx.Graph())


def test_trace_file_with_bad_line(tmp_path):
    (tmp_path / "arrivals.csv").write_text("time\n0.5\nsoon\n")
    data = put(request_reply(), "nodes.client", {"kind": "sender", "trace": "arrivals.csv"})
    with pytest.raises(ModelError, match=r"node 'client': 'trace' .*line 3 .*\(got 'soon'\)"):
        validate(from_dict(data, base_dir=tmp_path))
