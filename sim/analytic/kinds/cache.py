"""Analytic treatment of ``kind: cache``: takes no time, so no queue; it splits the
requests reaching it into hits (share h) and misses (1 - h), h the expected hit
ratio of sim.analytic.cache for the popularity of the keys that reach it
(sim.analytic.keys). The miss edge's traffic, ``(1 - h) x arrivals``, is the load the
cache leaves on its backend.

The formulas (numpy) are imported when a model has a cache: the traffic of a model
without one, as ``asyncsim check`` computes it, needs no numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.analytic.kinds.base import NO_CLOSED_FORM, StationKind, keep_all

if TYPE_CHECKING:
    from sim.analytic.cache import CacheEstimate

__all__ = ["STATION", "expected"]


def expected(model, spec) -> CacheEstimate:
    """The cache's expected hit ratio and its method."""
    from sim.analytic.cache import estimate
    from sim.analytic.keys import popularity

    p, rate = popularity(model, spec.name)
    return estimate(p, spec, rate)


def shares(model, spec) -> dict[str, float]:
    h = expected(model, spec).hit_ratio
    out: dict[str, float] = {}
    for e in model.out_edges(spec.name):
        out[e.target] = out.get(e.target, 0.0) + (h if e.when == "hit" else 1.0 - h)
    return out


def row(rates, spec) -> dict:
    est = expected(rates.model, spec)
    arrivals = rates.total[spec.name]
    miss = next(e.target for e in rates.model.out_edges(spec.name) if e.when == "miss")
    return {"hit_ratio": est.hit_ratio, "miss_rate": (1.0 - est.hit_ratio) * arrivals,
            "miss_node": miss, "hit_method": est.method}


STATION = StationKind(shares=shares, keep=keep_all, row=row,
                      demand=lambda model, spec, visits: None,
                      reasons=lambda model, spec, rates: [],
                      metrics=lambda model, spec: ("arrival_rate", "hit_ratio"),
                      closed_form=f"{NO_CLOSED_FORM} for a wait (a cache takes no time); "
                                  "its hit ratio by Che's approximation (lru), Martina et "
                                  "al. (fifo), the top keys (lfu) or lambda T / (1 + lambda "
                                  "T) (ttl)")
