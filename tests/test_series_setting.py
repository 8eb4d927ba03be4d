"""``series`` (the time series' interval) is a run setting like the others: every route
(``--series``, ``--set run.series=``, the model's ``run:``, experiment and plan files,
the API) refuses a bad value with exit 2 and one line naming it; the interval count is
bounded so the series' memory is."""

from __future__ import annotations

import math

import pytest

import sim
from sim.cli import main
from sim.errors import ModelError
from sim.model.settings import MAX_SERIES_INTERVALS, RunSettings, run_settings
from tests.test_run_settings import RR, _argv

BAD = [("0", "0", 0), ("-5", "-5", -5), ("nan", ".nan", math.nan), ("inf", ".inf", math.inf),
       ("abc", "abc", "abc"),
       # 1000 s (the model's duration) / 1e-4 s = 1e7 intervals > MAX_SERIES_INTERVALS
       ("1e-4", "1.0e-4", 1e-4)]
IDS = [text for text, _, _ in BAD]
ROUTES = ["run-flag", "set", "model-file", "check-model-file", "experiment-file", "plan-file"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("text, yaml_text, value", BAD, ids=IDS)
def test_every_route_refuses_a_bad_series_with_one_line(route, text, yaml_text, value,
                                                         tmp_path, capsys):
    argv = _argv(route, "series", text, yaml_text, value, tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "series" in lines[0] and "must be" in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("text, yaml_text, value", BAD, ids=IDS)
def test_the_api_refuses_a_bad_series(text, yaml_text, value):
    model = sim.load(RR)
    with pytest.raises(ModelError, match="series"):
        sim.simulate(model, duration=10, series=value)
    with pytest.raises(ModelError, match="series"):
        RunSettings(duration=1000.0, series=value)


def test_the_interval_count_is_bounded_by_warmup_plus_duration():
    """(warmup + duration) / series <= MAX_SERIES_INTERVALS: 1e5 intervals fit, one more
    does not, and a longer duration given later is checked again."""
    run = run_settings({"duration": 100_000, "series": 1})
    assert run.series == 1.0 and run.to_dict()["series"] == 1.0
    assert "series" not in RunSettings().to_dict()
    with pytest.raises(ModelError, match=r"'run.series' must be at least 1\.00001 seconds"):
        run_settings({"duration": 100_000, "warmup": 1, "series": 1})
    with pytest.raises(ModelError, match=f"at most {MAX_SERIES_INTERVALS:,} intervals"):
        run.merged(duration=200_000)
    with pytest.raises(ModelError, match=r"^--series must be"):
        run.merged(series=0.5, spelling="--{key}")


def test_series_flag_sets_the_instants(capsys, tmp_path):
    assert main(["run", RR, "--duration", "10", "--warmup", "0", "--replications", "1",
                 "--series", "4",
                 "--out", str(tmp_path),
                 "--quiet", "--format", "json"]) == 0
    import pandas as pd

    series = pd.read_csv(tmp_path / "timeseries.csv")
    assert sorted(series["time"].unique()) == [0.0, 4.0, 8.0, 10.0]
    requests = pd.read_csv(tmp_path / "requests_series.csv")
    assert list(requests["time"]) == [4.0, 8.0, 10.0]


def test_the_table_shows_each_objective(tmp_path, capsys):
    """One line per objective with its good windows and burn rate, and the alerts that
    fired: every 60 s window of a saturated M/M/1 misses p99 <= 0.001 s, so 5 of 5 bad,
    burn (5 / 5) / (1 - 0.99) = 100, and the default alerts fire at the first window."""
    path = tmp_path / "m.yaml"
    path.write_text("nodes:\n  c: {kind: sender, rate: 9}\n"
                    "  w: {kind: service, service: {dist: exponential, mean: 0.1}}\n"
                    "edges: [[c, w]]\n"
                    "slo: [{objective: 'requests.latency.p99 <= 0.001', window: 60}]\n")
    assert main(["run", str(path), "--duration", "300", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "slo slo1: requests.latency.p99 <= 0.001  good windows 0/5  burn rate 100" in out
    assert "alert 3600 s / 300 s at 14.4x fired at 60 s" in out
