"""``router``: its result entry. A router holds nothing and takes no time, so its
queueing fields are always 0 and it has no servers."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import (FLOW_FIELDS, NO_SERVERS_FIELDS, SOJOURN_KEYS, WAIT_KEYS,
                                      KindResult, empty_wait, kind_field, queueing_fields)

__all__ = ["RESULT", "FIELDS", "entry"]

FIELDS: tuple[Field, ...] = (
    kind_field("router"),
    *FLOW_FIELDS,
    *NO_SERVERS_FIELDS,
    *queueing_fields(lambda k: "Always 0: a router holds nothing.",
                     lambda k: "Always 0: a router takes no time."),
)


def entry(raw: dict, duration: float) -> dict:
    """A router's entry from its raw ``arrivals``, ``completed`` and ``dropped``."""
    return {
        "kind": "router",
        "arrivals": int(raw["arrivals"]), "completed": int(raw["completed"]),
        "dropped": int(raw["dropped"]), "errors": 0,
        "throughput": raw["completed"] / duration,
        "utilization": None, "busy": None,
        "queue_length": {"mean": 0.0, "max": 0},
        "wait": empty_wait(WAIT_KEYS), "sojourn": empty_wait(SOJOURN_KEYS),
    }


RESULT = KindResult(name="router", fields=FIELDS, entry=entry)
