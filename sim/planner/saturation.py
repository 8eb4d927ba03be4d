"""Saturation throughput: the largest load a configuration sustains within the objectives.

Every open sender's ``rate`` is multiplied by ``m``; a bisection on ``m``
between 1 (the forecast, where the configuration was confirmed) and an upper
end finds the largest multiplier at which every objective still holds. The
upper end is ``saturation.max_multiplier``, or 5% past the analytic
saturation of the bottleneck (:func:`sim.analytic.bottleneck`), where a queue
grows without bound (at least 1.25, e.g. when bounded queues keep an
overloaded node within the objectives). To stay cheap the probes use few replications
(``saturation.replications``) and judge the *mean* of each objective, not
the pessimistic end of its interval; ``saturation.steps`` bisection steps
give the multiplier within ``(upper - 1) / 2**steps``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.planner.evaluate import Evaluator, flat_metrics
from sim.planner.spec import Plan

__all__ = ["saturation", "rate_senders"]

PERCENTILES = ("mean", "p50", "p90", "p95", "p99")
FALLBACK_MULTIPLIER = 4.0
BEYOND = 1.05
LOW_PROBE = 0.5
MIN_UPPER = 1.25     # the upper end when the analysis puts saturation at the forecast


def rate_senders(model) -> dict[str, float]:
    """``{sender: rate}`` of the open senders given by ``rate`` (the ones scaled)."""
    return {s.name: s.rate for s in model.senders if s.rate is not None and not s.is_closed}


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return sum(values) / len(values) if values else None


def _binding(objectives, flats: list[dict]) -> tuple[bool, str | None]:
    """(all objectives hold at their mean, the one with the least relative margin)."""
    worst, name = math.inf, None
    for o in objectives:
        value = _mean([o.value(f) for f in flats])
        rel = -math.inf if value is None else o.margin(value) / o.scale()
        if rel < worst:
            worst, name = rel, o.text
    return worst >= 0, name


def _probe(plan: Plan, evaluator: Evaluator, config: Mapping, rates: dict, m: float,
           count: int) -> dict:
    overrides = dict(config)
    if m != 1.0:     # at the forecast itself, reuse the configuration's replications
        overrides.update({f"nodes.{s}.rate": r * m for s, r in rates.items()})
    flats = [flat_metrics(s) for s in evaluator.summaries(overrides, count)]
    holds, binding = _binding(plan.objectives, flats)
    latency = {k: _mean([f.get(f"requests.latency.{k}") for f in flats]) for k in PERCENTILES}
    return {"multiplier": m, "rate": m * sum(rates.values()), "holds": holds,
            "binding": binding, "replications": count, "latency": latency,
            "throughput": _mean([f.get("requests.throughput") for f in flats])}


def _upper(plan: Plan, model, rates: dict) -> float:
    if plan.saturation.max_multiplier is not None:
        return float(plan.saturation.max_multiplier)
    from sim.analytic import bottleneck

    _node, xmax = bottleneck(model)
    forecast = sum(rates.values())
    if not math.isfinite(xmax) or forecast <= 0:
        return FALLBACK_MULTIPLIER
    return max(BEYOND * xmax / forecast, MIN_UPPER)


def saturation(plan: Plan, evaluator: Evaluator, config: Mapping) -> dict:
    """The saturation throughput of ``config`` and the probes that found it.

    Returns
    -------
    dict
        ``throughput`` (requests/s offered at the largest multiplier that holds),
        ``multiplier``, ``forecast_rate``, ``headroom`` (``multiplier - 1``),
        ``bounded_above`` (False when even the upper end held: the figures are
        then lower bounds), ``probes`` (sorted by multiplier: ``multiplier``,
        ``rate``, ``holds``, ``binding``, ``latency`` means, ``throughput``),
        and ``reason`` when it cannot be found.
    """
    model = evaluator.model(config)
    rates = rate_senders(model)
    if not rates:
        return {"throughput": None, "multiplier": None, "forecast_rate": None,
                "headroom": None, "probes": [],
                "reason": "no open sender has a 'rate' to scale"}
    evaluator.configurator.allow_scaled(f"nodes.{s}.rate" for s in rates)
    count = plan.saturation.replications
    probes = [_probe(plan, evaluator, config, rates, m, count) for m in (LOW_PROBE, 1.0)]
    lo, hi = 1.0, _upper(plan, model, rates)
    top = _probe(plan, evaluator, config, rates, hi, count)
    probes.append(top)
    bounded = not top["holds"]
    if not bounded:
        lo = hi
    for _ in range(plan.saturation.steps if bounded else 0):
        mid = (lo + hi) / 2
        probe = _probe(plan, evaluator, config, rates, mid, count)
        probes.append(probe)
        lo, hi = (mid, hi) if probe["holds"] else (lo, mid)
    forecast = sum(rates.values())
    return {"throughput": lo * forecast, "multiplier": lo, "forecast_rate": forecast,
            "headroom": lo - 1.0, "bounded_above": bounded,
            "probes": sorted(probes, key=lambda p: p["multiplier"]), "reason": None}

