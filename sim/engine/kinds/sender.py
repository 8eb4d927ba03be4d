"""Runtime of ``kind: sender``: arrival clock, retries, rate limit (sim.engine.sender)."""

from __future__ import annotations

import dataclasses

from sim.distributions import Exponential
from sim.engine.arrivals import gap_function
from sim.engine.classes import stamp
from sim.engine.kinds.base import KindRuntime, bucket
from sim.engine.kinds.routes import wire_sends
from sim.engine.hedging import HedgingSender
from sim.engine.scenario import rate_profile
from sim.engine.keys import key_draws, keyed_send
from sim.engine.sender import Sender, backoff_schedule
from sim.errors import ConservationError
from sim.rng import Purpose

__all__ = ["RUNTIME"]


def build(ctx, spec) -> Sender:
    env, streams = ctx.env, ctx.streams
    gaps = None
    if spec.trace is not None:
        gaps = gap_function(spec, None, env)
    elif not spec.is_closed:
        base = spec.interarrival or Exponential(mean=1.0 / spec.rate)
        timed = spec
        scenario = ctx.model.scenario
        if scenario is not None and scenario.touches(spec.name, "rate"):
            profile, period = rate_profile(spec, scenario.for_node(spec.name, "rate"), ctx.end)
            timed = dataclasses.replace(spec, profile=profile, period=period)
        gaps = gap_function(timed, streams.draw(base, spec.name, Purpose.ARRIVAL), env)
    think = streams.draw(spec.think, spec.name, Purpose.THINK) if spec.think is not None else None
    backoff = None
    if spec.retry.backoff is not None:
        backoff = backoff_schedule(spec.retry, streams.rng(spec.name, Purpose.RETRY))
    cls = Sender if spec.hedge is None else HedgingSender
    sender = cls(env, spec, gaps=gaps, think=think, backoff=backoff, warmup=ctx.warmup,
                 tracked=ctx.tracked)
    sender.admit = bucket(env, spec.rate_limit)
    return sender


def wire(ctx, spec, runtimes: dict) -> None:
    """Its routing; a keyed sender's ``send`` draws each new request's key first."""
    wire_sends(ctx, spec, runtimes)
    if ctx.model.classed:  # only then do messages carry a class (sim.engine.classes)
        rt = runtimes[spec.name]
        rt.send = stamp(rt.send, spec.cls)
    if spec.keys is not None:
        rt = runtimes[spec.name]
        rt.send = keyed_send(rt.send, key_draws(ctx.streams.rng(spec.name, Purpose.KEY),
                                                spec.keys))


def raw(rt) -> dict:
    return {"kind": "sender", "class": rt.spec.cls, "counts": rt.counts, "extras": rt.extras,
            "hedges": getattr(rt, "hedges", None),
            "hedge_wasted_work": getattr(rt, "hedge_wasted", None),
            "dead": dict(rt.dead), "latency": rt.latency, "wait": rt.wait}


def state(rt) -> tuple:
    return None, None, None, rt.completed


def check(name: str, rt) -> None:
    """offered = completed + failed + in_flight, in_flight >= 0 (docs/reference/results.md)."""
    c = rt.counts
    if c["offered"] != c["completed"] + c["failed"] + c["in_flight"] or c["in_flight"] < 0:
        raise ConservationError(f"sender {name!r}: offered {c['offered']} != completed "
                                f"{c['completed']} + failed {c['failed']} + in_flight "
                                f"{c['in_flight']}")


RUNTIME = KindRuntime(build=build, wire=wire, raw=raw, state=state,
                      samples=lambda rt: [rt.latency, rt.wait], start=lambda rt: rt.start(),
                      check=check, traced=lambda rt: [(rt, "sender", False)])
