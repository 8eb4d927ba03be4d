"""Runtime of ``kind: service``: a worker pool (sim.engine.service) with the
behaviours its spec asks for (crashes, duplicate effects, pull transit, autoscaling)."""

from __future__ import annotations

import math

from sim.engine.batching import Batching
from sim.engine.calls import CallEdge, Calls, fixed, rounded
from sim.engine.classes import (ByClass, ByClassCalls, ClassDraws, figures_for,
                                tap_buffer)
from sim.engine.guarded_calls import GuardedCallEdge
from sim.engine.kinds.base import KindRuntime
from sim.engine.kinds.queue import make_owned_buffer
from sim.engine.kinds.routes import wire_sends
from sim.engine.pool import Pooled
from sim.engine.preemption import Preemptive
from sim.engine.sharing import ProcessorSharing
from sim.errors import ModelError
from sim.engine.reliability import Crashes, Effects, autoscaler_process, availability_process
from sim.engine.router import DelayedEdge
from sim.engine.sender import backoff_schedule
from sim.engine.service import Service
from sim.engine.slowdown import slowed
from sim.engine.transit import PullTransit
from sim.rng import Purpose

__all__ = ["RUNTIME", "service_class"]

_CLASSES: dict = {}


_DISCIPLINES = {"fifo": Service, "preemptive": Preemptive, "ps": ProcessorSharing}
"""The server classes by ``ServiceSpec.discipline``: how servers serve."""


def service_class(crashes: bool, effects: bool, transit: bool, calls: bool = False,
                  pools: bool = False, classes: bool = False, draws: bool = False,
                  batches: bool = False, discipline: str = "fifo") -> type:
    """The Service class with the behaviours a node needs (built once per combination):
    a service that neither calls nor is called gets no call handling at all, one
    without ``uses`` no pool handling, one in a model without request classes no
    per-class figures (``classes``), one without ``by_class`` no class draws, one
    without ``batch`` no batching, and one without ``preemptive`` or ``ps`` serves
    each message to the end."""
    key = (crashes, effects, transit, calls, pools, classes, draws, batches, discipline)
    if key not in _CLASSES:
        figures = ByClassCalls if calls else ByClass
        mixins = ((batches, Batching), (crashes, Crashes), (classes, figures),
                  (effects, Effects), (transit, PullTransit), (pools, Pooled),
                  (calls, Calls), (draws, ClassDraws))
        bases = tuple(b for flag, b in mixins if flag)
        base = _DISCIPLINES[discipline]
        if bases and base is not Service:
            raise ModelError("cannot be combined with crashes (a scenario's crash action), "
                             "sync or async calls, pools, batches, request classes or pulls "
                             "over edges with latency (engine limitation: its servers are "
                             "shared or preempted)",
                             key="discipline", value=discipline)
        _CLASSES[key] = type("Service", bases + (base,), {}) if bases else base
    return _CLASSES[key]


def _class_draws(ctx, spec, service) -> dict:
    """Each listed class's draw (its own stream), slowed down like ``draw`` when the
    service has ``slowdown``."""
    draws = {}
    base = service.draw
    for i, (name, law) in enumerate(spec.by_class, start=1):
        service.draw = ctx.streams.draw(law, spec.name, Purpose.SERVICE, i)
        if spec.slowdown is not None:
            slowed(service, spec.slowdown)
        draws[name] = service.draw
    service.draw = base
    return draws


def _pulls_with_latency(model, name: str) -> bool:
    return any(e.latency is not None and model.node(e.source).kind == "queue"
               for e in model.in_edges(name))


def _queues_in(model, name: str) -> list[str]:
    """The queues ``name`` consumes from (a call into one is served by its consumers)."""
    return [e.source for e in model.in_edges(name) if model.node(e.source).kind == "queue"]


def build(ctx, spec) -> Service:
    env, streams = ctx.env, ctx.streams
    own = make_owned_buffer(ctx, spec.name, spec.buffer) if spec.buffer is not None else None
    transit = _pulls_with_latency(ctx.model, spec.name)
    calls = bool(ctx.model.calls_from(spec.name) or ctx.model.calls_into(spec.name)
                 or any(ctx.model.calls_into(q) for q in _queues_in(ctx.model, spec.name)))
    scenario = ctx.model.scenario
    crashes = spec.availability is not None or (
        scenario is not None and scenario.touches(spec.name, "action"))
    classed = ctx.model.classed
    try:
        cls = service_class(crashes, not spec.idempotent, transit, calls, bool(spec.uses),
                            classed, spec.by_class is not None, spec.batch is not None,
                            spec.discipline)
    except ModelError as exc:
        raise exc.at(node=spec.name) from None
    service = cls(env, spec.name, spec.servers,
                  streams.draw(spec.service, spec.name, Purpose.SERVICE), own=own)
    if spec.batch is not None:
        b = spec.batch
        service.size, service.window, service.partial = b.size, b.window, b.partial
        if b.per_item is not None:
            service.per_item = streams.draw(b.per_item, spec.name, Purpose.MISC, 1)
    if own is not None:
        own.consumers.append(service)
    service.breaks_down = spec.availability is not None  # counted in results only then
    if classed:
        service.by_class = figures_for(ctx.model.classes_at(spec.name))
        if own is not None:
            tap_buffer(env, own, service.by_class, taken=False)
            service.rebind()
    if spec.by_class is not None:
        service.draws = _class_draws(ctx, spec, service)
    if spec.slowdown is not None:
        slowed(service, spec.slowdown)
    if spec.error_rate > 0:
        service.plain = False
        service.error_rate = spec.error_rate
        service.error_draw = streams.uniform(spec.name, Purpose.ERROR)
    if spec.availability is not None:
        up = streams.draw(spec.availability.mtbf, spec.name, Purpose.FAILURE)
        down = streams.draw(spec.availability.mttr, spec.name, Purpose.REPAIR)
        env.process(availability_process(env, service, up, down, ctx.end))
    if spec.autoscale is not None:
        env.process(autoscaler_process(env, service, spec.autoscale, ctx.end))
    return service


