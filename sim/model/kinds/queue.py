"""``queue``: a message-broker queue whose consumers (the services after it) compete for
its messages. Its keys (the shared buffer keys plus the broker's ``delivery`` and
``partitions``), its cross-key rules, its spec."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Literal, get_args, get_type_hints

from sim.model.checks import Ctx
from sim.model.keys import Key, Kind, Wiring, read
from sim.model.kinds.common import BUFFER_KEYS, DESCRIPTION, buffer_spec, kind_key
from sim.model.spec import SERVICE_DISCIPLINES, BufferSpec, Delivery, Routing

__all__ = ["QUEUE", "QueueSpec", "DELIVERY_MODES", "MAX_PARTITIONS", "COMPETING"]


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A message-broker queue; its successors (all services) consume from it."""

    name: str
    buffer: BufferSpec = field(default_factory=BufferSpec)
    routing: Routing = "probabilistic"
    kind: Literal["queue"] = "queue"


DELIVERY_MODES: tuple[str, ...] = get_args(get_type_hints(Delivery)["mode"])
MAX_PARTITIONS = 100_000

COMPETING = ("its consumers compete for its messages, each message going to one of them, "
             "so nothing is routed (put a router or a service before the queues to split "
             "traffic)")
"""Why routing keys mean nothing on a queue."""

DELIVERY = Key(
    "delivery", "mapping",
    "The broker's delivery semantics.", default_text="at_most_once",
    keys=(Key("mode", "choice",
              "at_most_once: a message taken is gone; at_least_once: a message taken and "
              "not processed within visibility_timeout becomes visible again (as SQS "
              "does), and after max_receives receipts it is dead-lettered.",
              default="at_most_once", choices=DELIVERY_MODES),
          Key("visibility_timeout", "number",
              "How long a taken message stays invisible before it is delivered again.",
              default=30.0, unit="s", low=0, low_open=True, note="only at_least_once"),
          Key("max_receives", "integer",
              "Receipts of a message before it is dead-lettered (the attempt fails).",
              default=10, low=1, note="only at_least_once")))

QUEUE_ONLY_KEYS: tuple[Key, ...] = (
    DELIVERY,
    Key("partitions", "integer",
        "Ordered partitions (as Kafka's): a message goes to a random partition, and each "
        "partition hands out one message at a time, in order, so at most this many "
        "messages are in service at once.",
        default_text="none (unpartitioned)", low=1, high=MAX_PARTITIONS,
        high_why="each partition keeps its own buffer in memory; brokers run thousands of "
                 "partitions per topic, not millions"),
)

KEYS: tuple[Key, ...] = (kind_key("queue"), DESCRIPTION, *BUFFER_KEYS, *QUEUE_ONLY_KEYS)


def build(ctx: Ctx, attrs: Mapping, wiring: Wiring) -> QueueSpec:
    """The queue's spec; refuses delivery settings that need another mode, and partitions
    the engine cannot combine with redelivery or a non-fifo discipline."""
    v = read(ctx, KEYS, attrs, "queue", skip=("kind",))
    raw = attrs.get("delivery") or {}
    delivery = None if v["delivery"] is None else Delivery(**v["delivery"])
    if delivery is not None and delivery.mode != "at_least_once":
        for key in ("visibility_timeout", "max_receives"):
            if key in raw:
                default = "" if "mode" in raw else " by default"
                raise ctx.sub("delivery").error(
                    key, f"only applies when 'delivery.mode' is at_least_once (it is "
                         f"{delivery.mode}{default})", value=raw[key])
    own = buffer_spec(v, ctx, attrs)
    if own.discipline in SERVICE_DISCIPLINES:
        raise ctx.error("discipline", f"{own.discipline} describes how a service's servers "
                                      "serve, so it applies only to a service fed directly "
                                      "(feed the consuming service without this queue and "
                                      "set it there)", value=attrs["discipline"])
    if own.shed is not None:
        _check_shed(ctx, attrs, delivery, v["partitions"])
    if v["partitions"] is not None:
        given = attrs["partitions"]
        if delivery is not None and delivery.mode == "at_least_once":
            raise ctx.error("partitions", "cannot be combined with 'delivery.mode: "
                                          "at_least_once' on the same queue (engine limitation: "
                                          "a partitioned queue does not redeliver; drop one of "
                                          "them)", value=given)
        if own.discipline != "fifo":
            raise ctx.error("partitions", f"cannot be combined with 'discipline: "
                                          f"{own.discipline}' (engine limitation: a partitioned "
                                          "queue is consumed in fifo order only; drop one of "
                                          "them)", value=given)
    return QueueSpec(name=ctx.node, buffer=dataclasses.replace(
        own, delivery=delivery, partitions=v["partitions"]))


def _check_shed(ctx: Ctx, attrs: Mapping, delivery: Delivery | None,
                partitions: int | None) -> None:
    """Shedding drops at the buffer's dequeue, which redelivery and partitions replace."""
    if partitions is not None:
        raise ctx.error("shed", "cannot be combined with 'partitions' on the same queue "
                                "(engine limitation: a partitioned queue hands out messages "
                                "per partition; drop one of them)", value=attrs["shed"])
    if delivery is not None and delivery.mode == "at_least_once":
        raise ctx.error("shed", "cannot be combined with 'delivery.mode: at_least_once' on the "
                                "same queue (engine limitation: a shed message would still "
                                "hold a receipt; drop one of them)", value=attrs["shed"])


def out_edge(ctx: Ctx, attrs: Mapping, target_kind: str) -> None:
    """A queue's successors are services, its consumers; nothing is routed to them."""
    if target_kind == "queue":
        raise ctx.error(None, "joins two queues: a queue takes no time, so its successors must "
                              "be services (put a service between them)")
    if target_kind != "service":
        raise ctx.error(None, f"goes from a queue to a {target_kind}: a queue's successors "
                              "must be services, its consumers")
    if "p" in attrs:
        raise ctx.error("p", f"means nothing on an edge out of a queue: {COMPETING}",
                        value=attrs["p"])


QUEUE = Kind(
    name="queue",
    summary="A message-broker queue. It takes no time itself; every service after it "
            "consumes from it, so several services on one queue are competing consumers "
            "(its successors must be services). Its messages wait in a buffer described "
            "by the buffer keys; `delivery` and `partitions` are broker features.",
    keys=KEYS,
    build=build,
    refused={"routing": f"means nothing on a queue: {COMPETING}"},
    sink_refusal="has no outgoing edge: a queue needs a service consuming from it",
    out_edge=out_edge,
)
