"""Measured data in, clean float arrays out, or one :class:`FitError` naming the row.

Samples (service times, interarrival times) are seconds >= 0. Timestamps are
seconds (>= 0) or date-times (ISO strings or ``datetime64``), turned into seconds
since the first. Rows are numbered from 1, in the order given; the command line
passes ``source="file 'x.csv', column 'latency'"`` so a message reads
``file 'x.csv', column 'latency', row 17: 'abc' is not a number``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

__all__ = ["FitError", "as_samples", "as_timestamps"]


class FitError(SimError):
    """Data that cannot be fitted: empty, non-numeric, missing, negative or infinite values,
    or a request the fitter cannot meet (an unknown distribution name)."""


def _series(values: Any, source: str) -> pd.Series:
    """``values`` as a 1-D pandas Series with a 0..n-1 index (rows are index + 1)."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise FitError(f"{source}: must be a one-dimensional sequence of numbers "
                       f"(got {type(values).__name__})")
    series = pd.Series(values).reset_index(drop=True)
    if series.empty:
        raise FitError(f"{source}: is empty: there is nothing to fit")
    return series


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _numeric(series: pd.Series, source: str) -> np.ndarray:
    """The series as float64, refusing the first non-numeric, missing or infinite value."""
    is_bool = series.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
    numbers = pd.to_numeric(series.where(~is_bool), errors="coerce").to_numpy(dtype=float)
    missing = series.isna().to_numpy() | series.map(_blank).to_numpy()
    bad = np.isnan(numbers) & ~missing
    if bad.any() or is_bool.any():
        i = _first(bad | is_bool)
        raise FitError(f"{source}, row {i + 1}: {series.iloc[i]!r} is not a number")
    if np.isnan(numbers).any():
        i = _first(np.isnan(numbers))
        raise FitError(f"{source}, row {i + 1}: the value is missing (empty or NaN); "
                       "remove the row or fill it in")
    if np.isinf(numbers).any():
        i = _first(np.isinf(numbers))
        raise FitError(f"{source}, row {i + 1}: {numbers[i]:g} is not a finite number")
    return numbers


def _blank(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("", "nan", "na", "null")


def _non_negative(numbers: np.ndarray, source: str, what: str) -> np.ndarray:
    if (numbers < 0).any():
        i = _first(numbers < 0)
        raise FitError(f"{source}, row {i + 1}: {numbers[i]:g} is negative; {what} are "
                       "seconds >= 0")
    return numbers


def as_samples(values: Any, source: str = "samples") -> np.ndarray:
    """Check measured times and return them as a float64 array.

    Parameters
    ----------
    values : sequence of numbers
        Service or interarrival times in seconds (a list, array or pandas Series;
        numeric strings are accepted, as read from a CSV file).
    source : str
        What the data is, for messages (e.g. ``"file 'x.csv', column 'latency'"``).

    Returns
    -------
    numpy.ndarray
        float64 values, each finite and >= 0, in the order given.

    Raises
    ------
    FitError
        For empty data, or naming the first row that is not a number, is missing
        (empty or NaN), infinite or negative.
    """
    numbers = _numeric(_series(values, source), source)
    return _non_negative(numbers, source, "times")


def as_timestamps(values: Any, source: str = "timestamps") -> np.ndarray:
    """Arrival timestamps as sorted seconds since the first arrival.

    Parameters
    ----------
    values : sequence
        Seconds (numbers >= 0), or date-times: ``datetime64`` values or strings that
        pandas parses as dates (e.g. ISO 8601). Any order; they are sorted.
    source : str
        What the data is, for messages.

    Returns
    -------
    numpy.ndarray
        Sorted float64 seconds, the first 0.

    Raises
    ------
    FitError
        As :func:`as_samples`, and for fewer than 3 timestamps or all equal.
    """
    series = _series(values, source)
    dates = _dates(series)
    if dates is not None:
        seconds = dates
    else:
        seconds = _non_negative(_numeric(series, source), source, "timestamps")
    seconds = np.sort(seconds)
    if len(seconds) < 3 or seconds[-1] == seconds[0]:
        raise FitError(f"{source}: needs at least 3 timestamps spanning some time "
                       f"(got {len(seconds)} spanning {seconds[-1] - seconds[0]:g} s)")
    return seconds - seconds[0]


def _dates(series: pd.Series) -> np.ndarray | None:
    """Seconds since the earliest date when every value is a date-time, else None."""
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    elif series.map(lambda v: isinstance(v, str)).all():
        if not pd.to_numeric(series, errors="coerce").isna().any():
            return None  # numeric strings are seconds, not dates
        try:
            parsed = pd.to_datetime(series, utc=True, format="mixed")
        except (ValueError, TypeError, OverflowError):
            return None
    else:
        return None
    if parsed.isna().any():
        return None
    return (parsed - parsed.min()).dt.total_seconds().to_numpy(dtype=float)
