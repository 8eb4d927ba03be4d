"""Keys shared by several kinds, declared once: ``kind``, ``description``, ``routing``,
``rate_limit`` and the buffer keys of a queue and of a service's own buffer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sim.distributions import Distribution
from sim.model.keys import Key
from sim.model.checks import Ctx, is_number
from sim.model.spec import DISCIPLINES, OVERFLOWS, ROUTINGS, BufferSpec, RateLimit, Shed

__all__ = ["kind_key", "DESCRIPTION", "ROUTING", "REPLICAS", "replicas_of", "QUORUM", "RATE_LIMIT", "BUFFER_KEYS", "BUFFER_NAMES",
           "buffer_spec", "rate_limit_spec"]


def kind_key(name: str) -> Key:
    """The ``kind`` key of a kind's table: required, naming the kind."""
    return Key("kind", "choice", f"The node's kind: {name}.", required=True, choices=(name,))


DESCRIPTION = Key("description", "string",
                  "Free text for people reading the model; the simulation ignores it.")

ROUTING = Key(
    "routing", "choice",
    "How a node with several outgoing edges picks where a message goes: probabilistic "
    "(by each edge's p; an equal split when no edge has one), round_robin, random, "
    "least_loaded (join the shortest queue), "
    "power_of_two (the less loaded of two successors picked at random) or broadcast "
    "(a copy to every successor; the request completes when every copy has) or "
    "consistent_hash (each key to the same successor, by a hash ring with replicas "
    "virtual nodes per successor; needs keyed requests).",
    default="probabilistic", choices=ROUTINGS)

REPLICAS = Key("replicas", "integer",
               "Virtual nodes per successor on the consistent-hash ring: more spread keys "
               "more evenly.", default=100, low=1, high=10_000,
               high_why="the ring holds successors x replicas points",
               note="only with routing: consistent_hash")


def replicas_of(ctx: Ctx, values: Mapping[str, Any], attrs: Mapping) -> int:
    """``replicas`` from checked values; refused unless routing is consistent_hash."""
    if "replicas" in attrs and values["routing"] != "consistent_hash":
        raise ctx.error("replicas", f"only applies with 'routing: consistent_hash' (it is "
                                    f"{values['routing']})", value=attrs["replicas"])
    return values["replicas"]


QUORUM = Key(
    "quorum", "integer",
    "With routing: broadcast, the request goes on when this many of the copies sent "
    "from here have completed (the others' work is wasted); it fails once so many copies "
    "have failed that the quorum cannot be met.",
    default_text="every copy", low=1, unit="copies",
    note="with routing: broadcast, at most its number of outgoing edges")

RATE_LIMIT = Key(
    "rate_limit", "mapping",
    "A token bucket in front of the node: a request arriving when no token is left is "
    "rejected at once.",
    default_text="no limit",
    keys=(Key("rate", "number", "Tokens added per second: the sustained rate allowed.",
              unit="1/s", low=0, low_open=True, required=True),
          Key("burst", "number", "Most tokens the bucket holds: the burst allowed at once.",
              default=1.0, unit="requests", low=1)))

_TTL_JSON = {"anyOf": [{"type": "number", "exclusiveMinimum": 0},
                       {"$ref": "#/$defs/distribution"}]}
_BALK_JSON = {"type": "array", "minItems": 1,
              "items": {"type": "array",
                        "prefixItems": [{"type": "integer", "minimum": 0},
                                        {"type": "number", "minimum": 0, "maximum": 1}],
                        "minItems": 2, "maxItems": 2}}

