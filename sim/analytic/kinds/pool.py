"""Analytic treatment of ``kind: pool``: a passive resource with no edges and no
queueing formula. Its utilisation is the units its users hold on average over its
size: ``sum over users u of lambda_u * H_u / size``, where ``lambda_u`` is the user's
arrival rate and ``H_u`` the time it holds a unit (its holding time, sync calls
included: sim.analytic.capacity.holding_time), which ignores the wait for further
pools. At 1 or more the pool, not the servers, limits its users."""

from __future__ import annotations

from sim.analytic.capacity import holding_time
from sim.analytic.kinds.base import FULL, NO_CLOSED_FORM, StationKind, keep_all

__all__ = ["STATION", "users", "utilization"]


def users(model, name: str) -> list:
    """The services whose ``uses`` name pool ``name``, in model order."""
    return [s for s in model.nodes if s.kind == "service" and name in s.uses]


def utilization(rates, spec) -> float:
    """``sum_u lambda_u * H_u / size`` (units held on average / units)."""
    held = sum(rates.total[u.name] * holding_time(rates.model, u)
               for u in users(rates.model, spec.name))
    return held / spec.size


def row(rates, spec) -> dict:
    u = utilization(rates, spec)
    return {"size": spec.size, "offered_load": u * spec.size, "utilization": u,
            "stable": u < FULL}


def demand(model, spec, visits: float) -> float | None:
    """Seconds of the pool's capacity a request takes, ``sum_u V_u * H_u / size`` (V_u
    the user's visits per request in the current mix): its utilisation over the
    requests offered per second (sim.analytic.network.bottleneck)."""
    from sim.analytic.network import traffic  # the network solver imports this registry

    rows = {row["node"]: row for row in traffic(model)}
    offered = sum(rows[s.name]["arrival_rate"] for s in model.senders)
    return rows[spec.name]["utilization"] / offered if offered > 0 else None


def reasons(model, spec, rates) -> list[str]:
    names = ", ".join(repr(u.name) for u in users(model, spec.name)) or "no service"
    return [f"pool {spec.name!r} is shared by {names} (no closed form for the wait for a "
            f"unit)"]


STATION = StationKind(shares=lambda model, spec: {}, keep=keep_all, row=row,
                      demand=demand, reasons=reasons,
                      metrics=lambda model, spec: ("utilization",),
                      closed_form=f"{NO_CLOSED_FORM}: the wait for a unit of a pool shared "
                                  f"by services; its utilisation is sum(lambda * holding "
                                  f"time) / size",
                      fails=lambda s: s.timeout is not None)
