"""A scenario at run time: the validated timeline (sim.model.scenario) applied to the
runtimes at its times.

Each assignment is one scheduled event, so a model without a scenario pays
nothing. What a field change does, by kind:

- a service's ``servers``: :meth:`Service.provision` (idle servers start at once; a
  busy server above the new count stops when its message is done);
- a service's ``service``: later executions draw from the new law (each law its own
  stream; going back to the model's law continues the model's stream);
- a service's ``error_rate``; a queue's or a service's buffer ``capacity`` (messages
  already waiting stay);
- an edge's ``p``: the source's routing is rebuilt with the probabilities in force
  (same targets, same uniform stream); an edge's ``latency``: later messages take
  the new law;
- ``action``: ``crash`` (messages in service are lost, the servers stop),
  ``recover`` (servers restart, waiting messages are served) and ``flush`` (a cache
  empties; fills under way still land).

A sender's ``rate`` is not changed here: it is folded into the sender's rate
profile when it is built (:func:`rate_profile`), which keeps a Poisson process
exact across the change (sim.engine.arrivals).
"""

from __future__ import annotations

import math

from sim.engine.events import Call
from sim.engine.kinds.routes import route_params
from sim.engine.router import DelayedEdge
from sim.engine.routing import make_send
from sim.engine.slowdown import slowed
from sim.rng import Purpose

__all__ = ["start_scenario", "rate_profile"]


def start_scenario(ctx, runtimes: dict) -> None:
    """Schedule every assignment of ``ctx.model.scenario`` (senders' rates excepted)."""
    scenario = ctx.model.scenario
    if scenario is None:
        return
    apply = _Applier(ctx, runtimes)
    for assignment in scenario.timeline:
        if assignment.setting.field == "rate":
            continue
        Call(ctx.env, assignment.time - ctx.env.now, apply, assignment)


class _Applier:
    """Applies assignments (a SimPy callback); keeps the drawers made so far."""

    def __init__(self, ctx, runtimes: dict) -> None:
        self.ctx, self.runtimes = ctx, runtimes
        self.drawers: dict = {}
        self.probs: dict = {}

    def __call__(self, event) -> None:
        a = event._value
        s = a.setting
        if s.edge is not None:
            self._edge(s.edge, s.field, a.value)
            return
        rt = self.runtimes[s.node]
        if s.field == "action":
            _ACTIONS[a.value](rt)
        elif s.field == "servers":
            rt.provision(a.value)
        elif s.field == "service":
            rt.draw = self._drawer(rt, s.node, a.value)
        elif s.field == "error_rate":
            if rt.error_draw is None:
                rt.error_draw = self.ctx.streams.uniform(s.node, Purpose.ERROR)
            rt.error_rate = a.value
            rt.plain = False
        elif s.field == "capacity":
            buffer = rt.own if hasattr(rt, "own") else rt
            buffer.capacity = a.value
            if hasattr(buffer, "_admit_blocked") and buffer.blocked:
                buffer._admit_blocked(self.ctx.env.now)
        else:  # validation admits only the fields above
            raise AssertionError(f"scenario field {s.field!r} has no applier")

    def _drawer(self, rt, node: str, law):
        """The service-time drawer of ``law`` at ``node``: the model's own for the
        model's law (captured before the first change), else one made once per law
        with its own stream (and the node's slowdown)."""
        spec = self.ctx.model.node(node)
        self.drawers.setdefault((node, spec.service), rt.draw)
        key = (node, law)
        if key not in self.drawers:
            extra = sum(1 for k in self.drawers if k[0] == node)
            before = rt.draw
            rt.draw = self.ctx.streams.draw(law, node, Purpose.SERVICE, extra)
            if spec.slowdown is not None:
                slowed(rt, spec.slowdown)
            self.drawers[key] = rt.draw
            rt.draw = before
        return self.drawers[key]

    def _edge(self, edge: tuple[str, str], field: str, value) -> None:
        source = edge[0]
        rt = self.runtimes[source]
        spec = self.ctx.model.node(source)
        edges = self.ctx.model.out_edges(source)
        i = next(k for k, e in enumerate(edges) if (e.source, e.target) == edge)
        if field == "p":
            probs = self.probs.setdefault(source, [e.p for e in edges])
            probs[i] = value
        else:
            name = f"{edge[0]}->{edge[1]}"
            if isinstance(rt.targets[i], DelayedEdge):
                self.drawers.setdefault((name, edges[i].latency), rt.targets[i].draw)
            key = (name, value)
            if key not in self.drawers:
                extra = 1 + sum(1 for k in self.drawers if k[0] == name)
                self.drawers[key] = self.ctx.streams.draw(value, name, Purpose.EDGE, extra)
            rt.targets[i] = DelayedEdge(self.ctx.env, self.runtimes[edge[1]],
                                        self.drawers[key])
        probs = self.probs.get(source) or [e.p for e in edges]
        if None in probs:
            probs = [1.0 / len(edges)] * len(edges)
        rt.send = make_send(spec.routing, rt.targets, probs, rt.route_uniform,
                            f"node {source!r}", **route_params(self.ctx, spec, edges))


_ACTIONS = {"crash": lambda rt: rt.crash(), "recover": lambda rt: rt.repair(),
            "flush": lambda rt: rt.flush()}
"""What each ``action`` does to its node's runtime (validation checks the kinds)."""


def rate_profile(spec, assignments, end: float):
    """``(profile, period)`` of sender ``spec`` with its scenario rates folded in: the
    product of its own profile (unrolled to ``end`` when periodic) and the step
    function ``rate(t) / mean rate`` of the ``assignments`` (time order)."""
    base = spec.mean_rate
    own = _unrolled(spec.profile, spec.period, end) if spec.profile else [(0.0, 1.0)]
    steps = [(0.0, 1.0)] + [(a.time, a.value / base) for a in assignments]
    times = sorted({t for t, _ in own} | {t for t, _ in steps})
    return tuple((t, _at(own, t) * _at(steps, t)) for t in times), None


def _at(points, t: float) -> float:
    """The step function ``points`` ((start, value), start increasing) at ``t``."""
    value = 1.0
    for start, m in points:
        if start > t:
            break
        value = m
    return value


def _unrolled(profile, period, end: float) -> list[tuple[float, float]]:
    points = [(float(t), float(m)) for t, m in profile]
    if points[0][0] > 0:
        points.insert(0, (0.0, 1.0))
    if not period:
        return points
    cycles = int(math.ceil(end / period)) + 1
    return [(k * period + t, m) for k in range(cycles) for t, m in points]
