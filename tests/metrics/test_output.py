"""Output analysis on synthetic sequences: batch means, MSER-5, relative precision.

MSER: White (1997); MSER-5: White, Cobb & Spratt (2000); the first-half rule:
Franklin & White (2008). Stopping rule: Law & Kelton (2000), section 9.4.1.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics.output import (batch_means, mser5, mser_statistic, mser_truncation,
                                precision_status, relative_precision)
from sim.metrics.stats import t_quantile_975

SEEDS = range(20)
N = 5000


def test_batch_means_drops_the_incomplete_batch():
    assert batch_means([1, 2, 3, 4, 5, 6, 7], 3).tolist() == [2.0, 5.0]
    assert batch_means([1.0, 3.0], 5).size == 0
    with pytest.raises(ValueError, match="batch size must be a positive integer"):
        batch_means([1.0], 0)


def test_mser_statistic_matches_its_definition():
    """MSER(d) = sum_{j>d} (Z_j - mean)^2 / (k-d)^2, by brute force."""
    z = np.random.default_rng(1).exponential(2.0, 40) + 1e6   # offset: cancellation check
    brute = [np.sum((z[d:] - z[d:].mean()) ** 2) / (z.size - d) ** 2
             for d in range(z.size - 1)]
    assert mser_statistic(z) == pytest.approx(brute, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_decaying_transient_is_cut_near_its_end(seed):
    """10 exp(-t/200) + N(0, 1): the bias falls below a quarter of the noise's standard
    deviation at t = 200 ln 40 = 738; MSER-5 cuts somewhere around there."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    cut = mser5(10 * np.exp(-t / 200) + rng.normal(0, 1, N))
    assert 400 <= cut <= 900
    assert cut % 5 == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_step_transient_is_cut_at_the_step(seed):
    """Mean 5 for 500 observations, then 0: the truncation lands at the step."""
    x = np.random.default_rng(seed).normal(0, 1, N)
    x[:500] += 5
    assert 500 <= mser5(x) <= 650


@pytest.mark.parametrize("seed", SEEDS)
def test_stationary_sequence_is_cut_near_zero(seed):
    truncation = mser_truncation(np.random.default_rng(seed).normal(3, 1, N))
    assert truncation.index <= 0.03 * N
    assert truncation.reliable


def test_trend_through_the_whole_run_is_unreliable():
    """A transient that never ends: the minimum sits at the half-way cap (Franklin &
    White 2008: the run is too short)."""
    truncation = mser_truncation(np.arange(N, dtype=float))
    assert truncation.batches == truncation.n_batches // 2
    assert not truncation.reliable


def test_mser_needs_two_batches():
    with pytest.raises(ValueError, match="needs at least 10 observations"):
        mser5([1.0] * 9)


def test_relative_precision_is_the_t_interval_over_the_mean():
    values = [9.0, 10.0, 11.0, 10.0]
    half = t_quantile_975(3) * np.std(values, ddof=1) / 2
    status = relative_precision(values, 0.2)
    assert status["mean"] == pytest.approx(10.0)
    assert status["halfwidth"] == pytest.approx(half)
    assert status["relative"] == pytest.approx(half / 10)
    assert status["reached"] == bool(half / 10 <= 0.2)
    assert relative_precision(values, 0.01)["reached"] is False


def test_relative_precision_edge_cases():
    assert relative_precision([5.0], 0.1) == {"mean": 5.0, "halfwidth": None,
                                              "relative": None, "reached": False}
    assert relative_precision([0.0, 0.0], 0.1)["reached"] is True
    assert relative_precision([None, 1.0, float("nan")], 0.1)["halfwidth"] is None


def test_precision_status_needs_every_metric():
    tight, loose = [10.0, 10.01, 9.99], [1.0, 5.0, 9.0]
    reached, status = precision_status({"a": tight, "b": loose}, 0.05)
    assert not reached
    assert status["a"]["reached"] and not status["b"]["reached"]
    assert precision_status({"a": tight}, 0.05)[0]
