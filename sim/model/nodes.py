"""Node attribute dicts -> frozen node specs, one builder per kind (SPEC 2.2).

Each builder receives a :class:`~sim.model.checks.Ctx` naming the node, and the
raw attributes whose keys have already been checked against :data:`KIND_KEYS`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_type_hints

from sim.errors import nearest
from sim.model.checks import Ctx, is_number
from sim.model.spec import (DISCIPLINES, JITTERS, OVERFLOWS, ROUTINGS, Autoscale, Availability,
                            Backoff, BufferSpec, CircuitBreaker, Delivery, QueueSpec, RateLimit,
                            RetryBudget, RetrySpec, RouterSpec, SenderSpec, ServiceSpec)

__all__ = ["KINDS", "KIND_KEYS", "BUFFER_KEYS", "QUEUE_ONLY_KEYS", "ARRIVAL_KEYS",
           "DELIVERY_MODES", "AUTOSCALE_METRICS", "check_kind", "check_keys",
           "sender", "queue", "service", "router"]

BUFFER_KEYS = ("capacity", "overflow", "discipline", "ttl", "latency")
QUEUE_ONLY_KEYS = ("delivery", "partitions")  # broker features: not on a service's own buffer
ARRIVAL_KEYS = ("rate", "interarrival", "clients", "trace")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "sender": ("kind", "description", *ARRIVAL_KEYS, "think", "profile", "period", "timeout",
               "retry", "priority", "rate_limit", "circuit_breaker", "routing"),
    "queue": ("kind", "description", *BUFFER_KEYS, *QUEUE_ONLY_KEYS, "routing"),
    "service": ("kind", "description", "servers", "service", "error_rate", "availability",
                "idempotent", "autoscale", "inputs", "routing", *BUFFER_KEYS),
    "router": ("kind", "description", "rate_limit", "routing"),
}
KINDS = tuple(KIND_KEYS)


def _literal(cls: type, name: str) -> tuple[str, ...]:
    """The choices of a ``Literal`` field of a spec class, so the two cannot drift."""
    return get_args(get_type_hints(cls)[name])


DELIVERY_MODES = _literal(Delivery, "mode")
AUTOSCALE_METRICS = _literal(Autoscale, "metric")


def _get(attrs: Mapping, key: str, check: Callable[[str, Any], Any], default: Any = None) -> Any:
    """``check(key, attrs[key])`` when the key is given, else ``default``."""
    return check(key, attrs[key]) if key in attrs else default


def check_kind(ctx: Ctx, attrs: Mapping, suggest_from: Sequence[str] = ()) -> str:
    """The node's kind; a node with no attributes at all may be a misspelt reference,
    so its nearest defined name (``suggest_from``) is suggested."""
    if "kind" not in attrs:
        hint = nearest(ctx.node, suggest_from) if not attrs and ctx.node is not None else None
        raise ctx.error("kind", f"is required: one of {' | '.join(KINDS)}", suggestion=hint)
    return ctx.choice("kind", attrs["kind"], KINDS)


def check_keys(ctx: Ctx, kind: str, attrs: Mapping) -> None:
    """Refuse a key the kind does not take, naming the nearest key of this kind or
    the kind the key belongs to."""
    allowed = KIND_KEYS[kind]
    for key in attrs:
        if key in allowed:
            continue
        if kind == "service" and key in QUEUE_ONLY_KEYS:
            raise ctx.error(key, "only applies to a queue, not to a service's own buffer (put "
                                 "a queue in front of the service to use it)", value=attrs[key])
        owners = [k for k, keys in KIND_KEYS.items() if key in keys]
        if owners:
            raise ctx.error(None, f"unknown key {key!r} for a {kind} "
                                  f"(it applies to a {' or '.join(owners)})")
        ctx.known_keys({key: None}, allowed, f"a {kind}")


def _common(ctx: Ctx, attrs: Mapping) -> str:
    """Check ``description``; return the routing strategy."""
    _get(attrs, "description", ctx.string)
    return _get(attrs, "routing", lambda k, v: ctx.choice(k, v, ROUTINGS), "probabilistic")


# -- sender ------------------------------------------------------------------------------

def sender(ctx: Ctx, attrs: Mapping) -> SenderSpec:
    given = [k for k in ARRIVAL_KEYS if k in attrs]
    if not given:
        raise ctx.error(None, "a sender needs one of 'rate', 'interarrival', 'clients' or "
                              "'trace'")
    if len(given) > 1:
        raise ctx.error(given[1], f"cannot be given with {given[0]!r}: a sender takes exactly "
                                  "one of 'rate', 'interarrival', 'clients' or 'trace'",
                        value=attrs[given[1]])
    is_open = given[0] in ("rate", "interarrival")
    for key, allowed, what in (("think", given[0] == "clients", "a closed sender ('clients')"),
                               ("profile", is_open, "an open sender ('rate' or 'interarrival')"),
                               ("period", "profile" in attrs, "a sender with a 'profile'")):
        if key in attrs and not allowed:
            raise ctx.error(key, f"only applies to {what}", value=attrs[key])
    profile = _get(attrs, "profile", lambda k, v: _profile(ctx, v))
    return SenderSpec(
        name=ctx.node,
        rate=_get(attrs, "rate", lambda k, v: ctx.number(k, v, positive=True)),
        interarrival=_get(attrs, "interarrival",
                          lambda k, v: ctx.distribution(k, v, positive_mean=True)),
        clients=_get(attrs, "clients", lambda k, v: ctx.integer(k, v, low=1)),
        think=_get(attrs, "think", ctx.distribution),
        profile=profile,
        period=_get(attrs, "period", lambda k, v: _period(ctx, v, profile)),
        trace=_get(attrs, "trace", lambda k, v: _trace(ctx, v)),
        timeout=_get(attrs, "timeout", lambda k, v: ctx.number(k, v, positive=True)),
        retry=_get(attrs, "retry", lambda k, v: _retry(ctx, v), RetrySpec()),
        priority=_get(attrs, "priority", ctx.integer, 0),
        rate_limit=_get(attrs, "rate_limit", lambda k, v: rate_limit(ctx, v)),
        circuit_breaker=_get(attrs, "circuit_breaker", lambda k, v: _circuit_breaker(ctx, v)),
        routing=_common(ctx, attrs),
    )


def _profile(ctx: Ctx, value: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("profile", "must be a non-empty list of [t, multiplier] steps",
                        value=value)
    steps: list[tuple[float, float]] = []
    for i, step in enumerate(value):
        last = steps[-1][0] if steps else 0.0
        ok = isinstance(step, (list, tuple)) and len(step) == 2
        ok = ok and all(is_number(x) and math.isfinite(x) for x in step)
        if not (ok and step[0] >= last and step[1] >= 0):
            raise ctx.error(f"profile.{i}", f"must be a step [t, multiplier] with t >= {last:g} "
                                            "(times start at 0 or later and never decrease) "
                                            "and multiplier >= 0", value=step)
        steps.append((float(step[0]), float(step[1])))
    return tuple(steps)


def _period(ctx: Ctx, value: Any, profile: tuple[tuple[float, float], ...]) -> float:
    period = ctx.number("period", value, positive=True)
    last = profile[-1][0]
    if not period > last:
        raise ctx.error("period", f"must be greater than the last time of 'profile' ({last:g})",
                        value=value)
    return period


def _trace(ctx: Ctx, value: Any) -> tuple[float, ...]:
    if isinstance(value, str):
        times: Sequence[Any] = _read_trace(ctx, value)
    elif isinstance(value, (list, tuple)):
        times = value
    else:
        raise ctx.error("trace", "must be a list of arrival times or the path of a CSV file "
                                 "of them", value=value)
    if not times:
        raise ctx.error("trace", "must hold at least one arrival time", value=value)
    previous = 0.0
    for i, t in enumerate(times):
        if not (is_number(t) and math.isfinite(t) and t >= previous):
            raise ctx.error(f"trace.{i}", f"must be a time >= {previous:g} (arrival times start "
                                          "at 0 or later and never decrease)", value=t)
        previous = t
    return tuple(float(t) for t in times)


def _read_trace(ctx: Ctx, name: str) -> list[float]:
    """Arrival times from the first column of a CSV file; a header line is skipped."""
    path = Path(name)
    if not path.is_absolute() and ctx.base_dir is not None:
        path = Path(ctx.base_dir) / path
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ctx.error("trace", f"must be a readable CSV file of arrival times "
                                 f"({exc.__class__.__name__}: {path})", value=name) from None
    times: list[float] = []
    header_allowed = True
    for lineno, line in enumerate(lines, 1):
        field = line.split(",")[0].strip()
        if not field or field.startswith("#"):
            continue
        try:
            times.append(float(field))
        except ValueError:
            if not header_allowed:
                raise ctx.error("trace", f"must be a CSV file of arrival times, but line "
                                         f"{lineno} of {path} is not a number",
                                value=field) from None
        header_allowed = False
    return times


def _retry(ctx: Ctx, value: Any) -> RetrySpec:
    retry = ctx.mapping("retry", value)
    sub = ctx.sub("retry")
    sub.known_keys(retry, ("max_attempts", "backoff", "jitter", "budget"), "retry")
    attempts = sub.integer("max_attempts", sub.required(retry, "max_attempts", "a retry"), low=1)
    return RetrySpec(
        max_attempts=attempts,
        backoff=_get(retry, "backoff", lambda k, v: _backoff(sub, v)),
        jitter=_get(retry, "jitter", lambda k, v: sub.choice(k, v, JITTERS), "none"),
        budget=_get(retry, "budget", lambda k, v: _budget(sub, v)),
    )


def _budget(ctx: Ctx, value: Any) -> RetryBudget:
    """``retry.budget``: every key optional, defaults from :class:`RetryBudget`."""
    budget = ctx.mapping("budget", value)
    sub = ctx.sub("budget")
    sub.known_keys(budget, ("ratio", "min_per_second", "window"), "budget")
    default = RetryBudget()
    return RetryBudget(
        ratio=_get(budget, "ratio", sub.number, default.ratio),
        min_per_second=_get(budget, "min_per_second", sub.number, default.min_per_second),
        window=_get(budget, "window", lambda k, v: sub.number(k, v, positive=True),
                    default.window),
    )


def _backoff(ctx: Ctx, value: Any) -> Backoff:
    backoff = ctx.mapping("backoff", value)
    sub = ctx.sub("backoff")
    sub.known_keys(backoff, ("initial", "multiplier", "max"), "backoff")
    initial = sub.number("initial", sub.required(backoff, "initial", "a backoff"))
    return Backoff(initial=initial,
                   multiplier=_get(backoff, "multiplier",
                                   lambda k, v: sub.at_least(k, v, 1), 2.0),
                   max=_get(backoff, "max", sub.number, math.inf))


def _circuit_breaker(ctx: Ctx, value: Any) -> CircuitBreaker:
    """``circuit_breaker``: every key optional, defaults from :class:`CircuitBreaker`."""
    breaker = ctx.mapping("circuit_breaker", value)
    sub = ctx.sub("circuit_breaker")
    sub.known_keys(breaker, ("failure_ratio", "window", "min_calls", "cooldown", "probes"),
                   "circuit_breaker")
    default = CircuitBreaker()
    positive = lambda k, v: sub.number(k, v, positive=True)  # noqa: E731
    count = lambda k, v: sub.integer(k, v, low=1)  # noqa: E731
    return CircuitBreaker(
        failure_ratio=_get(breaker, "failure_ratio", sub.fraction, default.failure_ratio),
        window=_get(breaker, "window", positive, default.window),
        min_calls=_get(breaker, "min_calls", count, default.min_calls),
        cooldown=_get(breaker, "cooldown", positive, default.cooldown),
        probes=_get(breaker, "probes", count, default.probes),
    )


def rate_limit(ctx: Ctx, value: Any) -> RateLimit:
    """A token bucket ``{rate > 0, burst >= 1}``; ``burst`` defaults to 1."""
    limit = ctx.mapping("rate_limit", value)
    sub = ctx.sub("rate_limit")
    sub.known_keys(limit, ("rate", "burst"), "rate_limit")
    rate = sub.number("rate", sub.required(limit, "rate", "a rate_limit"), positive=True)
    return RateLimit(rate=rate, burst=_get(limit, "burst", lambda k, v: sub.at_least(k, v, 1),
                                           1.0))


# -- queue, service, router --------------------------------------------------------------

def buffer(ctx: Ctx, attrs: Mapping) -> BufferSpec:
    """A broker queue's or a service's own buffer from the queue keys."""
    return BufferSpec(
        capacity=_get(attrs, "capacity", lambda k, v: ctx.integer(k, v, inf=True), math.inf),
        overflow=_get(attrs, "overflow", lambda k, v: ctx.choice(k, v, OVERFLOWS), "reject"),
        discipline=_get(attrs, "discipline", lambda k, v: ctx.choice(k, v, DISCIPLINES),
                        "fifo"),
        ttl=_get(attrs, "ttl", lambda k, v: ctx.number(k, v, positive=True)),
        latency=_get(attrs, "latency", ctx.distribution),
    )


def queue(ctx: Ctx, attrs: Mapping) -> QueueSpec:
    """A broker queue: the buffer keys plus the broker-only ``delivery`` and ``partitions``."""
    own = buffer(ctx, attrs)
    delivery = _get(attrs, "delivery", lambda k, v: _delivery(ctx, v))
    partitions = _get(attrs, "partitions", lambda k, v: ctx.integer(k, v, low=1))
    if partitions is not None:
        _check_partitions(ctx, attrs, own, delivery)
    return QueueSpec(name=ctx.node,
                     buffer=dataclasses.replace(own, delivery=delivery, partitions=partitions),
                     routing=_common(ctx, attrs))


def _delivery(ctx: Ctx, value: Any) -> Delivery:
    """``delivery``: every key optional, defaults from :class:`Delivery`; the redelivery
    keys only mean something ``at_least_once``, so they are refused otherwise."""
    delivery = ctx.mapping("delivery", value)
    sub = ctx.sub("delivery")
    sub.known_keys(delivery, ("mode", "visibility_timeout", "max_receives"), "delivery")
    default = Delivery()
    mode = _get(delivery, "mode", lambda k, v: sub.choice(k, v, DELIVERY_MODES), default.mode)
    if mode != "at_least_once":
        for key in ("visibility_timeout", "max_receives"):
            if key in delivery:
                raise sub.error(key, f"only applies when 'delivery.mode' is at_least_once "
                                     f"(it is {mode}{'' if 'mode' in delivery else ' by default'})",
                                value=delivery[key])
    return Delivery(
        mode=mode,
        visibility_timeout=_get(delivery, "visibility_timeout",
                                lambda k, v: sub.number(k, v, positive=True),
                                default.visibility_timeout),
        max_receives=_get(delivery, "max_receives", lambda k, v: sub.integer(k, v, low=1),
                          default.max_receives),
    )


def _check_partitions(ctx: Ctx, attrs: Mapping, own: BufferSpec,
                      delivery: Delivery | None) -> None:
    """Partitions the engine cannot combine with redelivery or a non-fifo discipline."""
    given = attrs["partitions"]
    if delivery is not None and delivery.mode == "at_least_once":
        raise ctx.error("partitions", "cannot be combined with 'delivery.mode: at_least_once' "
                                      "on the same queue (engine limitation: a partitioned "
                                      "queue does not redeliver; drop one of them)", value=given)
    if own.discipline != "fifo":
        raise ctx.error("partitions", f"cannot be combined with 'discipline: "
                                      f"{own.discipline}' (engine limitation: a partitioned "
                                      "queue is consumed in fifo order only; drop one of them)",
                        value=given)


def service(ctx: Ctx, attrs: Mapping, inputs: tuple[str, ...], fed_directly: bool) -> ServiceSpec:
    """A service consuming from the queues ``inputs`` (already checked), with its own
    buffer when ``fed_directly`` by a sender, router or service."""
    dist = ctx.distribution("service", ctx.required(attrs, "service", "a service"))
    if not fed_directly:
        for key in BUFFER_KEYS:
            if key in attrs:
                raise ctx.error(key, "only applies to a service fed directly by a sender, router "
                                     "or service (set it on the queue that feeds this one)",
                                value=attrs[key])
    servers = _get(attrs, "servers", lambda k, v: ctx.integer(k, v, low=1, inf=True), 1)
    scale = _get(attrs, "autoscale", lambda k, v: _autoscale(ctx, v))
    if scale is not None:
        _check_initial_servers(ctx, attrs, servers, scale)
    return ServiceSpec(
        name=ctx.node,
        service=dist,
        servers=servers,
        inputs=inputs,
        buffer=buffer(ctx, attrs) if fed_directly else None,
        error_rate=_get(attrs, "error_rate", ctx.probability, 0.0),
        availability=_get(attrs, "availability", lambda k, v: _availability(ctx, v)),
        idempotent=_get(attrs, "idempotent", ctx.boolean, True),
        autoscale=scale,
        routing=_common(ctx, attrs),
    )


def _autoscale(ctx: Ctx, value: Any) -> Autoscale:
    """``autoscale``: every key optional, defaults from :class:`Autoscale`."""
    auto = ctx.mapping("autoscale", value)
    sub = ctx.sub("autoscale")
    sub.known_keys(auto, ("metric", "target", "min", "max", "interval", "cooldown", "startup"),
                   "autoscale")
    default = Autoscale()
    metric = _get(auto, "metric", lambda k, v: sub.choice(k, v, AUTOSCALE_METRICS),
                  default.metric)
    target = _get(auto, "target", lambda k, v: sub.number(k, v, positive=True), default.target)
    if metric == "utilization" and target > 1:
        raise sub.error("target", "must be a utilization in (0, 1] when 'autoscale.metric' is "
                                  "utilization (busy servers / servers never exceeds 1)",
                        value=auto["target"])
    low = _get(auto, "min", lambda k, v: sub.integer(k, v, low=1), default.min)
    high = _get(auto, "max", lambda k, v: sub.integer(k, v, low=1), default.max)
    if high < low:
        unset = "" if "max" in auto else f" (it defaults to {default.max} when not given)"
        raise sub.error("max", f"must be an integer >= 'autoscale.min' ({low}){unset}",
                        value=auto.get("max", high))
    return Autoscale(
        metric=metric, target=target, min=low, max=high,
        interval=_get(auto, "interval", lambda k, v: sub.number(k, v, positive=True),
                      default.interval),
        cooldown=_get(auto, "cooldown", sub.number, default.cooldown),
        startup=_get(auto, "startup", sub.number, default.startup),
    )


def _check_initial_servers(ctx: Ctx, attrs: Mapping, servers: float, scale: Autoscale) -> None:
    """``servers`` is the autoscaled pool's initial count: finite, within [min, max]."""
    given = attrs.get("servers", servers)
    if math.isinf(servers):
        raise ctx.error("servers", "must be a positive integer when 'autoscale' is given (an "
                                   "unbounded pool has nothing to scale; drop 'autoscale' or "
                                   "give a count)", value=given)
    if not scale.min <= servers <= scale.max:
        unset = "" if "servers" in attrs else " (it defaults to 1 when not given)"
        raise ctx.error("servers", f"is the initial count of an autoscaled pool, so it must lie "
                                   f"within 'autoscale.min' ({scale.min}) and 'autoscale.max' "
                                   f"({scale.max}){unset}", value=given)


def _availability(ctx: Ctx, value: Any) -> Availability:
    avail = ctx.mapping("availability", value)
    sub = ctx.sub("availability")
    sub.known_keys(avail, ("mtbf", "mttr"), "availability")
    return Availability(*(sub.distribution(k, sub.required(avail, k, "an availability"),
                                           positive_mean=True) for k in ("mtbf", "mttr")))


def router(ctx: Ctx, attrs: Mapping) -> RouterSpec:
    return RouterSpec(name=ctx.node,
                      rate_limit=_get(attrs, "rate_limit", lambda k, v: rate_limit(ctx, v)),
                      routing=_common(ctx, attrs))
