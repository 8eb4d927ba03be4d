"""A cv whose square overflows a float (about 1.34e154) gave NaN lognormal draws and
nonsense figures; such a cv is refused at load, naming the key."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.distributions.laws import MAX_CV, Gamma, Lognormal
from sim.errors import ModelError
from sim.model import from_dict, validate


def model_with_cv(cv: float):
    return {"name": "wide", "nodes": {
        "s": {"kind": "sender", "rate": 1},
        "w": {"kind": "service", "servers": 1,
              "service": {"dist": "lognormal", "mean": 0.5, "cv": cv}}},
        "edges": [["s", "w"]]}


def test_cv_too_large_for_a_float_is_refused_by_key():
    with pytest.raises(ModelError, match=r"node 'w': 'service.cv' must be at most 1e\+150 "
                                         r".*\(got 2e\+154\)"):
        validate(from_dict(model_with_cv(2e154)))


@pytest.mark.parametrize("law", [Lognormal, Gamma])
def test_largest_cv_accepted_has_finite_moments_and_draws(law):
    """At cv = 1e150 the scv is 1e300 (finite) and draws are finite and >= 0."""
    d = law(mean=0.5, cv=MAX_CV)
    assert math.isfinite(d.scv) and d.scv == pytest.approx(MAX_CV ** 2)
    draws = d.sample(np.random.default_rng(1), 1000)
    assert np.all(np.isfinite(draws)) and np.all(draws >= 0)


def test_analytic_wait_stays_positive_at_the_largest_cv():
    """M/G/1 (Pollaczek-Khinchine): W = rho * S * (1 + scv) / (2 (1 - rho)) > 0."""
    from sim.analytic import analyze

    wait = analyze(validate(from_dict(model_with_cv(MAX_CV))))["nodes"]["w"]["wait"]["mean"]
    assert wait > 0
