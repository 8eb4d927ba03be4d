"""Window figures, SLO judging, burn rate and multi-window burn-rate alerts on
constructed windows (no simulation): every number here is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics.result import aggregate
from sim.metrics.slo import SloTracker, aggregate_slo, burn_rate, spans
from sim.metrics.stats import SampleStats
from sim.metrics.windows import WindowStats
from sim.model.slo import BurnAlert, SloSpec, slo_specs


def _spec(alerts=(BurnAlert(300.0, 60.0, 14.4),), target=0.99, objective=None) -> SloSpec:
    entry = {"objective": objective or "requests.latency.p99 <= 0.5", "window": 60,
             "target": target,
             "alerts": [{"long": a.long, "short": a.short, "burn": a.burn} for a in alerts]}
    return slo_specs([entry])[0]


def _window(good: bool) -> dict:
    """A window's figures: 60 offered and completed, p99 0.1 s (good) or 2 s (bad)."""
    return {"offered": 60, "completed": 60, "failed": 0, "throughput": 1.0,
            "latency.p99": 0.1 if good else 2.0}


def test_burn_rate_is_the_bad_fraction_over_the_error_budget():
    """burn = (bad / windows) / (1 - target): 3 bad of 15 at 99% -> 0.2 / 0.01 = 20;
    at 90% -> 0.2 / 0.1 = 2; none bad -> 0."""
    assert burn_rate(3, 15, 0.99) == pytest.approx(20.0)
    assert burn_rate(3, 15, 0.9) == pytest.approx(2.0)
    assert burn_rate(0, 15, 0.99) == 0.0
    assert burn_rate(0, 0, 0.99) is None
    tracker = SloTracker(_spec(target=0.9))
    for i in range(15):
        tracker.add(60.0 * (i + 1), _window(good=i not in (10, 11, 12)))
    entry = tracker.entry(0)
    assert (entry["windows"], entry["good_windows"]) == (15, 12)
    assert entry["good_fraction"] == pytest.approx(12 / 15)
    assert entry["burn_rate"] == pytest.approx((3 / 15) / (1 - 0.9))


def test_alert_times_worked_out_by_hand():
    """Windows of 60 s, target 0.99 (budget 0.01), windows 11, 12, 13 (ending 660, 720,
    780 s) bad. Alert A {long 300, short 60, burn 14.4}: spans of 5 and 1 windows; at
    660 s the long span holds 1 bad of 5 (burn 0.2 / 0.01 = 20 > 14.4) and the short one
    1 of 1 (100): fires at 660; at 840 the short span is good (0): stops.
    Alert B {long 600, short 120}: at 660, 1 bad of 10 (burn 10 < 14.4): not yet; at
    720, 2 of 10 (20) and 2 of 2 (100): fires at 720; at 840 the short span (780, 840)
    holds 1 of 2 (50) and the long 3 of 10 (30): still firing, so no second time;
    at 900 both short windows are good: stops."""
    spec = _spec(alerts=(BurnAlert(300.0, 60.0, 14.4), BurnAlert(600.0, 120.0, 14.4)))
    tracker = SloTracker(spec)
    assert tracker.spans == [(5, 1), (10, 2)]
    for i in range(15):
        tracker.add(60.0 * (i + 1), _window(good=i not in (10, 11, 12)))
    fired = [[f["at"] for f in a["fired"]] for a in tracker.entry(0)["alerts"]]
    assert fired == [[660.0], [720.0]]
    assert tracker.firing == [False, False]


def test_a_long_span_longer_than_the_run_covers_the_windows_so_far():
    """The workbook's 1 h / 5 min alert on a 10-minute run: the first window bad means
    a burn of 1 / 0.01 = 100 over everything so far, above 14.4 in both spans."""
    tracker = SloTracker(_spec(alerts=(BurnAlert(3600.0, 300.0, 14.4),)))
    assert tracker.spans == [(60, 5)]
    tracker.add(60.0, _window(good=False))
    assert tracker.entry(0)["alerts"][0]["fired"] == [{"replication": 0, "at": 60.0}]
    assert spans(BurnAlert(90.0, 30.0, 1.0), 60.0) == (2, 1)   # rounded up, at least 1


