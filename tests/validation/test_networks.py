"""Networks against theory: Jackson (1963), exact MVA (Reiser & Lavenberg 1980),
Cobham (1954) priorities, E2/M/1 after round-robin splitting (Kleinrock 1975,
section 6.4), two-way fork-join (Nelson & Tantawi 1988), fork and quorum over delay
stations (order statistics of exponentials), consistent hashing of a hot key, edge
latency.
"""

from __future__ import annotations



import numpy as np

from sim.model.keyspace import KeySpace, ring_owner
from tests.conftest import assert_agrees, run_model


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def test_jackson_tandem():
    """Tandem of M/M/1 stations: W = sum 1/(mu_i - lam) (Jackson's theorem)."""
    lam, mus = 0.6, (1.0, 0.8, 1.5)
    nodes = {"src": {"kind": "sender", "rate": lam}}
    edges, prev = [], "src"
    for i, mu in enumerate(mus):
        nodes[f"s{i}"] = {"kind": "service", "servers": 1, "service": exp(1 / mu)}
        edges.append([prev, f"s{i}"])
        prev = f"s{i}"
    r = run_model(nodes, edges, duration=30000, warmup=300, replications=6)
    assert_agrees(r, "requests.latency.mean", sum(1 / (mu - lam) for mu in mus))
    for i, mu in enumerate(mus):
        assert_agrees(r, f"nodes.s{i}.utilization", lam / mu)


def test_jackson_feedback_through_a_queue():
    """Feedback with probability p: visits 1/(1-p), W = 1/(1-p) * 1/(mu - lam/(1-p))."""
    lam, mu, p = 0.35, 1.0, 0.4
    nodes = {"src": {"kind": "sender", "rate": lam},
             "inbox": {"kind": "queue"},
             "worker": {"kind": "service", "servers": 1, "service": exp(1 / mu)},
             "again": {"kind": "router"},
             "done": {"kind": "router"}}
    edges = [["src", "inbox"], ["inbox", "worker"], ["worker", "again"],
             ["again", "inbox", p], ["again", "done", 1 - p]]
    r = run_model(nodes, edges, duration=30000, warmup=300, replications=6)
    rate = lam / (1 - p)
    assert_agrees(r, "requests.latency.mean", 1 / (1 - p) / (mu - rate))
    assert_agrees(r, "nodes.worker.throughput", rate)


def mva(n: int, demand: float, think: float) -> tuple[float, float]:
    """Exact MVA for one queueing station and a delay (think) station."""
    q = 0.0
    x = r = 0.0
    for k in range(1, n + 1):
        r = demand * (1 + q)
        x = k / (r + think)
        q = x * r
    return x, r


def test_closed_network_exact_mva():
    """Closed: N clients, think Z, one exponential server: X and R by exact MVA."""
    n, demand, think = 6, 0.2, 1.0
    nodes = {"users": {"kind": "sender", "clients": n, "think": exp(think)},
             "app": {"kind": "service", "servers": 1, "service": exp(demand)}}
    r = run_model(nodes, [["users", "app"]], duration=20000, warmup=200, replications=6)
    x, resp = mva(n, demand, think)
    assert_agrees(r, "requests.throughput", x)
    assert_agrees(r, "requests.latency.mean", resp)


def test_cobham_non_preemptive_priority():
    """M/G/1 non-preemptive priority: W_k = W0 / ((1 - s_{k-1})(1 - s_k)),
    W0 = sum lam_i E[S_i^2] / 2, s_k = sum_{i<=k} rho_i (Cobham 1954)."""
    lam_hi, lam_lo, mean = 0.3, 0.45, 1.0
    nodes = {"gold": {"kind": "sender", "rate": lam_hi, "priority": 0},
             "bronze": {"kind": "sender", "rate": lam_lo, "priority": 1},
             "srv": {"kind": "service", "servers": 1, "service": exp(mean),
                     "discipline": "priority"}}
    edges = [["gold", "srv"], ["bronze", "srv"]]
    r = run_model(nodes, edges, duration=40000, warmup=400, replications=6)
    w0 = (lam_hi + lam_lo) * 2 * mean ** 2 / 2
    s1, s2 = lam_hi * mean, (lam_hi + lam_lo) * mean
    assert_agrees(r, "nodes.gold.latency.mean", w0 / (1 - s1) + mean)
    assert_agrees(r, "nodes.bronze.latency.mean", w0 / ((1 - s1) * (1 - s2)) + mean,
                  max_rel_halfwidth=0.1)


