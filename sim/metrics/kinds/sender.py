"""``sender``: its result entry is ``kind: sender`` then the request-level fields
(:data:`sim.metrics.kinds.common.REQUEST_FIELDS`) of its own requests only, so classes
of traffic can be told apart."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import REQUEST_FIELDS, KindResult, kind_field, requests_entry

__all__ = ["RESULT", "FIELDS", "entry"]

def _hedges(spec) -> bool:
    return spec.hedge is not None


FIELDS: tuple[Field, ...] = (
    kind_field("sender"), *REQUEST_FIELDS,
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
    if raw.get("hedges") is not None:
        out["hedges"] = int(raw["hedges"])
        out["hedge_wasted_work"] = float(raw["hedge_wasted_work"])
    return out


RESULT = KindResult(name="sender", fields=FIELDS, entry=entry)
