"""``pool``: its result entry. A pool is passive: no arrivals, no servers; its figures
are how full it was, how long executions waited for a unit and how many gave up."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import WAIT_KEYS, KindResult, kind_field, stat

__all__ = ["RESULT", "FIELDS", "entry", "POOL_WAIT_KEYS"]

POOL_WAIT_KEYS = WAIT_KEYS

FIELDS: tuple[Field, ...] = (
    kind_field("pool"),
    Field("size", "units", "Units in the pool.", "constant"),
    Field("utilization", "ratio", "Time-averaged units in use / size."),
    *(Field(f"wait.{k}", "s", f"{stat(k)} time from asking for a unit to getting it (0 when one was free; waits that "
            f"timed out are not included).", "max" if k == "max" else "mean")
      for k in POOL_WAIT_KEYS),
    Field("timed_out", "executions", "Executions that waited longer than the pool's timeout "
          "for a unit (each failed with cause pool_timeout).", "sum"),
    Field("acquisitions", "units", "Units handed out.", "sum"),
)


def entry(raw: dict, duration: float) -> dict:
    """A pool's entry from its raw unit-seconds in use, waits and counters."""
    wait = raw["wait"]
    return {
        "kind": "pool",
        "size": int(raw["size"]),
        "utilization": raw["area"] / (raw["size"] * duration),
        "wait": wait.summary(POOL_WAIT_KEYS) if wait.count
        else dict.fromkeys(POOL_WAIT_KEYS, 0.0),
        "timed_out": int(raw["timed_out"]),
        "acquisitions": int(raw["acquisitions"]),
    }


RESULT = KindResult(name="pool", fields=FIELDS, entry=entry)
