"""Reading trace rows back, one request at a time, for the converters.

The rows of a run are held in memory as one DataFrame while converting (about
100 bytes a row: a million rows take about 100 MB); use ``--trace-sample`` to
bound a long run's trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd

from sim.metrics.trace_columns import COLUMN_NAMES

__all__ = ["read_rows", "requests"]


def read_rows(path: str | Path) -> pd.DataFrame:
    """The rows of a CSV or Parquet trace file, in file order."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, keep_default_na=True)


def requests(frame: pd.DataFrame) -> Iterator[list[dict]]:
    """Each traced request's rows (dicts keyed by column), by replication and request."""
    if frame.empty:
        return
    frame = frame[list(COLUMN_NAMES)]
    records = frame.sort_values(["replication", "request"], kind="stable").to_dict("records")
    group: list[dict] = []
    key = None
    for row in records:
        here = (row["replication"], row["request"])
        if here != key and group:
            yield group
            group = []
        key = here
        group.append(row)
    if group:
        yield group
