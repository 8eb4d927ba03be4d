"""Mean value analysis against hand computation and known limits."""

from __future__ import annotations

import math

import pytest

from sim.analytic.mva import mva


@pytest.mark.parametrize("n, x, r, q", [
    (1, 0.5, 1.0, 0.5),
    (2, 0.8, 1.5, 1.2),
    (3, 0.9375, 2.2, 2.0625),
])
def test_one_queue_and_think_time_by_hand(n, x, r, q):
    """One queue D = 1 s, think Z = 1 s (Reiser & Lavenberg 1980 recursion, by hand):
    N=1: R = 1, X = 1/2, Q = 1/2.  N=2: R = 1.5, X = 2/2.5 = 0.8, Q = 1.2.
    N=3: R = 1 + 1.2 = 2.2, X = 3/3.2 = 0.9375, Q = 2.0625."""
    sol = mva([1.0], n, think=1.0)
    assert sol.throughput[0] == pytest.approx(x)
    assert sol.response_time[0] == pytest.approx(r)
    assert sol.queue_length[0] == pytest.approx(q)
    assert sol.utilization[0] == pytest.approx(x)
    assert not sol.approximate and sol.method == "exact MVA"


def test_two_queues_by_hand():
    """D = (1, 0.5), Z = 1, by hand: N=1: R = (1, .5), X = 1/2.5 = 0.4, Q = (.4, .2).
    N=2: R = (1.4, .6), X = 2/3, Q = (.9333, .4). N=3: R = (1.9333, .7), X = 3/3.6333."""
    sol = mva([1.0, 0.5], 3, think=1.0)
    assert mva([1.0, 0.5], 2, think=1.0).throughput[0] == pytest.approx(2 / 3)
    assert sol.throughput[0] == pytest.approx(3 / (1 + (1 + 2 / 3 * 1.4) + 0.5 * (1 + 0.4)))
    assert sol.residence[0, 0] == pytest.approx(1 + 2 / 3 * 1.4)
    assert sol.residence[0, 1] == pytest.approx(0.7)


def test_asymptotic_bounds():
    """Lazowska et al. (1984) ch. 5: X(N) <= min(N / (D + Z), 1 / D_max), tight as N grows."""
    demands, z = [0.2, 0.5, 0.1], 2.0
    for n in (1, 5, 20, 200):
        x = mva(demands, n, think=z).throughput[0]
        assert x <= min(n / (sum(demands) + z), 1 / 0.5) + 1e-12
    assert mva(demands, 2000, think=z).throughput[0] == pytest.approx(2.0, rel=1e-6)
    assert mva(demands, 1, think=z).throughput[0] == pytest.approx(1 / (0.8 + 2.0))


def test_delay_station_acts_as_think_time():
    with_delay = mva([1.0, 2.0], 5, think=0.0, servers=[1, math.inf])
    with_think = mva([1.0], 5, think=2.0)
    assert with_delay.throughput[0] == pytest.approx(with_think.throughput[0])
    assert with_delay.utilization[1] == 0.0
    assert with_delay.residence[0, 1] == pytest.approx(2.0)


def test_identical_classes_equal_one_class():
    """Two classes with the same demands behave as one class of the summed population."""
    two = mva([[1.0, 0.5], [1.0, 0.5]], [1, 2], think=[1.0, 1.0])
    one = mva([1.0, 0.5], 3, think=1.0)
    assert sum(two.throughput) == pytest.approx(one.throughput[0])
    assert two.queue_length == pytest.approx(one.queue_length)
    assert two.throughput[1] == pytest.approx(2 * two.throughput[0])


def test_schweitzer_close_to_exact():
    """Schweitzer's approximation is within a few percent of exact MVA (Lazowska sec. 6.4.2)."""
    exact = mva([1.0, 0.5, 0.3], 20, think=5.0)
    approx = mva([1.0, 0.5, 0.3], 20, think=5.0, exact=False)
    assert approx.approximate and approx.method == "Schweitzer MVA"
    assert approx.throughput[0] == pytest.approx(exact.throughput[0], rel=0.03)


def test_large_multiclass_population_uses_schweitzer():
    sol = mva([[0.1, 0.2], [0.2, 0.1]], [300, 300], think=[1.0, 1.0])
    assert sol.approximate and sol.method.startswith("Schweitzer")
    assert sum(sol.utilization) <= 2.0 + 1e-9


def test_seidmann_multi_server():
    """Seidmann's approximation: exact for c = 1; for c servers saturates at c / D."""
    single = mva([1.0], 4, think=1.0, servers=[1])
    assert not single.approximate
    many = mva([2.0], 400, think=0.0, servers=[4])
    assert many.approximate and "Seidmann" in many.method
    assert many.throughput[0] == pytest.approx(2.0, rel=1e-6)
    assert many.utilization[0] == pytest.approx(1.0, rel=1e-6)


def test_zero_population():
    sol = mva([1.0], 0, think=1.0)
    assert sol.throughput == (0.0,)


def test_bad_shapes_refused():
    with pytest.raises(ValueError, match="demands"):
        mva([[1.0, 2.0]], [1, 2])
