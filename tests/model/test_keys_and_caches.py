"""Keys, ``routing: consistent_hash`` and ``kind: cache`` in the model: what validation
accepts, and one test per refusal (naming the node or edge, the key, the value and
what was wanted)."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import from_dict, validate
from sim.model.keyspace import KeySpace

ZIPF = {"count": 1000, "popularity": {"zipf": 0.9}}


def model(keys=ZIPF, cache=None, hit=None, miss=None, extra_edges=(), **sender):
    client = {"kind": "sender", "rate": 10.0, **sender}
    if keys is not None:
        client["keys"] = keys
    return {"nodes": {"client": client,
                      "cache": {"kind": "cache", "capacity": 100, **(cache or {})},
                      "api": {"kind": "service", "service": 0.001},
                      "db": {"kind": "service", "service": 0.01}},
            "edges": [["client", "cache"],
                      {"from": "cache", "to": "api", "when": "hit", **(hit or {})},
                      {"from": "cache", "to": "db", "when": "miss", **(miss or {})},
                      *extra_edges]}


def check(raw):
    return validate(from_dict(raw))


def test_a_cache_with_keyed_senders_is_accepted_with_its_defaults():
    m = check(model())
    c = m.node("cache")
    assert (c.capacity, c.policy, c.ttl, c.fill, c.warm) == (100, "lru", None, None, False)
    assert m.node("client").keys == KeySpace(1000, 0.9)
    assert {e.target: e.when for e in m.out_edges("cache")} == {"api": "hit", "db": "miss"}
    assert m.key_count == 1000


def test_cache_keys_are_read():
    m = check(model(cache={"policy": "lfu", "ttl": 30, "warm": True,
                           "fill": {"dist": "exponential", "mean": 0.02}}))
    c = m.node("cache")
    assert (c.policy, c.ttl, c.warm, c.fill.mean) == ("lfu", 30.0, True, 0.02)


def test_uniform_popularity_is_the_default():
    assert check(model(keys={"count": 5})).node("client").keys == KeySpace(5)


@pytest.mark.parametrize("raw, match", [
    (model(keys=None),
     r"node 'cache': 'keys' needs requests with keys \(a cache looks up each request's "
     r"key\), but requests of sender 'client', which has no 'keys', reach it \('client' -> "
     r"'cache'\); give 'client' keys"),
    (model(cache={"policy": "lur"}), r"'policy' must be one of lru \| lfu \| fifo \(got "
                                     r"'lur'\) \(did you mean 'lru'\?\)"),
    (model(cache={"capacity": 0}), r"node 'cache': 'capacity' must be"),
    (model(cache={"ttl": 0}), r"node 'cache': 'ttl' must be"),
    (model(cache={"warm": "yes"}), r"node 'cache': 'warm' must be true or false"),
    (model(hit={"when": "hot"}), r"edge 'cache' -> 'api': 'when' must be one of hit \| miss"),
    (model(hit={"p": 0.5}), r"edge 'cache' -> 'api': 'p' means nothing on an edge out of a "
                            r"cache"),
    (model(miss={"when": "hit"}), r"node 'cache': has outgoing edges with when = \['hit', "
                                  r"'hit'\]: a cache needs exactly two outgoing edges"),
    (model(keys={"count": 0}), r"node 'client': 'keys.count' must be"),
    (model(keys={"count": 2_000_000}), r"'keys.count' must be at most 1000000"),
    (model(keys={"count": 10, "popularity": "zipf"}),
     r"node 'client': 'keys.popularity' must be uniform or \{zipf: s\}"),
    (model(keys={"count": 10, "popularity": {"zipf": -1}}),
     r"node 'client': 'keys.popularity.zipf' must be a finite number > 0"),
    (model(keys={"count": 10, "popularity": {"zipf": 1}, "size": 3}),
     r"node 'client': unknown key 'keys.size' \(keys takes count, popularity\)"),
])
def test_refusals(raw, match):
    with pytest.raises(ModelError, match=match):
        check(raw)


def test_a_cache_edge_needs_when():
    raw = model()
    raw["edges"][1] = ["cache", "api"]
    with pytest.raises(ModelError, match=r"edge 'cache' -> 'api': 'when' is required on an "
                                         r"edge out of a cache"):
        check(raw)


def test_when_only_leaves_a_cache():
    raw = model(extra_edges=[{"from": "api", "to": "db", "when": "hit"}])
    with pytest.raises(ModelError, match=r"edge 'api' -> 'db': 'when' only applies to an "
                                         r"edge out of a cache \(this one leaves service "
                                         r"'api'\)"):
        check(raw)


def test_a_cache_is_not_a_sink():
    raw = model()
    raw["edges"] = raw["edges"][:1]
    with pytest.raises(ModelError, match=r"node 'cache': has no outgoing edge: a cache needs "
                                         r"exactly two outgoing edges"):
        check(raw)


def test_keyless_requests_reaching_a_cache_further_down_are_named_with_their_path():
    raw = model()
    raw["nodes"]["web"] = {"kind": "sender", "rate": 1.0}
    raw["nodes"]["gw"] = {"kind": "router"}
    raw["edges"] += [["web", "gw"], ["gw", "cache"]]
    with pytest.raises(ModelError, match=r"requests of sender 'web', which has no 'keys', "
                                         r"reach it \('web' -> 'gw' -> 'cache'\)"):
        check(raw)


def _ring(keys=ZIPF, **lb):
    nodes = {"c": {"kind": "sender", "rate": 1.0},
             "lb": {"kind": "router", "routing": "consistent_hash", **lb},
             "a": {"kind": "service", "service": 0.01},
             "b": {"kind": "service", "service": 0.01}}
    if keys is not None:
        nodes["c"]["keys"] = keys
    return {"nodes": nodes, "edges": [["c", "lb"], ["lb", "a"], ["lb", "b"]]}


def test_consistent_hash_takes_replicas():
    assert check(_ring()).node("lb").replicas == 100
    assert check(_ring(replicas=7)).node("lb").replicas == 7


def test_consistent_hash_needs_keys():
    with pytest.raises(ModelError, match=r"node 'lb': 'keys' needs requests with keys "
                                         r"\(routing: consistent_hash places each request's "
                                         r"key on a hash ring\)"):
        check(_ring(keys=None))


def test_replicas_only_with_consistent_hash():
    raw = _ring()
    raw["nodes"]["lb"] = {"kind": "router", "replicas": 5}
    with pytest.raises(ModelError, match=r"node 'lb': 'replicas' only applies with 'routing: "
                                         r"consistent_hash' \(it is probabilistic\)"):
        check(raw)


def test_replicas_bounds():
    with pytest.raises(ModelError, match=r"node 'lb': 'replicas' must be"):
        check(_ring(replicas=0))


def test_a_loop_of_caches_is_refused():
    """Two caches whose miss edges point at each other: a request missing both would
    go round at one instant for ever."""
    raw = model()
    raw["nodes"]["l2"] = {"kind": "cache", "capacity": 10}
    raw["edges"][2] = {"from": "cache", "to": "l2", "when": "miss"}
    raw["edges"].append({"from": "l2", "to": "cache", "when": "miss"})
    raw["edges"].append({"from": "l2", "to": "db", "when": "hit"})
    with pytest.raises(ModelError, match=r"node 'cache': is on a loop of caches \('cache' "
                                         r"-> 'l2' -> 'cache'\), which takes no time"):
        check(raw)


def test_a_chain_of_caches_is_accepted():
    raw = model()
    raw["nodes"]["l2"] = {"kind": "cache", "capacity": 10}
    raw["edges"][2] = {"from": "cache", "to": "l2", "when": "miss"}
    raw["edges"] += [{"from": "l2", "to": "api", "when": "hit"},
                     {"from": "l2", "to": "db", "when": "miss"}]
    assert check(raw).node("l2").capacity == 10
