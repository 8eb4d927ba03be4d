"""The cache runtime against exact answers: deterministic arrivals make the counts
exact. Each test states its reasoning."""

from __future__ import annotations

import pytest

from sim.engine import simulate
from tests.conftest import make_model, run_model


def model(keys, arrivals=None, **cache):
    sender = {"kind": "sender", "keys": keys}
    sender.update(arrivals or {"rate": 100})
    nodes = {"c": sender, "cache": {"kind": "cache", **cache},
             "hit": {"kind": "router"}, "miss": {"kind": "router"}}
    edges = [["c", "cache"], {"from": "cache", "to": "hit", "when": "hit"},
             {"from": "cache", "to": "miss", "when": "miss"}]
    return nodes, edges


EVERY_SECOND = {"interarrival": {"dist": "deterministic", "value": 1.0}}


def test_one_key_misses_once():
    """One key, no ttl: the first request misses and inserts it, every other hits."""
    r = run_model(*model({"count": 1}, capacity=1), duration=50, warmup=0)
    cache = r["nodes"]["cache"]
    assert cache["misses"] == 1 and cache["hits"] == cache["arrivals"] - 1
    assert r["nodes"]["miss"]["arrivals"] == 1
    assert r["nodes"]["hit"]["arrivals"] == cache["hits"]


def test_a_warm_cache_never_misses_its_keys():
    """warm: true starts with the capacity most popular keys: with 3 keys and capacity
    3 nothing misses."""
    r = run_model(*model({"count": 3}, capacity=3, warm=True), duration=50, warmup=0)
    assert r["nodes"]["cache"]["misses"] == 0 and r["nodes"]["cache"]["hit_ratio"] == 1.0


def test_requests_during_a_fill_miss():
    """Requests at t = 1, 2, 3, ... for one key, fill 2.5 s: the miss at 1 inserts at
    3.5, so the requests at 1, 2 and 3 miss (their fills refresh it later) and the
    rest of the 20 hit."""
    r = run_model(*model({"count": 1}, EVERY_SECOND, capacity=1, fill=2.5), duration=20.5,
                  warmup=0)
    cache = r["nodes"]["cache"]
    assert (cache["misses"], cache["hits"]) == (3, 17)


def test_a_full_cache_evicts_on_every_later_insertion():
    """Capacity 1, two keys: every miss after the first inserts into a full cache and
    evicts the other key, so evictions = misses - 1."""
    r = run_model(*model({"count": 2}, capacity=1), duration=50, warmup=0)
    cache = r["nodes"]["cache"]
    assert cache["evictions"] == cache["misses"] - 1 > 0


def test_ttl_expires_deterministically():
    """One key every second, ttl 2.5 s: a miss at t inserts until t + 2.5, so t + 1
    and t + 2 hit and t + 3 misses (expired): of 30 requests 10 miss, 9 of them
    after an expiry."""
    r = run_model(*model({"count": 1}, EVERY_SECOND, capacity=1, ttl=2.5), duration=30.5,
                  warmup=0)
    cache = r["nodes"]["cache"]
    assert (cache["misses"], cache["hits"], cache["expired"]) == (10, 20, 9)


@pytest.mark.parametrize("policy", ["lru", "lfu", "fifo"])
def test_time_series_counts_hits_and_misses_from_the_start(policy):
    """The time series' hits and misses are cumulative: at the last instant they equal
    the result's counts (no warm-up); other nodes have none."""
    m = make_model(*model({"count": 20, "popularity": {"zipf": 1.0}}, capacity=5,
                          policy=policy), duration=30, warmup=0)
    res = simulate(m)
    rows = res.timeseries[res.timeseries.node == "cache"].sort_values("time")
    last = rows.iloc[-1]
    cache = res.to_dict()["nodes"]["cache"]
    assert (last.hits, last.misses) == (cache["hits"], cache["misses"])
    assert (rows.hits.diff().dropna() >= 0).all()
    assert res.timeseries[res.timeseries.node == "hit"].hits.isna().all()
