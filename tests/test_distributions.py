"""Distributions: moments against draws, streams, cdfs, model-file parsing and every refusal."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sim.distributions as dists
from sim.distributions import (DISTRIBUTIONS, Constant, Distribution, Empirical, Erlang,
                               Exponential, Gamma, Hyperexponential, Lognormal, Normal, Pareto,
                               Uniform, Weibull, from_spec)
from sim.errors import ModelError

N = 200_000
NAMES = ("exponential, deterministic, uniform, lognormal, gamma, erlang, weibull, pareto, "
         "normal, hyperexponential, empirical")

# Moderate tails on purpose: the moment check needs a finite fourth moment (Pareto alpha > 4).
CASES = [
    Constant(0.7), Constant(0.0), Exponential(0.25), Uniform(0.5, 1.5), Uniform(2.0, 2.0),
    Lognormal(0.08, 1.0), Lognormal(0.08, 0.0), Gamma(2.0, 1.5), Gamma(2.0, 0.3), Gamma(1.0, 0.0),
    Erlang(3, 0.9), Weibull(0.8, 1.0), Weibull(3.0, 2.0), Pareto(6.0, 1.0),
    Normal(1.0, 0.5), Normal(0.0, 1.0), Normal(0.3, 1.0), Normal(1.0, 0.0),
    Hyperexponential((0.1, 1.0), (0.7, 0.3)), Empirical((0.1, 0.2, 0.2, 0.5, 3.0)),
]
CONTINUOUS = [d for d in CASES if d.variance > 0 and not isinstance(d, Empirical)]


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def standard_errors(x: np.ndarray) -> tuple[float, float]:
    """Standard errors of the sample mean and of the sample scv var/mean**2.

    The scv's comes from the delta method: its influence function is
    ((x - m)**2 - v) / m**2 - 2 v (x - m) / m**3, whose standard deviation over
    sqrt(n) is the asymptotic standard error (covariance of mean and variance included).
    """
    m, v = x.mean(), x.var()
    d = x - m
    if v == 0:
        return 0.0, 0.0
    influence = (d * d - v) / m ** 2 - 2 * v * d / m ** 3
    return d.std() / math.sqrt(len(x)), influence.std() / math.sqrt(len(x))


# ---------------------------------------------------------------- moments against draws

@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_sample_mean_and_scv_match_theory(dist: Distribution) -> None:
    # Both estimates are asymptotically normal with the standard errors above; 5 of them
    # leave a false alarm probability of 6e-7 per check, yet catch any wrong formula
    # (a wrong mu in the lognormal or a wrong gamma scale shifts the mean by >> 5 SE).
    x = dist.sample(rng(), N)
    se_mean, se_scv = standard_errors(x)
    assert abs(x.mean() - dist.mean) <= 5 * se_mean + 1e-12 * dist.mean
    scv = x.var() / x.mean() ** 2 if x.mean() > 0 else 0.0
    assert abs(scv - dist.scv) <= 5 * se_scv + 1e-9


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_samples_are_float64_non_negative(dist: Distribution) -> None:
    x = dist.sample(rng(), 1000)
    assert x.dtype == np.float64 and x.shape == (1000,)
    assert (x >= 0).all() and np.isfinite(x).all()
    assert dist.sample(rng(), 0).shape == (0,)


def test_lognormal_parameters() -> None:
    d = Lognormal(mean=0.08, cv=1.5)
    sigma = math.sqrt(math.log(1 + 1.5 ** 2))
    mu = math.log(0.08) - sigma ** 2 / 2
    grid = np.linspace(0.001, 1.0, 50)
    assert np.allclose(d.cdf(grid), stats.lognorm(s=sigma, scale=math.exp(mu)).cdf(grid))
    assert d.cdf(math.exp(mu)) == pytest.approx(0.5)
    assert d.variance == pytest.approx((1.5 * 0.08) ** 2) and d.scv == pytest.approx(2.25)


def test_gamma_and_erlang_parameters() -> None:
    grid = np.linspace(0.0, 10.0, 50)
    law = stats.gamma(a=1 / 1.5 ** 2, scale=2.0 * 1.5 ** 2)
    assert np.allclose(Gamma(2.0, 1.5).cdf(grid), law.cdf(grid))
    erlang = Erlang(k=4, mean=2.0)
    assert erlang.scv == pytest.approx(1 / 4)
    assert np.allclose(erlang.cdf(grid), stats.gamma(a=4, scale=0.5).cdf(grid))
    assert np.allclose(erlang.cdf(grid), Gamma(2.0, 0.5).cdf(grid))
    assert np.allclose(Erlang(1, 2.0).cdf(grid), Exponential(2.0).cdf(grid))


def test_weibull_moments() -> None:
    d = Weibull(shape=1.5, scale=2.0)
    g1, g2 = math.gamma(1 + 1 / 1.5), math.gamma(1 + 2 / 1.5)
    assert d.mean == pytest.approx(2.0 * g1)
    assert d.variance == pytest.approx(4.0 * (g2 - g1 ** 2))
    exponential = Weibull(shape=1.0, scale=3.0)
    assert exponential.mean == pytest.approx(3.0) and exponential.scv == pytest.approx(1.0)


def test_weibull_tiny_shape_has_infinite_moments_not_nan() -> None:
    d = Weibull(shape=0.001, scale=1.0)
    assert math.isinf(d.mean) and math.isinf(d.scv) and math.isinf(d.variance)


def test_hyperexponential_moments_by_hand() -> None:
    d = Hyperexponential(means=(0.1, 1.0), probs=(0.7, 0.3))
    second = 2 * 0.7 * 0.1 ** 2 + 2 * 0.3 * 1.0 ** 2
    assert d.mean == pytest.approx(0.37)
    assert d.scv == pytest.approx((second - 0.37 ** 2) / 0.37 ** 2)
    assert Hyperexponential((0.5,), (1.0,)).scv == pytest.approx(1.0)


def test_hyperexponential_zero_probability_branch_never_drawn() -> None:
    x = Hyperexponential(means=(1.0, 1000.0), probs=(1.0, 0.0)).sample(rng(), 10_000)
    assert x.max() < 100


@pytest.mark.parametrize("loc, sd", [(1.0, 0.5), (0.0, 1.0), (0.3, 1.0), (5.0, 0.1)])
def test_normal_moments_are_those_of_the_truncated_law(loc: float, sd: float) -> None:
    law = stats.truncnorm(a=-loc / sd, b=math.inf, loc=loc, scale=sd)
    d = Normal(mean=loc, sd=sd)
    assert d.mean == pytest.approx(law.mean()) and d.variance == pytest.approx(law.var())
    grid = np.linspace(0, loc + 4 * sd, 30)
    assert np.allclose(d.cdf(grid), law.cdf(grid))
    assert d.loc == loc and d.to_spec() == {"dist": "normal", "mean": loc, "sd": sd}


def test_pareto_heavy_tails_are_visible_as_inf() -> None:
    assert math.isinf(Pareto(alpha=0.8, scale=1.0).mean)
    assert math.isinf(Pareto(alpha=1.0, scale=1.0).mean)
    assert math.isinf(Pareto(alpha=0.8, scale=1.0).scv)
    finite_mean = Pareto(alpha=1.5, scale=2.0)
    assert finite_mean.mean == pytest.approx(4.0)
    assert math.isinf(finite_mean.variance) and math.isinf(finite_mean.scv)
    assert math.isinf(Pareto(alpha=2.0, scale=2.0).scv)
    lomax = stats.lomax(c=3.0, scale=2.0)
    assert Pareto(3.0, 2.0).mean == pytest.approx(lomax.mean())
    assert Pareto(3.0, 2.0).variance == pytest.approx(lomax.var())
    assert Pareto(3.0, 2.0).scv == pytest.approx(3.0)


def test_zero_mean_and_zero_cv_act_as_constants() -> None:
    assert from_spec(0) == Constant(0.0) and Constant(0.0).scv == 0.0
    for d, value in [(Lognormal(0.3, 0.0), 0.3), (Gamma(0.3, 0), 0.3), (Normal(0.3, 0), 0.3),
                     (Normal(0, 0), 0.0), (Uniform(0.3, 0.3), 0.3)]:
        assert (d.sample(rng(), 100) == value).all()
        assert d.mean == value and d.scv == 0.0
        assert d.cdf(value) == 1.0 and d.cdf(value - 1e-9) == 0.0


def test_empirical_moments_and_cdf() -> None:
    d = Empirical((0.1, 0.2, 0.2, 0.5, 3.0))
    assert d.mean == pytest.approx(0.8)
    assert d.variance == pytest.approx(np.var([0.1, 0.2, 0.2, 0.5, 3.0]))
    assert [d.cdf(x) for x in (-1, 0.09, 0.1, 0.2, 0.49, 3.0)] == [0, 0, 0.2, 0.6, 0.6, 1.0]
    x = d.sample(rng(), N)
    for value, p in [(0.1, 0.2), (0.2, 0.4), (0.5, 0.2), (3.0, 0.2)]:
        # binomial frequency within 5 standard errors
        assert abs((x == value).mean() - p) <= 5 * math.sqrt(p * (1 - p) / N)


# ---------------------------------------------------------------- cdf

@pytest.mark.parametrize("dist", CONTINUOUS, ids=repr)
def test_cdf_matches_empirical_cdf(dist: Distribution) -> None:
    # Kolmogorov's 0.1 % critical value is 1.95 / sqrt(n): a correct cdf passes 999 times
    # in 1000, a wrong parameter (e.g. sigma for sigma**2) exceeds it by far at this n.
    result = stats.kstest(dist.sample(rng(), N), dist.cdf)
    assert result.statistic < 1.95 / math.sqrt(N)


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_cdf_is_a_cdf(dist: Distribution) -> None:
    grid = np.linspace(0, 20, 401)
    p = dist.cdf(grid)
    assert dist.cdf(-1.0) == 0.0 and isinstance(dist.cdf(1.0), float)
    assert (np.diff(p) >= 0).all() and (p >= 0).all() and (p <= 1).all()
    assert dist.cdf(1e6) == pytest.approx(1.0)


# ---------------------------------------------------------------- streams and determinism

@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_stream_serves_the_numbers_of_sample(dist: Distribution) -> None:
    draw = dist.stream(rng(3), batch=64)
    got = [draw() for _ in range(3 * 64 + 5)]
    other = rng(3)
    expected = np.concatenate([dist.sample(other, 64) for _ in range(4)])[:len(got)]
    assert got == expected.tolist()
    assert all(type(v) is float for v in got)


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_same_seed_same_numbers(dist: Distribution) -> None:
    assert np.array_equal(dist.sample(rng(11), 500), dist.sample(rng(11), 500))
    first, second = dist.stream(rng(11), 100), dist.stream(rng(11), 100)
    assert [first() for _ in range(250)] == [second() for _ in range(250)]
    if dist.variance > 0:
        assert not np.array_equal(dist.sample(rng(11), 500), dist.sample(rng(12), 500))


def test_stream_default_batch_and_bad_batch() -> None:
    draw, other = Exponential(1.0).stream(rng(5)), rng(5)
    expected = np.concatenate([Exponential(1.0).sample(other, 4096) for _ in range(2)])
    assert [draw() for _ in range(5000)] == expected[:5000].tolist()
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        Exponential(1.0).stream(rng(), batch=0)


# ---------------------------------------------------------------- value objects

def test_repr_is_constructor_like() -> None:
    assert repr(Lognormal(mean=0.08, cv=1.5)) == "Lognormal(mean=0.08, cv=1.5)"
    assert repr(Normal(mean=1, sd=0.5)) == "Normal(mean=1.0, sd=0.5)"
    assert repr(Empirical(tuple(range(11)))) == "Empirical(samples=<11 values>)"
    namespace = vars(dists)
    for d in CASES:
        assert eval(repr(d), namespace) == d


def test_frozen_hashable_picklable() -> None:
    d = Lognormal(0.08, 1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.mean = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Normal(1, 1).loc = 2.0  # type: ignore[misc]
    assert len({d, Lognormal(0.08, 1.5), Empirical((1.0,)), Empirical((1.0,))}) == 2
    for case in CASES:
        copy = pickle.loads(pickle.dumps(case))
        assert copy == case
        assert np.array_equal(copy.sample(rng(), 10), case.sample(rng(), 10))


def test_registry_has_the_spec_names_in_order() -> None:
    assert ", ".join(DISTRIBUTIONS) == NAMES
    for name, cls in DISTRIBUTIONS.items():
        assert cls.name == name and issubclass(cls, Distribution)


def test_constructors_normalise_numbers() -> None:
    assert Constant(1) == Constant(1.0) and type(Constant(1).value) is float
    assert Erlang(2.0, 1).k == 2 and type(Erlang(2.0, 1).k) is int
    assert Lognormal(np.float64(0.5), np.int64(1)) == Lognormal(0.5, 1.0)
    assert Hyperexponential([1, 2], [0.5, 0.5]).means == (1.0, 2.0)


# ---------------------------------------------------------------- model-file form

@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_to_spec_round_trips_through_json(dist: Distribution) -> None:
    spec = json.loads(json.dumps(dist.to_spec()))
    assert from_spec(spec) == dist


@pytest.mark.parametrize("spec, expected", [
    (0.5, Constant(0.5)),
    (3, Constant(3.0)),
    ({"dist": "deterministic", "value": 0.5}, Constant(0.5)),
    ({"dist": "exponential", "mean": 0.25}, Exponential(0.25)),
    ({"dist": "exponential", "rate": 4}, Exponential(0.25)),
    ({"dist": "uniform", "low": 1, "high": 2}, Uniform(1.0, 2.0)),
    ({"dist": "lognormal", "mean": 0.08, "cv": 1.5}, Lognormal(0.08, 1.5)),
    ({"dist": "gamma", "mean": 1, "cv": 0.5}, Gamma(1.0, 0.5)),
    ({"dist": "erlang", "k": 3, "mean": 0.9}, Erlang(3, 0.9)),
    ({"dist": "weibull", "shape": 2, "scale": 1}, Weibull(2.0, 1.0)),
    ({"dist": "pareto", "alpha": 2.5, "scale": 1}, Pareto(2.5, 1.0)),
    ({"dist": "normal", "mean": 1, "sd": 0.2}, Normal(1.0, 0.2)),
    ({"dist": "hyperexponential", "means": [0.1, 1], "probs": [0.9, 0.1]},
     Hyperexponential((0.1, 1.0), (0.9, 0.1))),
    ({"dist": "empirical", "samples": [0.1, 0.2]}, Empirical((0.1, 0.2))),
])
def test_from_spec(spec, expected: Distribution) -> None:
    assert from_spec(spec, node="worker", key="service") == expected


def test_from_spec_passes_distributions_through() -> None:
    d = Gamma(1.0, 2.0)
    assert from_spec(d, node="worker", key="service") is d


def test_empirical_file_relative_to_base_dir(tmp_path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("seconds\n0.5\n\n1.5\n  2.0  \n\n")
    spec = {"dist": "empirical", "file": "data/times.csv"}
    assert from_spec(spec, base_dir=tmp_path) == Empirical((0.5, 1.5, 2.0))
    assert from_spec(spec, base_dir=str(tmp_path)) == Empirical((0.5, 1.5, 2.0))
    absolute = {"dist": "empirical", "file": str(tmp_path / "data" / "times.csv")}
    assert from_spec(absolute, base_dir="/nonexistent").samples == (0.5, 1.5, 2.0)
    monkeypatch.chdir(tmp_path)
    assert from_spec(spec).samples == (0.5, 1.5, 2.0)
    (tmp_path / "plain.csv").write_text("\n\n3\n4\n")
    assert from_spec({"dist": "empirical", "file": "plain.csv"}).samples == (3.0, 4.0)


# ---------------------------------------------------------------- refusals

REFUSALS = [
    (True, "'service' must be a finite number >= 0 or a mapping with 'dist' (got True)"),
    ("0.5", "'service' must be a finite number >= 0 or a mapping with 'dist' (got '0.5')"),
    ([1, 2], "'service' must be a finite number >= 0 or a mapping with 'dist' (got [1, 2])"),
    (-1, "'service' must be a finite number >= 0 (got -1)"),
    (math.inf, "'service' must be a finite number >= 0 (got inf)"),
    (math.nan, "'service' must be a finite number >= 0 (got nan)"),
    ({"dist": "lognormall", "mean": 1, "cv": 1},
     f"'service.dist' must be one of {NAMES} (got 'lognormall') (did you mean 'lognormal'?)"),
    ({"dist": 3}, f"'service.dist' must be one of {NAMES} (got 3)"),
    ({"mean": 1, "cv": 1}, f"'service.dist' is required: one of {NAMES}"),
    ({"dist": "lognormal", "mean": 1, "cvv": 1},
     "'service' has unknown key 'cvv' (did you mean 'cv'?)"),
    ({"dist": "lognormal", "mean": 1, "cv": 1, "zzz": 1},
     "'service' has unknown key 'zzz' (dist lognormal takes mean, cv)"),
    ({"dist": "lognormal", "mean": 1},
     "'service.cv' is required by dist lognormal (parameters: mean, cv)"),
    ({"dist": "lognormal", "mean": -1, "cv": 1},
     "'service.mean' must be a finite number > 0 (got -1)"),
    ({"dist": "lognormal", "mean": 0, "cv": 1},
     "'service.mean' must be a finite number > 0 (got 0)"),
    ({"dist": "lognormal", "mean": 1, "cv": -0.5},
     "'service.cv' must be a finite number >= 0 (got -0.5)"),
    ({"dist": "lognormal", "mean": 1, "cv": math.inf},
     "'service.cv' must be a finite number >= 0 (got inf)"),
    ({"dist": "lognormal", "mean": 1, "cv": math.nan},
     "'service.cv' must be a finite number >= 0 (got nan)"),
    ({"dist": "lognormal", "mean": 1, "cv": "1.5"},
     "'service.cv' must be a finite number >= 0 (got '1.5')"),
    ({"dist": "lognormal", "mean": 1, "cv": True},
     "'service.cv' must be a finite number >= 0 (got True)"),
    ({"dist": "gamma", "mean": 0, "cv": 1}, "'service.mean' must be a finite number > 0 (got 0)"),
    ({"dist": "gamma", "mean": 1, "cv": None},
     "'service.cv' must be a finite number >= 0 (got None)"),
    ({"dist": "deterministic", "value": -1},
     "'service.value' must be a finite number >= 0 (got -1)"),
    ({"dist": "deterministic"},
     "'service.value' is required by dist deterministic (parameters: value)"),
    ({"dist": "exponential", "mean": 1, "rate": 1},
     "'service' needs exactly one of 'mean' or 'rate' for dist exponential"),
    ({"dist": "exponential"},
     "'service' needs exactly one of 'mean' or 'rate' for dist exponential"),
    ({"dist": "exponential", "mean": 0}, "'service.mean' must be a finite number > 0 (got 0)"),
    ({"dist": "exponential", "rate": 0}, "'service.rate' must be a finite number > 0 (got 0)"),
    ({"dist": "exponential", "rate": math.inf},
     "'service.rate' must be a finite number > 0 (got inf)"),
    ({"dist": "exponential", "rate": 1e-320},
     "'service.rate' must be a rate whose inverse is finite (got 1e-320)"),
    ({"dist": "exponential", "mean": 1, "rtae": 1},
     "'service' has unknown key 'rtae' (did you mean 'rate'?)"),
    ({"dist": "uniform", "low": 2, "high": 1}, "'service.high' must be >= low (2) (got 1.0)"),
    ({"dist": "uniform", "low": -1, "high": 1},
     "'service.low' must be a finite number >= 0 (got -1)"),
    ({"dist": "erlang", "k": 2.5, "mean": 1}, "'service.k' must be a positive integer (got 2.5)"),
    ({"dist": "erlang", "k": 0, "mean": 1}, "'service.k' must be a positive integer (got 0)"),
    ({"dist": "erlang", "k": True, "mean": 1}, "'service.k' must be a positive integer (got True)"),
    ({"dist": "erlang", "k": "3", "mean": 1}, "'service.k' must be a positive integer (got '3')"),
    ({"dist": "erlang", "k": math.inf, "mean": 1},
     "'service.k' must be a positive integer (got inf)"),
    ({"dist": "weibull", "shape": 0, "scale": 1},
     "'service.shape' must be a finite number > 0 (got 0)"),
    ({"dist": "weibull", "shape": 1, "scale": -1},
     "'service.scale' must be a finite number > 0 (got -1)"),
    ({"dist": "pareto", "alpha": 0, "scale": 1},
     "'service.alpha' must be a finite number > 0 (got 0)"),
    ({"dist": "pareto", "alpha": 2, "scale": 0},
     "'service.scale' must be a finite number > 0 (got 0)"),
    ({"dist": "normal", "mean": -1, "sd": 1},
     "'service.mean' must be a finite number >= 0 (got -1)"),
    ({"dist": "normal", "mean": 1, "sd": -1}, "'service.sd' must be a finite number >= 0 (got -1)"),
    ({"dist": "normal", "mean": 1, "sigma": 1}, "'service' has unknown key 'sigma'"),
    ({"dist": "hyperexponential", "means": [], "probs": []},
     "'service.means' must be a non-empty list of finite numbers > 0 (got [])"),
    ({"dist": "hyperexponential", "means": 0.5, "probs": [1]},
     "'service.means' must be a non-empty list of finite numbers > 0 (got 0.5)"),
    ({"dist": "hyperexponential", "means": [1, 0], "probs": [0.5, 0.5]},
     "'service.means[1]' must be a finite number > 0 (got 0)"),
    ({"dist": "hyperexponential", "means": [1, 2], "probs": [1.0]},
     "'service.probs' must have one probability per mean (2) (got [1.0])"),
    ({"dist": "hyperexponential", "means": [1, 2], "probs": [1.5, -0.5]},
     "'service.probs[1]' must be a finite number >= 0 (got -0.5)"),
    ({"dist": "hyperexponential", "means": [1, 2], "probs": [1.5, 0]},
     "'service.probs[0]' must be a probability in [0, 1] (got 1.5)"),
    ({"dist": "hyperexponential", "means": [1, 2], "probs": [0.5, 0.6]},
     "'service.probs' must sum to 1 (sums to 1.1) (got [0.5, 0.6])"),
    ({"dist": "hyperexponential", "means": [1, 2], "probs": "0.5,0.5"},
     "'service.probs' must be a non-empty list of finite numbers >= 0 (got '0.5,0.5')"),
    ({"dist": "empirical", "samples": []},
     "'service.samples' must be a non-empty list of finite numbers >= 0 (got [])"),
    ({"dist": "empirical", "samples": [0.1, -1]},
     "'service.samples[1]' must be a finite number >= 0 (got -1)"),
    ({"dist": "empirical", "samples": [0.1, "x"]},
     "'service.samples[1]' must be a finite number >= 0 (got 'x')"),
    ({"dist": "empirical", "samples": [1], "file": "x.csv"},
     "'service' needs exactly one of 'samples' or 'file' for dist empirical"),
    ({"dist": "empirical"},
     "'service' needs exactly one of 'samples' or 'file' for dist empirical"),
    ({"dist": "empirical", "file": 5}, "'service.file' must be a path to a CSV file (got 5)"),
    ({"dist": "empirical", "sample": [1]},
     "'service' has unknown key 'sample' (did you mean 'samples'?)"),
]


@pytest.mark.parametrize("spec, message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_refusals_name_node_key_value_and_expectation(spec, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(f"node 'worker': {message}")):
        from_spec(spec, node="worker", key="service")


def test_error_carries_its_parts() -> None:
    with pytest.raises(ModelError) as info:
        from_spec({"dist": "gamma", "mean": 1, "cv": -2}, node="worker", key="service")
    err = info.value
    assert (err.node, err.key, err.value) == ("worker", "service.cv", -2)


def test_error_on_an_edge() -> None:
    message = "edge 'a' -> 'b': 'latency.mean' must be a finite number > 0 (got 0)"
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec({"dist": "exponential", "mean": 0}, edge=("a", "b"), key="latency")


def test_error_without_location() -> None:
    message = "model: 'cv' must be a finite number >= 0 (got -2)"
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec({"dist": "gamma", "mean": 1, "cv": -2})
    message = "node 'db': must be a finite number >= 0 (got -2)"
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec(-2, node="db")


@pytest.mark.parametrize("build, message", [
    (lambda: Lognormal(mean=-1, cv=1), "model: 'mean' must be a finite number > 0 (got -1)"),
    (lambda: Normal(mean=1, sd=math.nan), "model: 'sd' must be a finite number >= 0 (got nan)"),
    (lambda: Constant(-0.1), "model: 'value' must be a finite number >= 0 (got -0.1)"),
    (lambda: Erlang(k=0, mean=1), "model: 'k' must be a positive integer (got 0)"),
    (lambda: Uniform(3, 1), "model: 'high' must be >= low (3) (got 1.0)"),
    (lambda: Empirical(()),
     "model: 'samples' must be a non-empty list of finite numbers >= 0 (got ())"),
])
def test_constructors_refuse_bad_parameters(build, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        build()


def empirical_file(tmp_path, text: str, name: str = "times.csv") -> dict:
    (tmp_path / name).write_text(text)
    return {"dist": "empirical", "file": name}


@pytest.mark.parametrize("text, line, bad", [
    ("0.1\nabc\n0.3\n", 2, "abc"),
    ("seconds\n0.1\n\nfast\n", 4, "fast"),
    ("0.1\n-0.5\n", 2, "-0.5"),
    ("header\n0.1\ninf\n", 3, "inf"),
    ("0.1\n0.1,0.2\n", 2, "0.1,0.2"),
])
def test_empirical_file_bad_line_names_file_and_line(tmp_path, text: str, line: int,
                                                     bad: str) -> None:
    spec = empirical_file(tmp_path, text)
    message = (f"node 'worker': 'service.file' must be a CSV with one number >= 0 a line; "
               f"line {line} of {tmp_path / 'times.csv'} is not (got {bad!r})")
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec(spec, node="worker", key="service", base_dir=tmp_path)


@pytest.mark.parametrize("text", ["", "\n\n", "seconds\n\n"])
def test_empirical_file_without_numbers(tmp_path, text: str) -> None:
    spec = empirical_file(tmp_path, text)
    message = (f"node 'worker': 'service.file' must contain at least one number "
               f"({tmp_path / 'times.csv'} has none) (got 'times.csv')")
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec(spec, node="worker", key="service", base_dir=tmp_path)


def test_empirical_file_missing(tmp_path) -> None:
    message = (f"node 'worker': 'service.file' must name a readable text file "
               f"({tmp_path / 'nope.csv'}: No such file or directory) (got 'nope.csv')")
    with pytest.raises(ModelError, match=re.escape(message)):
        from_spec({"dist": "empirical", "file": "nope.csv"}, node="worker", key="service",
                  base_dir=tmp_path)


# ---------------------------------------------------------------- properties over parameters

positive = st.floats(0.01, 100)
weights = st.lists(st.floats(0.01, 1), min_size=1, max_size=5)
LAWS = st.one_of(
    st.builds(Constant, st.floats(0, 100)),
    st.builds(Exponential, positive),
    st.builds(lambda a, b: Uniform(min(a, b), max(a, b)), st.floats(0, 100), st.floats(0, 100)),
    st.builds(Lognormal, positive, st.floats(0, 5)),
    st.builds(Gamma, positive, st.floats(0, 5)),
    st.builds(Erlang, st.integers(1, 50), positive),
    st.builds(Weibull, st.floats(0.2, 20), positive),
    st.builds(Pareto, st.floats(0.3, 20), positive),
    st.builds(Normal, st.floats(0, 100), st.floats(0, 100)),
    st.builds(lambda w, m: Hyperexponential(tuple(m[:len(w)] * 5)[:len(w)],
                                            tuple(x / sum(w) for x in w)),
              weights, st.lists(positive, min_size=1, max_size=5)),
    st.builds(Empirical, st.lists(st.floats(0, 100), min_size=1, max_size=20).map(tuple)),
)


@settings(max_examples=150, deadline=None)
@given(LAWS, st.integers(0, 2 ** 32))
def test_any_valid_law_draws_non_negative_finite_times(dist: Distribution, seed: int) -> None:
    x = dist.sample(rng(seed), 500)
    assert (x >= 0).all() and np.isfinite(x).all()
    assert dist.mean >= 0 and dist.scv >= 0
    assert from_spec(json.loads(json.dumps(dist.to_spec()))) == dist
