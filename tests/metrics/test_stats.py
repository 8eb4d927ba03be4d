"""SampleStats: exact percentiles while small, within 1% from the histogram after."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics.stats import SampleStats, ci95_halfwidth


def test_exact_while_small():
    rng = np.random.default_rng(1)
    data = rng.exponential(2.0, 50_000)
    stats = SampleStats()
    stats.extend(data.tolist())
    assert stats.exact
    got = stats.quantiles([0.5, 0.99])
    assert got == pytest.approx(np.quantile(data, [0.5, 0.99]).tolist(), rel=1e-12)
    assert stats.mean == pytest.approx(data.mean(), rel=1e-12)


def test_histogram_within_one_percent_and_bounded():
    rng = np.random.default_rng(2)
    stats = SampleStats(exact_cap=10_000)
    chunks = [rng.lognormal(0.0, 1.5, 100_000) for _ in range(5)]
    for chunk in chunks:
        stats.extend(chunk.tolist())
    assert not stats.exact
    whole = np.concatenate(chunks)
    for q, got in zip((0.5, 0.9, 0.99, 0.999), stats.quantiles([0.5, 0.9, 0.99, 0.999])):
        assert got == pytest.approx(np.quantile(whole, q), rel=0.01)
    assert stats.max == whole.max() and stats.count == whole.size
    assert stats._hist.nbytes < 64_000


def test_zeros_and_merge():
    a, b = SampleStats(exact_cap=10), SampleStats()
    a.extend([0.0] * 20 + [1.0] * 20)
    b.extend([2.0] * 40)
    merged = SampleStats.merged([a, b])
    assert merged.count == 80 and merged.mean == pytest.approx(1.25)
    assert merged.quantiles([0.1])[0] == 0.0
    assert merged.quantiles([0.9])[0] == pytest.approx(2.0, rel=0.01)


def test_merging_exact_parts_gives_the_quantiles_of_all_their_samples():
    rng = np.random.default_rng(3)
    chunks = [rng.exponential(1.0, n) for n in (5_000, 3_000, 7_000)]
    parts = []
    for chunk in chunks:
        part = SampleStats()
        part.extend(chunk.tolist())
        parts.append(part)
    merged = SampleStats.merged([*parts, SampleStats()])
    whole = np.concatenate(chunks)
    assert merged.exact and merged.count == whole.size
    assert merged.quantiles([0.5, 0.99]) == np.quantile(whole, [0.5, 0.99]).tolist()
    assert merged.total == pytest.approx(whole.sum(), rel=1e-12)


def test_merging_one_filled_part_reads_that_part():
    part, empty = SampleStats(), SampleStats()
    part.extend([1.0, 2.0, 4.0])
    assert SampleStats.merged([empty, part, SampleStats()]) is part
    assert SampleStats.merged([empty]).count == 0


def test_a_kept_quantile_is_forgotten_when_samples_are_added_or_reset():
    stats = SampleStats()
    stats.extend([1.0, 2.0, 3.0])
    assert stats.quantiles([0.5]) == [2.0] and stats.quantiles([0.5]) == [2.0]
    assert stats.quantiles([1.0]) == [3.0]
    stats.extend([10.0, 11.0])
    assert stats.quantiles([0.5]) == [3.0]
    stats.buf.append(100.0)  # the hot path's append, folded in by the next read
    assert stats.quantiles([1.0]) == [100.0]
    stats.reset()
    assert stats.quantiles([0.5]) == [None]
    stats.add(7.0)
    assert stats.quantiles([0.5]) == [7.0]


def test_ci95_halfwidth_student_t():
    """Half-width = t_{0.975, n-1} s / sqrt(n); t_{0.975,4} = 2.776 (tables)."""
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert ci95_halfwidth(values) == pytest.approx(2.776 * np.std(values, ddof=1) / 5 ** 0.5,
                                                   rel=1e-3)
    assert ci95_halfwidth([1.0]) is None
