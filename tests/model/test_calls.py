"""Call edges (``call: sync | async``) in the model: what validation accepts, where the
call edges go (apart from the paths), and one test per refusal."""

from __future__ import annotations

import pytest

from sim.distributions import Distribution
from sim.errors import ModelError
from sim.model import from_dict, validate


def model(*calls, nodes=None):
    """client -> api (a sink on paths), plus the given call edges (and extra nodes)."""
    base = {"client": {"kind": "sender", "rate": 1.0},
            "api": {"kind": "service", "service": 0.01},
            "db": {"kind": "service", "service": 0.01, "servers": 2},
            "auth": {"kind": "service", "service": 0.01},
            "q": {"kind": "queue"}, "worker": {"kind": "service", "service": 0.01},
            "gw": {"kind": "router"}}
    base.update(nodes or {})
    return {"nodes": base,
            "edges": [["client", "gw"], ["gw", "api"], ["api", "q"], ["q", "worker"],
                      *calls]}


def test_call_edges_are_kept_apart_from_paths():
    m = validate(from_dict(model({"from": "api", "to": "db", "call": "sync", "visits": 2,
                                  "timeout": 0.3},
                                 {"from": "db", "to": "auth", "call": "async"})))
    assert [e.name for e in m.calls] == ["api->db", "db->auth"]
    assert all(e.call is None for e in m.edges)
    assert [e.target for e in m.out_edges("api")] == ["q"]  # routing sees paths only
    sync = m.calls[0]
    assert (sync.call, sync.visits, sync.timeout) == ("sync", 2, 0.3)
    assert m.calls[1].visits == 1 and m.calls[1].timeout is None
    assert m.is_sink("db")  # call edges are no way out
    assert m.node("db").buffer is not None  # fed by calls: a buffer of its own


def test_visits_may_be_a_distribution():
    m = validate(from_dict(model({"from": "api", "to": "db", "call": "sync",
                                  "visits": {"dist": "exponential", "mean": 2.5}})))
    assert isinstance(m.calls[0].visits, Distribution)
    assert m.calls[0].mean_visits == pytest.approx(2.5)


def test_a_callee_only_on_calls_needs_no_path_to_a_sink():
    """A callee with no path edges is fine; the caller with a call and a path too."""
    m = validate(from_dict(model({"from": "worker", "to": "db", "call": "sync"})))
    assert m.calls_from("worker")[0].target == "db"


@pytest.mark.parametrize("edge, fragments", [
    ({"from": "api", "to": "db", "call": "sync", "p": 0.5},
     ("edge 'api' -> 'db'", "'p' does not apply to a call edge", "0.5")),
    ({"from": "api", "to": "client", "call": "sync"}, ("goes into sender 'client'",)),
    ({"from": "api", "to": "gw", "call": "sync"}, ("'call' must go into a service",)),
    ({"from": "api", "to": "db", "call": "sync", "visits": 0},
     ("'visits' must be a positive integer", "(got 0)")),
    ({"from": "api", "to": "db", "call": "sync", "visits": 1.5},
     ("'visits' must be a positive integer", "(got 1.5)")),
    ({"from": "api", "to": "db", "call": "sync", "visits": "many"},
     ("'visits' must be a positive integer or a distribution",)),
    ({"from": "api", "to": "db", "call": "synk"},
     ("'call' must be one of sync | async", "'synk'", "did you mean 'sync'")),
    ({"from": "api", "to": "db", "call": "sync", "timeout": 0},
     ("'timeout' must be a positive number",)),
    ({"from": "api", "to": "db", "call": "async", "timeout": 1},
     ("'timeout' only applies with call: sync",)),
    ({"from": "api", "to": "db", "visits": 2}, ("'visits' only applies to a call edge",)),
    ({"from": "api", "to": "db", "timeout": 2}, ("'timeout' only applies to a call edge",)),
    ({"from": "gw", "to": "db", "call": "sync"}, ("'call' must leave a service", "router")),
    ({"from": "api", "to": "q", "call": "sync"}, ("edge 'api' -> 'q'",)),
    ({"from": "worker", "to": "q", "call": "sync"},
     ("calls form a cycle ('worker' -> 'q' -> 'worker')",)),
    ({"from": "api", "to": "gw", "call": "sync"},
     ("'call' must go into a service", "or a queue", "'gw' is a router")),
])
def test_refusals(edge, fragments):
    with pytest.raises(ModelError) as info:
        validate(from_dict(model(edge)))
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_call_may_go_through_a_queue_to_its_consumer():
    m = validate(from_dict(model({"from": "db", "to": "q", "call": "sync", "visits": 2})))
    assert [(e.source, e.target, e.visits) for e in m.calls] == [("db", "q", 2)]
    assert [e.target for e in m.out_edges("q")] == ["worker"]


