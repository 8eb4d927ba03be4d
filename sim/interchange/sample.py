"""A few traced requests' rows, kept with a run's files for the report's waterfall.

``trace_sample.csv`` in a run folder holds the rows of up to ``SAMPLED`` requests
of the first replication that completed on their first attempt, the ones with
the most rows (the longest paths) first, so the figure shows the model's hops.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.files import safe_frame, write_text
from sim.interchange.rows import read_rows

__all__ = ["sample_rows", "write_sample", "SAMPLE_FILE", "SAMPLED"]

SAMPLE_FILE = "trace_sample.csv"
SAMPLED = 4


def sample_rows(frame: pd.DataFrame, count: int = SAMPLED) -> pd.DataFrame:
    """The rows of up to ``count`` requests (see the module notes), in file order."""
    if frame.empty:
        return frame
    first = frame[frame.replication == frame.replication.min()]
    done = first[(first.kind == "attempt") & (first.attempt == 1)
                 & (first.outcome == "completed")].request
    retried = set(first[first.attempt > 1].request)
    keep = [r for r in done if r not in retried]
    sizes = first[first.request.isin(keep)].groupby("request").size()
    chosen = sizes.sort_values(ascending=False, kind="stable").index[:count]
    return first[first.request.isin(chosen)]


def write_sample(rows_path: str | Path, folder: str | Path) -> Path:
    """Write ``trace_sample.csv`` into ``folder`` from the trace rows in ``rows_path``."""
    path = Path(folder) / SAMPLE_FILE
    write_text(path, safe_frame(sample_rows(read_rows(rows_path))).to_csv(index=False))
    return path