def test_a_window_without_completions_fails_a_latency_objective_only_when_offered():
    objective = _spec().objective
    empty = {"offered": 0, "completed": 0, "failed": 0, "latency.p99": None}
    assert objective.met(empty)
    assert not objective.met({**empty, "offered": 5})
    ratio = _spec(objective="requests.failed / requests.offered <= 0.01").objective
    assert ratio.met(empty)                                   # 0 / 0 is 0
    assert ratio.met({"offered": 200, "failed": 2})           # 0.01 <= 0.01
    assert not ratio.met({"offered": 200, "failed": 3})
    rate = _spec(objective="requests.throughput >= 0.9").objective
    assert rate.met(_window(True)) and not rate.met({**_window(True), "throughput": 0.5})


def test_window_stats_see_each_flushed_batch_and_start_afresh():
    """A WindowStats observing a SampleStats: the window holds what was flushed since
    it started; counts are the differences of the cumulative counters."""
    source = SampleStats()
    window = WindowStats(0.0)
    source.observers.append(window.observe)
    source.extend([0.1, 0.2, 0.3, 0.4])
    first = window.close(10.0, (5, 4, 1))
    assert (first["offered"], first["completed"], first["failed"]) == (5, 4, 1)
    assert first["throughput"] == pytest.approx(4 / 10)
    assert first["latency.p50"] == pytest.approx(0.25)        # median of 0.1..0.4
    assert first["latency.max"] == pytest.approx(0.4)
    source.extend([1.0, 3.0])
    second = window.close(15.0, (8, 6, 1))
    assert (second["offered"], second["completed"], second["failed"]) == (3, 2, 0)
    assert second["latency.p50"] == pytest.approx(2.0)
    assert second["throughput"] == pytest.approx(2 / 5)
    assert source.count == 6                                  # the source keeps them all
    third = window.close(20.0, (8, 6, 1))
    assert third["latency.p99"] is None and third["completed"] == 0


def test_window_memory_is_bounded():
    """A window past its exact cap folds into the fixed histogram (1% bins)."""
    window = WindowStats(0.0, exact_cap=1000)
    window.observe(np.linspace(1.0, 2.0, 5000))
    assert not window.latency.exact
    figures = window.close(1.0, (5000, 5000, 0))
    assert figures["latency.p50"] == pytest.approx(1.5, rel=0.01)


def test_replications_combine():
    """Window counts add up; good_fraction and burn_rate are means with a ci95; every
    replication's alert times are kept with their replication."""
    reps = []
    for r, bad in enumerate((2, 4)):
        tracker = SloTracker(_spec())
        for i in range(10):
            tracker.add(60.0 * (i + 1), _window(good=i >= bad))
        reps.append({"slo1": tracker.entry(r)})
    out, ci = aggregate_slo(reps)
    entry = out["slo1"]
    assert (entry["windows"], entry["good_windows"]) == (20, 14)
    assert entry["good_fraction"] == pytest.approx((0.8 + 0.6) / 2)
    assert entry["burn_rate"] == pytest.approx((20 + 40) / 2)
    assert entry["alerts"][0]["fired"] == [{"replication": 0, "at": 60.0},
                                           {"replication": 1, "at": 60.0}]
    assert ci["slo1"]["burn_rate"] > 0
    base = {"model": "m", "seed": 1, "replications": 1, "duration": 600.0, "warmup": 0.0,
            "requests": {"completed": 1}, "nodes": {}}
    combined = aggregate([{**base, "slo": reps[0]}, {**base, "slo": reps[1]}])
    assert combined["slo"] == out and combined["ci95"]["slo"] == ci
