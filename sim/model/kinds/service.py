"""``service``: a worker pool, receiver or callback handler. Its keys, its cross-key
rules (its own buffer only when fed directly, ``inputs``, autoscaling), its spec."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Literal, get_args, get_type_hints

from sim.errors import nearest
from sim.model.checks import Ctx, is_number
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.kinds.common import (BUFFER_KEYS, BUFFER_NAMES, DESCRIPTION, QUORUM,
                                    REPLICAS, ROUTING, buffer_spec, kind_key, replicas_of)
from sim.model.class_keys import service_law
from sim.distributions import Distribution
from sim.model.spec import (SERVICE_DISCIPLINES, Autoscale, Availability, Batch, BufferSpec,
                            Routing)

__all__ = ["SERVICE", "ServiceSpec", "AUTOSCALE_METRICS", "MAX_SERVERS"]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A worker pool: ``servers`` (int, or ``math.inf``) each taking ``service`` seconds.

    ``inputs`` lists the queues it consumes from in strict priority order.
    ``buffer`` is its own buffer, present when anything other than a queue feeds it.
    ``slowdown`` is ``((u, m), ...)`` by increasing utilisation u: each service time is
    multiplied by m, interpolated linearly in u (constant beyond the ends).
    ``uses`` names the pools of which it holds one unit each per execution, acquired in
    that order after taking a server.
    ``by_class`` gives the service time of some request classes, ``(class, law)`` in
    file order; ``service`` is then the ``default`` law, or (``has_default`` False,
    every class reaching the node listed) the first class's.
    """

    name: str
    service: Distribution
    servers: float = 1
    inputs: tuple[str, ...] = ()
    buffer: BufferSpec | None = None
    error_rate: float = 0.0
    availability: Availability | None = None
    idempotent: bool = True
    autoscale: Autoscale | None = None
    routing: Routing = "probabilistic"
    slowdown: tuple[tuple[float, float], ...] | None = None
    uses: tuple[str, ...] = ()
    batch: Batch | None = None
    by_class: tuple[tuple[str, Distribution], ...] | None = None
    has_default: bool = True
    replicas: int = 100
    quorum: int | None = None
    kind: Literal["service"] = "service"

    def law_of(self, cls: str) -> Distribution:
        """The service time of a request of class ``cls`` (``by_class``, else
        ``service``: the default)."""
        if self.by_class is not None:
            for name, law in self.by_class:
                if name == cls:
                    return law
        return self.service

    @property
    def discipline(self) -> str:
        """How its servers serve: ``preemptive`` or ``ps`` (its own buffer's
        discipline), else ``fifo`` (one message per server, to the end)."""
        d = self.buffer.discipline if self.buffer is not None else "fifo"
        return d if d in SERVICE_DISCIPLINES else "fifo"


AUTOSCALE_METRICS: tuple[str, ...] = get_args(get_type_hints(Autoscale)["metric"])
MAX_SERVERS = 1_000_000
_SERVERS_WHY = ("a finite pool is tracked server by server; for an unbounded pool give inf")
_BROKER_ONLY = ("only applies to a queue, not to a service's own buffer (put a queue in "
                "front of the service to use it)")

AUTOSCALE = Key(
    "autoscale", "mapping",
    "Target tracking: every interval the metric is compared with target and the pool "
    "resized to ceil(servers * metric / target), within [min, max]. Scaling out waits "
    "cooldown after the last change and new servers start startup seconds later; "
    "scaling in is immediate (a busy server retires after its message). 'servers' is "
    "the initial count.",
    default_text="none (a fixed pool)",
    keys=(Key("metric", "choice", "utilization (mean busy servers / servers over the "
              "interval) or queue_length (messages waiting per server, now).",
              default="utilization", choices=AUTOSCALE_METRICS),
          Key("target", "number", "The metric's target; a utilization is at most 1.",
              default=0.7, low=0, low_open=True),
          Key("min", "integer", "Fewest servers.", default=1, low=1, high=MAX_SERVERS,
              high_why=_SERVERS_WHY),
          Key("max", "integer", "Most servers.", default=100, low=1, high=MAX_SERVERS,
              high_why=_SERVERS_WHY),
          Key("interval", "number", "Time between two evaluations.", default=30.0, unit="s",
              low=0, low_open=True),
          Key("cooldown", "number", "Least time between a change and the next scale-out.",
              default=60.0, unit="s", low=0),
          Key("startup", "number", "Delay before a new server takes messages.", default=0.0,
              unit="s", low=0)))

