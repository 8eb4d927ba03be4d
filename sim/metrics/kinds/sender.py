"""``sender``: its result entry is ``kind: sender`` then the request-level fields
(:data:`sim.metrics.kinds.common.REQUEST_FIELDS`) of its own requests only, so classes
of traffic can be told apart."""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds.common import REQUEST_FIELDS, KindResult, kind_field, requests_entry

__all__ = ["RESULT", "FIELDS", "entry"]

FIELDS: tuple[Field, ...] = (kind_field("sender"), *REQUEST_FIELDS)


def entry(raw: dict, duration: float) -> dict:
    """A sender's entry from its raw ``counts``, ``extras``, ``dead`` and ``latency``."""
    out = {"kind": "sender"}
    out.update(requests_entry(raw["counts"], raw["extras"], raw["dead"], raw["latency"],
                              duration))
    return out


RESULT = KindResult(name="sender", fields=FIELDS, entry=entry)
