"""Recovery time from windowed series, on constructed series computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics.recovery import recovery_time


def series(n=60, width=5.0):
    starts = np.arange(n) * width
    return starts, np.full(n, 50), np.full(n, 50), np.full(n, 0.2)


def test_recovers_when_goodput_and_p99_are_back_for_30_s():
    """Fault over [100, 150); goodput back from 150, p99 high until 175: the first
    window from which 30 s (6 windows) are good starts at 175: recovery 25 s."""
    starts, offered, completed, p99 = series()
    completed[(starts >= 100) & (starts < 150)] = 0
    p99[(starts >= 150) & (starts < 175)] = 0.9
    assert recovery_time(starts, 5.0, offered, completed, p99, fault_start=100,
                         fault_end=150) == 25.0


def test_goodput_is_summed_over_the_hold_not_window_by_window():
    """One window at 80% of offered inside otherwise full windows: 6 windows complete
    50 x 5 + 40 = 290 >= 0.9 x 300: recovered at once (0 s)."""
    starts, offered, completed, p99 = series()
    completed[32] = 40
    assert recovery_time(starts, 5.0, offered, completed, p99, fault_start=100,
                         fault_end=150) == 0.0


def test_a_drain_that_never_ends_is_none():
    starts, offered, completed, p99 = series()
    completed[starts >= 100] = 20
    assert recovery_time(starts, 5.0, offered, completed, p99, fault_start=100,
                         fault_end=150) is None


def test_the_fault_end_inside_a_window_counts_from_the_next_window():
    """Fault ends at 152: the first candidate window starts at 155, 3 s later."""
    starts, offered, completed, p99 = series()
    assert recovery_time(starts, 5.0, offered, completed, p99, fault_start=100,
                         fault_end=152) == pytest.approx(3.0)
