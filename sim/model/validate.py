"""``networkx.DiGraph`` -> :class:`~sim.model.spec.Model`: every check of docs/reference/model.md.

The checks run in a fixed order, so a model with several mistakes always reports
the same one first: the header and ``run``; each node's kind and keys (file order),
then that there is a sender; each edge (file order); each node's values (by its
kind's declaration, :data:`sim.model.kinds.KINDS`); routing probabilities; the
topology (senders and queues have out-edges, every node reaches a sink along edges
that can be taken). Every step is linear in the model's size.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sim.errors import ModelError, nearest
from sim.model.behaviour import check_behaviour
from sim.model.calls import CALL_KEYS, call_edge, check_calls
from sim.model.class_keys import edge_class_fields
from sim.model.classes import plan_classes
from sim.model.checks import Ctx
from sim.model.format import EDGE
from sim.model.graph import is_model_graph
from sim.model.keyed import check_keyed
from sim.model.keys import Wiring, suggest_kind
from sim.model.kinds import KIND_NAMES, KINDS, NodeSpec
from sim.model.kinds.cache import WHENS, check_cache_loops
from sim.model.load import ordered_edges
from sim.model.settings import RUN_KEYS, RunSettings, run_settings
from sim.model.slo import slo_specs
from sim.model.spec import EdgeSpec, Model

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["validate", "run_spec", "RUN_KEYS", "P_TOLERANCE"]

EDGE_ATTRS = tuple(k.name for k in EDGE[2:]) + ("order",)  # the edge table's keys, no ends
P_TOLERANCE = 1e-9  # how far the p's of a node's out-edges may sum from 1
OWNED_EDGE_KEYS = tuple(sorted({k for d in KINDS.values() for k in d.out_edge_keys}))
"""Edge keys only edges out of some kinds take (a cache's ``when``)."""


def validate(G: nx.DiGraph) -> Model:
    """Check a model graph against the rules of docs/reference/model.md and return its frozen, typed specs.

    Parameters
    ----------
    G : networkx.DiGraph or ModelGraph
        Node and edge attributes are the model format's keys, as ``load`` or ``from_dict``
        build them; ``G.graph`` may hold ``name``, ``description``, ``run`` and
        ``base_dir`` (for relative ``file:`` and ``trace:`` paths).

    Returns
    -------
    Model
        Nodes in graph order, edges in model order (their ``order`` attribute).

    Raises
    ------
    ModelError
        The first mistake found, naming the node or edge, the key, the value and
        what was expected, with the nearest valid key or choice for a typo.
    """
    if not is_model_graph(G):
        raise ModelError("must be a networkx.DiGraph", value=type(G).__name__)
    base_dir = G.graph.get("base_dir")
    name, description = _header(G.graph)
    run = run_spec(G.graph.get("run"))
    slo = slo_specs(G.graph.get("slo"))
    kinds = _kinds(G)
    every = tuple(_edge(u, v, attrs, kinds, base_dir) for u, v, attrs in ordered_edges(G))
    edges = tuple(e for e in every if e.call is None)
    calls = tuple(e for e in every if e.call is not None)
    consumers: dict[str, list[str]] = {n: [] for n in {e.target for e in calls}
                                       if kinds[n] == "queue"}
    for e in edges:
        if e.source in consumers:
            consumers[e.source].append(e.target)
    check_calls(calls, consumers)
    feeders: dict[str, list[tuple[str, str]]] = {n: [] for n in kinds}
    outs: dict[str, list[EdgeSpec]] = {n: [] for n in kinds}
    for e in every:  # a call feeds its callee (which then has a buffer of its own)
        feeders[e.target].append((e.source, kinds[e.source]))
    for e in edges:
        outs[e.source].append(e)
    specs = tuple(KINDS[kinds[n]].build(Ctx(node=n, base_dir=base_dir), attrs,
                                        Wiring(tuple(feeders[n]), kinds))
                  for n, attrs in G.nodes(data=True))
    for spec in specs:
        if not any(e.classed for e in outs[spec.name]):  # else checked per class below
            _check_p(spec, outs[spec.name])
        check_edges = KINDS[spec.kind].out_edges
        if check_edges is not None:
            check_edges(spec.name, outs[spec.name])
    check_behaviour(specs, outs)
    _check_topology(kinds, outs)
    check_keyed(specs, every)
    check_cache_loops(kinds, edges)
    plan = plan_classes(specs, edges, calls)
    _check_batches(specs, edges, calls, plan.classed)
    model = Model(name=name, nodes=specs, edges=edges, run=run, description=description,
                  graph=G, calls=calls, classes=plan.names, classed=plan.classed,
                  class_reach=plan.reach, slo=slo)
    if G.graph.get("scenario"):
        from sim.model.scenario import scenario_of  # here: most models have none

        model = dataclasses.replace(model, scenario=scenario_of(G, model, validate))
    return model


def _check_batches(specs, edges, calls, classed: bool) -> None:
    """A batching service makes and serves no calls, sends into no buffer that blocks
    (its server would be held for one message of a batch), and is not in a model
    with request classes (per-class figures of batches are not kept)."""
    by_name = {spec.name: spec for spec in specs}
    batching = {n for n, spec in by_name.items() if getattr(spec, "batch", None) is not None}
    if not batching:
        return
    if classed:
        raise ModelError("cannot be used in a model with request classes yet (per-class "
                         "figures of batches are not kept)", node=min(batching), key="batch")
    for e in calls:
        for end in (e.source, e.target):
            if end in batching:
                raise ModelError("cannot be combined with call edges (a batch is not one "
                                 "execution to call from or reply to)", node=end, key="batch")
    for e in edges:
        buffer = getattr(by_name[e.target], "buffer", None)
        if e.source in batching and buffer is not None and buffer.overflow == "block":
            raise ModelError(f"cannot send into {e.target!r}, whose buffer blocks "
                             f"(overflow: block); use reject or drop_oldest there",
                             node=e.source, key="batch")


def _header(graph: Mapping) -> tuple[str, str]:
    ctx = Ctx()
    name = ctx.string("name", graph.get("name", "model"))
    description = graph.get("description")
    return name, "" if description is None else ctx.string("description", description)


def run_spec(run: Mapping | None) -> RunSettings:
    """Run settings from a ``run:`` mapping (see :mod:`sim.model.settings`)."""
    if run is not None and not isinstance(run, Mapping):
        raise ModelError("must be a mapping", key="run", value=run)
    return run_settings(run)


def _kinds(G: nx.DiGraph) -> dict[str, str]:
    """Each node's kind, after refusing unknown kinds and keys; needs a sender."""
    kinds: dict[str, str] = {}
    defined = None  # names to suggest for a node with no attributes (a misspelt reference)
    for n, attrs in G.nodes(data=True):
        if not isinstance(n, str):
            raise ModelError("node names must be strings", value=n)
        ctx = Ctx(node=n)
        if "kind" not in attrs:
            if defined is None:
                defined = [str(m) for m, a in G.nodes(data=True) if a]
            hint = nearest(n, defined) if not attrs else None
            raise ctx.error("kind", f"is required: one of {' | '.join(KIND_NAMES)}",
                            suggestion=hint)
        kinds[n] = ctx.choice("kind", attrs["kind"], KIND_NAMES)
        suggest_kind(ctx, KINDS, kinds[n], attrs)
    if "sender" not in kinds.values():
        raise ModelError("has no sender: add a node of kind 'sender' where requests are born")
    return kinds


def _edge(u: str, v: str, attrs: Mapping, kinds: Mapping[str, str],
          base_dir: Any) -> EdgeSpec:
    ctx = Ctx(edge=(u, v), base_dir=base_dir)
    ctx.known_keys(attrs, EDGE_ATTRS, "an edge")
    refusal = KINDS[kinds[v]].in_edge_refusal
    if refusal is not None:
        raise ctx.error(None, f"goes into {kinds[v]} {v!r}, but {refusal}")
    for key in OWNED_EDGE_KEYS:
        if key in attrs and key not in KINDS[kinds[u]].out_edge_keys:
            owners = " or ".join(k for k, d in KINDS.items() if key in d.out_edge_keys)
            raise ctx.error(key, f"only applies to an edge out of a {owners} (this one leaves "
                                 f"{kinds[u]} {u!r})", value=attrs[key])
    if any(k in attrs for k in CALL_KEYS):
        spec = call_edge(ctx, attrs, kinds[u], kinds[v])
        return replace(spec, **edge_class_fields(ctx, attrs, call=True))
    out_edge = KINDS[kinds[u]].out_edge
    if out_edge is not None:
        out_edge(ctx, attrs, kinds[v])
    if kinds[u] == "queue":
        key = next((k for k in ("classes", "switch") if k in attrs), None)
        if key is not None:
            raise ctx.error(key, "means nothing on an edge out of a queue: its consumers take "
                                 "messages whatever their class (route classes to separate "
                                 "queues, or set it on the edge into the queue)",
                            value=attrs[key])
    by_class = isinstance(attrs.get("p"), Mapping)
    return EdgeSpec(source=u, target=v,
                    p=ctx.probability("p", attrs["p"]) if "p" in attrs and not by_class
                    else None,
                    latency=ctx.distribution("latency", attrs["latency"])
                    if "latency" in attrs else None,
                    when=ctx.choice("when", attrs["when"], WHENS) if "when" in attrs else None,
                    **edge_class_fields(ctx, attrs, call=False))


def _check_p(spec: NodeSpec, out: list[EdgeSpec]) -> None:
    """``p`` on all of a node's out-edges or none, summing to 1, only when probabilistic."""
    with_p = [e for e in out if e.p is not None]
    if not with_p:
        return
    if spec.routing != "probabilistic":
        first = with_p[0]
        raise ModelError(f"only applies when {spec.name!r} routes 'probabilistic' (its routing "
                         f"is {spec.routing!r})", edge=(first.source, first.target), key="p",
                         value=first.p)
    missing = [e for e in out if e.p is None]
    if missing:
        raise ModelError(f"must be given on every outgoing edge or on none (missing on "
                         f"{missing[0].source!r} -> {missing[0].target!r})", node=spec.name,
                         key="p")
    total = math.fsum(e.p for e in with_p)
    if abs(total - 1) > P_TOLERANCE:
        raise ModelError("of the outgoing edges must sum to 1", node=spec.name, key="p",
                         value=total)


def _check_topology(kinds: Mapping[str, str], outs: Mapping[str, list[EdgeSpec]]) -> None:
    """Senders send somewhere, queues have consumers, every node can reach a sink along
    edges a message can take (an edge with ``p = 0`` is never taken). Linear in the
    model's size: one backward search from the sinks."""
    sinks = [n for n in kinds if not outs[n]]
    for n in sinks:
        refusal = KINDS[kinds[n]].sink_refusal
        if refusal is not None:
            raise ModelError(refusal, node=n)
    live = _reaching(sinks, outs, taken_only=True)
    if len(live) == len(kinds):
        return
    stuck = next(n for n in kinds if n not in live)
    loop = _loop_from(stuck, outs)
    through = " -> ".join(map(repr, loop[:6])) + (" -> ..." if len(loop) > 6 else "")
    if stuck in _reaching(sinks, outs, taken_only=False):
        raise ModelError(f"cannot reach a sink (a node with no outgoing edges): every path "
                         f"from it along edges with p > 0 loops (through {through}); give the "
                         f"loop an exit with p > 0 (an edge with p = 0 is never taken)",
                         node=loop[0])
    raise ModelError(f"cannot reach a sink (a node with no outgoing edges): every path from "
                     f"it loops (through {through}); give the loop an exit", node=loop[0])


def _loop_from(start: str, outs: Mapping[str, list[EdgeSpec]]) -> list[str]:
    """A cycle reached from a node that cannot reach a sink, starting and ending at one
    of its nodes: follow any edge that can be taken until a node repeats (every such
    edge leads to another node that cannot reach a sink). O(nodes)."""
    path: list[str] = []
    at: dict[str, int] = {}
    n = start
    while n not in at:
        at[n] = len(path)
        path.append(n)
        n = next(e.target for e in outs[n] if e.p is None or e.p > 0)
    return path[at[n]:] + [n]


def _reaching(sinks: list[str], outs: Mapping[str, list[EdgeSpec]], *,
              taken_only: bool) -> set[str]:
    """The nodes with a path to a sink (only along edges with p None or > 0 when
    ``taken_only``): a breadth-first search over the reversed edges, O(nodes + edges)."""
    preds: dict[str, list[str]] = {}
    for edges in outs.values():
        for e in edges:
            if not taken_only or e.p is None or e.p > 0:
                preds.setdefault(e.target, []).append(e.source)
    seen = set(sinks)
    frontier = list(sinks)
    while frontier:
        n = frontier.pop()
        for m in preds.get(n, ()):
            if m not in seen:
                seen.add(m)
                frontier.append(m)
    return seen
