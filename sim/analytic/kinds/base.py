"""What the analytic layer needs from each node kind.

A kind's :class:`StationKind` says how its node passes messages on (``shares``,
``keep``), what :func:`sim.analytic.network.traffic` reports for it (``row``), how
much of a request's throughput it can carry (``demand``, for the bottleneck), which
of its features no closed form captures (``reasons``), which figures are compared
with a simulation (``metrics``), and which formulas apply (``closed_form``), or
:data:`NO_CLOSED_FORM` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

from sim.errors import ModelError, nearest

__all__ = ["StationKind", "Rates", "NO_CLOSED_FORM", "lookup", "FULL", "RATES"]

NO_CLOSED_FORM = "no closed form"
"""``closed_form`` of a kind whose node has no queueing formula (followed by why)."""

FULL = 1.0 - 1e-12   # utilisation treated as >= 1 (rounding of exact saturation)
RATES = ("arrival_rate", "throughput")


class Rates(NamedTuple):
    """The flows a traffic row is computed from (see :func:`sim.analytic.network.flows`)."""

    model: object
    total: dict        # node -> arrivals per second, open plus closed
    open_rate: dict    # node -> arrivals per second from open senders
    sent: dict         # sender -> requests per second
    P: object          # routing matrix with every thinning
    names: list        # node order of P


@dataclass(frozen=True, slots=True)
class StationKind:
    """The analytic treatment of one node kind.

    shares(model, spec) -> {successor: messages passed per message received};
    keep(spec) -> fraction of messages passed on at all (1 - error rate);
    row(rates, spec) -> the kind's fields of a traffic row (offered load, servers,
    utilisation, stability); demand(model, spec, visits) -> seconds of the node's
    capacity a request takes (None when it limits nothing; the bottleneck is the
    largest); reasons(model, spec, rates) -> sentences naming what the formulas
    cannot capture; metrics(model, spec) -> the figures worth comparing with a
    simulation; closed_form -> the formulas, or NO_CLOSED_FORM and why;
    fails(spec) -> True when an attempt can fail at the node itself (so a retry can
    happen; buffers are judged apart); group(model, spec) -> the station the node
    heads as ``(Station or None, reason or None)``, or None when it heads none
    (see :func:`sim.analytic.topology.stations`); queued(model, spec) -> True when
    the node must belong to some station (messages wait or are served there);
    serves -> True when it holds servers (a station of mean value analysis).
    """

    shares: Callable
    keep: Callable
    row: Callable
    demand: Callable
    reasons: Callable
    metrics: Callable
    closed_form: str
    fails: Callable = lambda spec: False
    group: Callable = lambda model, spec: None
    queued: Callable = lambda model, spec: False
    serves: bool = False


def lookup(registry: dict, spec):
    """``registry[spec.kind]``, or a ModelError naming the node and the kinds known."""
    kind = getattr(spec, "kind", None)
    try:
        return registry[kind]
    except KeyError:
        raise ModelError(f"must be a kind the analytic layer knows: one of "
                         f"{', '.join(registry)}", node=getattr(spec, "name", None),
                         key="kind", value=kind, suggestion=nearest(str(kind), registry)
                         ) from None


def keep_all(spec) -> float:
    return 1.0


def rate_limit_demand(model, spec, visits: float) -> float | None:
    """A rate limit passes at most ``rate`` per second: ``visits / rate`` seconds."""
    limit = getattr(spec, "rate_limit", None)
    return visits / limit.rate if limit is not None else None


def stable(utilisation: float, unbounded: bool) -> bool:
    """Only an open load on an unbounded buffer can be unstable (docs/reference/model.md)."""
    return not (utilisation >= FULL and unbounded)


def finite(x: float) -> bool:
    return not math.isinf(x)


BALANCING = ("round_robin", "least_loaded", "power_of_two")


def balancing_reasons(model, spec) -> list[str]:
    """Balancing policies make a successor's arrivals non-Poisson."""
    if spec.routing in BALANCING and len(model.out_edges(spec.name)) > 1:
        return [f"node {spec.name!r} routes by {spec.routing} (arrivals are not Poisson)"]
    return []
