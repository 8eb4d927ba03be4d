"""The run report's waterfall of sampled requests: drawn when a run writes a trace
with --out, from ``trace_sample.csv``; absent otherwise."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sim.cli import main


@pytest.mark.parametrize("suffix", ["csv", "otlp.json"])
def test_run_with_trace_and_out_draws_the_waterfall(tmp_path, suffix):
    from matplotlib.image import imread

    out = tmp_path / "out"
    code = main(["run", "models/sync_calls.yaml", "--duration", "5", "--warmup", "0",
                 "--replications", "1", "--quiet", "--trace", str(tmp_path / f"t.{suffix}"),
                 "--out", str(out)])
    assert code == 0
    sample = pd.read_csv(out / "trace_sample.csv")
    assert 1 <= sample.request.nunique() <= 4
    image = imread(io.BytesIO((out / "report-waterfall.png").read_bytes()), format="png")
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert 'id="waterfall"' in (out / "report.html").read_text()
    assert not (tmp_path / f"t.{suffix}.rows.parquet").exists()


def test_no_trace_no_waterfall(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "models/sync_calls.yaml", "--duration", "2", "--warmup", "0",
                 "--replications", "1", "--quiet", "--out", str(out)]) == 0
    assert not (out / "report-waterfall.png").exists()
    assert 'id="waterfall"' not in (out / "report.html").read_text()


def test_waterfall_bars_one_per_wait_service_and_call():
    """A request sent at 0 waits 1 s in q, is served 2 s by s, which calls d (0.5 s)."""
    from sim.reports.waterfall import waterfall_bars

    rows = pd.DataFrame([
        (0, 1, 1, "attempt", "c", 0.0, None, 3.0, "completed", 0, None, None),
        (0, 1, 1, "visit", "q", 0.0, None, 1.0, "taken", 0, None, None),
        (0, 1, 1, "visit", "s", 1.0, 1.0, 3.0, "done", 0, None, None),
        (0, 1, 1, "call", "s->d", 1.5, None, 2.0, "completed", 1, 0, None),
        (0, 1, 1, "visit", "d", 1.5, 1.5, 2.0, "done", 1, None, None)],
        columns=["replication", "request", "attempt", "kind", "node", "arrival", "start",
                 "departure", "outcome", "call", "parent", "key"])
    bars = {(b[1], b[2]): (b[3], b[4], b[5])
            for b in waterfall_bars(rows, {"q": "queue", "s": "service", "d": "service"})}
    assert bars == {("c", "attempt"): (0.0, 3000.0, ""), ("q", "wait"): (0.0, 1000.0, ""),
                    ("s", "service"): (1000.0, 3000.0, ""),
                    ("s", "call"): (1500.0, 2000.0, "→ d"),
                    ("d", "service"): (1500.0, 2000.0, "")}
