"""Pools (``kind: pool``) against exact answers.

Each test states its formula; deterministic times make the counts exact.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_model


def det(value):
    return {"dist": "deterministic", "value": value}


def service(time, servers=1, **keys):
    return {"kind": "service", "service": time, "servers": servers, **keys}


def test_a_pool_of_one_serialises_the_services_that_share_it():
    """Two overloaded services (each 4 servers, 10 requests/s Poisson) share a pool of
    size 1 and hold its unit for d_a = 0.2 s and d_b = 0.3 s. The unit is never idle
    after the first arrival, so sum_i completed_i * d_i = the time it was held, which
    lies within one holding time of the run (D = 200 s): D - 1 <= sum <= D. Summed
    throughput is then at most 1 / min(d) = 5/s and exactly 1 / (mean holding time)."""
    duration = 200.0
    r = run_model({"a": {"kind": "sender", "rate": 10},
                   "b": {"kind": "sender", "rate": 10},
                   "sa": service(det(0.2), servers=4, uses=["lock"]),
                   "sb": service(det(0.3), servers=4, uses=["lock"]),
                   "lock": {"kind": "pool", "size": 1}},
                  [["a", "sa"], ["b", "sb"]], duration=duration, warmup=0, replications=1)
    sa, sb, lock = r["nodes"]["sa"], r["nodes"]["sb"], r["nodes"]["lock"]
    held = sa["completed"] * 0.2 + sb["completed"] * 0.3
    assert duration - 1.0 <= held <= duration
    mean_holding = held / (sa["completed"] + sb["completed"])
    assert sa["throughput"] + sb["throughput"] == pytest.approx(1 / mean_holding, rel=0.005)
    assert lock["utilization"] == pytest.approx(1.0, abs=0.005)
    assert lock["acquisitions"] >= sa["completed"] + sb["completed"]
    # every server of both services is taken, all but the unit's holder waiting
    assert sa["held"]["mean"] + sb["held"]["mean"] == pytest.approx(8 - 1, abs=0.05)
    assert lock["timed_out"] == 0 and lock["size"] == 1
    assert lock["wait"]["mean"] > 0


def test_a_pool_at_least_as_large_as_the_servers_changes_nothing():
    """With size >= servers a unit is always free: the same seed gives the same result
    as the model without the pool, and held is 0."""
    nodes = {"src": {"kind": "sender", "rate": 8},
             "svc": service({"dist": "exponential", "mean": 0.3}, servers=3)}
    run = dict(duration=300, warmup=10, replications=2, seed=5)
    plain = run_model(nodes, [["src", "svc"]], **run)
    pooled = run_model({**nodes, "svc": {**nodes["svc"], "uses": ["db"]},
                        "db": {"kind": "pool", "size": 3}}, [["src", "svc"]], **run)
    assert pooled["requests"] == plain["requests"]
    assert pooled["nodes"]["svc"] == plain["nodes"]["svc"]
    assert pooled["nodes"]["svc"]["held"]["mean"] == 0.0
    db = pooled["nodes"]["db"]
    assert db["wait"] == dict.fromkeys(("mean", "p50", "p90", "p95", "p99", "p999"), 0.0)
    # units handed out = executions started after the warm-up: the arrivals, but for
    # those waiting in the buffer at either end of the measured span
    assert db["acquisitions"] == pytest.approx(plain["nodes"]["svc"]["arrivals"], rel=0.01)
    # utilisation of the pool = busy servers / size (a unit is held exactly while busy)
    assert db["utilization"] == pytest.approx(plain["nodes"]["svc"]["busy"]["mean"] / 3,
                                              rel=1e-9)


def test_pool_timeout_counts_by_hand():
    """Arrivals every 0.6 s at t_k = 0.6 k (k >= 1), service 1.0 s, a pool of one unit with
    timeout 0.3 s. The unit is taken at t_1 until t_1 + 1; the arrival at t_2 would get
    it at t_1 + 1 = t_2 + 0.4 > t_2 + 0.3, so it times out; t_3 = t_1 + 1.2 finds it
    free. So every even k times out (at t_k + 0.3) and every odd k gets its unit at
    once: over D = 60 s, timeouts = #{even k : 0.6 k + 0.3 < 60} = 49 (k = 2..98),
    completions = #{odd k : 0.6 k + 1 <= 60} = 49 (k = 1..97)."""
    r = run_model({"src": {"kind": "sender", "interarrival": det(0.6)},
                   "svc": service(det(1.0), servers=3, uses=["conn"]),
                   "conn": {"kind": "pool", "size": 1, "timeout": 0.3}},
                  [["src", "svc"]], duration=60, warmup=0, replications=1)
    req, conn, svc = r["requests"], r["nodes"]["conn"], r["nodes"]["svc"]
    assert conn["timed_out"] == 49
    assert req["dead_lettered"]["pool_timeout"] == 49
    assert req["failed"] == 49 and req["completed"] == 49
    assert conn["wait"]["mean"] == 0.0 and conn["acquisitions"] == 50  # k = 99 at 59.4
    # held: each even k holds a server 0.3 s waiting: 49 * 0.3 server-seconds over 60 s
    assert svc["held"]["mean"] == pytest.approx(49 * 0.3 / 60, rel=1e-9)


def test_pool_units_are_held_through_sync_calls():
    """A caller (servers 4, service 0.1 s) holds its pool unit while it makes one sync
    call to an infinite-server callee of deterministic 0.4 s: the unit is held
    0.1 + 0.4 = 0.5 s, so a pool of one caps the throughput at 1 / 0.5 = 2/s under a
    load of 10/s (completed within one holding of 2 D)."""
    duration = 100.0
    r = run_model({"src": {"kind": "sender", "rate": 10},
                   "api": service(det(0.1), servers=4, uses=["db"]),
                   "back": service(det(0.4), servers="inf"),
                   "db": {"kind": "pool", "size": 1}},
                  [["src", "api"], {"from": "api", "to": "back", "call": "sync"}],
                  duration=duration, warmup=0, replications=1)
    api = r["nodes"]["api"]
    assert 2 * duration - 3 <= api["completed"] <= 2 * duration
    assert r["nodes"]["db"]["utilization"] == pytest.approx(1.0, abs=0.01)
    # held: 4 servers busy all along, 0.1 of each 0.5 s holding doing work
    assert api["held"]["mean"] == pytest.approx(4 - 0.1 * api["throughput"], abs=0.05)


def test_an_overloaded_pool_warns_that_its_users_queues_grow(capsys, tmp_path):
    """Check: 5/s x 0.5 s = 2.5 units held on average from a pool of 1 (>= 1)."""
    from sim.cli import main

    path = tmp_path / "m.yaml"
    path.write_text("nodes:\n  a: {kind: sender, rate: 5}\n"
                    "  svc: {kind: service, servers: 3, uses: [db],\n"
                    "        service: {dist: deterministic, value: 0.5}}\n"
                    "  db: {kind: pool, size: 1}\nedges:\n  - [a, svc]\n")
    assert main(["run", str(path), "--duration", "5", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert ("warning: node 'db' is unstable (offered load >= capacity): the queues of the "
            "services that use it grow without bound") in err
    assert main(["check", str(path)]) == 0
    assert "UNSTABLE: node 'db'" in capsys.readouterr().out
