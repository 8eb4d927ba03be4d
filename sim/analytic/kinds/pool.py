"""Analytic treatment of ``kind: pool``: a passive resource with no edges. Its
utilisation is the units its users hold on average over its size: ``sum over users
u of lambda_u * H_u / size``, where ``lambda_u`` is the user's arrival rate and
``H_u`` the time it holds a unit (its holding time, sync calls included:
sim.analytic.capacity.holding_time), which ignores the wait for further pools. At 1
or more the pool, not the servers, limits its users.

The wait for a unit is estimated as a G/G/c queue with ``c = size`` fed by all its
users' executions (Poisson assumed) with the users' holding times mixed by rate,
by Allen-Cunneen (exact, Erlang C, when the users have servers to spare and
exponential holding times; approximate otherwise: a user with few servers lets
fewer executions wait than the formula assumes)."""

from __future__ import annotations

import math

from sim.analytic.capacity import holding_time
from sim.analytic.kinds.base import FULL, NO_CLOSED_FORM, StationKind, keep_all

__all__ = ["STATION", "users", "utilization", "unit_wait"]


def users(model, name: str) -> list:
    """The services whose ``uses`` name pool ``name``, in model order."""
    return [s for s in model.nodes if s.kind == "service" and name in s.uses]


def utilization(rates, spec) -> float:
    """``sum_u lambda_u * H_u / size`` (units held on average / units)."""
    held = sum(rates.total[u.name] * holding_time(rates.model, u)
               for u in users(rates.model, spec.name))
    return held / spec.size


def unit_wait(rates, spec) -> float | None:
    """Mean wait for a unit (s): Allen-Cunneen G/G/c with ``c = size``, arrival rate
    ``lambda = sum_u lambda_u`` and the holding time mixed over the users (mean
    ``sum_u lambda_u H_u / lambda``, second moment likewise); inf when the units
    held reach the size, None without arrivals."""
    from sim.analytic.layers import holding_law
    from sim.analytic.stations import ggc

    model = rates.model
    flows = [(rates.total[u.name], holding_law(model, u)) for u in users(model, spec.name)]
    lam = sum(rate for rate, _law in flows)
    if lam <= 0:
        return None
    mean = sum(rate * law.mean for rate, law in flows) / lam
    second = sum(rate * law.mean ** 2 * (1.0 + law.scv) for rate, law in flows) / lam
    if mean <= 0:
        return 0.0
    if lam * mean >= spec.size:
        return math.inf
    return ggc(lam, mean, spec.size, 1.0, second / mean ** 2 - 1.0).mean_wait


def row(rates, spec) -> dict:
    u = utilization(rates, spec)
    return {"size": spec.size, "offered_load": u * spec.size, "utilization": u,
            "stable": u < FULL, "unit_wait": unit_wait(rates, spec)}


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
    return [f"pool {spec.name!r} is shared by {names} (the wait for a unit is an "
            f"approximation)"]


STATION = StationKind(shares=lambda model, spec: {}, keep=keep_all, row=row,
                      demand=demand, reasons=reasons,
                      metrics=lambda model, spec: ("utilization", "wait.mean"),
                      closed_form=f"{NO_CLOSED_FORM} in general for the wait for a unit of a "
                                  f"pool shared by services (estimated as G/G/size, "
                                  f"Allen-Cunneen); its utilisation is sum(lambda * holding "
                                  f"time) / size",
                      fails=lambda s: s.timeout is not None)
