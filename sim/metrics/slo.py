"""Service-level objectives judged window by window (a model's ``slo:``, see
:mod:`sim.model.slo`): the fraction of good windows, the error-budget burn rate,
and when the multi-window burn-rate alerts of Google's SRE workbook fired.

For a target T the error budget is ``1 - T`` of the windows; over any span of
windows the burn rate is ``(bad windows / windows) / (1 - T)``, so 1 spends the
budget exactly. An alert ``{long, short, burn}`` is evaluated at the end of each
window: it is firing when the burn rate over the last ``ceil(long / window)``
windows and over the last ``ceil(short / window)`` windows both exceed ``burn``
(over all windows so far while fewer have passed); the result lists the ends of
the windows at which it started firing. Memory is one cumulative count per window
of the longest alert span.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Sequence

from sim.metrics.stats import ci95_halfwidth

__all__ = ["SloTracker", "burn_rate", "spans", "aggregate_slo"]


def burn_rate(bad: int, windows: int, target: float) -> float | None:
    """``(bad / windows) / (1 - target)``; None without windows."""
    return (bad / windows) / (1.0 - target) if windows else None


def spans(alert, window: float) -> tuple[int, int]:
    """The alert's long and short spans in whole windows (rounded up, at least 1)."""
    def count(seconds: float) -> int:
        return max(1, math.ceil(seconds / window - 1e-9))
    return count(alert.long), count(alert.short)


class SloTracker:
    """One objective (an :class:`~sim.model.slo.SloSpec`) over the windows of one
    replication, fed in order by :meth:`add`."""

    def __init__(self, spec) -> None:
        self.spec = spec
        self.windows = self.good = 0
        self.spans = [spans(a, spec.window) for a in spec.alerts]
        longest = max((s for pair in self.spans for s in pair), default=1)
        self.bad_before: deque = deque([0], maxlen=longest + 1)  # cumulative bad counts
        self.firing = [False] * len(spec.alerts)
        self.fired: list[list[float]] = [[] for _ in spec.alerts]

    def _burn(self, last: int) -> float:
        n = min(last, self.windows)
        bad = self.bad_before[-1] - self.bad_before[-1 - n]
        return bad / n / (1.0 - self.spec.target)

    def add(self, end: float, figures: dict) -> bool:
        """Judge the window ending at ``end`` (s) from its ``figures``
        (:meth:`sim.metrics.windows.WindowStats.close`); True when it met the objective."""
        good = self.spec.objective.met(figures)
        self.windows += 1
        self.good += good
        self.bad_before.append(self.bad_before[-1] + (not good))
        for i, (alert, (long, short)) in enumerate(zip(self.spec.alerts, self.spans)):
            on = self._burn(long) > alert.burn and self._burn(short) > alert.burn
            if on and not self.firing[i]:
                self.fired[i].append(end)
            self.firing[i] = on
        return good

    def entry(self, replication: int) -> dict:
        """Replication ``replication``'s ``slo.<name>`` entry (each alert's ``fired``
        lists ``{replication, at}``, as the aggregate does)."""
        spec, n = self.spec, self.windows
        return {"objective": spec.objective.text, "window": spec.window, "target": spec.target,
                "windows": n, "good_windows": self.good,
                "good_fraction": self.good / n if n else None,
                "burn_rate": burn_rate(n - self.good, n, spec.target),
                "alerts": [{"long": a.long, "short": a.short, "burn": a.burn,
                            "fired": [{"replication": replication, "at": t} for t in times]}
                           for a, times in zip(spec.alerts, self.fired)]}


def _mean(values: list) -> tuple[float | None, float | None]:
    numbers = [v for v in values if v is not None]
    if not numbers:
        return None, None
    return sum(numbers) / len(numbers), ci95_halfwidth(numbers) if len(values) > 1 else None


def aggregate_slo(reps: Sequence[dict]) -> tuple[dict, dict]:
    """The ``slo`` block over replications and its ``ci95``: window counts summed,
    ``good_fraction`` and ``burn_rate`` the mean of the replications' values, and each
    alert's ``fired`` the ``{replication, at}`` of every replication, in order."""
    out, ci = {}, {}
    for name, first in reps[0].items():
        entries = [r[name] for r in reps]
        entry = {k: first[k] for k in ("objective", "window", "target")}
        entry["windows"] = sum(e["windows"] for e in entries)
        entry["good_windows"] = sum(e["good_windows"] for e in entries)
        halves = {}
        for key in ("good_fraction", "burn_rate"):
            entry[key], half = _mean([e[key] for e in entries])
            if half is not None:
                halves[key] = half
        entry["alerts"] = [
            {"long": a["long"], "short": a["short"], "burn": a["burn"],
             "fired": [f for e in entries for f in e["alerts"][i]["fired"]]}
            for i, a in enumerate(first["alerts"])]
        out[name] = entry
        ci[name] = halves
    return out, ci
