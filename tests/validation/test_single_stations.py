"""Single stations against closed forms (Kleinrock 1975; Gross & Harris 2008).

Each test names its formula. Tolerances: 2.5 half-widths of the 95% CI across
replications plus a 1-2% floor for the warm-up bias (see conftest.assert_agrees).
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import assert_agrees, run_model


def mm(servers, lam, mean, **buffer):
    service = {"kind": "service", "servers": servers,
               "service": {"dist": "exponential", "mean": mean}}
    service.update(buffer)
    return {"src": {"kind": "sender", "rate": lam}, "srv": service}, [["src", "srv"]]


def erlang_b(a: float, c: int) -> float:
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(a: float, c: int) -> float:
    b = erlang_b(a, c)
    return c * b / (c - a * (1 - b))


def test_mm1_mean_and_exponential_sojourn_percentiles():
    """M/M/1: sojourn ~ Exp(mu - lam), so W = 1/(mu-lam), p_q = -ln(1-q)/(mu-lam)."""
    lam, mu = 0.7, 1.0
    nodes, edges = mm(1, lam, 1 / mu)
    r = run_model(nodes, edges, duration=100000, warmup=200, replications=8)
    gap = mu - lam
    assert_agrees(r, "requests.latency.mean", 1 / gap)
    for key, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        assert_agrees(r, f"requests.latency.{key}", -math.log(1 - q) / gap, rel_floor=0.02,
                      max_rel_halfwidth=0.1)
    assert_agrees(r, "nodes.srv.utilization", lam / mu)
    assert_agrees(r, "nodes.srv.queue_length.mean", (lam / mu) ** 2 / (1 - lam / mu),
                  max_rel_halfwidth=0.1)


def test_mmc_erlang_c_wait():
    """M/M/c: Wq = C(c, a) / (c mu - lam) with Erlang's C formula, a = lam/mu."""
    lam, mu, c = 2.4, 1.0, 3
    nodes, edges = mm(c, lam, 1 / mu)
    r = run_model(nodes, edges, duration=20000, warmup=200, replications=8)
    wq = erlang_c(lam / mu, c) / (c * mu - lam)
    assert_agrees(r, "nodes.srv.wait.mean", wq, max_rel_halfwidth=0.1)
    assert_agrees(r, "nodes.srv.busy.mean", lam / mu)


def test_mmck_blocking_probability():
    """M/M/c/K: P(block) = p_{c+K}, birth-death stationary law with K waiting places."""
    lam, mu, c, k = 3.0, 1.0, 2, 3
    a = lam / mu
    weights = [a ** n / math.factorial(n) if n <= c else
               a ** n / (math.factorial(c) * c ** (n - c)) for n in range(c + k + 1)]
    p_block = weights[-1] / sum(weights)
    nodes, edges = mm(c, lam, 1 / mu, capacity=k, overflow="reject")
    r = run_model(nodes, edges, duration=5000, warmup=100, replications=6)
    offered, rejected = r["requests"]["offered"], r["requests"]["rejected"]
    assert r["requests"]["failed"] == rejected
    assert rejected / offered == pytest.approx(p_block, rel=0.03)


def test_erlang_b_loss_system():
    """M/M/c/0 (capacity 0): P(loss) = B(c, a) by Erlang's B formula."""
    lam, mu, c = 4.0, 1.0, 5
    nodes, edges = mm(c, lam, 1 / mu, capacity=0)
    r = run_model(nodes, edges, duration=5000, replications=6)
    loss = r["requests"]["rejected"] / r["requests"]["offered"]
    assert loss == pytest.approx(erlang_b(lam / mu, c), rel=0.03)
    assert r["nodes"]["srv"]["wait"]["mean"] == 0.0


@pytest.mark.parametrize("service, es2", [
    ({"dist": "deterministic", "value": 0.8}, 0.64),
    ({"dist": "lognormal", "mean": 0.8, "cv": 1.5}, 0.64 * (1 + 1.5 ** 2)),
    ({"dist": "erlang", "k": 3, "mean": 0.8}, 0.64 * (1 + 1 / 3)),
])
def test_mg1_pollaczek_khinchine(service, es2):
    """M/G/1: Wq = lam E[S^2] / (2 (1 - rho)) (Pollaczek-Khinchine); M/D/1 is half M/M/1."""
    lam = 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "srv": {"kind": "service", "servers": 1, "service": service}}
    r = run_model(nodes, [["src", "srv"]], duration=20000, warmup=200, replications=8)
    rho = lam * 0.8
    assert_agrees(r, "nodes.srv.wait.mean", lam * es2 / (2 * (1 - rho)),
                  rel_floor=0.02, max_rel_halfwidth=0.12)


def test_mm_infinity():
    """M/M/inf: busy servers ~ Poisson(lam/mu), sojourn = service, no wait; utilisation null."""
    lam, mean = 20.0, 0.5
    nodes, edges = mm(".inf", lam, mean)
    r = run_model(nodes, edges, duration=2000, replications=5)
    assert_agrees(r, "nodes.srv.busy.mean", lam * mean)
    assert_agrees(r, "nodes.srv.sojourn.mean", mean)
    assert r["nodes"]["srv"]["utilization"] is None
    assert r["nodes"]["srv"]["wait"]["p99"] == 0.0


def test_blocking_queue_is_an_mm1n_without_loss():
    """Poisson sender -> queue (capacity K, overflow: block) -> one exponential server:
    the arrival that finds K waiting is held and stops the sender's clock until it is
    admitted, so the number in the system (the held message included) is a birth-death
    chain on 0..N, N = K + 2, births lam below N and deaths mu: p_n ~ rho^n. Nothing is
    lost, throughput X = mu (1 - p_0), and by Little W = L / X with L = sum n p_n."""
    lam, mu, k = 1.0, 1.25, 3
    n_max = k + 2
    weights = [(lam / mu) ** n for n in range(n_max + 1)]
    p = [w / sum(weights) for w in weights]
    throughput = mu * (1 - p[0])
    nodes = {"src": {"kind": "sender", "rate": lam},
             "q": {"kind": "queue", "capacity": k, "overflow": "block"},
             "w": {"kind": "service", "servers": 1,
                   "service": {"dist": "exponential", "mean": 1 / mu}}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=20000, warmup=200,
                  replications=6)
    assert r["requests"]["failed"] == 0
    assert_agrees(r, "nodes.w.throughput", throughput)
    assert_agrees(r, "requests.latency.mean", sum(n * x for n, x in enumerate(p)) / throughput)
    assert_agrees(r, "nodes.q.queue_length.mean",
                  sum((n - 1) * p[n] for n in range(2, n_max)) + k * p[n_max])
