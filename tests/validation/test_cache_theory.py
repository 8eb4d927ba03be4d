"""Caches against theory under the independent reference model (IRM): each request's
key is drawn independently, key i with probability p_i (Zipf: p_i proportional to
(i + 1)^-s), at total Poisson rate Lambda.

Fixed seeds make these deterministic; the tolerances are what the run lengths make
safe (about 200,000 requests per case: a binomial standard error of at most 0.25% of
the hit ratios checked, and Che's approximation is itself within about 1% at these
sizes, Fricker, Robert & Roberts, ITC 2012).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analytic.cache import fifo_hit_ratio, lfu_hit_ratio, lru_hit_ratio, ttl_hit_ratio
from sim.model.keyspace import KeySpace
from tests.conftest import run_model

RATE = 1000.0


def cache_model(keys: dict, **cache):
    nodes = {"client": {"kind": "sender", "rate": RATE, "keys": keys},
             "cache": {"kind": "cache", **cache},
             "hit": {"kind": "router"}, "miss": {"kind": "router"}}
    edges = [["client", "cache"], {"from": "cache", "to": "hit", "when": "hit"},
             {"from": "cache", "to": "miss", "when": "miss"}]
    return nodes, edges


@pytest.mark.parametrize("s", [0.6, 0.9, 1.2])
@pytest.mark.parametrize("capacity", [50, 200])
def test_lru_hit_ratio_is_ches_approximation(s, capacity):
    """LRU, C keys of N = 1000, Zipf(s): the simulated hit ratio is within 2% of Che's
    approximation, sum_i p_i (1 - exp(-p_i T_C)) with T_C solving
    sum_i (1 - exp(-p_i T_C)) = C. Started warm (the C most popular keys) with a
    warm-up of 10 s (10,000 requests, many times the time to turn the cache over)."""
    keys = {"count": 1000, "popularity": {"zipf": s}}
    r = run_model(*cache_model(keys, capacity=capacity, policy="lru", warm=True),
                  duration=100, warmup=10, replications=2, seed=1)
    che = lru_hit_ratio(KeySpace(1000, s).probabilities(), capacity)
    assert r["nodes"]["cache"]["hit_ratio"] == pytest.approx(che, rel=0.02)


@pytest.mark.parametrize("policy, formula", [("fifo", fifo_hit_ratio),
                                             ("lfu", lfu_hit_ratio)])
def test_fifo_and_lfu_hit_ratios(policy, formula):
    """FIFO: h_i = p_i T / (1 + p_i T) with sum_i h_i = C (Martina, Garetto & Leonardi
    2014); perfect LFU under IRM: the C most popular keys, h = sum_{i < C} p_i. Within
    2% (C = 100 of N = 1000, Zipf 0.9)."""
    keys = {"count": 1000, "popularity": {"zipf": 0.9}}
    r = run_model(*cache_model(keys, capacity=100, policy=policy, warm=True),
                  duration=100, warmup=10, replications=2, seed=2)
    expected = formula(KeySpace(1000, 0.9).probabilities(), 100)
    assert r["nodes"]["cache"]["hit_ratio"] == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("lam_t", [0.5, 2.0, 3.0])
def test_ttl_reset_on_miss_per_key_hit_ratio(lam_t):
    """TTL T from the miss that inserts a key (capacity never fills): after a miss,
    every request of the key in the next T seconds hits and the first one after
    misses, so a cycle is one miss and Poisson(lambda T) hits: the key's hit ratio is
    lambda T / (1 + lambda T) (1/3, 2/3, 3/4 here). One key at lambda = 1000/s; within
    2%; every miss but the first follows an expiry."""
    keys = {"count": 1, "popularity": "uniform"}
    r = run_model(*cache_model(keys, capacity=1, ttl=lam_t / RATE), duration=100,
                  warmup=1, replications=2, seed=3)
    cache = r["nodes"]["cache"]
    assert cache["hit_ratio"] == pytest.approx(lam_t / (1 + lam_t), rel=0.02)
    assert cache["expired"] == pytest.approx(cache["misses"], rel=0.01)


def test_ttl_reset_on_miss_aggregate_over_zipf_keys():
    """200 keys, Zipf(0.8), TTL 0.2 s, capacity 200 (never evicts): the hit ratio is
    sum_i p_i h_i with each key's h_i = lambda_i T / (1 + lambda_i T), lambda_i =
    p_i Lambda (keys are independent Poisson streams). Within 2%."""
    keys = {"count": 200, "popularity": {"zipf": 0.8}}
    r = run_model(*cache_model(keys, capacity=200, ttl=0.2), duration=100, warmup=10,
                  replications=2, seed=3)
    rates = KeySpace(200, 0.8).probabilities() * RATE
    h = rates * 0.2 / (1 + rates * 0.2)
    expected = float(np.dot(rates, h) / rates.sum())
    assert expected == pytest.approx(ttl_hit_ratio(rates, 0.2))
    assert r["nodes"]["cache"]["hit_ratio"] == pytest.approx(expected, rel=0.02)
    assert r["nodes"]["cache"]["evictions"] == 0
