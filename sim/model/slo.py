"""Service-level objectives judged window by window: a model's ``slo:`` list.

Each entry names an objective over the requests of one window of ``window``
seconds (``requests.latency.p99 <= 0.5``, ``requests.failed / requests.offered
<= 0.001``), the fraction of windows that must meet it (``target``), and the
multi-window burn-rate alerts of Google's SRE workbook (chapter "Alerting on
SLOs": an alert fires when the error budget burns faster than ``burn`` times
the sustainable rate over both a ``long`` and a ``short`` window; the
workbook's page alerts, 1 h / 5 min at 14.4 and 6 h / 30 min at 6, are the
default). The result layer judges the windows (:mod:`sim.metrics.slo`).

The objective is parsed with a few string operations, never ``eval``; only the
request figures a window has are accepted (:data:`WINDOW_METRICS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.errors import ModelError, nearest
from sim.model.checks import Ctx, is_number
from sim.model.keys import Key, read
from sim.model.settings import MAX_SERIES_INTERVALS

__all__ = ["SloSpec", "BurnAlert", "WindowObjective", "SLO", "ALERT", "WINDOW_METRICS",
           "DEFAULT_ALERTS", "slo_specs", "parse_window_objective", "check_slo_windows"]

WINDOW_METRICS: tuple[str, ...] = (
    "latency.mean", "latency.p50", "latency.p90", "latency.p95", "latency.p99",
    "latency.p999", "latency.max", "throughput", "offered", "completed", "failed")
"""What an objective may compare, after ``requests.``: figures of the requests of one
window (latency of those completed in it; counts and the completion rate)."""

COUNTS = ("offered", "completed", "failed")
_OPERATORS = ("<=", ">=")
_WRONG = ("==", "!=", "=<", "=>", "<", ">", "=")


@dataclass(frozen=True, slots=True)
class WindowObjective:
    """``path op bound``, or ``path / denominator op bound``, over one window.

    ``path`` and ``denominator`` are :data:`WINDOW_METRICS` names (without
    ``requests.``); ``text`` is the objective as written.
    """

    text: str
    path: str
    denominator: str | None
    op: Literal["<=", ">="]
    bound: float

    def value(self, figures: Mapping[str, float | None]) -> float | None:
        """The quantity in a window's ``figures`` (None when undefined: no latency
        without completions; 0 / 0 is 0)."""
        num = figures.get(self.path)
        if self.denominator is None or num is None:
            return num
        den = figures.get(self.denominator)
        if den is None:
            return None
        if den == 0:
            return 0.0 if num == 0 else None
        return num / den

    def met(self, figures: Mapping[str, float | None]) -> bool:
        """Whether a window met the objective. An undefined quantity (a latency with
        nothing completed) meets it only when nothing was offered in the window:
        requests asked for and none answered is a bad window (an outage)."""
        x = self.value(figures)
        if x is None:
            return not figures.get("offered")
        return x <= self.bound if self.op == "<=" else x >= self.bound


@dataclass(frozen=True, slots=True)
class BurnAlert:
    """Fires when the burn rate exceeds ``burn`` over both the last ``long`` and the
    last ``short`` seconds (each rounded up to whole windows)."""

    long: float
    short: float
    burn: float


@dataclass(frozen=True, slots=True)
class SloSpec:
    """One validated entry of ``slo:``."""

    name: str
    objective: WindowObjective
    window: float
    target: float
    alerts: tuple[BurnAlert, ...]


DEFAULT_ALERTS = (BurnAlert(3600.0, 300.0, 14.4), BurnAlert(21600.0, 1800.0, 6.0))
"""The SRE workbook's page alerts for a 30-day budget: 2% of it in an hour, 5% in six."""

ALERT: tuple[Key, ...] = (
    Key("long", "number", "The long window: the burn rate over it must exceed burn.",
        unit="s", low=0, low_open=True, required=True),
    Key("short", "number", "The short window (at most long): the burn rate over it must "
        "exceed burn too, so the alert stops soon after the problem does.", unit="s", low=0,
        low_open=True, required=True),
    Key("burn", "number", "The burn rate (bad fraction / (1 - target)) both windows must "
        "exceed.", low=0, low_open=True, required=True),
)

_ALERTS_JSON = {"type": "array", "items": {
    "type": "object", "additionalProperties": False, "required": ["long", "short", "burn"],
    "properties": {k.name: {"type": "number", "exclusiveMinimum": 0} for k in ALERT}}}

