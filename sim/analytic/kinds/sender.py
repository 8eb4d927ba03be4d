"""Analytic treatment of ``kind: sender``: a source of requests, no queue of its own.

Its traffic row is its offered rate (open) or its MVA throughput (closed); it limits
throughput only through a ``rate_limit``.
"""

from __future__ import annotations

from sim.analytic.capacity import routing_shares
from sim.analytic.kinds.base import (RATES, StationKind, balancing_reasons, keep_all,
                                     rate_limit_demand)

__all__ = ["STATION"]


def row(rates, spec) -> dict:
    sent = rates.sent[spec.name]
    return {"arrival_rate": sent, "open_rate": 0.0 if spec.is_closed else sent,
            "closed_rate": sent if spec.is_closed else 0.0}


def reasons(model, spec, rates) -> list[str]:
    """Sender features are judged with the other senders (retries depend on where
    attempts fail, see :func:`sim.analytic.topology.model_reasons`); here only its
    routing, and hedging (two racing copies: a minimum of response times)."""
    out = balancing_reasons(model, spec)
    if spec.hedge is not None:
        out.append(f"sender {spec.name!r} hedges its attempts (hedge)")
    return out


def metrics(model, spec) -> tuple[str, ...]:
    """A single sender's latency is the end-to-end one (compared there)."""
    if len(model.senders) == 1:
        return RATES
    return RATES + ("latency.mean", "latency.p99")


STATION = StationKind(shares=routing_shares, keep=keep_all, row=row,
                      demand=rate_limit_demand, reasons=reasons, metrics=metrics,
                      closed_form="Poisson source (open) or MVA customer class (closed)",
                      fails=lambda s: s.timeout is not None or s.rate_limit is not None)
