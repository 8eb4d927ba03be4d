"""``queue``: its result entry. A queue does no work (its sojourn is its wait) and has
no servers; an at-least-once queue also counts deliveries, redeliveries and stale
acknowledgements."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import (FLOW_FIELDS, NO_SERVERS_FIELDS, SOJOURN_KEYS, WAIT_KEYS,
                                      KindResult, empty_wait, kind_field, optional_counts,
                                      queueing_fields, stat)

__all__ = ["RESULT", "FIELDS", "entry"]


def _at_least_once(spec) -> bool:
    buffer = spec.buffer
    return (not buffer.partitions and buffer.delivery is not None
            and buffer.delivery.mode == "at_least_once")


def _sheds(spec) -> bool:
    return spec.buffer.shed is not None


def _partitioned(spec) -> bool:
    return bool(spec.buffer.partitions)


PARTITION_FIGURES = ("busiest", "mean")


FIELDS: tuple[Field, ...] = (
    kind_field("queue"),
    *FLOW_FIELDS,
    *NO_SERVERS_FIELDS,
    *queueing_fields(lambda k: f"{stat(k)} time from arrival until a consumer takes the "
                     "message.", lambda k: f"Same as wait.{k}: a queue does no work."),
    Field("expired", "messages", "Messages that waited longer than ttl.", "sum"),
    *(Field(key, "messages", text, "sum", when=_at_least_once,
            condition="with delivery: at_least_once (not partitioned)")
      for key, text in (
          ("deliveries", "Messages handed to consumers, redeliveries included."),
          ("redelivered", "Messages made visible again after visibility_timeout."),
          ("stale", "Acknowledgements that came too late (the message had been "
                    "redelivered or dead-lettered)."))),
    Field("shed", "messages", "Messages dropped by CoDel shedding (part of dropped).", "sum",
          when=_sheds, condition="with shed"),
    Field("partitions.count", "partitions", "Partitions of the queue.", "constant",
          when=_partitioned, condition="with partitions"),
    *(Field(f"partitions.{which}.{what}", unit,
            f"{text} of the {'busiest partition (the one that handed out the most messages)' if which == 'busiest' else 'mean partition (the average over partitions)'}.",
            when=_partitioned, condition="with partitions")
      for which in PARTITION_FIGURES
      for what, unit, text in (("throughput", "1/s", "Messages taken per second"),
                               ("queue_length", "messages",
                                "Time-averaged messages waiting"))),
    Field("partitions.busiest.share", "ratio", "The busiest partition's share of the "
          "messages taken (1 / count when the load is even; a hot key makes it larger).",
          when=_partitioned, condition="with partitions"),
    Field("balked", "messages", "Arrivals refused by balk (part of dropped).", "sum",
          when=lambda s: s.buffer.balk is not None, condition="with balk"),
)


def entry(raw: dict, duration: float) -> dict:
    """A queue's entry from its raw counters, time areas (message-seconds) and waits."""
    wait = raw["wait"].summary(WAIT_KEYS) if raw["wait"].count else empty_wait(WAIT_KEYS)
    out = {
        "kind": "queue",
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": 0,
        "throughput": raw["completed"] / duration,
        "utilization": None, "busy": None,
        "queue_length": {"mean": raw["q_area"] / duration, "max": int(raw["q_peak"])},
        "wait": wait,
        "sojourn": {key: wait[key] for key in SOJOURN_KEYS},
        "expired": int(raw.get("expired", 0)),
    }
    out.update(optional_counts(raw, ("deliveries", "redelivered", "stale", "shed",
                                     "balked")))
    if raw.get("part_taken") is not None:
        out["partitions"] = partitions_entry(raw["part_taken"], raw["part_area"], duration)
    return out


def partitions_entry(taken: list, area: list, duration: float) -> dict:
    """Throughput and time-averaged queue length of the busiest partition (most
    messages taken; the lowest index of ties) and of the mean partition."""
    count = len(taken)
    busiest = max(range(count), key=lambda p: (taken[p], -p))
    total = sum(taken)
    return {"count": count,
            "busiest": {"throughput": taken[busiest] / duration,
                        "queue_length": area[busiest] / duration,
                        "share": taken[busiest] / total if total else None},
            "mean": {"throughput": total / count / duration,
                     "queue_length": sum(area) / count / duration}}


RESULT = KindResult(name="queue", fields=FIELDS, entry=entry)