def _wire_inputs(ctx, spec, runtimes: dict) -> None:
    """Consume from the queues in ``inputs`` order (strict priority)."""
    service = runtimes[spec.name]
    queues = [runtimes[name] for name in spec.inputs]
    for queue in queues:
        queue.consumers.append(service)
    if isinstance(service, PullTransit):
        service.transit = {runtimes[e.source]: ctx.streams.draw(
            e.latency, f"{e.source}->{e.target}", Purpose.EDGE)
            for e in ctx.model.in_edges(spec.name)
            if e.latency is not None and e.source in spec.inputs}
    service.set_inputs(queues)
    service.plain = service.plain and not any(q.acknowledged for q in queues)


def _wire_calls(ctx, spec, runtimes: dict) -> None:
    """The service's call edges, in edge order (sync ones are made in that order)."""
    service = runtimes[spec.name]
    edges = []
    for e in ctx.model.calls_from(spec.name):
        target = runtimes[e.target]
        if e.latency is not None:
            target = DelayedEdge(ctx.env, target,
                                 ctx.streams.draw(e.latency, e.name, Purpose.EDGE))
        count = (fixed(e.visits) if isinstance(e.visits, int)
                 else rounded(ctx.streams.draw(e.visits, e.name, Purpose.MISC)))
        if not e.guarded:
            edges.append(CallEdge(ctx.env, e, service, target, count))
        else:
            backoff = None
            if e.retry is not None and e.retry.backoff is not None:
                backoff = backoff_schedule(e.retry, ctx.streams.rng(e.name, Purpose.RETRY))
            edges.append(GuardedCallEdge(ctx.env, e, service, target, count, backoff))
        edges[-1].classed = ctx.model.classed
    service.sync = tuple(e for e in edges if e.mode == "sync")
    service.casts = tuple(e for e in edges if e.mode == "async")


def wire(ctx, spec, runtimes: dict) -> None:
    if spec.inputs:
        _wire_inputs(ctx, spec, runtimes)
    wire_sends(ctx, spec, runtimes)
    if spec.uses:
        runtimes[spec.name].pools = tuple(runtimes[name] for name in spec.uses)
    if isinstance(runtimes[spec.name], Calls):
        _wire_calls(ctx, spec, runtimes)


def _edges(rt) -> tuple:
    return rt.sync + rt.casts if isinstance(rt, Calls) else ()


def _classes(rt) -> dict:
    return rt.by_class if isinstance(rt, ByClass) else {}


def raw(rt) -> dict:
    own = rt.own
    return {"kind": "service", "servers": rt.nominal, "arrivals": rt.total_arrivals(),
            "completed": rt.completed, "dropped": own.dropped if own else 0,
            "expired": own.expired if own else 0,
            "shed": getattr(own, "shed", None), "balked": getattr(own, "balked", None),
            "errors": rt.errors, "busy_area": rt.busy_area, "servers_area": rt.prov_area,
            "q_area": own.area if own else 0.0, "q_peak": own.peak if own else 0,
            "wait": rt.wait, "sojourn": rt.sojourn,
            "held_area": getattr(rt, "held_area", 0.0),
            "blocked_area": rt.blocked_area,
            "calls": {e.name: e.raw() for e in _edges(rt)},
            "crashes": getattr(rt, "crashes", None) if rt.breaks_down else None,
            "batches": getattr(rt, "batches", None), "batched": getattr(rt, "batched", None),
            "duplicate_effects": getattr(rt, "duplicate_effects", None),
            "classes": _classes(rt)}


def state(rt) -> tuple:
    servers = None if math.isinf(rt.servers) else rt.servers
    return (rt.own.n if rt.own else 0), rt.busy, servers, rt.completed


def samples(rt) -> list:
    own = [rt.own.wait] if rt.own is not None else []
    return ([rt.wait, rt.sojourn] + own + [e.response for e in _edges(rt)]
            + [s for f in _classes(rt).values() for s in (f.wait, f.sojourn)])


def parts(rt) -> list:
    return (([rt] if rt.own is None else [rt, rt.own]) + list(_edges(rt))
            + list(_classes(rt).values()))


def traced(rt) -> list:
    own = [] if rt.own is None else [(rt.own, "buffer", True)]
    return [(rt, "service", False)] + own + [(e, "call", False) for e in _edges(rt)]


RUNTIME = KindRuntime(build=build, wire=wire, raw=raw, state=state, samples=samples,
                      parts=parts, traced=traced)
