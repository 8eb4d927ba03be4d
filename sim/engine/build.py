"""Wire a validated Model into SimPy runtimes for one replication."""

from __future__ import annotations

import functools
import itertools

from sim.distributions import Exponential
from sim.engine.arrivals import gap_function
from sim.engine.delivery import make_buffer
from sim.engine.reliability import Crashes, Effects, autoscaler_process, availability_process
from sim.engine.router import DelayedEdge, Router, TokenBucket
from sim.engine.routing import make_send
from sim.engine.sender import Sender, backoff_schedule
from sim.engine.service import Service
from sim.engine.trace import Tracer, trace_runtimes
from sim.engine.transit import PullTransit, with_broker_delay
from sim.model.spec import QueueSpec, RouterSpec, SenderSpec, ServiceSpec
from sim.rng import Purpose, generator

__all__ = ["build"]


class Streams:
    """The seeded streams of one replication, one per (node, purpose)."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed, self.replication = seed, replication

    def rng(self, node: str, purpose: Purpose, extra: int = 0):
        return generator(self.seed, self.replication, node, purpose, extra)

    def draw(self, dist, node: str, purpose: Purpose, extra: int = 0):
        return dist.stream(self.rng(node, purpose, extra))

    def uniform(self, node: str, purpose: Purpose, extra: int = 0):
        rng = self.rng(node, purpose, extra)
        chunks = (rng.random(4096).tolist() for _ in itertools.count())
        return functools.partial(next, itertools.chain.from_iterable(chunks))


def _bucket(env, limit):
    return TokenBucket(env, limit.rate, limit.burst) if limit is not None else None


def _sender(env, spec: SenderSpec, streams: Streams, warmup: float, tracked: bool) -> Sender:
    gaps = None
    if spec.trace is not None:
        gaps = gap_function(spec, None, env)
    elif not spec.is_closed:
        base = spec.interarrival or Exponential(mean=1.0 / spec.rate)
        gaps = gap_function(spec, streams.draw(base, spec.name, Purpose.ARRIVAL), env)
    think = streams.draw(spec.think, spec.name, Purpose.THINK) if spec.think is not None else None
    backoff = None
    if spec.retry.backoff is not None:
        backoff = backoff_schedule(spec.retry, streams.rng(spec.name, Purpose.RETRY))
    sender = Sender(env, spec, gaps=gaps, think=think, backoff=backoff, warmup=warmup,
                    tracked=tracked)
    sender.admit = _bucket(env, spec.rate_limit)
    return sender


_CLASSES: dict = {}


def service_class(crashes: bool, effects: bool, transit: bool) -> type:
    """The Service class with the behaviours a node needs (built once per combination)."""
    key = (crashes, effects, transit)
    if key not in _CLASSES:
        mixins = ((crashes, Crashes), (effects, Effects), (transit, PullTransit))
        bases = tuple(b for flag, b in mixins if flag)
        _CLASSES[key] = type("Service", bases + (Service,), {}) if bases else Service
    return _CLASSES[key]


def _buffer(env, name: str, spec, streams: Streams):
    buffer = make_buffer(env, name, spec, streams.uniform(name, Purpose.MISC))
    if spec.latency is not None:
        with_broker_delay(buffer, streams.draw(spec.latency, name, Purpose.LATENCY))
    return buffer


def _pulls_with_latency(model, name: str) -> bool:
    return any(e.latency is not None and isinstance(model.node(e.source), QueueSpec)
               for e in model.in_edges(name))


def _service(env, spec: ServiceSpec, streams: Streams, end: float, transit: bool) -> Service:
    own = _buffer(env, spec.name, spec.buffer, streams) if spec.buffer is not None else None
    cls = service_class(spec.availability is not None, not spec.idempotent, transit)
    service = cls(env, spec.name, spec.servers,
                  streams.draw(spec.service, spec.name, Purpose.SERVICE), own=own)
    if own is not None:
        own.consumers.append(service)
    if spec.error_rate > 0:
        service.plain = False
        service.error_rate = spec.error_rate
        service.error_draw = streams.uniform(spec.name, Purpose.ERROR)
    if spec.availability is not None:
        up = streams.draw(spec.availability.mtbf, spec.name, Purpose.FAILURE)
        down = streams.draw(spec.availability.mttr, spec.name, Purpose.REPAIR)
        env.process(availability_process(env, service, up, down, end))
    if spec.autoscale is not None:
        env.process(autoscaler_process(env, service, spec.autoscale, end))
    return service


def _runtime(env, model, spec, streams: Streams, warmup: float, end: float, tracked: bool):
    if isinstance(spec, SenderSpec):
        return _sender(env, spec, streams, warmup, tracked)
    if isinstance(spec, QueueSpec):
        return _buffer(env, spec.name, spec.buffer, streams)
    if isinstance(spec, ServiceSpec):
        return _service(env, spec, streams, end, _pulls_with_latency(model, spec.name))
    if isinstance(spec, RouterSpec):
        return Router(env, spec.name, admit=_bucket(env, spec.rate_limit))
    raise TypeError(f"unknown node spec {spec!r}")


def _connect_inputs(model, runtimes: dict, streams: Streams) -> None:
    for spec in model.nodes:
        if isinstance(spec, ServiceSpec) and spec.inputs:
            service = runtimes[spec.name]
            queues = [runtimes[name] for name in spec.inputs]
            for queue in queues:
                queue.consumers.append(service)
            if isinstance(service, PullTransit):
                service.transit = {runtimes[e.source]: streams.draw(
                    e.latency, f"{e.source}->{e.target}", Purpose.EDGE)
                    for e in model.in_edges(spec.name)
                    if e.latency is not None and e.source in spec.inputs}
            service.set_inputs(queues)
            service.plain = service.plain and not any(q.acknowledged for q in queues)


def _target(env, edge, runtimes: dict, streams: Streams):
    target = runtimes[edge.target]
    if edge.latency is None:
        return target
    draw = streams.draw(edge.latency, f"{edge.source}->{edge.target}", Purpose.EDGE)
    return DelayedEdge(env, target, draw)


def _connect_sends(env, model, runtimes: dict, streams: Streams) -> None:
    for spec in model.nodes:
        if isinstance(spec, QueueSpec):
            continue
        edges = model.out_edges(spec.name)
        targets = [_target(env, e, runtimes, streams) for e in edges]
        given = [e.p for e in edges]
        probs = given if edges and None not in given else [1.0 / max(len(edges), 1)] * len(edges)
        u = streams.uniform(spec.name, Purpose.ROUTING) if len(targets) > 1 else None
        runtime = runtimes[spec.name]
        runtime.send = make_send(spec.routing, targets, probs, u)
        if isinstance(runtime, Router):
            runtime.targets = targets


def build(env, model, seed: int, replication: int, warmup: float, end: float,
          trace=None) -> dict:
    """Runtimes of every node of ``model``, wired, keyed by node name (file order).

    Senders track each request (for duplicate side effects) when any service is not
    idempotent, or when ``trace`` (a TraceWriter and sampled fraction) is given;
    processes for crashes and autoscaling stop at ``end``.
    """
    streams = Streams(seed, replication)
    tracked = trace is not None or any(isinstance(n, ServiceSpec) and not n.idempotent
                                       for n in model.nodes)
    runtimes = {spec.name: _runtime(env, model, spec, streams, warmup, end, tracked)
                for spec in model.nodes}
    if trace is not None:
        writer, sample = trace
        tracer = Tracer(writer, replication, sample,
                        streams.uniform("trace", Purpose.MISC), warmup)
        trace_runtimes(runtimes, tracer)
    _connect_inputs(model, runtimes, streams)
    _connect_sends(env, model, runtimes, streams)
    return runtimes