def e2m1_sigma(lam_each: float, mu: float) -> float:
    """Root in (0,1) of s = A*(mu(1-s)), A*(x) = (2 lam / (2 lam + x))^2 (Erlang-2 gaps)."""
    s = 0.5
    for _ in range(10_000):
        nxt = (2 * lam_each / (2 * lam_each + mu * (1 - s))) ** 2
        if abs(nxt - s) < 1e-14:
            break
        s = nxt
    return s


def test_round_robin_makes_erlang2_arrivals():
    """Round robin over 2 M/M/1 servers: each sees E2 gaps, W = 1/(mu (1 - s)) (E2/M/1)."""
    lam, mu = 1.6, 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "lb": {"kind": "router", "routing": "round_robin"},
             "a": {"kind": "service", "servers": 1, "service": exp(1 / mu)},
             "b": {"kind": "service", "servers": 1, "service": exp(1 / mu)}}
    r = run_model(nodes, [["src", "lb"], ["lb", "a"], ["lb", "b"]], duration=30000,
                  warmup=300, replications=6)
    s = e2m1_sigma(lam / 2, mu)
    assert_agrees(r, "requests.latency.mean", 1 / (mu * (1 - s)))
    assert 1 / (mu * (1 - s)) < 1 / (mu - lam / 2) * 0.8  # clearly not the M/M/1 value


def test_two_way_fork_join_nelson_tantawi():
    """Two-way fork-join of M/M/1 queues: R = (12 - rho)/8 / (mu - lam) (Nelson & Tantawi
    1988; an approximation within about 2% of the exact value at these loads)."""
    lam, mu = 0.6, 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "fork": {"kind": "router", "routing": "broadcast"},
             "a": {"kind": "service", "servers": 1, "service": exp(1 / mu)},
             "b": {"kind": "service", "servers": 1, "service": exp(1 / mu)}}
    r = run_model(nodes, [["src", "fork"], ["fork", "a"], ["fork", "b"]], duration=30000,
                  warmup=300, replications=6)
    rho = lam / mu
    assert_agrees(r, "requests.latency.mean", (12 - rho) / 8 / (mu - lam), rel_floor=0.03)
    assert r["requests"]["completed"] <= r["nodes"]["a"]["completed"]


def _fork_to_delay_stations(rates, quorum=None):
    fork = {"kind": "router", "routing": "broadcast"}
    if quorum is not None:
        fork["quorum"] = quorum
    nodes = {"src": {"kind": "sender", "rate": 1.0}, "fork": fork}
    edges = [["src", "fork"]]
    for i, mu in enumerate(rates):
        nodes[f"b{i}"] = {"kind": "service", "servers": ".inf", "service": exp(1 / mu)}
        edges.append(["fork", f"b{i}"])
    return nodes, edges


def test_fork_join_over_delay_stations_is_the_max_of_exponentials():
    """A fork to three delay stations (no waiting) with rates 1, 2 and 4 joins at the
    slowest copy: E[max] = sum over non-empty subsets S of (-1)^(|S|+1) / sum_{i in S}
    mu_i = 1 + 1/2 + 1/4 - 1/3 - 1/5 - 1/6 + 1/7 = 1.1929 s."""
    rates = (1.0, 2.0, 4.0)
    r = run_model(*_fork_to_delay_stations(rates), duration=6000, warmup=50, replications=4)
    expected = 1 + 1 / 2 + 1 / 4 - 1 / 3 - 1 / 5 - 1 / 6 + 1 / 7
    assert_agrees(r, "requests.latency.mean", expected, rel_floor=0.01)
    assert r["requests"]["failed"] == 0
    assert r["nodes"]["b0"]["completed"] >= r["requests"]["completed"]


def test_quorum_over_delay_stations_is_the_kth_order_statistic():
    """Quorum 2 of three exponential copies of rate 1 (delay stations): the request goes
    on at the second order statistic, E[X(2)] = 1/3 + 1/2 = 0.8333 s; the last copy
    finishes after the quorum, so its whole service, the maximum X(3) of mean
    1 + 1/2 + 1/3 = 1.8333 s, is wasted work (sd of the mean over the ~24,000 requests
    about 0.4%, so 3% is over 7 sd)."""
    r = run_model(*_fork_to_delay_stations((1.0, 1.0, 1.0), quorum=2), duration=6000,
                  warmup=50, replications=4)
    assert_agrees(r, "requests.latency.mean", 1 / 3 + 1 / 2, rel_floor=0.01)
    assert r["requests"]["failed"] == 0
    per_request = r["requests"]["wasted_work"] / (r["requests"]["throughput"] * 6000)
    assert abs(per_request - (1 + 1 / 2 + 1 / 3)) < 0.03 * (1 + 1 / 2 + 1 / 3)


