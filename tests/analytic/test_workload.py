"""The estimated work of a run: sum over nodes of arrival rate x (warmup + duration) x
replications, from the traffic equations."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.analytic.workload import (EVENTS_PER_SECOND, MAX_EVENTS, describe_seconds, estimate,
                                   refusal)
from sim.model.settings import RunSettings

RR = Path(__file__).resolve().parents[2] / "models" / "request_reply.yaml"


def test_estimate_follows_the_traffic_equations():
    model = sim.load(RR)
    # client 80, requests 80, worker 80, responses and callback 80 x 0.99 (1% errors)
    rate = 80 * 3 + 79.2 * 2
    work = estimate(model)
    assert work.rate == pytest.approx(rate, rel=1e-12)
    assert work.events == pytest.approx(rate * (3600 + 300) * 5, rel=1e-12)
    assert work.seconds == pytest.approx(work.events / EVENTS_PER_SECOND)
    short = estimate(model, RunSettings(duration=10, warmup="auto", replications=2))
    assert short.events == pytest.approx(rate * 10 * 2, rel=1e-12)   # auto counts as 0
    assert work.feasible and not short.long


def test_an_impossible_run_is_refused_with_a_duration_that_fits():
    model = sim.load(RR, {"run.duration": 1e10})
    work = estimate(model)
    assert not work.feasible
    text = refusal(work, model.run)
    fits = MAX_EVENTS / (work.rate * 5) - 300
    assert f"a duration of at most {fits:.3g} s fits" in text and "events" in text
    huge = sim.load(RR, {"nodes.client.rate": 1e12})
    assert "at most" in refusal(estimate(huge), huge.run)
    with pytest.raises(sim.ModelError, match="events"):
        sim.simulate(huge, duration=3600)


@pytest.mark.parametrize("seconds, words", [(30, "about 30 seconds"), (600, "about 10 minutes"),
                                            (3 * 86400, "about 3 days"),
                                            (float("inf"), "forever")])
def test_describe_seconds(seconds, words):
    assert describe_seconds(seconds) == words
