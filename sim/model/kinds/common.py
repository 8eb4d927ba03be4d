"""Keys shared by several kinds, declared once: ``kind``, ``description``, ``routing``,
``rate_limit`` and the buffer keys of a queue and of a service's own buffer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.model.keys import Key
from sim.model.spec import DISCIPLINES, OVERFLOWS, ROUTINGS, BufferSpec, RateLimit

__all__ = ["kind_key", "DESCRIPTION", "ROUTING", "RATE_LIMIT", "BUFFER_KEYS", "BUFFER_NAMES",
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
    "(a copy to every successor; the request completes when every copy has).",
    default="probabilistic", choices=ROUTINGS)

RATE_LIMIT = Key(
    "rate_limit", "mapping",
    "A token bucket in front of the node: a request arriving when no token is left is "
    "rejected at once.",
    default_text="no limit",
    keys=(Key("rate", "number", "Tokens added per second: the sustained rate allowed.",
              unit="1/s", low=0, low_open=True, required=True),
          Key("burst", "number", "Most tokens the bucket holds: the burst allowed at once.",
              default=1.0, unit="requests", low=1)))

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
        "Order in which waiting messages are taken: fifo, lifo, or priority (the "
        "sender's priority: lower is served first).",
        default="fifo", choices=DISCIPLINES),
    Key("ttl", "number", "A message waiting longer than this expires (the attempt fails).",
        default_text="none (never expires)", unit="s", low=0, low_open=True),
    Key("latency", "distribution",
        "The broker's delay before a message that arrived can be taken.",
        default_text="0", unit="s"),
)
BUFFER_NAMES = tuple(k.name for k in BUFFER_KEYS)


def buffer_spec(values: Mapping[str, Any]) -> BufferSpec:
    """A buffer from the checked values of :data:`BUFFER_KEYS`."""
    return BufferSpec(**{name: values[name] for name in BUFFER_NAMES})


def rate_limit_spec(values: Mapping[str, Any] | None) -> RateLimit | None:
    """The token bucket from the checked values of ``rate_limit``, or None."""
    return None if values is None else RateLimit(rate=values["rate"], burst=values["burst"])
