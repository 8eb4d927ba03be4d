"""Request classes across a model: which classes exist, which reach each node, and
the rules that join the class keys of several nodes and edges.

A request's class is its sender's (``class``, else the sender's name) until an
edge's ``switch`` changes it. This module walks the states ``(class, node)`` a
request can be in, from each sender, along the edges its class may take (and the
call edges whose ``classes`` admit it) and refuses, naming the node, the class
and the value: an unknown class named by ``classes``, a ``p`` by class, ``switch``
or ``by_class`` (with the nearest name); a class that reaches a node none of whose
outgoing edges takes it; ``p`` of the edges a class may take from a node that do
not sum to 1 for that class (or are given on some of them only); a class that
reaches a service whose ``by_class`` does not list it and has no ``default``; a
class whose requests can never reach a sink. Linear in the number of states.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sim.errors import ModelError, nearest
from sim.model.spec import EdgeSpec

__all__ = ["ClassPlan", "plan_classes", "P_TOLERANCE"]

P_TOLERANCE = 1e-9


class ClassPlan:
    """The model's classes (``names``, senders' first, then those ``switch`` makes, in
    edge order), whether it names classes at all (``classed``), and the classes that
    reach each node (``reach``: node -> tuple of classes, in ``names`` order)."""

    __slots__ = ("names", "classed", "reach")

    def __init__(self, names: tuple[str, ...], classed: bool, reach: dict) -> None:
        self.names, self.classed, self.reach = names, classed, reach


def _names(specs: Sequence, edges: Sequence[EdgeSpec]) -> list[str]:
    names: list[str] = []
    for spec in specs:
        if spec.kind == "sender" and spec.cls not in names:
            names.append(spec.cls)
    for e in edges:
        for _a, b in e.switch or ():
            if b not in names:
                names.append(b)
    return names


def _known(name: str, names: list[str], **where) -> None:
    if name not in names:
        raise ModelError(f"names an unknown request class (classes: {', '.join(names)}; a "
                         f"sender's class is its 'class', else its name)", value=name,
                         suggestion=nearest(name, names), **where)


def _check_names(specs: Sequence, edges: Sequence[EdgeSpec], names: list[str],
                 routing: Mapping[str, str]) -> None:
    for e in edges:
        where = {"edge": (e.source, e.target)}
        for c in e.classes or ():
            _known(c, names, key="classes", **where)
        for c, _p in e.p_by_class or ():
            _known(c, names, key="p", **where)
            if not e.takes(c):
                raise ModelError(f"gives a p to class {c!r}, which the edge's classes "
                                 f"({', '.join(e.classes)}) do not let take it", key="p",
                                 value=c, **where)
        for a, _b in e.switch or ():
            _known(a, names, key="switch", **where)
        if e.p_by_class is not None and routing[e.source] != "probabilistic":
            raise ModelError(f"by class only applies when {e.source!r} routes "
                             f"'probabilistic' (its routing is {routing[e.source]!r})",
                             key="p", value=dict(e.p_by_class), **where)
    for spec in specs:
        for c, _law in getattr(spec, "by_class", None) or ():
            _known(c, names, node=spec.name, key="service.by_class")


def _check_p(node: str, cls: str, taken: list[EdgeSpec]) -> None:
    """The p of the edges class ``cls`` may take from ``node``: on all or none, sum 1."""
    given = [e for e in taken if e.p_for(cls) is not None]
    if not given:
        return
    missing = next((e for e in taken if e.p_for(cls) is None), None)
    if missing is not None:
        raise ModelError(f"must be given for class {cls!r} on every edge it may take from "
                         f"{node!r} or on none (missing on {missing.source!r} -> "
                         f"{missing.target!r})", node=node, key="p")
    total = math.fsum(e.p_for(cls) for e in given)
    if abs(total - 1) > P_TOLERANCE:
        raise ModelError(f"of the edges class {cls!r} may take must sum to 1 for that class "
                         f"(got {total:g})", node=node, key="p", value=total)


def _way_out(node: str, cls: str, outs: list[EdgeSpec]) -> list[EdgeSpec]:
    taken = [e for e in outs if e.takes(cls)]
    if not taken:
        only = sorted({c for e in outs for c in e.classes or ()})
        raise ModelError(f"class {cls!r} reaches it but none of its outgoing edges takes "
                         f"that class (they take only {', '.join(map(repr, only))}); add "
                         f"{cls!r} to an edge's classes, or an edge for it", node=node,
                         key="classes", value=cls)
    return taken


def _check_law(spec, cls: str) -> None:
    if getattr(spec, "by_class", None) is None or spec.has_default:
        return
    if all(c != cls for c, _law in spec.by_class):
        listed = ", ".join(c for c, _law in spec.by_class)
        raise ModelError(f"has no time for class {cls!r}, which reaches it (by_class lists "
                         f"{listed}); add it, or a default", node=spec.name,
                         key="service.by_class", value=cls)


def plan_classes(specs: Sequence, edges: Sequence[EdgeSpec], calls: Sequence[EdgeSpec]
                 ) -> ClassPlan:
    """The classes of a model whose nodes and edges passed their own checks; a
    ModelError for the first rule broken (see the module docstring)."""
    every = list(edges) + list(calls)
    names = _names(specs, every)
    by_name = {s.name: s for s in specs}
    classed = (any(e.classed for e in every)
               or any(getattr(s, "request_class", None) is not None for s in specs)
               or any(getattr(s, "by_class", None) is not None for s in specs))
    _check_names(specs, every, names, {s.name: s.routing for s in specs
                                      if hasattr(s, "routing")})
    outs: dict[str, list[EdgeSpec]] = {s.name: [] for s in specs}
    called: dict[str, list[EdgeSpec]] = {s.name: [] for s in specs}
    for e in edges:
        outs[e.source].append(e)
    for e in calls:
        called[e.source].append(e)
    start = [(s.cls, s.name) for s in specs if s.kind == "sender"]
    seen = set(start)
    paths = set(start)                 # states reached along path edges
    preds: dict[tuple, list[tuple]] = {}
    todo = list(start)
    while todo:
        state = todo.pop()
        cls, node = state
        _check_law(by_name[node], cls)
        for e in called[node]:          # a call serves the caller's class, goes no further
            if e.takes(cls) and (cls, e.target) not in seen:
                seen.add((cls, e.target))
                _check_law(by_name[e.target], cls)
        if state not in paths or not outs[node]:
            continue
        taken = _way_out(node, cls, outs[node])
        _check_p(node, cls, taken)
        for e in taken:
            p = e.p_for(cls)
            if p is not None and p <= 0:
                continue
            nxt = (e.switched(cls), e.target)
            preds.setdefault(nxt, []).append(state)
            if nxt not in paths:
                paths.add(nxt)
                seen.add(nxt)
                todo.append(nxt)
    _check_sinks(paths, preds, outs)
    order = {c: i for i, c in enumerate(names)}
    reach: dict[str, list[str]] = {}
    for cls, node in seen:
        reach.setdefault(node, []).append(cls)
    reach_t = {n: tuple(sorted(cs, key=order.__getitem__)) for n, cs in reach.items()}
    return ClassPlan(tuple(names), classed, reach_t)


def _check_sinks(paths: set, preds: dict, outs: Mapping[str, list]) -> None:
    """Every state reached along paths can reach a sink (a class restricted to edges
    that loop would circle for ever)."""
    live = {s for s in paths if not outs[s[1]]}
    todo = list(live)
    while todo:
        for p in preds.get(todo.pop(), ()):
            if p not in live:
                live.add(p)
                todo.append(p)
    stuck = sorted(paths - live)
    if stuck:
        cls, node = stuck[0]
        raise ModelError(f"class {cls!r} cannot reach a sink from it: every path its class "
                         f"may take loops; give it an exit", node=node, key="classes",
                         value=cls)