def test_a_service_cannot_call_itself():
    d = model()
    d["edges"].append({"from": "db", "to": "db", "call": "sync"})
    with pytest.raises(ModelError, match="cannot go from a service to itself"):
        validate(from_dict(d))


def test_calls_may_not_form_a_cycle():
    d = model({"from": "api", "to": "db", "call": "sync"},
              {"from": "db", "to": "auth", "call": "sync"},
              {"from": "auth", "to": "api", "call": "async"})
    with pytest.raises(ModelError, match=r"calls form a cycle \('api' -> 'db' -> 'auth' -> "
                                         r"'api'\)"):
        validate(from_dict(d))


@pytest.mark.parametrize("key, value", [("max_in_flight", 4), ("hedge", {"after": 0.1}),
                                        ("retry", {"max_attempts": 2})])
def test_guard_keys_need_a_call_edge(key, value):
    d = model()
    d["edges"].append({"from": "api", "to": "db", key: value})
    with pytest.raises(ModelError, match=f"{key}.*only applies to a call edge"):
        validate(from_dict(d))


@pytest.mark.parametrize("key, value", [("hedge", {"after": 0.1}),
                                        ("retry", {"max_attempts": 2})])
def test_hedge_and_retry_need_a_sync_call(key, value):
    d = model({"from": "api", "to": "db", "call": "async", key: value})
    with pytest.raises(ModelError, match=f"{key}.*only applies with call: sync"):
        validate(from_dict(d))


def test_guard_keys_are_checked_and_kept():
    m = validate(from_dict(model({"from": "api", "to": "db", "call": "sync",
                                  "max_in_flight": 3, "hedge": {"after": 0.2},
                                  "retry": {"max_attempts": 3, "jitter": "full",
                                            "backoff": {"initial": 0.01}}})))
    (e,) = m.calls
    assert (e.max_in_flight, e.hedge, e.retry.max_attempts, e.retry.jitter) == (3, 0.2, 3,
                                                                               "full")
    assert e.guarded
    for bad, match in [({"max_in_flight": 0}, "max_in_flight"),
                       ({"hedge": {"afte": 1}}, "after"),
                       ({"retry": {"max_attempts": 2, "budget": {"ratio": 0.1}}},
                        "unknown key 'retry.budget'")]:
        with pytest.raises(ModelError, match=match):
            validate(from_dict(model({"from": "api", "to": "db", "call": "sync", **bad})))


def test_an_adaptive_max_in_flight_is_checked_and_kept():
    m = validate(from_dict(model({"from": "api", "to": "db", "call": "sync",
                                  "max_in_flight": {"adaptive": "gradient", "max": 40}})))
    cap = m.calls[0].max_in_flight
    assert (cap.adaptive, cap.min, cap.max, cap.initial) == ("gradient", 1, 40, 20)
    for bad, match in [({"adaptive": "aimdd"}, "did you mean 'aimd'"),
                       ({"min": 3}, "'adaptive' is required"),
                       ({"adaptive": "aimd", "min": 5, "initial": 2}, "min <= initial <= max"),
                       ({"adaptive": "aimd", "backoff": 1.5}, "at most 1"),
                       ("many", "integer >= 1 or a mapping")]:
        with pytest.raises(ModelError, match=match):
            validate(from_dict(model({"from": "api", "to": "db", "call": "sync",
                                      "max_in_flight": bad})))
