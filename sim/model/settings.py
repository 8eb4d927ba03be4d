"""Run settings: one validated object, whatever route the values came by.

Settings reach a run by six routes: the model's ``run:`` block, ``--set
run.KEY=...`` (both end in the model graph's ``run`` mapping), the command-line
flags, the Python API's keyword arguments, and experiment and plan files. Every
route goes through :func:`check_setting`, so the same value gets the same
verdict everywhere; only the spelling of the setting in the message differs
(``run.duration``, ``--duration``, ``duration``).

Bounds, and why:

- ``duration`` positive, finite and at most :data:`MAX_SECONDS` (1e12 s, about
  31,700 years): beyond it the simulated clock's float spacing (about 1e-4 s at
  1e12) is coarser than the service times it has to order.
- ``warmup`` 0 or more, finite, at most :data:`MAX_SECONDS`, or ``"auto"``.
- ``replications`` a positive integer, at most :data:`MAX_REPLICATIONS`: each
  replication's summary and time series stay in memory until the run ends.
- ``seed`` a non-negative integer (the root of every random stream).
- ``series`` the time series' interval: positive, finite seconds, or None for
  :data:`DEFAULT_SERIES_INTERVALS` intervals over the run; at most
  :data:`MAX_SERIES_INTERVALS` intervals fit in a run (warm-up included), since
  every interval's row of every node stays in memory until the run ends.
- ``engine`` one of :data:`ENGINES`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.errors import ModelError, nearest
from sim.model.checks import is_number

__all__ = ["RunSettings", "RUN_KEYS", "MAX_SECONDS", "MAX_REPLICATIONS", "check_setting",
           "check_settings", "run_settings", "DEFAULT_SERIES_INTERVALS",
           "MAX_SERIES_INTERVALS", "series_interval", "series_instants", "ENGINES"]

RUN_KEYS = ("duration", "warmup", "replications", "seed", "series", "engine")
ENGINES = ("auto", "simpy", "compiled")
"""What simulates: ``simpy`` (the reference engine, every feature), ``compiled`` (the
numba kernel, for the models it covers) or ``auto`` (the kernel when the model is
covered and long enough to pay for loading it, else SimPy)."""
MAX_SECONDS = 1e12
MAX_REPLICATIONS = 100_000
DEFAULT_SERIES_INTERVALS = 200
"""Intervals of the time series when ``series`` is not given (both ends sampled)."""
MAX_SERIES_INTERVALS = 100_000
"""Most intervals of the time series in one replication: each keeps a row per node."""
MODEL_SPELLING = "run.{key}"

_WANTED = {
    "duration": f"a positive number of seconds, finite and at most {MAX_SECONDS:g}",
    "warmup": f"a non-negative number of seconds, finite and at most {MAX_SECONDS:g}, "
              "or 'auto'",
    "replications": "a positive integer",
    "seed": "a non-negative integer",
    "series": f"a positive number of seconds, finite and at most {MAX_SECONDS:g}",
    "engine": "one of auto, simpy, compiled",
}
_TOO_MANY = (f"a positive integer of at most {MAX_REPLICATIONS:,}: each replication's "
             "results stay in memory until the run ends")


def _refuse(name: str, key: str, value: Any, wanted: str | None = None,
            suggestion: str | None = None) -> ModelError:
    """A ModelError naming the setting as its route spells it, the value, what is wanted.

    A ``run.KEY`` (model file, ``--set``, experiment, plan) reads as every other
    model message (``model: 'run.duration' must be ...``); a flag or an API
    argument reads ``--duration must be ...``.
    """
    wanted = wanted or _WANTED[key]
    exc = ModelError(f"must be {wanted}", key=name, value=value, suggestion=suggestion)
    if not name.startswith("run."):
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        exc.args = (f"{name} must be {wanted} (got {value!r}){hint}",)
    return exc


def _integer(value: Any) -> int | None:
    """The int a number stands for (``3`` or ``3.0``), or None (1.5, nan, inf, text)."""
    if not is_number(value) or not math.isfinite(value) or float(value) != int(value):
        return None
    return int(value)


def check_setting(key: str, value: Any, spelling: str = MODEL_SPELLING) -> Any:
    """The one validator of a run setting: ``value`` typed (float seconds, int counts,
    or ``"auto"``), or a :class:`~sim.errors.ModelError` naming the setting as
    ``spelling.format(key=key)``, the value and what is wanted."""
    name = spelling.format(key=key)
    if key not in RUN_KEYS:
        hint = nearest(str(key), RUN_KEYS)
        takes = "" if hint else f" (run settings are {', '.join(RUN_KEYS)})"
        raise ModelError(f"unknown key {name!r}{takes}", suggestion=hint)
    if key == "warmup" and value == "auto":
        return "auto"
    if key == "engine":
        if value not in ENGINES:
            raise _refuse(name, key, value, suggestion=nearest(str(value), ENGINES))
        return value
    if key in ("duration", "warmup", "series"):
        ok = is_number(value) and math.isfinite(value) and \
            (value >= 0 if key == "warmup" else value > 0)
        if not ok:
            raise _refuse(name, key, value)
        if value > MAX_SECONDS:
            raise _refuse(name, key, value, f"at most {MAX_SECONDS:g} seconds (about 31,700 "
                          "years): beyond it the simulated clock cannot tell service times "
                          "apart")
        return float(value)
    count = _integer(value)
    low = 1 if key == "replications" else 0
    if count is None or count < low:
        raise _refuse(name, key, value)
    if key == "replications" and count > MAX_REPLICATIONS:
        raise _refuse(name, key, value, _TOO_MANY)
    return count


def check_settings(values: Mapping[str, Any] | None, spelling: str = MODEL_SPELLING, *,
                   unset: bool = False) -> dict[str, Any]:
    """Some settings, each checked by :func:`check_setting`.

    With ``unset`` true, ``None`` means "not given" and is left out (an unset flag
    or keyword argument keeps what was there); otherwise ``None`` is refused like
    any other wrong value (``duration:`` with nothing after it in a file).
    """
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ModelError("must be a mapping of run settings",
                         key=spelling.format(key="").rstrip(".-") or "run", value=values)
    return {str(key): check_setting(str(key), value, spelling)
            for key, value in values.items() if not (unset and value is None)}


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Validated run settings.

    Attributes
    ----------
    duration : float
        Simulated seconds measured (after the warm-up).
    warmup : float or "auto"
        Simulated seconds discarded first; ``"auto"`` picks them by MSER-5.
    replications : int
        Independent replications.
    seed : int
        Root seed of every random stream.
    series : float or None
        Seconds between the instants of the time series (each interval also gets
        its requests' completions, failures and latency percentiles); None for
        :data:`DEFAULT_SERIES_INTERVALS` intervals over the run.
    engine : str
        ``auto``, ``simpy`` or ``compiled`` (:data:`ENGINES`).

    Constructing one (also through :func:`dataclasses.replace`) checks every
    field, so an invalid RunSettings cannot exist.
    """

    duration: float = 1000.0
    warmup: float | Literal["auto"] = 0.0
    replications: int = 1
    seed: int = 1
    series: float | None = None
    engine: Literal["auto", "simpy", "compiled"] = "auto"

    def __post_init__(self) -> None:
        for key in RUN_KEYS:
            if key == "series" and self.series is None:
                continue
            object.__setattr__(self, key, check_setting(key, getattr(self, key), "{key}"))
        check_series_count(self, "{key}")

    def merged(self, values: Mapping[str, Any] | None = None, *, spelling: str = "{key}",
               unset: bool = True, **kwargs: Any) -> "RunSettings":
        """These settings with ``values`` (and ``kwargs``) winning.

        Errors spell the setting as ``spelling`` (``"--{key}"`` for flags); with
        ``unset`` (the default) a ``None`` value keeps the field as it is.
        """
        if values is not None and not isinstance(values, Mapping):
            raise ModelError("must be a mapping of run settings", key="run", value=values)
        changes = check_settings({**(values or {}), **kwargs}, spelling, unset=unset)
        current = {key: getattr(self, key) for key in RUN_KEYS}
        merged = {**current, **changes}
        check_series_count(RunSettings(**{**merged, "series": None}),
                           spelling if "series" in changes else "{key}", merged["series"])
        return RunSettings(**merged)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a ``run:`` mapping (``series`` only when given, ``engine``
        only when not ``auto``)."""
        return {key: getattr(self, key) for key in RUN_KEYS
                if not (key == "series" and self.series is None)
                and not (key == "engine" and self.engine == "auto")}


def series_interval(run: RunSettings, end: float) -> float:
    """Seconds between the time series' instants for a run ending at ``end`` (warm-up
    included): ``run.series``, or ``end`` split in :data:`DEFAULT_SERIES_INTERVALS`."""
    if run.series is not None:
        return run.series
    return end / DEFAULT_SERIES_INTERVALS if end > 0 else 1.0


def series_instants(end: float, interval: float | None) -> list[float]:
    """The time series' instants after 0 for a run ending at ``end`` (s, warm-up
    included): ``k * end / DEFAULT_SERIES_INTERVALS`` without an interval, else
    ``k * interval`` before ``end``; the last one is ``end`` itself (a last interval
    cut short). Each is an absolute time, so no drift builds up from adding steps."""
    if interval is None:
        points = DEFAULT_SERIES_INTERVALS
        return [end * k / points for k in range(1, points)] + [end]
    points = max(1, math.ceil(end / interval * (1 - 1e-12)))
    return [min(interval * k, end) for k in range(1, points)] + [end]


def check_series_count(run: RunSettings, spelling: str, series: float | None = None) -> None:
    """Refuse a ``series`` interval that would cut the run (warm-up included; the
    measured part alone under ``warmup: auto``) into more than
    :data:`MAX_SERIES_INTERVALS` intervals."""
    series = run.series if series is None else series
    if series is None:
        return
    span = run.duration + (run.warmup if run.warmup != "auto" else 0.0)
    if span / series > MAX_SERIES_INTERVALS:
        wanted = (f"at least {span / MAX_SERIES_INTERVALS:.6g} seconds for this run "
                  f"({span:g} s): at most {MAX_SERIES_INTERVALS:,} intervals fit, each "
                  "keeping a row per node in memory")
        raise _refuse(spelling.format(key="series"), "series", series, wanted)


def run_settings(values: Mapping[str, Any] | None,
                 spelling: str = MODEL_SPELLING) -> RunSettings:
    """Settings from a ``run:`` mapping; missing keys take :class:`RunSettings`' defaults."""
    return RunSettings().merged(values, spelling=spelling, unset=False)
