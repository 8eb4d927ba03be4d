"""``kind: pool`` and a service's ``uses`` in the model: what validation accepts, and one
test per refusal (each naming the node or edge, the key, the value and what was wanted)."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import from_dict, validate


def model(uses=["db"], pool=None, edges=(), **api):
    return {"nodes": {"client": {"kind": "sender", "rate": 1.0},
                      "api": {"kind": "service", "service": 0.01, "servers": 4,
                              "uses": uses, **api},
                      "worker": {"kind": "service", "service": 0.01},
                      "db": {"kind": "pool", "size": 2, **(pool or {})},
                      "lock": {"kind": "pool", "size": 1, "timeout": 0.5}},
            "edges": [["client", "api"], *edges]}


def check(raw):
    return validate(from_dict(raw))


def test_a_pool_and_its_users_are_accepted_without_edges():
    m = check(model(uses=["db", "lock"]))
    assert m.node("api").uses == ("db", "lock")
    assert (m.node("db").size, m.node("db").timeout) == (2, None)
    assert (m.node("lock").size, m.node("lock").timeout) == (1, 0.5)
    assert m.node("worker").uses == ()


def test_uses_naming_a_service_is_refused():
    with pytest.raises(ModelError, match=r"node 'api': 'uses' must name pools, and 'worker' "
                                         r"is a service \(pools: 'db', 'lock'\)"):
        check(model(uses=["worker"]))


def test_uses_naming_an_unknown_pool_suggests_the_nearest():
    with pytest.raises(ModelError, match=r"node 'api': 'uses' must name pools of this model "
                                         r".*got 'dbb'.*did you mean 'db'\?"):
        check(model(uses=["dbb"]))


def test_uses_must_be_a_list_of_distinct_pools():
    with pytest.raises(ModelError, match=r"'uses' must be a list of pool names"):
        check(model(uses="db"))
    with pytest.raises(ModelError, match=r"'uses' must name each pool once"):
        check(model(uses=["db", "db"]))


@pytest.mark.parametrize("edge, where", [(["api", "db"], "goes into pool 'db'"),
                                         (["db", "worker"], "leaves pool 'db'")])
def test_edges_to_or_from_a_pool_are_refused(edge, where):
    with pytest.raises(ModelError, match=rf"edge '{edge[0]}' -> '{edge[1]}'.*{where}.*a pool "
                                         rf"has no edges.*uses"):
        check(model(edges=[edge]))


def test_a_call_edge_from_a_pool_is_refused():
    with pytest.raises(ModelError, match=r"'call' must leave a service.*'db' is a pool"):
        check(model(edges=[{"from": "db", "to": "worker", "call": "sync"}]))


@pytest.mark.parametrize("pool, match", [
    ({"size": 0}, r"node 'db': 'size' must be a positive integer \(got 0\)"),
    ({"size": 1.5}, r"node 'db': 'size' must be a positive integer \(got 1.5\)"),
    ({"timeout": 0}, r"node 'db': 'timeout' must be a positive number \(got 0\)"),
    ({"timeout": -1}, r"node 'db': 'timeout' must be"),
    ({"servers": 2}, r"node 'db'.*servers"),
])
def test_bad_size_timeout_or_key_is_refused(pool, match):
    with pytest.raises(ModelError, match=match):
        check(model(pool=pool))


def test_size_is_required():
    raw = model()
    del raw["nodes"]["db"]["size"]
    with pytest.raises(ModelError, match=r"node 'db': 'size' is required on a pool"):
        check(raw)


def test_uses_with_availability_is_refused():
    with pytest.raises(ModelError, match=r"node 'api': 'uses' cannot be combined with "
                                         r"'availability'"):
        check(model(availability={"mtbf": 100, "mttr": 1}))