AVAILABILITY = Key(
    "availability", "mapping",
    "Failures and repairs: the service runs for an mtbf draw, then is down for an mttr "
    "draw; messages in service when it goes down are lost.",
    default_text="always up",
    keys=(Key("mtbf", "distribution", "Time up between failures.", unit="s", required=True,
              positive_mean=True),
          Key("mttr", "distribution", "Time to repair.", unit="s", required=True,
              positive_mean=True)))

_SLOWDOWN_JSON = {"type": "array", "minItems": 1,
                  "items": {"type": "array",
                            "prefixItems": [{"type": "number", "minimum": 0, "maximum": 1},
                                            {"type": "number", "exclusiveMinimum": 0}],
                            "minItems": 2, "maxItems": 2}}

SLOWDOWN = Key(
    "slowdown", "custom",
    "Service time as a function of load: [[u, m], ...] with u increasing in [0, 1] and "
    "m > 0; each service time is multiplied by m, interpolated linearly in the "
    "utilisation u = (servers busy with other messages) / servers when the message takes "
    "its server, and constant beyond the first and last points. One server always sees "
    "u = 0; servers: inf sees u = 0.",
    default_text="none (service times do not depend on load)", json=_SLOWDOWN_JSON,
    type_text="list of [u, multiplier]")

BATCH = Key(
    "batch", "mapping",
    "Batched service: a free server takes up to size messages at once, waiting at most "
    "window seconds after the first for more (0: it takes what is waiting); the batch "
    "takes the service time plus per_item for each message, and all its messages "
    "complete together. With error_rate the whole batch fails unless partial.",
    keys=(Key("size", "integer", "Most messages in one batch.", unit="messages", low=1,
              high=MAX_SERVERS, high_why="a batch is held in memory", required=True),
          Key("window", "number", "Longest wait for a full batch after its first message.",
              unit="s", low=0, default=0.0),
          Key("per_item", "distribution", "Extra time per message in the batch.", unit="s",
              default_text="none (0)"),
          Key("partial", "boolean", "true: each message of a batch fails on its own (with "
              "error_rate); false: the whole batch fails together.", default=False)),
    default_text="none (one message at a time)")

