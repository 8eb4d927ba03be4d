"""Analytic treatment of ``kind: router``: takes no time, so no queue and no
formula; it splits traffic by its routing and limits it by its ``rate_limit``."""

from __future__ import annotations

from sim.analytic.capacity import routing_shares
from sim.analytic.kinds.base import (NO_CLOSED_FORM, RATES, StationKind, balancing_reasons,
                                     keep_all, rate_limit_demand)

__all__ = ["STATION"]


def row(rates, spec) -> dict:
    return {}


def reasons(model, spec, rates) -> list[str]:
    out = [f"router {spec.name!r} has a rate limit"] if spec.rate_limit is not None else []
    return out + balancing_reasons(model, spec)


def metrics(model, spec) -> tuple[str, ...]:
    return RATES


STATION = StationKind(shares=routing_shares, keep=keep_all, row=row,
                      demand=rate_limit_demand, reasons=reasons, metrics=metrics,
                      closed_form=f"{NO_CLOSED_FORM}: a router takes no time, only routes",
                      fails=lambda s: s.rate_limit is not None)
