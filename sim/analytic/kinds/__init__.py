"""The analytic layer's registry of node kinds: ``STATIONS[kind]`` is the kind's
treatment (traffic split, traffic row, capacity, what no closed form captures, the
formulas or :data:`NO_CLOSED_FORM`); one module per kind, keyed by
``sim.model.kinds.KIND_NAMES`` (a test fails when one is missing).
"""

from __future__ import annotations

from sim.analytic.kinds import queue, router, sender, service
from sim.analytic.kinds.base import NO_CLOSED_FORM, Rates, StationKind, lookup

__all__ = ["STATIONS", "station_of", "NO_CLOSED_FORM", "Rates", "StationKind"]

STATIONS: dict[str, StationKind] = {
    "sender": sender.STATION,
    "queue": queue.STATION,
    "service": service.STATION,
    "router": router.STATION,
}


def station_of(spec) -> StationKind:
    """The analytic entry of ``spec.kind``; a ModelError for a kind it does not know."""
    return lookup(STATIONS, spec)
