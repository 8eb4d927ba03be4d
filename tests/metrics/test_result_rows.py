"""The engine hands its series to Result as Rows; they become the same DataFrames on
first use, so a run that prints only its table never builds (or imports) them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sim
from sim.metrics.result import Result, Rows

ROOT = Path(__file__).resolve().parents[2]


def test_series_are_rows_until_read_then_the_dataframe_of_those_rows():
    result = sim.simulate(sim.load(ROOT / "models" / "request_reply.yaml"), duration=3,
                          warmup=0, replications=1)
    rows = result._timeseries
    assert isinstance(rows, Rows) and isinstance(result._requests_series, Rows)
    frame = result.timeseries
    pd.testing.assert_frame_equal(frame, pd.DataFrame(rows.rows, columns=rows.columns))
    assert result.timeseries is frame  # built once
    requests = result._requests_series
    assert list(result.requests_series.columns) == requests.columns
    assert len(result.requests_series) == len(requests.rows)


def test_a_result_of_dataframes_or_nothing_reads_as_before():
    rep = sim.simulate(sim.load(ROOT / "models" / "request_reply.yaml"), duration=1,
                       warmup=0, replications=1).replications
    given = pd.DataFrame({"a": [1, 2]})
    assert Result(rep, given).timeseries is given
    assert Result(rep).timeseries.empty and Result(rep).requests_series.empty