BUFFER_KEYS: tuple[Key, ...] = (
    Key("capacity", "integer",
        "Most messages waiting (not counting those in service); 0 makes a loss system.",
        default=float("inf"), default_text="inf (unbounded)", unit="messages", low=0, inf=True),
    Key("overflow", "choice",
        "What a full buffer does with a new message: reject it, drop_oldest (drop the "
        "message that has waited longest and take the new one) or block (hold the "
        "producer until there is room: backpressure).",
        default="reject", choices=OVERFLOWS),
    Key("discipline", "choice",
        "Order in which waiting messages are taken: fifo, lifo, priority (the "
        "sender's priority: lower is served first) or adaptive_lifo (fifo while at most "
        "lifo_above messages wait, lifo beyond, as Facebook's adaptive LIFO). On a service "
        "fed directly, also preemptive (preemptive-resume priority: an arrival of higher "
        "priority takes a server from the lowest-priority message in service, which "
        "waits again and later resumes its remaining work) or ps (processor sharing: "
        "nothing waits, and n messages in service on c servers each progress at rate "
        "min(1, c / n)).",
        default="fifo", choices=DISCIPLINES),
    Key("lifo_above", "integer",
        "The queue length beyond which adaptive_lifo serves the newest message first.",
        unit="messages", low=0, note="with discipline: adaptive_lifo, where it is required"),
    Key("ttl", "custom",
        "A message waiting longer than this expires (the attempt fails, cause expired). "
        "A number is the same for every message; a distribution is each message's "
        "patience, drawn when it arrives (reneging, as impatient customers).",
        default_text="none (never expires)", unit="s", json=_TTL_JSON,
        type_text="positive number or distribution"),
    Key("balk", "custom",
        "Balking: [[n, p], ...] with n increasing; an arriving message is refused (cause "
        "balked) with probability p when n or more messages are waiting, the entry with "
        "the largest n not above the number waiting applying.",
        default_text="none (never balks)", json=_BALK_JSON,
        type_text="list of [waiting, probability]"),
    Key("latency", "distribution",
        "The broker's delay before a message that arrived can be taken.",
        default_text="0", unit="s"),
    Key("shed", "mapping",
        "CoDel load shedding (Nichols & Jacobson 2012, RFC 8289): when a message is taken, "
        "if the waits of the messages taken have stayed above target for at least interval, "
        "it is dropped (cause shed) and the next one is examined; while dropping, the next "
        "drop comes interval / sqrt(count) after the last; a wait below target, or taking the last "
        "waiting message (never dropped), ends the dropping.",
        default_text="none (never shed)",
        keys=(Key("target", "number", "The standing wait tolerated: waits at or above it for interval start the "
                  "dropping.", unit="s",
                  low=0, low_open=True, required=True),
              Key("interval", "number", "How long waits must stay above target before the "
                  "first drop; also the base of the drop spacing.", default=0.1, unit="s",
                  low=0, low_open=True))),
)
BUFFER_NAMES = tuple(k.name for k in BUFFER_KEYS)


def buffer_spec(values: Mapping[str, Any], ctx: Ctx | None = None,
                attrs: Mapping | None = None) -> BufferSpec:
    """A buffer from the checked values of :data:`BUFFER_KEYS`; with ``ctx`` and the raw
    ``attrs``, ``lifo_above`` is required with ``discipline: adaptive_lifo`` and refused
    with any other discipline."""
    if ctx is not None:
        adaptive = values["discipline"] == "adaptive_lifo"
        if adaptive and values["lifo_above"] is None:
            raise ctx.error("lifo_above", "is required with 'discipline: adaptive_lifo' (the "
                                          "queue length beyond which the newest is served "
                                          "first, e.g. lifo_above: 10)")
        if not adaptive and values["lifo_above"] is not None:
            raise ctx.error("lifo_above", f"only applies with 'discipline: adaptive_lifo' (it "
                                          f"is {values['discipline']})",
                            value=(attrs or {}).get("lifo_above"))
    shed = values["shed"]
    fields = {name: values[name] for name in BUFFER_NAMES}
    fields["shed"] = None if shed is None else Shed(**shed)
    if ctx is not None:
        fields["ttl"] = _ttl(ctx, values["ttl"])
        fields["balk"] = _balk(ctx, values["balk"])
    return BufferSpec(**fields)


def _ttl(ctx: Ctx, value: Any) -> float | Distribution | None:
    """A positive number (the same ttl for all), or a distribution of patience with a
    positive mean (one draw per message)."""
    if value is None or isinstance(value, Distribution):
        return value
    if isinstance(value, Mapping):
        return ctx.distribution("ttl", value, positive_mean=True)
    return ctx.number("ttl", value, positive=True)


def _balk(ctx: Ctx, value: Any) -> tuple[tuple[int, float], ...] | None:
    """``[[n, p], ...]``: n non-negative integers, strictly increasing; p in [0, 1]."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("balk", "must be a non-empty list of [waiting, probability] points, "
                                "e.g. [[5, 0.5], [10, 1]]", value=value)
    points: list[tuple[int, float]] = []
    for i, point in enumerate(value):
        last = points[-1][0] if points else None
        ok = isinstance(point, (list, tuple)) and len(point) == 2
        ok = ok and is_count(point[0]) and is_number(point[1]) and 0 <= point[1] <= 1
        ok = ok and (last is None or point[0] > last)
        if not ok:
            after = "" if last is None else f" greater than the previous one ({last})"
            raise ctx.error(f"balk.{i}", f"must be a point [waiting, probability] with waiting "
                                         f"an integer >= 0{after} and probability in [0, 1]",
                            value=point)
        points.append((int(point[0]), float(point[1])))
    return tuple(points)


def is_count(value: Any) -> bool:
    """A non-negative integer (a float with an integral value counts; a bool does not)."""
    return (is_number(value) and math.isfinite(value) and value >= 0
            and float(value).is_integer())


def rate_limit_spec(values: Mapping[str, Any] | None) -> RateLimit | None:
    """The token bucket from the checked values of ``rate_limit``, or None."""
    return None if values is None else RateLimit(rate=values["rate"], burst=values["burst"])
