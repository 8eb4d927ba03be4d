"""How much work a run will take, estimated before it starts.

The work of a run is counted in node visits ("events"): each arrival at a node
(a request born at a sender, a message put on a queue, taken by a service,
passed by a router) costs the engine a handful of scheduler steps. From the
traffic equations (:func:`sim.analytic.network.traffic`)::

    events ~= sum over nodes of arrival_rate (1/s) x (warmup + duration) (s)
              x replications

computed sender by sender (requests sent x visits per request), so that a
trace, which is replayed once, counts its own length.

It is an estimate: retries, timeouts and losses change it, and ``warmup:
auto`` adds pilot runs it leaves out.

``EVENTS_PER_SECOND`` is the engine's speed in these units, measured on the
development machine (2 shared cores, Python 3.11, under load) by simulating
the shipped models for 200 to 4,000 simulated seconds: request_reply (timeouts,
retries) gave 3.0e4 visits per wall second, bounded_queue 7.8e4,
load_balancer_jsq 1.5e5, order_pipeline 3.9e5. The slowest is kept, so the
time shown is on the long side.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.analytic.network import traffic
from sim.model.settings import RunSettings

__all__ = ["Workload", "estimate", "EVENTS_PER_SECOND", "NOTICE_SECONDS", "MAX_EVENTS"]

EVENTS_PER_SECOND = 3.0e4   # node visits simulated per wall-clock second (see above)
NOTICE_SECONDS = 300.0      # a run estimated longer than this is announced first
MAX_EVENTS = 1e11           # about 39 days at EVENTS_PER_SECOND: refused, not attempted


class Workload(NamedTuple):
    """The estimated work of a run: ``events`` (node visits) and wall ``seconds``."""

    events: float
    seconds: float
    rate: float  # node visits per simulated second of one replication, over all nodes

    @property
    def feasible(self) -> bool:
        return self.events <= MAX_EVENTS

    @property
    def long(self) -> bool:
        return self.seconds > NOTICE_SECONDS


def estimate(model, settings: RunSettings | None = None) -> Workload:
    """The estimated work of simulating ``model`` with ``settings`` (default: its own).

    Each sender contributes the requests it sends in ``warmup + duration`` (rate x
    time; a trace sender the trace times in that window, since a trace is replayed
    once) times the node visits of each request (its ``visits``, the sender
    included). A warm-up of ``"auto"`` counts as none (its pilot runs are not
    estimated). An infinite rate or visit count (a loop with no exit) gives
    infinite events.
    """
    run = model.run if settings is None else settings
    span = (0.0 if run.warmup == "auto" else run.warmup) + run.duration
    rows = traffic(model)
    per_replication = 0.0
    for sender in model.senders:
        visits = math.fsum(row["visits"].get(sender.name, 0.0) for row in rows)
        if sender.trace is not None:
            requests = float(sum(1 for t in sender.trace if t <= span))
        else:
            row = next(row for row in rows if row["node"] == sender.name)
            requests = (row["arrival_rate"] or 0.0) * span
        if requests > 0:
            per_replication += requests * visits
    if math.isnan(per_replication):
        per_replication = math.inf
    events = per_replication * run.replications
    return Workload(events=events, seconds=events / EVENTS_PER_SECOND,
                    rate=per_replication / span)


def describe_seconds(seconds: float) -> str:
    """``"about 3 minutes"``-style wording of a wall time."""
    if math.isinf(seconds):
        return "forever"
    for unit, size in (("years", 365.25 * 86400.0), ("days", 86400.0), ("hours", 3600.0),
                       ("minutes", 60.0)):
        if seconds >= 2 * size:
            return f"about {seconds / size:.3g} {unit}"
    return f"about {max(seconds, 1):.0f} seconds"


def refusal(work: Workload, settings: RunSettings) -> str:
    """Why a run of this size is refused, with the duration that would fit."""
    warmup = 0.0 if settings.warmup == "auto" else settings.warmup
    per_second = work.rate * settings.replications
    total = MAX_EVENTS / per_second if 0 < per_second < math.inf else 0.0
    if total > warmup:
        hint = (f": a duration of at most {total - warmup:.3g} s fits with this warm-up and "
                f"{settings.replications} replications")
    elif total > 0:
        hint = f": warm-up plus duration of at most {total:.3g} s fits"
    else:
        hint = ": lower the arrival rates"
    return (f"the run would take about {work.events:.3g} events ({work.rate:.3g} node visits "
            f"per simulated second, {describe_seconds(work.seconds)} here), more than the "
            f"{MAX_EVENTS:g} a run may take{hint}")
