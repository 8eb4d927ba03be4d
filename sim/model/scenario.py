"""A model's ``scenario:``: timed changes to a running model (docs/reference/model.md).

Each step happens ``at`` a simulated time (s, from the start, warm-up included):
either ``set`` (dotted keys of ``--set`` that make sense while running, each
validated as at load: the model with the step's keys applied must validate, and
the running value is read from that validated model) or an ``action`` on a
``node`` (``crash`` or ``recover`` a service, ``flush`` a cache). With ``for`` the
change is undone that many seconds later (a crash is then recovered).

The steps become a :class:`Scenario`: the steps as given, and a timeline of
:class:`Assignment` s, each the value a running field takes at a time (the latest
started step still in force that sets it, else the model's own value), so the
engine only applies values and never works out what an undo restores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import ModelError, nearest
from sim.model.checks import is_number

__all__ = ["Scenario", "Step", "Setting", "Assignment", "scenario_of", "STEP_KEYS",
           "SETTABLE", "ACTIONS"]

STEP_KEYS = ("at", "for", "set", "node", "action")
ACTIONS = {"crash": ("service",), "recover": ("service",), "flush": ("cache",)}
SETTABLE: dict[str, tuple[str, ...]] = {
    "sender": ("rate",),
    "service": ("servers", "service", "error_rate", "capacity"),
    "queue": ("capacity",),
    "edge": ("p", "latency"),
}
"""The fields a ``set`` step may change, by node kind (``edge`` for an edge)."""

_DISTRIBUTIONS = ("service", "latency")   # fields whose sub-keys may be set


@dataclass(frozen=True, slots=True)
class Setting:
    """A running field: of node ``node`` or of edge ``edge`` (``(from, to)``)."""

    field: str
    node: str | None = None
    edge: tuple[str, str] | None = None

    def label(self) -> str:
        where = self.node if self.edge is None else f"{self.edge[0]}->{self.edge[1]}"
        return f"{where}.{self.field}"


@dataclass(frozen=True, slots=True)
class Step:
    """One step as given: ``at`` (s), ``duration`` (its ``for``, s, or None),
    ``changes`` ((Setting, typed value) pairs) or ``action`` on ``node``."""

    at: float
    duration: float | None
    changes: tuple[tuple[Setting, Any], ...] = ()
    action: str | None = None
    node: str | None = None
    text: Mapping | None = None

    @property
    def end(self) -> float | None:
        return None if self.duration is None else self.at + self.duration


@dataclass(frozen=True, slots=True)
class Assignment:
    """At ``time`` (s), ``setting`` takes ``value`` (an action: ``setting.field`` is
    ``"action"`` and ``value`` its name); ``step`` is the index of the step."""

    time: float
    setting: Setting
    value: Any
    step: int


@dataclass(frozen=True, slots=True)
class Scenario:
    steps: tuple[Step, ...]
    timeline: tuple[Assignment, ...]

    def touches(self, node: str, field: str) -> bool:
        """Does any step change ``field`` of node ``node`` (or act on it: ``action``)?"""
        return any(a.setting.node == node and a.setting.field == field for a in self.timeline)

    def for_node(self, node: str, field: str) -> list[Assignment]:
        return [a for a in self.timeline if a.setting.node == node and a.setting.field == field]

    @property
    def last_end(self) -> float:
        """When the last fault is over: the latest end of a step with ``for`` or time of
        a ``recover``; without either, the time of the last step."""
        ends = [s.end for s in self.steps if s.end is not None]
        ends += [s.at for s in self.steps if s.action == "recover"]
        return max(ends) if ends else max(s.at for s in self.steps)


def _where(i: int, key: str | None = None) -> str:
    return f"scenario[{i}]" + ("" if key is None else f".{key}")


def _number(i: int, key: str, value: Any, *, positive: bool) -> float:
    ok = is_number(value) and math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        raise ModelError(f"must be a {'positive' if positive else 'non-negative'} finite "
                         f"number of seconds", key=_where(i, key), value=value)
    return float(value)


def scenario_of(G, model, validate_graph) -> Scenario | None:
    """The typed scenario of graph ``G`` (its ``scenario`` attribute) over the validated
    ``model`` of the same graph; ``validate_graph(H)`` validates a graph without a
    scenario. None when the model has no scenario."""
    raw = G.graph.get("scenario")
    if raw is None or raw == []:
        return None
    if not isinstance(raw, (list, tuple)):
        raise ModelError("must be a list of steps, e.g. [{at: 600, for: 120, set: "
                         "{nodes.db.service.mean: 0.25}}]", key="scenario", value=raw)
    steps = tuple(_step(G, model, validate_graph, i, step) for i, step in enumerate(raw))
    return Scenario(steps=steps, timeline=_timeline(model, steps))


def _step(G, model, validate_graph, i: int, raw: Any) -> Step:
    if not isinstance(raw, Mapping):
        raise ModelError("must be a mapping with at, and set or node and action",
                         key=_where(i), value=raw)
    for key in raw:
        if key not in STEP_KEYS:
            raise ModelError(f"{_where(i)!r} has unknown key {key!r}",
                             suggestion=nearest(str(key), STEP_KEYS))
    if "at" not in raw:
        raise ModelError("needs at (the simulated time of the step, s)", key=_where(i))
    at = _number(i, "at", raw["at"], positive=False)
    duration = _number(i, "for", raw["for"], positive=True) if "for" in raw else None
    if ("set" in raw) == ("action" in raw):
        raise ModelError("needs either set (keys to change) or action with node",
                         key=_where(i), value=dict(raw))
    if "set" in raw:
        if "node" in raw:
            raise ModelError("node goes with action; set names its keys in full "
                             "(nodes.<node>.<key>)", key=_where(i, "node"), value=raw["node"])
        changes = _changes(G, model, validate_graph, i, raw["set"])
        return Step(at, duration, changes=changes, text=dict(raw))
    return _action_step(model, i, raw, at, duration)


def _action_step(model, i: int, raw: Mapping, at: float, duration: float | None) -> Step:
    action = raw["action"]
    if action not in ACTIONS:
        raise ModelError(f"must be one of {' | '.join(ACTIONS)}", key=_where(i, "action"),
                         value=action, suggestion=nearest(str(action), tuple(ACTIONS)))
    node = raw.get("node")
    names = [n.name for n in model.nodes]
    if node is None:
        raise ModelError(f"action {action} needs node (the node it acts on)", key=_where(i))
    if node not in names:
        raise ModelError(f"unknown node {node!r}", key=_where(i, "node"),
                         suggestion=nearest(str(node), names))
    kind = model.node(node).kind
    if kind not in ACTIONS[action]:
        raise ModelError(f"action {action} applies to a {' or '.join(ACTIONS[action])}, "
                         f"and {node!r} is a {kind}", key=_where(i, "action"), value=action)
    if action == "crash" and getattr(model.node(node), "batch", None) is not None:
        raise ModelError(f"action crash cannot apply to {node!r}, which serves batches",
                         key=_where(i, "action"), value=action)
    if duration is not None and action != "crash":
        raise ModelError(f"for applies to set and crash steps (undone, or recovered, after "
                         f"it), not to {action}", key=_where(i, "for"), value=duration)
    return Step(at, duration, action=action, node=node, text=dict(raw))


def _changes(G, model, validate_graph, i: int, raw: Any) -> tuple[tuple[Setting, Any], ...]:
    from sim.model.overrides import apply_overrides, locate

    if not isinstance(raw, Mapping) or not raw:
        raise ModelError("must be a mapping of dotted keys to values, e.g. "
                         "{nodes.worker.servers: 4}", key=_where(i, "set"), value=raw)
    settings = []
    for path in raw:
        where, name, rest = locate(G, str(path))
        kind = "edge" if where == "edge" else model.node(name).kind
        field = rest[0]
        allowed = SETTABLE.get(kind, ())
        if field not in allowed or (len(rest) > 1 and field not in _DISTRIBUTIONS):
            what = ", ".join(allowed) if allowed else "nothing"
            raise ModelError(f"cannot change {'.'.join(rest)!r} of a {kind} while running "
                             f"(a scenario may set: {what})", key=_where(i, f"set.{path}"),
                             suggestion=nearest(field, allowed) if allowed else None)
        if where == "edge" and (model.node(name[0]).kind == "queue"
                                or any((e.source, e.target) == name for e in model.calls)):
            raise ModelError("cannot change while running: only path edges that do not "
                             "leave a queue can (a consumer pulls over an edge out of a "
                             "queue; a call edge's calls are made by its caller)",
                             key=_where(i, f"set.{path}"))
        settings.append(Setting(field, edge=name) if where == "edge"
                        else Setting(field, node=name))
    H = apply_overrides(G, dict(raw))
    H.graph.pop("scenario", None)
    try:
        changed = validate_graph(H)
    except ModelError as exc:
        raise ModelError(f"{_where(i, 'set')}: {exc}") from None
    return tuple((s, _value(changed, s)) for s in dict.fromkeys(settings))


def _value(model, setting: Setting) -> Any:
    """The typed value of ``setting`` in a validated ``model``."""
    if setting.edge is not None:
        edge = next(e for e in model.edges + model.calls
                    if (e.source, e.target) == setting.edge)
        return getattr(edge, setting.field)
    spec = model.node(setting.node)
    if setting.field == "capacity":
        return spec.buffer.capacity if spec.buffer is not None else math.inf
    return getattr(spec, setting.field)


def _timeline(model, steps: tuple[Step, ...]) -> tuple[Assignment, ...]:
    """Every value change in time order: at each step's start and end, each field it
    touches takes the value of the latest-started step still in force, else the
    model's own; a crash ends in a recover."""
    events = []
    for k, step in enumerate(steps):
        events.append((step.at, 1, k, "start"))
        if step.end is not None:
            events.append((step.end, 0, k, "end"))   # ends before starts at one instant
    events.sort()
    live: list[int] = []
    out: list[Assignment] = []
    for time, _order, k, what in events:
        step = steps[k]
        if step.action is not None:
            action = step.action if what == "start" else "recover"
            out.append(Assignment(time, Setting("action", node=step.node), action, k))
            continue
        if what == "start":
            live.append(k)
        else:
            live.remove(k)
        for setting, _value_ in step.changes:
            out.append(Assignment(time, setting, _in_force(model, steps, live, setting), k))
    return tuple(out)


def _in_force(model, steps, live: list[int], setting: Setting) -> Any:
    for k in sorted(live, key=lambda k: (steps[k].at, k), reverse=True):
        for s, value in steps[k].changes:
            if s == setting:
                return value
    return _value(model, setting)