SLO: tuple[Key, ...] = (
    Key("objective", "string", "What one window must meet: `requests.METRIC <= N` or `>= N`, "
        "or `requests.failed / requests.offered <= N`; METRIC is one of "
        + ", ".join(WINDOW_METRICS) + " (the figures of the requests of that window: "
        "latencies of those completed in it, throughput = completed / window). A window "
        "with nothing completed fails a latency objective when requests were offered in it.",
        required=True),
    Key("window", "number", "The window's length; windows start at the end of the warm-up, "
        "and a last window cut short by the end of the run is left out.", default=60.0,
        unit="s", low=0, low_open=True),
    Key("target", "custom", "The fraction of windows that must meet the objective; the "
        "error budget is 1 - target, and the burn rate is the fraction of bad windows "
        "divided by it.", default=0.99, type_text="number in (0, 1)",
        json={"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
    Key("name", "string", "Its name in the result (`slo.NAME`); no dots.",
        default_text="slo1, slo2, ... in order"),
    Key("alerts", "custom", "Multi-window burn-rate alerts, each `{long, short, burn}` "
        "(seconds, seconds, rate): it fires at the end of a window when the burn rate over "
        "both the last long and the last short seconds (rounded up to whole windows; all "
        "windows so far while fewer have passed) exceeds burn.",
        default_text="[{long: 3600, short: 300, burn: 14.4}, {long: 21600, short: 1800, "
        "burn: 6}]", type_text="list of {long, short, burn}", json=_ALERTS_JSON),
)
"""The keys of one entry of ``slo:``."""


def parse_window_objective(ctx: Ctx, key: str, text: str) -> WindowObjective:
    """``"requests.latency.p99 <= 0.5"`` -> :class:`WindowObjective`, or a ModelError
    naming the key, the text and what is wanted (the nearest metric for a typo)."""
    found = [op for op in _OPERATORS if op in text]
    if len(found) != 1:
        wrong = next((w for w in _WRONG if w in text), None)
        hint = f" (got {wrong!r})" if wrong else ""
        raise ctx.error(key, f"must compare with <= or >={hint}: 'requests.latency.p99 "
                        "<= 0.5'", value=text)
    left, right = (part.strip() for part in text.split(found[0], 1))
    try:
        bound = float(right)
    except ValueError:
        raise ctx.error(key, "must end with a number after the operator", value=text) from None
    if not math.isfinite(bound):
        raise ctx.error(key, "must end with a finite number", value=text)
    parts = [p.strip() for p in left.split("/")]
    if len(parts) > 2:
        raise ctx.error(key, "must divide at most once (a / b)", value=text)
    paths = [_metric(ctx, key, p, text) for p in parts]
    if len(paths) == 2 and not all(p in COUNTS for p in paths):
        raise ctx.error(key, f"can divide only counts ({', '.join(COUNTS)})", value=text)
    normal = " / ".join(f"requests.{p}" for p in paths) + f" {found[0]} {right}"
    return WindowObjective(normal, paths[0], paths[1] if len(paths) == 2 else None,
                           found[0], bound)


def _metric(ctx: Ctx, key: str, path: str, text: str) -> str:
    if not path.startswith("requests."):
        raise ctx.error(key, "must compare a figure of the requests (requests.METRIC): a "
                        "window has no node figures", value=text)
    metric = path.removeprefix("requests.")
    if metric not in WINDOW_METRICS:
        raise ctx.error(key, f"must name one of {', '.join(WINDOW_METRICS)} after "
                        "'requests.'", value=text,
                        suggestion=nearest(metric, WINDOW_METRICS))
    return metric


def _alerts(ctx: Ctx, value: Any) -> tuple[BurnAlert, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ctx.error("alerts", "must be a non-empty list of {long, short, burn}",
                        value=value)
    out = []
    for i, item in enumerate(value):
        sub = ctx.sub(f"alerts[{i}]")
        got = read(sub, ALERT, _mapping(ctx, i, item), "alert")
        if got["short"] > got["long"]:
            raise sub.error("short", f"must be at most long ({got['long']:g} s)",
                            value=got["short"])
        out.append(BurnAlert(got["long"], got["short"], got["burn"]))
    return tuple(out)


def _mapping(ctx: Ctx, i: int, item: Any) -> Mapping:
    if not isinstance(item, Mapping):
        raise ctx.error(f"alerts[{i}]", "must be a mapping {long, short, burn}", value=item)
    return item


def _entry(i: int, item: Any, names: set[str]) -> SloSpec:
    ctx = Ctx(prefix=f"slo[{i}]")
    if not isinstance(item, Mapping):
        raise ModelError("must be a mapping {objective, window, target, name, alerts}",
                         key=f"slo[{i}]", value=item)
    got = read(ctx, SLO, item, "slo entry")
    objective = parse_window_objective(ctx, "objective", got["objective"])
    target = got["target"]
    if not (is_number(target) and 0 < target < 1):
        raise ctx.error("target", "must be a number between 0 and 1 (exclusive): the "
                        "fraction of windows that must meet the objective", value=target)
    name = got["name"] if got["name"] is not None else f"slo{i + 1}"
    if not name or "." in name:
        raise ctx.error("name", "must be a non-empty name without dots", value=name)
    if name in names:
        raise ctx.error("name", "is already the name of another objective", value=name)
    names.add(name)
    alerts = DEFAULT_ALERTS if got["alerts"] is None else _alerts(ctx, got["alerts"])
    return SloSpec(name, objective, got["window"], float(target), alerts)


def check_slo_windows(specs: tuple[SloSpec, ...], duration: float) -> None:
    """Refuse an objective whose windows would cut ``duration`` (s) into more than
    :data:`sim.model.settings.MAX_SERIES_INTERVALS` windows, or into none."""
    for i, spec in enumerate(specs):
        count = duration / spec.window
        if count > MAX_SERIES_INTERVALS:
            raise ModelError(f"must be at least {duration / MAX_SERIES_INTERVALS:.6g} s for a "
                             f"run of {duration:g} s: at most {MAX_SERIES_INTERVALS:,} windows "
                             "are judged", key=f"slo[{i}].window", value=spec.window)
        if count < 1:
            raise ModelError(f"must be at most the run's duration ({duration:g} s): no "
                             "window would be judged", key=f"slo[{i}].window",
                             value=spec.window)


def slo_specs(value: Any) -> tuple[SloSpec, ...]:
    """The model's ``slo:`` list, validated (an empty tuple when absent)."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ModelError("must be a list of {objective, window, target, name, alerts}",
                         key="slo", value=value)
    names: set[str] = set()
    return tuple(_entry(i, item, names) for i, item in enumerate(value))
