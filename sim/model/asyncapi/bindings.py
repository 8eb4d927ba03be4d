"""Protocol bindings of AsyncAPI documents -> model keys.

Channel bindings describe the broker's queue; operation bindings the messages
one application sends. Each mapped value keeps the JSON pointer it came from, so
a conflict between documents names both places. What is mapped (units are the
bindings' own, converted to seconds):

=========================================  ===========================================
binding                                    model key
=========================================  ===========================================
kafka ``partitions`` (channel)             queue ``partitions``
sqs ``queue.visibilityTimeout`` (s)        queue ``delivery.visibility_timeout`` (and
                                           ``delivery.mode: at_least_once``)
sqs ``queue.redrivePolicy.maxReceiveCount``  queue ``delivery.max_receives``
sqs ``queue.messageRetentionPeriod`` (s)   queue ``ttl``
sqs ``queue.deliveryDelay`` (s)            queue ``latency`` (a constant)
amqp ``exchange.type: fanout`` (channel)   a router with ``routing: broadcast`` and a
                                           queue per receiving application
amqp ``expiration`` (ms, operation)        queue ``ttl`` (/ 1000)
amqp ``priority`` (operation)              sender ``priority`` = 255 - priority (AMQP
                                           serves higher first, asyncsim lower first)
                                           and queue ``discipline: priority``
=========================================  ===========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.model.asyncapi.document import Document

__all__ = ["Sourced", "ChannelKeys", "OperationKeys", "channel_keys", "operation_keys",
           "AMQP_MAX_PRIORITY"]

#: AMQP 0-9-1 priorities are an octet; asyncsim's priority is ``255 - priority``.
AMQP_MAX_PRIORITY = 255


@dataclass(frozen=True, slots=True)
class Sourced:
    """A model key's value and where in which document it came from."""

    value: Any
    where: str


@dataclass(frozen=True, slots=True)
class ChannelKeys:
    """Queue keys from a channel's bindings (dotted key -> value), and whether the
    channel is an AMQP fanout exchange (every receiver gets a copy)."""

    keys: dict[str, Sourced] = field(default_factory=dict)
    fanout: Sourced | None = None


@dataclass(frozen=True, slots=True)
class OperationKeys:
    """Keys from a send operation's bindings: the queue's ``ttl`` and the sender's
    ``priority``."""

    ttl: Sourced | None = None
    priority: Sourced | None = None


def channel_keys(doc: Document, bindings: Mapping, where: str) -> ChannelKeys:
    """The queue keys that a channel's ``bindings`` (at pointer ``where``) say."""
    out = ChannelKeys()
    at = lambda w: f"{doc.source} {w}"  # noqa: E731 - a label, not logic
    kafka, kw = doc.mapping(bindings, "kafka", where)
    partitions, pw = doc.number(kafka, "partitions", kw, integer=True, positive=True)
    if partitions is not None:
        out.keys["partitions"] = Sourced(partitions, at(pw))
    sqs, sw = doc.mapping(bindings, "sqs", where)
    queue, qw = doc.mapping(sqs, "queue", sw)
    if queue:
        _sqs(doc, queue, qw, out.keys, at)
    amqp, aw = doc.mapping(bindings, "amqp", where)
    exchange, ew = doc.mapping(amqp, "exchange", aw)
    kind, tw = doc.text(exchange, "type", ew)
    if kind == "fanout":
        out = ChannelKeys(out.keys, Sourced(True, at(tw)))
    return out


def _sqs(doc: Document, queue: Mapping, qw: str, keys: dict, at) -> None:
    visibility, vw = doc.number(queue, "visibilityTimeout", qw, positive=True)
    redrive, rw = doc.mapping(queue, "redrivePolicy", qw)
    receives, mw = doc.number(redrive, "maxReceiveCount", rw, integer=True, positive=True)
    if visibility is not None or receives is not None:
        keys["delivery.mode"] = Sourced("at_least_once", at(qw))
    if visibility is not None:
        keys["delivery.visibility_timeout"] = Sourced(visibility, at(vw))
    if receives is not None:
        keys["delivery.max_receives"] = Sourced(receives, at(mw))
    retention, tw = doc.number(queue, "messageRetentionPeriod", qw, positive=True)
    if retention is not None:
        keys["ttl"] = Sourced(retention, at(tw))
    delay, dw = doc.number(queue, "deliveryDelay", qw)
    if delay is not None:
        keys["latency"] = Sourced(delay, at(dw))


def operation_keys(doc: Document, bindings: Mapping, where: str) -> OperationKeys:
    """The keys that an operation's ``bindings`` (at pointer ``where``) say."""
    amqp, aw = doc.mapping(bindings, "amqp", where)
    expiration, ew = doc.number(amqp, "expiration", aw, integer=True, positive=True)
    priority, pw = doc.number(amqp, "priority", aw, integer=True)
    if priority is not None and priority > AMQP_MAX_PRIORITY:
        raise doc.error(pw, f"must be an integer from 0 to {AMQP_MAX_PRIORITY} "
                            f"(got {priority!r})")
    return OperationKeys(
        ttl=None if expiration is None else Sourced(expiration / 1000.0,
                                                    f"{doc.source} {ew}"),
        priority=None if priority is None else Sourced(AMQP_MAX_PRIORITY - priority,
                                                       f"{doc.source} {pw}"))
