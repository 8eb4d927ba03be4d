"""Customer behaviour and unreliable servers against closed forms: M/M/c with balking
(a birth-death chain) and a saturated server that breaks down (an alternating renewal
process). Each runs on both engines (tests/validation/conftest.py).

Tolerances: 2.5 half-widths of the 95% CI across replications plus a small floor
(conftest.assert_agrees); for counts the result has no CI for, a bound of about four
standard errors of the run length, worked out in the test.
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import assert_agrees, run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def balking_chain(lam: float, mu: float, c: int, balk: list, top: int = 200) -> list[float]:
    """Stationary distribution of the number present in M/M/c with balking: an arrival
    finding w = max(n - c, 0) waiting joins with probability 1 - p(w), p(w) the p of the
    point [n', p] with the largest n' <= w (0 below the first). Birth rates
    lam (1 - p(w(n))), death rates mu min(n, c); pi_n is proportional to the product of
    lam_k / mu_{k+1} for k < n (Gross & Harris 2008, section 2.3), truncated at ``top``."""
    def p(w: int) -> float:
        below = [q for n, q in balk if n <= w]
        return below[-1] if below else 0.0

    weights = [1.0]
    for n in range(top):
        birth = lam * (1 - p(max(n - c, 0)))
        weights.append(weights[-1] * birth / (mu * min(n + 1, c)))
    total = sum(weights)
    return [x / total for x in weights]


def test_mmc_with_balking_matches_its_birth_death_chain():
    """M/M/2, lam = 1.8, mu = 1, balk [[1, 0.25], [3, 0.6], [6, 1]]: by PASTA the balked
    fraction of arrivals is sum pi_n p(w(n)); the mean waiting is sum pi_n w(n), the
    mean busy servers sum pi_n min(n, 2) and the throughput lam (1 - balked fraction)."""
    lam, mu, c = 1.8, 1.0, 2
    balk = [[1, 0.25], [3, 0.6], [6, 1.0]]
    pi = balking_chain(lam, mu, c, balk)
    waiting = [max(n - c, 0) for n in range(len(pi))]
    refused = [0.0 if w < 1 else (0.25 if w < 3 else (0.6 if w < 6 else 1.0)) for w in waiting]
    balked = sum(x * q for x, q in zip(pi, refused))
    nodes = {"src": {"kind": "sender", "rate": lam},
             "srv": {"kind": "service", "servers": c, "service": exp(1 / mu), "balk": balk}}
    r = run_model(nodes, [["src", "srv"]], duration=20000, warmup=200, replications=4)
    srv = r["nodes"]["srv"]
    assert_agrees(r, "nodes.srv.queue_length.mean", sum(x * w for x, w in zip(pi, waiting)))
    assert_agrees(r, "nodes.srv.busy.mean", sum(x * min(n, c) for n, x in enumerate(pi)))
    assert_agrees(r, "nodes.srv.throughput", lam * (1 - balked))
    assert srv["queue_length"]["max"] == 6
    assert srv["balked"] == srv["dropped"] == r["requests"]["dead_lettered"]["balked"]
    assert srv["balked"] / srv["arrivals"] == pytest.approx(balked, rel=0.03)


def test_a_saturated_server_that_breaks_down_is_up_mtbf_over_mtbf_plus_mttr():
    """A server always given work, up for Exp(mtbf), down for Exp(mttr), alternately:
    the long-run fraction of time up is A = mtbf / (mtbf + mttr) (alternating renewal
    theorem; Ross 1996, section 3.4.1), so utilisation is A and, service being
    memoryless, throughput mu A (the service cut by a crash is lost, the next one
    starts afresh). Crashes come at rate 1 / (mtbf + mttr): over T s the count has
    variance T (mtbf^2 + mttr^2) / (mtbf + mttr)^3 (renewal central limit theorem)."""
    mtbf, mttr, mu, duration, reps = 20.0, 5.0, 10.0, 20000.0, 4
    nodes = {"src": {"kind": "sender", "rate": 50.0},
             "srv": {"kind": "service", "servers": 1, "service": exp(1 / mu), "capacity": 50,
                     "availability": {"mtbf": exp(mtbf), "mttr": exp(mttr)}}}
    r = run_model(nodes, [["src", "srv"]], duration=duration, replications=reps)
    up = mtbf / (mtbf + mttr)
    assert_agrees(r, "nodes.srv.utilization", up, rel_floor=0.01)
    assert_agrees(r, "nodes.srv.throughput", mu * up, rel_floor=0.01)
    cycle = mtbf + mttr
    span = duration * reps          # crashes is summed over the replications
    rate = r["nodes"]["srv"]["crashes"] / span
    sd = math.sqrt(span * (mtbf ** 2 + mttr ** 2) / cycle ** 3) / span
    assert abs(rate - 1 / cycle) <= 4 * sd
    assert r["requests"]["dead_lettered"]["crash"] > 0