def test_consistent_hashing_sends_each_key_share_to_its_owner():
    """Zipf(1.2) over 100 keys (key 0 alone about 30% of requests) through a
    consistent_hash router to three services: successor j's throughput is
    Lambda * sum of p_k over the keys k it owns on the ring (sim.model.keyspace), not
    Lambda / 3, and the one owning the hot key is the busiest."""
    lam, names = 20.0, ["s0", "s1", "s2"]
    nodes = {"c": {"kind": "sender", "rate": lam,
                   "keys": {"count": 100, "popularity": {"zipf": 1.2}}},
             "lb": {"kind": "router", "routing": "consistent_hash"}}
    for name in names:
        nodes[name] = {"kind": "service", "servers": 2, "service": exp(0.02)}
    edges = [["c", "lb"]] + [["lb", name] for name in names]
    r = run_model(nodes, edges, duration=3000, warmup=10, replications=4)
    p = KeySpace(100, 1.2).probabilities()
    owner = ring_owner(np.arange(100), names, 100)
    mass = np.bincount(owner, weights=p, minlength=3)
    assert mass.max() - mass.min() > 0.1
    for j, name in enumerate(names):
        assert_agrees(r, f"nodes.{name}.throughput", lam * mass[j], rel_floor=0.005)
    busiest = max(names, key=lambda n: r["nodes"][n]["throughput"])
    assert busiest == names[owner[0]]


def test_edge_latency_adds_its_mean():
    """An edge with latency L adds E[L] to the end-to-end mean: W = 1/(mu-lam) + E[L]."""
    lam, mu = 0.5, 1.0
    nodes = {"src": {"kind": "sender", "rate": lam},
             "srv": {"kind": "service", "servers": 1, "service": exp(1 / mu)},
             "cb": {"kind": "router"}}
    edges = [{"from": "src", "to": "srv", "latency": {"dist": "uniform", "low": 0.1,
                                                      "high": 0.3}},
             {"from": "srv", "to": "cb", "latency": 0.5}]
    r = run_model(nodes, edges, duration=20000, warmup=200, replications=6)
    assert_agrees(r, "requests.latency.mean", 1 / (mu - lam) + 0.2 + 0.5)
    assert r["requests"]["latency"]["max"] >= 0.6


def test_broker_latency_delays_visibility():
    """A queue's latency L delays every message by L before it can be taken; Poisson
    arrivals stay Poisson, so W = L + 1/(mu - lam) and the queue's wait is L + Wq."""
    lam, mu, delay = 0.5, 1.0, 0.7
    nodes = {"src": {"kind": "sender", "rate": lam},
             "q": {"kind": "queue", "latency": delay},
             "w": {"kind": "service", "servers": 1, "service": exp(1 / mu)}}
    r = run_model(nodes, [["src", "q"], ["q", "w"]], duration=20000, warmup=200,
                  replications=6)
    assert_agrees(r, "requests.latency.mean", delay + 1 / (mu - lam))
    assert_agrees(r, "nodes.q.wait.mean", delay + lam / (mu * (mu - lam)))


def test_latency_on_a_pull_holds_the_consumer():
    """Latency L on the edge from a queue to its consumer holds the server while the
    message travels: an M/G/1 with S' = S + L, so by Pollaczek-Khinchine
    W = lam E[S'^2] / (2 (1 - lam E[S'])) + E[S'], E[S'^2] = 2/mu^2 + 2L/mu + L^2."""
    lam, mu, delay = 0.4, 1.0, 0.5
    mean, second = 1 / mu + delay, 2 / mu ** 2 + 2 * delay / mu + delay ** 2
    nodes = {"src": {"kind": "sender", "rate": lam}, "q": {"kind": "queue"},
             "w": {"kind": "service", "servers": 1, "service": exp(1 / mu)}}
    r = run_model(nodes, [["src", "q"], {"from": "q", "to": "w", "latency": delay}],
                  duration=30000, warmup=300, replications=6)
    assert_agrees(r, "requests.latency.mean",
                  lam * second / (2 * (1 - lam * mean)) + mean)
    assert_agrees(r, "nodes.w.utilization", lam * mean)
