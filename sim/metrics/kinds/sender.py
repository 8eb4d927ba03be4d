"""``sender``: its result entry is ``kind: sender`` then the request-level fields
(:data:`sim.metrics.kinds.common.REQUEST_FIELDS`) of its own requests only, so classes
of traffic can be told apart."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import (REQUEST_FIELDS, WAIT_KEYS, KindResult, kind_field,
                                      requests_entry, stat)

__all__ = ["RESULT", "FIELDS", "entry"]

def _hedges(spec) -> bool:
    return spec.hedge is not None


FIELDS: tuple[Field, ...] = (
    kind_field("sender"), *REQUEST_FIELDS,
    *(Field(f"wait.{k}", "s", f"{stat(k)} total time a completed request of this sender "
            "waited: in every buffer on its path (queues and services' own buffers) and for "
            "pool units, summed (the copy that completed it; not inside sync calls); null when "
            "none completed.")
      for k in WAIT_KEYS),
    Field("hedges", "attempts", "Hedge copies sent (attempts still unanswered after "
          "hedge.after).", "sum", when=_hedges, condition="with hedge"),
    Field("hedge_wasted_work", "server-seconds", "Service time of hedge copies (or the "
          "copies they raced) that completed after their request was resolved; part of "
          "wasted_work.", when=_hedges, condition="with hedge"),
)


def entry(raw: dict, duration: float) -> dict:
    """A sender's entry from its raw ``counts``, ``extras``, ``dead`` and ``latency``."""
    out = {"kind": "sender"}
    out.update(requests_entry(raw["counts"], raw["extras"], raw["dead"], raw["latency"],
                              duration))
    wait = raw["wait"]
    out["wait"] = wait.summary(WAIT_KEYS)   # all null when nothing completed, as latency
    if raw.get("hedges") is not None:
        out["hedges"] = int(raw["hedges"])
        out["hedge_wasted_work"] = float(raw["hedge_wasted_work"])
    return out


RESULT = KindResult(name="sender", fields=FIELDS, entry=entry)
