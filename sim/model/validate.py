"""``networkx.DiGraph`` -> :class:`~sim.model.spec.Model`: every check of SPEC 2.5.

The checks run in a fixed order, so a model with several mistakes always reports
the same one first: the header and ``run``; each node's kind and keys (file order),
then that there is a sender; each edge (file order); each node's values; routing
probabilities; the topology (senders and queues have out-edges, every node reaches
a sink).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from sim.errors import ModelError, nearest
from sim.model import nodes as node_specs
from sim.model.checks import Ctx
from sim.model.load import ordered_edges
from sim.model.settings import RUN_KEYS, RunSettings, run_settings
from sim.model.spec import EdgeSpec, Model, NodeSpec

__all__ = ["validate", "run_spec", "RUN_KEYS", "P_TOLERANCE"]

EDGE_ATTRS = ("p", "latency", "order")
P_TOLERANCE = 1e-9  # how far the p's of a node's out-edges may sum from 1


def validate(G: nx.DiGraph) -> Model:
    """Check a model graph against SPEC 2.5 and return its frozen, typed specs.

    Parameters
    ----------
    G : networkx.DiGraph
        Node and edge attributes are the SPEC's keys, as ``load`` or ``from_dict``
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
    if not isinstance(G, nx.DiGraph) or G.is_multigraph():
        raise ModelError("must be a networkx.DiGraph", value=type(G).__name__)
    base_dir = G.graph.get("base_dir")
    name, description = _header(G.graph)
    run = run_spec(G.graph.get("run"))
    kinds = _kinds(G)
    edges = tuple(_edge(u, v, attrs, kinds, base_dir) for u, v, attrs in ordered_edges(G))
    specs = tuple(_node(n, attrs, kinds, edges, base_dir) for n, attrs in G.nodes(data=True))
    for spec in specs:
        _check_p(spec, [e for e in edges if e.source == spec.name])
    _check_topology(G, kinds)
    return Model(name=name, nodes=specs, edges=edges, run=run, description=description, graph=G)


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
    defined = [str(n) for n, attrs in G.nodes(data=True) if attrs]
    for n, attrs in G.nodes(data=True):
        if not isinstance(n, str):
            raise ModelError("node names must be strings", value=n)
        ctx = Ctx(node=n)
        kinds[n] = node_specs.check_kind(ctx, attrs, defined)
        node_specs.check_keys(ctx, kinds[n], attrs)
    if "sender" not in kinds.values():
        raise ModelError("has no sender: add a node of kind 'sender' where requests are born")
    return kinds


def _edge(u: str, v: str, attrs: Mapping, kinds: Mapping[str, str],
          base_dir: Any) -> EdgeSpec:
    ctx = Ctx(edge=(u, v), base_dir=base_dir)
    ctx.known_keys(attrs, EDGE_ATTRS, "an edge")
    if kinds[v] == "sender":
        raise ctx.error(None, f"goes into sender {v!r}, but a sender has no incoming edges")
    if kinds[u] == "queue" and kinds[v] == "queue":
        raise ctx.error(None, "joins two queues: a queue takes no time, so its successors must "
                              "be services (put a service between them)")
    if kinds[u] == "queue" and kinds[v] != "service":
        raise ctx.error(None, f"goes from a queue to a {kinds[v]}: a queue's successors must be "
                              "services, its consumers")
    return EdgeSpec(source=u, target=v,
                    p=ctx.probability("p", attrs["p"]) if "p" in attrs else None,
                    latency=ctx.distribution("latency", attrs["latency"])
                    if "latency" in attrs else None)


def _node(n: str, attrs: Mapping, kinds: Mapping[str, str], edges: tuple[EdgeSpec, ...],
          base_dir: Any) -> NodeSpec:
    ctx = Ctx(node=n, base_dir=base_dir)
    kind = kinds[n]
    if kind == "service":
        preds = [e.source for e in edges if e.target == n]
        queues = [p for p in preds if kinds[p] == "queue"]
        fed_directly = len(queues) < len(preds)
        return node_specs.service(ctx, attrs, _inputs(ctx, attrs, queues), fed_directly)
    return getattr(node_specs, kind)(ctx, attrs)


def _inputs(ctx: Ctx, attrs: Mapping, queues: list[str]) -> tuple[str, ...]:
    """The queues a service consumes from, in strict priority order."""
    if "inputs" not in attrs:
        return tuple(queues)
    given = attrs["inputs"]
    feeding = ", ".join(map(repr, queues)) or "none"
    if not isinstance(given, (list, tuple)):
        raise ctx.error("inputs", f"must be a list of the queues that feed it ({feeding})",
                        value=given)
    for i, q in enumerate(given):
        if q not in queues:
            raise ctx.error("inputs", f"must list only queues with an edge to {ctx.node!r} "
                                      f"({feeding})", value=q,
                            suggestion=nearest(str(q), queues))
        if q in given[:i]:
            raise ctx.error("inputs", "must list each queue once", value=q)
    missing = [q for q in queues if q not in given]
    if missing:
        raise ctx.error("inputs", f"must list every queue that feeds {ctx.node!r}: "
                                  f"{missing[0]!r} is missing", value=list(given))
    return tuple(given)


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


def _check_topology(G: nx.DiGraph, kinds: Mapping[str, str]) -> None:
    """Senders send somewhere, queues have consumers, every node can reach a sink."""
    sinks = [n for n in G if G.out_degree(n) == 0]
    for n in sinks:
        if kinds[n] == "sender":
            raise ModelError("has no outgoing edge: its requests would go nowhere", node=n)
        if kinds[n] == "queue":
            raise ModelError("has no outgoing edge: a queue needs a service consuming from it",
                             node=n)
    reach = set(sinks).union(*(nx.ancestors(G, s) for s in sinks))
    for n in G:
        if n not in reach:
            raise ModelError("cannot reach a sink (a node with no outgoing edges): every path "
                             "from it loops; give the loop an exit", node=n)