KEYS: tuple[Key, ...] = (
    kind_key("service"),
    DESCRIPTION,
    Key("servers", "integer", "Messages processed at once; inf for an unbounded pool.",
        default=1, unit="servers", low=1, inf=True, high=MAX_SERVERS, high_why=_SERVERS_WHY),
    Key("service", "custom", "Time one server takes to process one message: a "
        "distribution, or {by_class: {class: distribution, ...}, default: distribution} "
        "for a time that depends on the request's class (default serves the classes not "
        "listed; without it every class reaching the service must be listed).",
        unit="s", required=True, type_text="distribution, or by_class mapping",
        json={"anyOf": [{"$ref": "#/$defs/distribution"},
                        {"type": "object", "required": ["by_class"],
                         "additionalProperties": False,
                         "properties": {
                             "by_class": {"type": "object", "minProperties": 1,
                                          "additionalProperties":
                                              {"$ref": "#/$defs/distribution"}},
                             "default": {"$ref": "#/$defs/distribution"}}}]}),
    Key("error_rate", "probability", "Probability that processing a message fails.",
        default=0.0),
    AVAILABILITY,
    Key("idempotent", "boolean", "false makes a duplicate execution (after a retry or a "
        "redelivery) count as a duplicate side effect.", default=True),
    AUTOSCALE,
    Key("inputs", "custom", "The queues it consumes from, in strict priority order (the "
        "first is emptied first).", default_text="edge order",
        json={"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        type_text="list of queue names"),
    ROUTING,
    REPLICAS,
    QUORUM,
    SLOWDOWN,
    BATCH,
    Key("uses", "custom", "Pools (kind: pool) of which each execution holds one unit: "
        "acquired in this order after the message takes a server and before its service "
        "time (waiting for a unit holds the server, counted in held), released when the "
        "execution, sync calls included, ends.", default_text="none",
        json={"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        type_text="list of pool names"),
    *(dataclasses.replace(k, note="only on a service fed directly (not by queues)")
      for k in BUFFER_KEYS),
)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> ServiceSpec:
    """The service's spec: its queues from ``wiring`` (a buffer of its own when anything
    else feeds it too), ``servers`` within the autoscaling bounds."""
    ctx.required(attrs, "service", "a service")
    queues = [name for name, kind in wiring.feeders if kind == "queue"]
    fed_directly = len(queues) < len(wiring.feeders)
    if not fed_directly:
        for key in BUFFER_NAMES:
            if key in attrs:
                raise ctx.error(key, "only applies to a service fed directly by a sender, router "
                                     "or service (set it on the queue that feeds this one)",
                                value=attrs[key])
    v = read(ctx, KEYS, attrs, "service", skip=("kind",))
    scale = None if v["autoscale"] is None else _autoscale(ctx, attrs["autoscale"],
                                                           v["autoscale"])
    if scale is not None:
        _check_initial_servers(ctx, attrs, v["servers"], scale)
    avail = v["availability"]
    if avail is not None and "uses" in attrs:
        raise ctx.error("uses", "cannot be combined with 'availability' yet (a crash would "
                                "have to give back the units of the executions it loses)",
                        value=attrs["uses"])
    service, by_class, has_default = service_law(ctx, v["service"])
    batch = v["batch"]
    if batch is not None:
        for key, why in (("uses", "pools"), ("availability", "crashes"),
                         ("slowdown", "slowdown")):
            if key in attrs:
                raise ctx.error("batch", f"cannot be combined with {key!r} ({why} of batches "
                                         f"are not modelled)", value=attrs["batch"])
    own = buffer_spec(v, ctx, attrs) if fed_directly else None
    if own is not None and own.discipline in SERVICE_DISCIPLINES:
        _check_discipline(ctx, attrs, own)
    return ServiceSpec(
        name=ctx.node, service=service, by_class=by_class, has_default=has_default,
        servers=v["servers"],
        inputs=_inputs(ctx, attrs, queues), buffer=own, quorum=v["quorum"],
        error_rate=v["error_rate"],
        availability=None if avail is None else Availability(avail["mtbf"], avail["mttr"]),
        idempotent=v["idempotent"], autoscale=scale, routing=v["routing"],
        slowdown=None if v["slowdown"] is None else _slowdown(ctx, v["slowdown"]),
        uses=_uses(ctx, attrs, wiring.kinds), replicas=replicas_of(ctx, v, attrs),
        batch=None if batch is None else Batch(int(batch["size"]), batch["window"],
                                               batch["per_item"], batch["partial"]))


_PS_WAITLESS = ("capacity", "overflow", "ttl", "balk", "shed", "latency")
_SERVING_ALONE = ("availability", "uses", "slowdown", "autoscale")


def _check_discipline(ctx: Ctx, attrs: Mapping, own: BufferSpec) -> None:
    """``preemptive`` and ``ps`` change how servers serve: keys about waiting mean
    nothing under ps (nothing waits), and the engine does not combine either with
    crashes, pools, slowdown or autoscaling, nor preemption with expiry or shedding."""
    d = own.discipline
    if attrs.get("idempotent") is False:
        raise ctx.error("idempotent", f"false cannot be combined with 'discipline: {d}' "
                                      "(engine limitation: duplicate effects are not counted "
                                      "there; drop one of them)", value=False)
    for key in _SERVING_ALONE:
        if key in attrs:
            raise ctx.error(key, f"cannot be combined with 'discipline: {d}' (engine "
                                 "limitation; drop one of them)", value=attrs[key])
    refused = _PS_WAITLESS if d == "ps" else ("ttl", "shed")
    for key in refused:
        if key in attrs:
            why = ("under processor sharing every message is in service at once, so "
                   "nothing waits" if d == "ps" else "engine limitation: a preempted "
                   "message would wait again")
            raise ctx.error(key, f"cannot be combined with 'discipline: {d}' ({why}; "
                                 "drop one of them)", value=attrs[key])


def _uses(ctx: Ctx, attrs: Mapping, kinds: Mapping[str, str]) -> tuple[str, ...]:
    """The pools named in ``uses``: a list of distinct names of nodes of kind pool."""
    if "uses" not in attrs:
        return ()
    given = attrs["uses"]
    pools = [name for name, kind in kinds.items() if kind == "pool"]
    known = ", ".join(map(repr, pools)) or "none in this model"
    if not isinstance(given, (list, tuple)):
        raise ctx.error("uses", f"must be a list of pool names (pools: {known})", value=given)
    seen: set = set()
    for name in given:
        if not isinstance(name, str) or name not in kinds:
            raise ctx.error("uses", f"must name pools of this model (pools: {known})",
                            value=name, suggestion=nearest(str(name), pools))
        if kinds[name] != "pool":
            raise ctx.error("uses", f"must name pools, and {name!r} is a {kinds[name]} "
                                    f"(pools: {known})", value=name)
        if name in seen:
            raise ctx.error("uses", "must name each pool once (one unit of each is held)",
                            value=name)
        seen.add(name)
    return tuple(given)


def _slowdown(ctx: Ctx, value) -> tuple[tuple[float, float], ...]:
    """``[[u, m], ...]``: u in [0, 1] strictly increasing, m > 0, finite numbers."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("slowdown", "must be a non-empty list of [u, multiplier] points, "
                                    "e.g. [[0.5, 1], [1, 3]]", value=value)
    points: list[tuple[float, float]] = []
    for i, point in enumerate(value):
        last = points[-1][0] if points else None
        ok = isinstance(point, (list, tuple)) and len(point) == 2
        ok = ok and all(is_number(x) and math.isfinite(x) for x in point)
        ok = ok and 0 <= point[0] <= 1 and point[1] > 0 and (last is None or point[0] > last)
        if not ok:
            after = "" if last is None else f", greater than the previous u ({last:g})"
            raise ctx.error(f"slowdown.{i}", f"must be a point [u, multiplier] with u in [0, 1]"
                                             f"{after} and multiplier > 0", value=point)
        points.append((float(point[0]), float(point[1])))
    return tuple(points)


def _autoscale(ctx: Ctx, raw: Mapping, values: Mapping) -> Autoscale:
    """A utilization target is at most 1; ``max`` is at least ``min``."""
    sub = ctx.sub("autoscale")
    if values["metric"] == "utilization" and values["target"] > 1:
        raise sub.error("target", "must be a utilization in (0, 1] when 'autoscale.metric' is "
                                  "utilization (busy servers / servers never exceeds 1)",
                        value=raw["target"])
    if values["max"] < values["min"]:
        unset = "" if "max" in raw else f" (it defaults to {values['max']} when not given)"
        raise sub.error("max", f"must be an integer >= 'autoscale.min' ({values['min']}){unset}",
                        value=raw.get("max", values["max"]))
    return Autoscale(**values)


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


def _inputs(ctx: Ctx, attrs: Mapping, queues: list[str]) -> tuple[str, ...]:
    """The queues a service consumes from, in strict priority order."""
    if "inputs" not in attrs:
        return tuple(queues)
    given = attrs["inputs"]
    feeding = ", ".join(map(repr, queues)) or "none"
    if not isinstance(given, (list, tuple)):
        raise ctx.error("inputs", f"must be a list of the queues that feed it ({feeding})",
                        value=given)
    seen: set = set()
    for q in given:
        if q not in queues:
            raise ctx.error("inputs", f"must list only queues with an edge to {ctx.node!r} "
                                      f"({feeding})", value=q,
                            suggestion=nearest(str(q), queues))
        if q in seen:
            raise ctx.error("inputs", "must list each queue once", value=q)
        seen.add(q)
    missing = [q for q in queues if q not in seen]
    if missing:
        raise ctx.error("inputs", f"must list every queue that feeds {ctx.node!r}: "
                                  f"{missing[0]!r} is missing", value=list(given))
    return tuple(given)


SERVICE = Kind(
    name="service",
    summary="A receiver, worker pool or callback handler: `servers` process messages at "
            "once, each taking a `service` draw. A service fed by queues pulls from them "
            "(in the order of `inputs`); a service fed by anything else has a buffer of its "
            "own and takes the buffer keys directly.",
    keys=KEYS,
    build=build,
    refused={"delivery": _BROKER_ONLY, "partitions": _BROKER_ONLY},
)
