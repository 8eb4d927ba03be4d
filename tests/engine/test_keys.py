"""Request keys in the engine: draws, partitions by key hash with per-key order, and
consistent-hash routing. Each test states its formula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.model.keyspace import KeySpace, key_hash, partition_of, ring_owner
from tests.conftest import make_model, run_model


def test_key_hash_is_splitmix64():
    """SplitMix64 (Steele et al. 2014) seeded with 0 gives 0xE220A8397B1DCDAF first:
    its finaliser of 0 + the golden gamma. The hash is fixed, so placements are too."""
    assert int(key_hash([0])[0]) == 0xE220A8397B1DCDAF


def test_zipf_draws_follow_the_popularity(tmp_path):
    """A sender with 50 Zipf(1.0) keys: the share of requests of key 0, counted from the
    trace, is p_0 = 1 / H(50, 1) = 0.2222 (within 4 binomial standard errors)."""
    m = make_model({"c": {"kind": "sender", "rate": 100, "timeout": 10,
                          "keys": {"count": 50, "popularity": {"zipf": 1.0}}},
                    "w": {"kind": "service", "servers": 64, "service": 0.001}},
                   [["c", "w"]], duration=100, warmup=0, replications=1)
    path = tmp_path / "t.csv"
    simulate(m, trace=str(path))
    trace = pd.read_csv(path)
    attempts = trace[trace.kind == "attempt"]
    p0 = KeySpace(50, 1.0).probabilities()[0]
    share = float((attempts.key == 0).mean())
    n = len(attempts)
    assert p0 == pytest.approx(1 / sum(1 / k for k in range(1, 51)))
    assert abs(share - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)


def partitioned(keys, partitions=8, servers=8, service=None, **queue):
    service = service or {"dist": "exponential", "mean": 0.05}
    nodes = {"c": {"kind": "sender", "rate": 60, "timeout": 100, "keys": keys},
             "q": {"kind": "queue", "partitions": partitions, **queue},
             "w": {"kind": "service", "servers": servers, "service": service}}
    return nodes, [["c", "q"], ["q", "w"]]


def test_per_key_order_on_a_partitioned_queue(tmp_path):
    """No two messages of one key are served out of order: sorted by arrival at the
    queue, one key's messages start service in the same order, each after the one
    before it has finished (a partition hands out one message at a time). Checked over
    every key from the trace (its key column), with exponential service times that
    would reorder messages served in parallel."""
    m = make_model(*partitioned({"count": 30, "popularity": {"zipf": 1.1}}),
                   duration=200, warmup=0, replications=1, seed=5)
    path = tmp_path / "t.csv"
    simulate(m, trace=str(path))
    trace = pd.read_csv(path)
    visits = trace[trace.kind == "visit"]
    at_q = visits[visits.node == "q"][["request", "arrival", "key"]]
    at_w = visits[visits.node == "w"][["request", "start", "departure"]]
    both = at_q.merge(at_w, on="request").sort_values(["key", "arrival", "request"])
    assert len(both) > 10_000
    for _, rows in both.groupby("key"):
        starts = rows.start.to_numpy()
        ends = rows.departure.to_numpy()
        assert (np.diff(starts) >= 0).all()
        assert (starts[1:] >= ends[:-1] - 1e-12).all()


def test_busiest_partition_is_the_share_of_its_keys():
    """Zipf(1.0) over 100 keys on 8 partitions, hashed key_hash(k) % 8: partition j gets
    the rate Lambda sum_{k: hash(k) % 8 = j} p_k (a union of independent Poisson
    streams); the busiest one's throughput is Lambda times the largest of these sums,
    and the mean partition's Lambda / 8 (within 3%). Fast service so no partition
    saturates."""
    keys = {"count": 100, "popularity": {"zipf": 1.0}}
    r = run_model(*partitioned(keys, service=0.001), duration=300, warmup=10,
                  replications=2, seed=6)
    p = KeySpace(100, 1.0).probabilities()
    mass = np.bincount(partition_of(np.arange(100), 8), weights=p, minlength=8)
    parts = r["nodes"]["q"]["partitions"]
    assert parts["count"] == 8
    assert parts["busiest"]["throughput"] == pytest.approx(60 * mass.max(), rel=0.03)
    assert parts["busiest"]["share"] == pytest.approx(mass.max(), rel=0.03)
    assert parts["mean"]["throughput"] == pytest.approx(60 / 8, rel=0.03)
    assert parts["busiest"]["queue_length"] >= 0


def test_partitions_without_keys_stay_random():
    """Without keys a message goes to a uniformly random partition: each partition's
    expected share is 1/8, so the busiest share is near it (below 1/8 + 4 sd of a
    binomial share over ~36,000 messages)."""
    nodes, edges = partitioned({"count": 1}, service=0.001)
    del nodes["c"]["keys"]
    r = run_model(nodes, edges, duration=300, warmup=0, replications=1, seed=6)
    parts = r["nodes"]["q"]["partitions"]
    n = r["nodes"]["q"]["completed"]
    assert parts["busiest"]["share"] < 1 / 8 + 4 * math.sqrt(1 / 8 * 7 / 8 / n)


def _ring_model(keys, successors=4, replicas=None):
    lb = {"kind": "router", "routing": "consistent_hash"}
    if replicas is not None:
        lb["replicas"] = replicas
    nodes = {"c": {"kind": "sender", "rate": 200, "keys": keys}, "lb": lb}
    edges = [["c", "lb"]]
    for i in range(successors):
        nodes[f"s{i}"] = {"kind": "service", "servers": 4, "service": 0.001}
        edges.append(["lb", f"s{i}"])
    return nodes, edges


@pytest.mark.parametrize("successors", [2, 4, 8])
def test_consistent_hashing_spreads_uniform_keys_within_the_expected_imbalance(successors):
    """k successors with V = 100 virtual nodes each on a ring: a successor's share of a
    uniform key space is the arc its V points own, distributed Beta(V, (k - 1) V) for
    random points (mean 1/k, sd sqrt((1/k)(1 - 1/k) / (kV + 1))); with 100,000 uniform
    keys the key sampling adds sd sqrt(1/k / 100,000). Every successor's share is within
    3.5 combined sd of 1/k."""
    k, v, n = successors, 100, 100_000
    names = [f"s{i}" for i in range(k)]
    shares = np.bincount(ring_owner(np.arange(n), names, v), minlength=k) / n
    sd = math.sqrt((1 / k) * (1 - 1 / k) / (k * v + 1) + (1 / k) / n)
    assert np.abs(shares - 1 / k).max() < 3.5 * sd


def test_consistent_hashing_sends_each_key_to_its_owner():
    """Zipf(0.9) over 1,000 keys through a 4-way consistent_hash router: successor j's
    throughput is Lambda sum_{k owned by j} p_k (within 3%), and each key always goes
    to the same successor (so the shares are the key masses, not 1/4)."""
    keys = {"count": 1000, "popularity": {"zipf": 0.9}}
    r = run_model(*_ring_model(keys), duration=200, warmup=5, replications=2, seed=7)
    p = KeySpace(1000, 0.9).probabilities()
    owner = ring_owner(np.arange(1000), [f"s{i}" for i in range(4)], 100)
    mass = np.bincount(owner, weights=p, minlength=4)
    for j in range(4):
        assert r["nodes"][f"s{j}"]["throughput"] == pytest.approx(200 * mass[j], rel=0.03)


def test_replicas_change_the_ring():
    """The ring with 1 virtual node per successor differs from the one with 100 (the
    owners of 1,000 keys are not all the same), so the key reaches the policy."""
    names = ["a", "b", "c"]
    assert (ring_owner(np.arange(1000), names, 1) != ring_owner(np.arange(1000), names, 100)).any()
    m1 = make_model(*_ring_model({"count": 50}, successors=3, replicas=1))
    assert m1.node("lb").replicas == 1
