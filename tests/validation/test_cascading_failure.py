"""The cascading failure of models/cascading_failure.yaml, qualitatively.

The shipped model (experiments/cascading_failure.yaml sweeps it) at the 20x
database slowdown, unprotected and with the experiment's protection on the API's
database calls. Each bound is far from both the figure the argument gives and
the figures measured over several seeds, so a change of seed or of the random
streams cannot flip it; only a change in the story can.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

MODEL = Path(__file__).resolve().parents[2] / "models" / "cascading_failure.yaml"
SLOW_DB = {"nodes.db.service.mean": 0.1}            # 20 x the normal 5 ms per query
PROTECTION = {"edges.api->db.timeout": 0.25, "edges.api->db.max_in_flight": 12}


def run(overrides: dict) -> dict:
    model = sim.load(MODEL, overrides)
    return sim.simulate(model, duration=30, warmup=5, replications=1, seed=3).to_dict()


def success(result: dict, sender: str) -> float:
    """completed / resolved: requests still in flight at the end are left out."""
    node = result["nodes"][sender]
    return node["completed"] / (node["completed"] + node["failed"])


def test_the_protection_lands_on_the_database_call():
    """The experiment and the README set edges.api->db: the protection is there."""
    model = sim.load(MODEL, PROTECTION)
    assert model.description.strip()
    attrs = model.graph.edges["api", "db"]
    assert (attrs["call"], attrs["timeout"], attrs["max_in_flight"]) == ("sync", 0.25, 12)


@pytest.mark.parametrize("protected", [False, True], ids=["unprotected", "protected"])
def test_a_slow_database_takes_the_unrelated_route_down_unless_the_calls_are_guarded(
        protected):
    """Thread-pool exhaustion: a caller with c threads whose callee answers in R
    completes at most c / (S + R) requests per second.

    The database's 10 connections, each held 0.1 s per query and 2 queries per
    order, serve at most 10 / (2 x 0.1) = 50 orders/s; /orders offers 100/s.
    Unprotected, the surplus holds threads upstream: the API's 16 threads are all
    held (its throughput is c / (S + R) with R growing), and each /orders request
    holds a gateway thread until the API answers, so the gateway's 32 threads are
    all taken by /orders. /catalog, which never touches the database, then waits
    for a gateway thread in the same FIFO queue as /orders and gives up after the
    pool's 0.5 s: it gets a thread about as often as /orders, about 50/100 = 0.5
    of the time (measured 0.48 to 0.50, seeds 1 to 4). Bound: below 0.75.

    Protected, the bulkhead lets at most 12 of the API's 16 threads wait on the
    database and refuses the rest at once; the API's other work (own 2 ms, auth
    2 ms) needs 100/s x 0.004 s = 0.4 threads, so it never runs out of threads,
    never queues, and /orders holds about as many gateway threads as the API
    holds (at most about 13 of 32). /catalog (100/s x 6 ms = 0.6 threads) always
    finds one: success 1.0 measured (seeds 1 to 11). Bound: above 0.99. /orders
    still loses about half its requests (the database's 50/s bound): the damage
    stays local.
    """
    result = run({**SLOW_DB, **(PROTECTION if protected else {})})
    catalog, orders = success(result, "catalog_clients"), success(result, "orders_clients")
    api_held = result["nodes"]["api"]["held"]["mean"]
    gateway = result["nodes"]["gateway_threads"]
    assert orders < 0.75                     # the database bounds /orders either way
    if protected:
        assert catalog > 0.99
        assert gateway["utilization"] < 0.6   # measured 0.38: about 12 threads of 32
        assert api_held < 14                 # at most 12 on the database, ~0.4 elsewhere
        assert result["edges"]["api->db"]["failures"]["bulkhead"] > 0
    else:
        assert catalog < 0.75
        assert gateway["timed_out"] > 0
        assert gateway["utilization"] > 0.95
        assert api_held > 15                 # of 16: all held
