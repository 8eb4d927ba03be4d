"""Fitting measured times: recovery of known laws, ranking, bad data, arrival streams.

Tolerances come from the sampling error of maximum likelihood with n = 10,000,
never from one seed's digits: for lognormal(mean 0.2, cv 1.5) the standard error
of the fitted mean is about 1.4% and of the cv about 1.2%, so 5% is over 3.5
standard errors; for the other laws the tolerance is at least 3 standard errors
of the parameter named.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analytic.fit import (FitError, arrivals, as_timestamps, fit, loglik, snippet)
from sim.distributions import (Constant, Erlang, Exponential, Gamma, Hyperexponential,
                               Lognormal, Normal, Pareto, Uniform, Weibull, from_spec)
from sim.errors import SimError

N = 10_000


def draw(law, seed=1, n=N):
    return law.sample(np.random.default_rng(seed), n)


def row(fits, name):
    return next(f for f in fits if f["dist"] == name)


def rel(a, b):
    return abs(a / b - 1)


# -- recovery of known laws ------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lognormal_comes_back_as_lognormal_with_mean_and_cv_within_5_percent(seed):
    fits = fit(draw(Lognormal(mean=0.2, cv=1.5), seed))
    best = fits.best
    assert fits[0]["dist"] == "lognormal" and isinstance(best, Lognormal)
    assert rel(best.mean, 0.2) < 0.05 and rel(best.cv, 1.5) < 0.05
    assert fits[0]["params"] == {"mean": best.mean, "cv": best.cv}


def test_exponential_wins_or_an_equivalent_nested_law_does():
    """The exponential is nested in gamma, Weibull, Erlang, Lomax and H2, so AIC picks
    the simpler law only when the likelihood-ratio statistic is below 2 (about 84% of
    samples for each). What must hold is that the winner *is* an exponential law within
    sampling error: mean within 5% (SE 1%) and SCV within 6% of 1 (SE about 1.3%)."""
    fits = fit(draw(Exponential(0.2), seed=8))
    assert rel(fits.best.mean, 0.2) < 0.05 and abs(fits.best.scv - 1) < 0.06
    assert rel(row(fits, "exponential")["distribution"].mean, 0.2) < 0.05


def test_gamma_recovered():
    """Shape 1/0.8**2 = 1.56: SE of the mean 0.8%, of the cv about 0.7%."""
    fits = fit(draw(Gamma(mean=0.2, cv=0.8)))
    assert fits[0]["dist"] == "gamma"
    assert rel(fits.best.mean, 0.2) < 0.05 and rel(fits.best.cv, 0.8) < 0.05


def test_weibull_recovered():
    """SE of the shape about 0.8%, of the scale about 0.5%."""
    fits = fit(draw(Weibull(shape=2.0, scale=0.3)))
    assert fits[0]["dist"] == "weibull"
    assert rel(fits.best.shape, 2.0) < 0.05 and rel(fits.best.scale, 0.3) < 0.05


def test_erlang_k_by_profile_likelihood():
    # Erlang is gamma with an integer shape: gamma's likelihood is at least as high.
    fits = fit(draw(Erlang(k=3, mean=0.3)))
    assert fits[0]["dist"] in ("gamma", "erlang")
    erlang = row(fits, "erlang")["distribution"]
    assert erlang.k == 3 and rel(erlang.mean, 0.3) < 0.05


@pytest.mark.parametrize("law, name, tolerance", [
    (Hyperexponential(means=(0.05, 1.0), probs=(0.9, 0.1)), "hyperexponential", 0.15),
    (Pareto(alpha=3.0, scale=0.4), "pareto", 0.15),
    (Normal(mean=1.0, sd=0.3), "normal", 0.05),
    (Uniform(low=0.1, high=0.5), "uniform", 0.01),
])
def test_other_laws_recovered(law, name, tolerance):
    """H2 by EM and the Lomax have correlated parameters: 15% is about 3 SE."""
    fits = fit(draw(law))
    assert fits[0]["dist"] == name
    for key, value in law.to_spec().items():
        if key != "dist":
            got = np.atleast_1d(fits[0]["params"][key])
            assert np.allclose(got, np.atleast_1d(value), rtol=tolerance), key


def test_rows_have_loglik_aic_and_ks_and_are_ranked_by_aic():
    x = draw(Lognormal(0.2, 1.5))
    fits = fit(x)
    aics = [f["aic"] for f in fits]
    assert aics == sorted(aics)
    for f in fits:
        assert f["aic"] == pytest.approx(2 * f["n_params"] - 2 * f["loglik"])
        assert f["loglik"] == pytest.approx(loglik(f["distribution"], x))
        assert 0 <= f["ks"] <= 1
    assert fits[0]["ks"] < 0.02 < fits[-1]["ks"]


def test_loglik_matches_the_lognormal_density_by_hand():
    x = np.array([0.05, 0.1, 0.4])
    law = Lognormal(mean=0.2, cv=1.5)
    s2 = math.log1p(1.5 ** 2)
    mu = math.log(0.2) - s2 / 2
    by_hand = sum(-math.log(v * math.sqrt(2 * math.pi * s2)) - (math.log(v) - mu) ** 2 / (2 * s2)
                  for v in x)
    assert loglik(law, x) == pytest.approx(by_hand)


def test_equal_values_are_deterministic():
    fits = fit([0.25] * 20)
    assert [f["dist"] for f in fits] == ["deterministic"]
    assert fits.best == Constant(0.25) and fits[0]["ks"] == 0.0
    assert snippet(fits.best) == 0.25


def test_candidates_restrict_the_laws_tried():
    fits = fit(draw(Lognormal(0.2, 1.5), n=2000), candidates=["gamma", "weibull"])
    assert sorted(f["dist"] for f in fits) == ["gamma", "weibull"]


def test_zeros_skip_the_laws_without_density_at_zero_and_say_why():
    fits = fit([0.0, 0.1, 0.3, 0.5, 0.2, 0.0, 1.2])
    assert "lognormal" in fits.skipped and "zeros" in fits.skipped["lognormal"]
    assert "exponential" in [f["dist"] for f in fits]


def test_snippet_is_rounded_and_loads_back():
    fits = fit(draw(Hyperexponential(means=(0.05, 1.0), probs=(0.9, 0.1)), n=3000))
    spec = snippet(row(fits, "hyperexponential")["distribution"])
    assert math.fsum(spec["probs"]) == pytest.approx(1, abs=1e-9)
    assert isinstance(from_spec(spec), Hyperexponential)
    assert snippet(Lognormal(mean=0.123456, cv=1.5)) == {"dist": "lognormal", "mean": 0.1235,
                                                        "cv": 1.5}


# -- bad data --------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ([], r"samples: is empty"),
    ([0.1, "x", 0.3], r"samples, row 2: 'x' is not a number"),
    ([0.1, float("nan")], r"samples, row 2: the value is missing \(empty or NaN\)"),
    (["0.1", ""], r"samples, row 2: the value is missing"),
    ([0.1, -2.0], r"samples, row 2: -2 is negative; times are seconds >= 0"),
    ([0.1, math.inf], r"samples, row 2: inf is not a finite number"),
    ([True, 0.1], r"samples, row 1: True is not a number"),
    ([[0.1, 0.2]], r"must be a one-dimensional sequence"),
    ("0.1", r"must be a one-dimensional sequence"),
])
def test_bad_data_is_refused_naming_the_row(data, message):
    with pytest.raises(FitError, match=message):
        fit(data)


def test_the_source_is_named_and_the_error_is_a_sim_error():
    with pytest.raises(SimError, match=r"file 'a.csv', column 'latency', row 3: 'ms'"):
        fit(pd.Series(["0.1", "0.2", "ms"]), source="file 'a.csv', column 'latency'")


def test_unknown_candidate_suggests_the_nearest():
    with pytest.raises(FitError, match=r"unknown distribution 'lognormall'.*did you mean "
                                       r"'lognormal'\?"):
        fit([0.1, 0.2, 0.3], candidates=["lognormall"])


def test_deterministic_on_unequal_data_is_refused_with_the_reason():
    with pytest.raises(FitError, match=r"deterministic fits only data whose values are all "
                                       r"equal"):
        fit([0.1, 0.2], candidates=["deterministic"])


# -- arrival streams -------------------------------------------------------------------

def poisson(rng, rate, start, end):
    return rng.uniform(start, end, rng.poisson(rate * (end - start)))


def test_poisson_stream_is_stationary_with_scv_near_1():
    t = poisson(np.random.default_rng(3), 10.0, 0.0, 1000.0)
    report = arrivals(t)
    assert report["stationary"] and report["profile"] == [[0.0, 1.0]]
    assert abs(report["scv"] - 1) < 0.1 and rel(report["mean_rate"], 10.0) < 0.05
    assert "profile" not in report["snippet"]
    assert rel(report["interarrival"].best.mean, 0.1) < 0.05


def test_rate_doubling_halfway_is_not_stationary_and_the_profile_shows_2x():
    rng = np.random.default_rng(4)
    t = np.concatenate([poisson(rng, 10.0, 0.0, 500.0), poisson(rng, 20.0, 500.0, 1000.0)])
    report = arrivals(t)
    assert not report["stationary"] and report["test"]["p_value"] < 1e-6
    (t0, m0), (t1, m1) = report["profile"]
    width = report["windows"][0]["end"] - report["windows"][0]["start"]
    assert t0 == 0 and m0 == 1 and abs(t1 - 500) <= width and rel(m1, 2.0) < 0.1
    assert rel(report["base_rate"], 10.0) < 0.05
    # the profile divided out, the gaps are exponential of mean 1 / base rate again
    assert rel(report["interarrival"].best.mean, 1 / report["base_rate"]) < 0.05
    assert report["scv"] > 1.15 and abs(report["scv_local"] - 1) < 0.1
    assert report["snippet"]["profile"][1][1] == pytest.approx(m1, rel=1e-2)


def test_bursty_but_steady_stream_is_stationary_with_its_scv():
    """The dispersion test divides by the local SCV, so bursts are not mistaken for
    changes of rate."""
    law = Hyperexponential(means=(0.0563, 0.4435), probs=(0.8873, 0.1127))  # SCV 4
    report = arrivals(np.cumsum(draw(law, seed=2)))
    assert report["stationary"] and abs(report["scv"] - law.scv) < 0.5


def test_timestamps_may_be_dates_in_any_order():
    rng = np.random.default_rng(5)
    seconds = poisson(rng, 5.0, 0.0, 300.0)
    dates = pd.Timestamp("2024-05-01T12:00:00Z") + pd.to_timedelta(seconds, unit="s")
    iso = list(dates.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    report = arrivals(iso[::-1])
    assert report["n"] == len(seconds)
    assert report["span"] == pytest.approx(seconds.max() - seconds.min(), abs=1e-5)


@pytest.mark.parametrize("data, message", [
    ([1.0, 2.0], r"timestamps: needs at least 3 timestamps"),
    ([5.0, 5.0, 5.0], r"needs at least 3 timestamps spanning some time"),
    ([1.0, -2.0, 3.0], r"timestamps, row 2: -2 is negative"),
    ([1.0, "noon", 3.0], r"timestamps, row 2: 'noon' is not a number"),
])
def test_bad_timestamps_are_refused(data, message):
    with pytest.raises(FitError, match=message):
        as_timestamps(data)
