"""One column of a CSV file of measurements, as text, for :mod:`sim.analytic.fit`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analytic.fit import FitError
from sim.errors import nearest

__all__ = ["read_column"]


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def _read(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, header=None, dtype=str, skip_blank_lines=True,
                            keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise FitError(f"cannot read file '{path}': no such file") from None
    except pd.errors.EmptyDataError:
        raise FitError(f"file '{path}' is empty: there is nothing to fit") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FitError(f"cannot read file '{path}' as CSV: {exc}") from None
    return frame


def _split_header(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """Column names and data rows: the first row is a header unless it is all numbers."""
    first = frame.iloc[0].tolist()
    if any(not _is_number(cell) for cell in first if cell != ""):
        names = [str(c).strip() or str(i + 1) for i, c in enumerate(first)]
        return names, frame.iloc[1:].reset_index(drop=True)
    return [str(i + 1) for i in range(frame.shape[1])], frame


def _choose(names: list[str], column: str | None, path: Path) -> int:
    if column is None:
        if len(names) == 1:
            return 0
        raise FitError(f"file '{path}' has {len(names)} columns ({', '.join(names)}): "
                       "choose one with --column")
    if column in names:
        return names.index(column)
    if column.isdigit() and 1 <= int(column) <= len(names):
        return int(column) - 1
    hint = nearest(column, names)
    also = f" (did you mean {hint!r}?)" if hint else ""
    raise FitError(f"file '{path}' has no column {column!r}; its columns are "
                   f"{', '.join(names)}{also}")


def read_column(path: Path, column: str | None) -> tuple[pd.Series, str]:
    """The cells of one column (strings, rows after the header) and its description.

    The description, ``file 'x.csv', column 'latency'``, prefixes every error about
    the data, which numbers rows from 1 after the header.
    """
    frame = _read(path)
    names, rows = _split_header(frame)
    i = _choose(names, column, path)
    source = f"file '{path}', column '{names[i]}'"
    if rows.empty:
        raise FitError(f"{source}: is empty: there is nothing to fit")
    return rows.iloc[:, i].str.strip(), source
