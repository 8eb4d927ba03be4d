"""Where the search starts: analytic lower bounds and the analytic estimate.

*Lower bounds* prune: a ``servers`` variable of a service with an unbounded
buffer needs more servers than its offered load (utilisation < 1, the traffic
equations of :func:`sim.analytic.traffic`), and a utilisation objective
``nodes.<n>.utilization <= u`` needs ``servers >= load / u``. Retries only add
load, so the simulated configuration needs at least as much.

The *estimate* is the cheapest configuration (from the lower bounds up) whose
analytic figures (:func:`sim.analytic.analyze`) meet every objective that
the formulas can judge; it is the first configuration simulated. When the
formulas do not apply to the model (retries, timeouts...), the estimate is
the lower-bound corner.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from sim.errors import ModelError
from sim.planner.spec import Plan

__all__ = ["Start", "analytic_start"]

MAX_ANALYZED = 2000


@dataclass
class Start:
    """The analytic starting point of a search.

    Attributes
    ----------
    lower : tuple of int
        Per variable, the smallest grid index not ruled out analytically (may
        equal the grid's length: nothing in the bounds is enough).
    estimate : tuple of int or None
        Grid indices of the analytic estimate (None when analytically infeasible).
    notes : list of str
        What the analysis found or why it could not judge.
    """

    lower: tuple[int, ...]
    estimate: tuple[int, ...] | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self, plan: Plan) -> dict:
        lower = {v.key: (v.values[i] if i < len(v.values) else None)
                 for v, i in zip(plan.variables, self.lower)}
        est = None if self.estimate is None else plan.overrides(self.estimate)
        return {"lower_bounds": lower, "estimate": est, "notes": list(self.notes)}


def _servers_node(plan: Plan, key: str) -> str | None:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "nodes" and parts[2] == "servers":
        return parts[1]
    return None


def _single_consumer(model, node: str) -> bool:
    """False when ``node`` shares an input queue with other consumers (split by capacity)."""
    return all(len(model.out_edges(e.source)) == 1 or model.node(e.source).kind != "queue"
               for e in model.in_edges(node))


def _needed_servers(plan: Plan, row: dict, node: str) -> tuple[float, str | None]:
    """Servers the node needs for stability and its utilisation objectives."""
    load = row["offered_load"] / (row["availability"] or 1.0)
    need, why = 0.0, None
    if not row["bounded"]:
        need, why = math.floor(load + 1e-9) + 1, f"{node}: offered load {load:.3g} needs " \
            f"more than {load:.3g} servers for stability"
    for o in plan.objectives:
        if o.path == f"nodes.{node}.utilization" and o.denominator is None \
                and o.op == "<=" and o.bound > 0 and math.ceil(load / o.bound - 1e-9) > need:
            need = math.ceil(load / o.bound - 1e-9)
            why = f"{node}: offered load {load:.3g} at utilisation <= {o.bound:g} needs " \
                  f"{need} servers"
    return need, why


def lower_bounds(plan: Plan, model_of) -> tuple[tuple[int, ...], list[str]]:
    """Per variable, the first grid index the traffic equations do not rule out."""
    from sim.analytic import traffic

    top = tuple(len(v.values) - 1 for v in plan.variables)
    rows = {r["node"]: r for r in traffic(model_of(plan.overrides(top)))}
    lower, notes = [], []
    for var in plan.variables:
        node = _servers_node(plan, var.key)
        row = rows.get(node)
        if node is None or row is None or row["kind"] != "service" or not var.monotone \
                or not _single_consumer(plan.model, node):
            lower.append(0)
            continue
        need, why = _needed_servers(plan, row, node)
        index = next((i for i, v in enumerate(var.values) if v >= need), len(var.values))
        lower.append(index)
        if why is not None:
            notes.append(why)
    return tuple(lower), notes


def _analytic_value(o, flat: dict) -> float | None:
    """The objective's analytic quantity; inf for an unstable node; None if unknown."""
    raw = [flat.get(p) for p in o.paths]
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in raw):
        return None
    if len(raw) == 2:
        return None if raw[1] == 0 else raw[0] / raw[1]
    return float(raw[0])


def _analytic_ok(plan: Plan, model) -> bool | None:
    """Do the analytic figures meet every objective they can judge? None: none judged."""
    from sim.analytic import analyze
    from sim.metrics.result import flatten

    answer = analyze(model)
    flat = flatten({"requests": answer["requests"], "nodes": answer["nodes"],
                    "classes": answer.get("classes") or {}})
    judged = False
    for o in plan.objectives:
        value = _analytic_value(o, flat)
        if value is None or math.isnan(value):
            continue
        judged = True
        if o.margin(value) < 0:
            return False
    return True if judged else None


def _cheapest_first(plan: Plan, corner: tuple[int, ...]):
    """Grid indices from ``corner`` upwards, in order of cost (ties: smaller first)."""
    sizes = [len(v.values) for v in plan.variables]
    heap, seen = [(plan.cost(corner), corner)], {corner}
    while heap:
        cost, index = heapq.heappop(heap)
        yield index
        for k in range(len(index)):
            if index[k] + 1 < sizes[k]:
                nxt = index[:k] + (index[k] + 1,) + index[k + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (plan.cost(nxt), nxt))


def analytic_start(plan: Plan, model_of) -> Start:
    """Lower bounds and the analytic estimate of ``plan``.

    Parameters
    ----------
    plan : Plan
    model_of : callable
        ``model_of(overrides) -> Model`` (the evaluator's cached builder).
    """
    lower, notes = lower_bounds(plan, model_of)
    if any(i >= len(v.values) for i, v in zip(lower, plan.variables)):
        notes.append("the analytic lower bounds exceed the variables' max: no configuration "
                     "within the bounds can be stable or meet the utilisation objectives")
        return Start(lower, None, notes)
    for n, index in enumerate(_cheapest_first(plan, lower)):
        if n >= MAX_ANALYZED:
            break
        try:
            ok = _analytic_ok(plan, model_of(plan.overrides(index)))
        except ModelError:
            continue
        if ok is None:
            notes.append("the analytic formulas judge no objective of this model; the "
                         "search starts from the lower bounds")
            return Start(lower, lower, notes)
        if ok:
            shown = ", ".join(f"{k}={v}" for k, v in plan.overrides(index).items())
            notes.append(f"analytic estimate: {shown}")
            return Start(lower, index, notes)
    notes.append("no configuration within the bounds meets the objectives analytically")
    return Start(lower, lower, notes)
