"""Every layer keeps one registry keyed by the validated kind, routing policy and
discipline: a registry that lacks one fails here, and an unknown name is refused
with a message that names it, never treated as another."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim.analytic.kinds import NO_CLOSED_FORM, STATIONS, station_of
from sim.engine.disciplines import DISCIPLINES as ENGINE_DISCIPLINES
from sim.engine.disciplines import make_container
from sim.engine.kinds import RUNTIMES, runtime_of
from sim.engine.routing import POLICIES, make_send
from sim.errors import ModelError
from sim.metrics.entries import ENTRIES, node_entry
from sim.metrics.kinds import NODE_FIELDS, RESULTS
from sim.metrics.schema import reference_page
from sim.metrics.summary import summarize_replication
from sim.model.kinds import KIND_NAMES
from sim.model.spec import DISCIPLINES, ROUTINGS
from sim.reports.shapes import SHAPES, shape_of

KIND_REGISTRIES = {
    "engine runtimes (sim.engine.kinds.RUNTIMES)": RUNTIMES,
    "analytic stations (sim.analytic.kinds.STATIONS)": STATIONS,
    "result entries (sim.metrics.entries.ENTRIES)": ENTRIES,
    "result kinds (sim.metrics.kinds.RESULTS)": RESULTS,
    "result fields (sim.metrics.kinds.NODE_FIELDS)": NODE_FIELDS,
    "figure shapes (sim.reports.shapes.SHAPES)": SHAPES,
}


def _mismatch(name: str, registry) -> str:
    """What ``registry`` lacks or has beyond KIND_NAMES, in words; "" when it matches."""
    missing = sorted(set(KIND_NAMES) - set(registry))
    extra = sorted(set(registry) - set(KIND_NAMES))
    return f"{name}: missing {missing}, extra {extra}" if missing or extra else ""


@pytest.mark.parametrize("name", list(KIND_REGISTRIES))
def test_every_kind_has_an_entry(name):
    assert not _mismatch(name, KIND_REGISTRIES[name])


@pytest.mark.parametrize("name", list(KIND_REGISTRIES))
def test_a_registry_missing_a_kind_is_caught(name):
    """The check above fails when a kind is left out (here, router) or one is added
    that the model does not declare."""
    lacking = {kind: v for kind, v in KIND_REGISTRIES[name].items() if kind != "router"}
    assert _mismatch(name, lacking) == f"{name}: missing ['router'], extra []"
    assert "extra ['tank']" in _mismatch(name, {**KIND_REGISTRIES[name], "tank": None})


def test_each_metrics_kind_module_is_its_own_kind():
    """Each kind's module declares its name, its fields (starting with ``kind``) and
    the entry function the registry hands out."""
    for kind, result in RESULTS.items():
        assert result.name == kind
        assert result.fields is NODE_FIELDS[kind]
        assert result.entry is ENTRIES[kind]
        assert result.fields[0].path == "kind"
        assert result.fields[0].meaning == f"The node's kind: {kind}."


def test_the_reference_page_lists_every_kind():
    page = reference_page()
    for kind in KIND_NAMES:
        assert f"\n### {kind}\n" in page


def test_every_routing_policy_has_a_function():
    assert set(POLICIES) == set(ROUTINGS)


def test_every_discipline_has_a_container():
    assert set(ENGINE_DISCIPLINES) == set(DISCIPLINES)


def test_every_station_names_its_formulas_or_why_none():
    for kind, station in STATIONS.items():
        assert station.closed_form, kind
    assert STATIONS["router"].closed_form.startswith(NO_CLOSED_FORM)


@dataclass(frozen=True)
class _Cache:
    """A node of a kind no layer knows yet."""

    name: str = "memo"
    kind: str = "tank"
    routing: str = "probabilistic"


def test_engine_refuses_an_unknown_kind():
    with pytest.raises(ModelError, match=r"node 'memo': 'kind' must be a kind the engine "
                                         r"knows: one of sender, queue, service, router, pool, cache "
                                         r"\(got 'tank'\)"):
        runtime_of(_Cache())


def test_analytic_refuses_an_unknown_kind():
    with pytest.raises(ModelError, match=r"node 'memo': 'kind' must be a kind the analytic "
                                         r"layer knows.*\(got 'tank'\)"):
        station_of(_Cache())


def test_typo_of_a_kind_gets_a_suggestion():
    with pytest.raises(ModelError, match=r"did you mean 'service'\?"):
        runtime_of(_Cache(kind="servise"))


def test_result_entry_refuses_an_unknown_kind():
    """It used to summarise any unknown runtime as a router."""
    raw = {"kind": "tank", "arrivals": 1, "completed": 1, "dropped": 0}
    with pytest.raises(ValueError, match=r"node 'memo': no result entry for kind 'tank'"):
        node_entry("memo", raw, 10.0)
    with pytest.raises(ValueError, match="no result entry for kind 'tank'"):
        summarize_replication("m", {"memo": raw}, seed=1, duration=10.0, warmup=0.0)


def test_figure_refuses_an_unknown_kind():
    """It used to leave such nodes out of the drawing silently."""
    with pytest.raises(ModelError, match=r"node 'memo': 'kind' must be a kind the topology "
                                         r"figure can draw.*\(got 'tank'\)"):
        shape_of("memo", "tank")


def test_topology_figure_refuses_a_graph_with_an_unknown_kind():
    import networkx as nx

    from sim.reports.figures import topology

    g = nx.DiGraph()
    g.add_node("s", kind="sender")
    g.add_node("memo", kind="tank")
    g.add_edge("s", "memo")
    with pytest.raises(ModelError, match="node 'memo'"):
        topology(g)


def test_unknown_routing_and_discipline_are_refused_by_name():
    with pytest.raises(ValueError, match=r"node 'lb': unknown routing 'round_robbin'"):
        make_send("round_robbin", [object()], [1.0], None, "node 'lb'")
    with pytest.raises(ValueError, match=r"node 'q': unknown discipline 'lifo2'"):
        make_container("lifo2", "node 'q'")


def test_the_pool_kind_is_in_every_registry():
    """``kind: pool`` (a passive resource with no edges) has its entry in each layer."""
    assert "pool" in KIND_NAMES
    for name, registry in KIND_REGISTRIES.items():
        assert "pool" in registry, name
