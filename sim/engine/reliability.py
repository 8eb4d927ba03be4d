"""Services that fail and services that scale: crashes and repairs (availability),
duplicate side effects of non-idempotent services, and target-tracking autoscaling.

Kept out of :mod:`sim.engine.service` so a plain service pays nothing for them.
"""

from __future__ import annotations

import math

from sim.engine.message import Msg, fail

__all__ = ["Crashes", "Effects", "availability_process", "autoscaler_process"]


class Crashes:
    """Mixin: a crash loses every message in service; buffered ones are kept.

    ``in_service`` is a dict (its values unused) so that a crash fails the messages in
    the order they started: a set would fail them in an order set by their memory
    addresses, and the retries they set off would draw in an order no seed fixes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.in_service: dict = {}
        self.crashes = 0
        self.lost = 0

    def begin(self, msg: Msg, source) -> None:
        self.in_service[msg] = None
        super().begin(msg, source)

    def _continue(self, msg: Msg, take, now: float) -> None:
        self.in_service[msg] = None
        super()._continue(msg, take, now)

    def _done(self, event) -> None:
        msg = event._value
        if msg not in self.in_service:
            return
        del self.in_service[msg]
        super()._done(event)

    def crash(self) -> None:
        now = self.env._now
        self.crashes += 1
        lost, self.in_service = self.in_service, {}
        self.busy_span += len(lost) * now
        self.busy -= len(lost)
        self.servers = 0
        for msg in lost:
            self.lost += 1
            if msg.rcpt is not None:
                msg.rcpt.lost(msg, "crash")
            else:
                fail(msg, "crash")

    def repair(self) -> None:
        self.servers = self.provisioned
        self.fill()


class Effects:
    """Mixin: count executions of a request beyond its first here (idempotent: false)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.duplicate_effects = 0

    def _done(self, event) -> None:
        self._count_effect(event._value.req)
        super()._done(event)

    def _count_effect(self, req) -> None:
        if req is None:
            return
        if req.seen is None:
            req.seen = {self}
        elif self in req.seen:
            self.duplicate_effects += req.counted
        else:
            req.seen.add(self)


def availability_process(env, service, up_draw, down_draw, horizon: float):
    """Up for an ``mtbf`` draw, down (all servers) for an ``mttr`` draw, repeatedly."""
    while env.now < horizon:
        yield env.timeout(up_draw())
        service.crash()
        yield env.timeout(down_draw())
        service.repair()


def _metric(service, spec, last_area: float, interval: float) -> tuple[float, float]:
    """(metric value, busy-area marker) for one evaluation of the autoscaler."""
    now = service.env.now
    area = service.busy_integral(now)
    used = area - last_area if area >= last_area else area
    servers = max(service.provisioned, 1)
    if spec.metric == "utilization":
        return used / (interval * servers), area
    waiting = sum(buf.n for buf in service.inputs)
    return (waiting + service.busy) / servers, area


def autoscaler_process(env, service, spec, horizon: float):
    """Target tracking: every ``interval`` s set servers to ceil(n * metric / target)
    within [min, max]; changes at least ``cooldown`` s apart; new servers start after
    ``startup`` s (they count as provisioned for the decision meanwhile)."""
    last_change = -math.inf
    starting = [0]
    area = 0.0
    while env.now < horizon:
        yield env.timeout(spec.interval)
        value, area = _metric(service, spec, area, spec.interval)
        current = service.provisioned + starting[0]
        desired = min(spec.max, max(spec.min, math.ceil(current * value / spec.target - 1e-9)))
        if desired == current or env.now - last_change < spec.cooldown:
            continue
        last_change = env.now
        if desired < current:
            service.provision(max(spec.min, service.provisioned - (current - desired)))
        elif spec.startup > 0:
            starting[0] += desired - current
            env.process(_start_servers(env, service, desired - current, spec.startup, starting))
        else:
            service.provision(desired)


def _start_servers(env, service, count: int, startup: float, starting: list):
    yield env.timeout(startup)
    starting[0] -= count
    service.provision(service.provisioned + count)
