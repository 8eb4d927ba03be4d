"""Cache hit-ratio formulas, and what ``check`` and ``analyze`` report for caches and
consistent hashing. Each test states its formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analytic import analyze, traffic
from sim.analytic.cache import (che_time, fifo_hit_ratio, lfu_hit_ratio, lru_hit_ratio,
                                ttl_hit_ratio)
from sim.model.keyspace import KeySpace, ring_owner
from tests.conftest import make_model


@pytest.mark.parametrize("formula", [lru_hit_ratio, fifo_hit_ratio])
@pytest.mark.parametrize("n, c", [(100, 10), (1000, 250), (50, 49)])
def test_uniform_popularity_hits_capacity_over_keys(formula, n, c):
    """Uniform keys: Che's h = 1 - exp(-T/N) with N (1 - exp(-T/N)) = C gives C/N, and
    so does FIFO's h = (T/N) / (1 + T/N) with N h = C (both exact for uniform IRM)."""
    assert formula(np.full(n, 1 / n), c) == pytest.approx(c / n, rel=1e-9)


def test_che_time_solves_its_equation():
    """sum_i (1 - exp(-p_i T)) = C at T = che_time(p, C), Zipf(0.8) over 10,000 keys."""
    p = KeySpace(10_000, 0.8).probabilities()
    t = che_time(p, 500)
    assert float(np.sum(1 - np.exp(-p * t))) == pytest.approx(500, rel=1e-9)
    assert che_time(p, 10_000) == math.inf


def test_lfu_is_the_top_capacity_keys():
    """Perfect LFU under IRM holds the C most popular keys: h = sum_{i < C} p_i."""
    p = KeySpace(1000, 1.0).probabilities()
    assert lfu_hit_ratio(p, 100) == pytest.approx(p[:100].sum())


def test_ttl_hit_ratio_per_key():
    """lambda T / (1 + lambda T) per key, weighted by rate: keys at 1/s and 3/s, T = 1:
    (1 * 1/2 + 3 * 3/4) / 4 = 0.6875."""
    assert ttl_hit_ratio([1.0, 3.0], 1.0) == pytest.approx(0.6875)


def _cache_model(**cache):
    nodes = {"client": {"kind": "sender", "rate": 100,
                        "keys": {"count": 1000, "popularity": {"zipf": 0.9}}},
             "cache": {"kind": "cache", "capacity": 100, **cache},
             "api": {"kind": "service", "servers": 4, "service": 0.001},
             "db": {"kind": "service", "servers": 8, "service": 0.02}}
    edges = [["client", "cache"], {"from": "cache", "to": "api", "when": "hit"},
             {"from": "cache", "to": "db", "when": "miss"}]
    return make_model(nodes, edges)


def test_analyze_reports_the_hit_ratio_and_the_miss_path_load():
    """analyze: the cache's hit_ratio is Che's for its keys, and its miss_rate (the miss
    edge's traffic) is (1 - h) x arrivals, which is the db's arrival rate; the hit edge
    carries h x arrivals."""
    m = _cache_model()
    h = lru_hit_ratio(KeySpace(1000, 0.9).probabilities(), 100)
    a = analyze(m)
    cache = a["nodes"]["cache"]
    assert cache["hit_ratio"] == pytest.approx(h)
    assert cache["miss_rate"] == pytest.approx((1 - h) * 100)
    assert cache["miss_node"] == "db"
    assert cache["exact"] is False and "Che" in cache["method"]
    assert a["nodes"]["db"]["arrival_rate"] == pytest.approx((1 - h) * 100)
    assert a["nodes"]["api"]["arrival_rate"] == pytest.approx(h * 100)


@pytest.mark.parametrize("policy, word", [("fifo", "Martina"), ("lfu", "lfu")])
def test_analyze_names_the_policy_formula(policy, word):
    assert word in analyze(_cache_model(policy=policy))["nodes"]["cache"]["method"]


def test_ttl_cache_that_never_fills_is_exact():
    """capacity >= keys with a ttl: sum_i p_i lambda_i T / (1 + lambda_i T), exact."""
    m = _cache_model(capacity=1000, ttl=2.0)
    rates = KeySpace(1000, 0.9).probabilities() * 100
    cache = analyze(m)["nodes"]["cache"]
    assert cache["hit_ratio"] == pytest.approx(ttl_hit_ratio(rates, 2.0))
    assert cache["exact"] is True


def test_check_prints_the_expected_hit_ratio_and_the_miss_path_load():
    from sim.cli.format import format_check

    text = format_check(_cache_model())
    h = lru_hit_ratio(KeySpace(1000, 0.9).probabilities(), 100)
    assert (f"cache 'cache': expected hit ratio {h:.3f} (Che's approximation (lru)); miss "
            f"path 'db' gets") in text


def test_consistent_hash_shares_are_the_key_masses():
    """A consistent_hash router sends successor j the requests of the keys it owns:
    arrival rate Lambda sum_{k owned by j} p_k (a union of Poisson streams: exact)."""
    nodes = {"c": {"kind": "sender", "rate": 50,
                   "keys": {"count": 500, "popularity": {"zipf": 1.0}}},
             "lb": {"kind": "router", "routing": "consistent_hash", "replicas": 10},
             "a": {"kind": "service", "service": 0.001},
             "b": {"kind": "service", "service": 0.001},
             "c2": {"kind": "service", "service": 0.001}}
    m = make_model(nodes, [["c", "lb"], ["lb", "a"], ["lb", "b"], ["lb", "c2"]])
    owner = ring_owner(np.arange(500), ["a", "b", "c2"], 10)
    mass = np.bincount(owner, weights=KeySpace(500, 1.0).probabilities(), minlength=3)
    rows = {r["node"]: r for r in traffic(m)}
    for j, name in enumerate(["a", "b", "c2"]):
        assert rows[name]["arrival_rate"] == pytest.approx(50 * mass[j])
