"""Wire a validated Model into SimPy runtimes for one replication.

Every kind-specific step goes through the registry :data:`sim.engine.kinds.RUNTIMES`
(keyed by the validated kind): build each runtime, then wire each one (a consumer
to its queues, every node but a queue to its successors; each stream is keyed by
node and purpose, so the order of wiring does not change a draw). This runs once
per replication, never per message.
"""

from __future__ import annotations

from sim.engine.kinds import Context, Streams, runtime_of
from sim.engine.kinds.service import service_class
from sim.engine.router import Hops
from sim.engine.scenario import start_scenario
from sim.engine.trace import Tracer, trace_runtimes
from sim.rng import Purpose

__all__ = ["build", "Streams", "service_class"]


def build(env, model, seed: int, replication: int, warmup: float, end: float,
          trace=None) -> dict:
    """Runtimes of every node of ``model``, wired, keyed by node name (file order).

    Senders track each request (for duplicate side effects) when any service is not
    idempotent, or when ``trace`` (a TraceWriter and sampled fraction) is given;
    processes for crashes and autoscaling stop at ``end``.
    """
    streams = Streams(seed, replication)
    tracked = trace is not None or any(not getattr(n, "idempotent", True)
                                       for n in model.nodes)
    ctx = Context(env=env, model=model, streams=streams, warmup=warmup, end=end,
                  tracked=tracked, hops=Hops())
    kinds = [(spec, runtime_of(spec)) for spec in model.nodes]
    runtimes = {spec.name: kind.build(ctx, spec) for spec, kind in kinds}
    tracer = None
    if trace is not None:  # before wiring, so that wiring binds the traced methods
        writer, sample = trace
        tracer = Tracer(writer, replication, sample,
                        streams.uniform("trace", Purpose.MISC), warmup)
        _trace(kinds, runtimes, tracer)
    for spec, kind in kinds:
        kind.wire(ctx, spec, runtimes)
    if tracer is not None:  # and the parts that wiring made (call edges)
        _trace(kinds, runtimes, tracer)
    start_scenario(ctx, runtimes)
    return runtimes


def _trace(kinds, runtimes: dict, tracer) -> None:
    trace_runtimes([part for spec, kind in kinds for part in kind.traced(runtimes[spec.name])
                    if getattr(part[0], "tracer", None) is not tracer], tracer)
