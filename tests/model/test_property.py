"""Random valid topologies all validate; one mutation makes each invalid."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from sim.errors import ModelError
from sim.model import from_dict, to_dict, validate

DISTS = st.one_of(
    st.floats(0.001, 1.0),
    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.001, 1.0)),
    st.builds(lambda m, cv: {"dist": "lognormal", "mean": m, "cv": cv},
              st.floats(0.001, 1.0), st.floats(0.1, 3.0)),
)
ARRIVALS = st.one_of(
    st.builds(lambda r: {"rate": r}, st.floats(0.1, 100)),
    st.builds(lambda d: {"interarrival": d}, DISTS.filter(lambda d: d != 0)),
    st.builds(lambda n, d: {"clients": n, "think": d}, st.integers(1, 50), DISTS),
    st.builds(lambda ts: {"trace": sorted(ts)}, st.lists(st.floats(0, 100), min_size=1,
                                                         max_size=5)),
)
SERVERS = st.one_of(st.integers(1, 16), st.just("inf"))
CAPACITY = st.one_of(st.integers(0, 100), st.just("inf"))


@st.composite
def models(draw):
    """A model where every node reaches a sink by construction: non-senders are ranked,
    every node with an out-edge has one to a higher rank, the last node is a service
    sink, queues feed only services; back edges add cycles that keep an exit."""
    kinds = draw(st.lists(st.sampled_from(["queue", "service", "router"]), max_size=6))
    ranked = [f"n{i}" for i in range(len(kinds) + 1)]
    kind = dict(zip(ranked, [*kinds, "service"]))
    senders = [f"s{i}" for i in range(draw(st.integers(1, 2)))]
    out: dict[str, list[str]] = {}
    for s in senders:
        out[s] = draw(st.lists(st.sampled_from(ranked), min_size=1, max_size=3, unique=True))
    for i, n in enumerate(ranked):
        allowed = [m for m in ranked if kind[n] != "queue" or kind[m] == "service"]
        forward = [m for m in allowed[:] if ranked.index(m) > i]
        back = [m for m in allowed if ranked.index(m) <= i]
        must = kind[n] == "queue"
        if not forward or not (must or draw(st.booleans())):
            out[n] = []
            continue
        out[n] = [draw(st.sampled_from(forward))]
        extra = draw(st.lists(st.sampled_from(forward + back), max_size=2, unique=True))
        out[n] += [m for m in extra if m not in out[n]]
    nodes = {s: {"kind": "sender", **draw(ARRIVALS)} for s in senders}
    preds = {n: [m for m, targets in out.items() if n in targets] for n in ranked}
    for n in ranked:
        nodes[n] = draw(_node(kind[n], any(kind.get(p) != "queue" for p in preds[n])))
    edges = []
    for n, targets in out.items():
        routes = kind.get(n) != "queue"  # a queue's consumers compete: no routing, no p
        probs = draw(_probabilities(len(targets))) if routes and nodes[n].get(
            "routing", "probabilistic") == "probabilistic" else None
        for j, m in enumerate(targets):
            edges.append([n, m] if probs is None else [n, m, probs[j]])
    return {"name": "random", "nodes": nodes, "edges": edges}


def _node(kind, fed_directly):
    routing = st.sampled_from(["probabilistic", "round_robin", "least_loaded", "broadcast"])
    if kind == "queue":
        return st.fixed_dictionaries({"kind": st.just("queue")}, optional={
            "capacity": CAPACITY, "overflow": st.sampled_from(["reject", "block"])})
    if kind == "router":
        return st.fixed_dictionaries({"kind": st.just("router")}, optional={"routing": routing})
    optional = {"servers": SERVERS, "error_rate": st.floats(0, 1), "routing": routing}
    if fed_directly:
        optional.update(capacity=CAPACITY, discipline=st.sampled_from(["fifo", "priority"]))
    return st.fixed_dictionaries({"kind": st.just("service"), "service": DISTS},
                                 optional=optional)


def _probabilities(n):
    """None (equal split) or n weights normalised to sum to 1."""
    weights = st.lists(st.integers(1, 9), min_size=n, max_size=n).map(
        lambda w: [x / sum(w) for x in w])
    return st.one_of(st.none(), weights)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_valid_models_validate(data):
    model = validate(from_dict(data))
    assert [n.name for n in model.nodes] == list(data["nodes"])
    assert len(model.edges) == len(data["edges"])
    assert validate(from_dict(to_dict(from_dict(data)))) == model


def _set_first(data, kind, key, value):
    name = next(n for n, a in data["nodes"].items() if a["kind"] == kind)
    data["nodes"][name][key] = value
    return name


MUTATIONS = {
    "unknown-kind": lambda d: _set_first(d, "service", "kind", "servce"),
    "misspelt-key": lambda d: _set_first(d, "service", "sevrers", 1),
    "negative-servers": lambda d: _set_first(d, "service", "servers", -1),
    "error-rate-above-one": lambda d: _set_first(d, "service", "error_rate", 1.01),
    "edge-into-sender": lambda d: d["edges"].append(["n0", "s0"]),
    "no-sender": lambda d: d.update(
        nodes={n: a for n, a in d["nodes"].items() if a["kind"] != "sender"},
        edges=[e for e in d["edges"] if not e[0].startswith("s")]),
    "p-above-one": lambda d: d["edges"].__setitem__(0, [*d["edges"][0][:2], 1.5]),
}


@settings(max_examples=100, deadline=None)
@given(models(), st.sampled_from(sorted(MUTATIONS)))
def test_a_mutation_is_refused(data, mutation):
    MUTATIONS[mutation](data)
    with pytest.raises(ModelError):
        validate(from_dict(data))
