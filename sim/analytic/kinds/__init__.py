"""The analytic layer's registry of node kinds: ``STATIONS[kind]`` is the kind's
treatment (traffic split, traffic row, capacity, what no closed form captures, the
formulas or :data:`NO_CLOSED_FORM`); one module per kind, keyed by
``sim.model.kinds.KIND_NAMES`` (a test fails when one is missing).
"""

from __future__ import annotations

from sim.analytic.kinds import cache, pool, queue, router, sender, service
from sim.analytic.kinds.base import NO_CLOSED_FORM, Rates, StationKind, lookup

__all__ = ["STATIONS", "station_of", "error_rate", "can_fail", "NO_CLOSED_FORM", "Rates",
           "StationKind"]

STATIONS: dict[str, StationKind] = {
    "sender": sender.STATION,
    "queue": queue.STATION,
    "service": service.STATION,
    "router": router.STATION,
    "pool": pool.STATION,
    "cache": cache.STATION,
}


def station_of(spec) -> StationKind:
    """The analytic entry of ``spec.kind``; a ModelError for a kind it does not know."""
    return lookup(STATIONS, spec)


def error_rate(spec) -> float:
    """Fraction of the messages a node fails on purpose (``1 - keep``; services'
    ``error_rate``, 0 for the other kinds)."""
    return 1.0 - station_of(spec).keep(spec)


def can_fail(spec) -> bool:
    """True when an attempt can fail at the node itself (its buffer aside)."""
    return station_of(spec).fails(spec)
