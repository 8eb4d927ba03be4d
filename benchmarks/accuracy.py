"""Accuracy against queueing theory: the cases of tests/validation, run longer.

Prints, for every case, the formula's value, the simulated mean over
replications with its 95% CI half-width, and the relative difference.

    python benchmarks/accuracy.py [--scale S]

``--scale`` multiplies every run length (default 1: about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import math
import time

from sim.analytic import erlang_b, erlang_c, fork_join_2
from sim.engine import simulate
from sim.model import from_dict, validate


def exp(mean):
    return {"dist": "exponential", "mean": mean}


def model(nodes, edges, duration, reps, warmup=None):
    warm = duration / 100 if warmup is None else warmup
    return validate(from_dict({"name": "accuracy", "nodes": nodes, "edges": edges,
                               "run": {"duration": duration, "warmup": warm,
                                       "replications": reps, "seed": 1}}))


def pick(d, path):
    for part in path.split("."):
        d = d[part]
    return d


def single(servers, lam, service, **extra):
    srv = {"kind": "service", "servers": servers, "service": service}
    srv.update(extra)
    return {"src": {"kind": "sender", "rate": lam}, "srv": srv}, [["src", "srv"]]


def mva(n, demand, think):
    q = x = r = 0.0
    for k in range(1, n + 1):
        r = demand * (1 + q)
        x = k / (r + think)
        q = x * r
    return x, r


def e2m1(lam_each, mu):
    s = 0.5
    for _ in range(10_000):
        s = (2 * lam_each / (2 * lam_each + mu * (1 - s))) ** 2
    return 1 / (mu * (1 - s))


def cases(scale):
    """(name, formula, model, [(path, expected) ...], ratio paths) for every case."""
    d = 100_000 * scale
    out = []
    nodes, edges = single(1, 0.7, exp(1.0))
    out.append(("M/M/1 rho 0.7", "W=1/(mu-lam); p_q=-ln(1-q)/(mu-lam)", model(nodes, edges, d, 10), [
        ("requests.latency.mean", 1 / 0.3), ("requests.latency.p50", math.log(2) / 0.3),
        ("requests.latency.p90", math.log(10) / 0.3), ("requests.latency.p99", math.log(100) / 0.3),
        ("nodes.srv.queue_length.mean", 0.49 / 0.3)]))
    nodes, edges = single(3, 2.4, exp(1.0))
    out.append(("M/M/3 a=2.4", "Wq = C(c,a)/(c mu - lam) (Erlang C)", model(nodes, edges, d, 10),
                [("nodes.srv.wait.mean", erlang_c(2.4, 3) / 0.6)]))
    for name, service, es2 in (("M/D/1 rho 0.8", {"dist": "deterministic", "value": 0.8}, 0.64),
                               ("M/G/1 lognormal cv 1.5", {"dist": "lognormal", "mean": 0.8, "cv": 1.5}, 0.64 * 3.25),
                               ("M/E3/1", {"dist": "erlang", "k": 3, "mean": 0.8}, 0.64 * 4 / 3)):
        nodes, edges = single(1, 1.0, service)
        out.append((name, "Wq = lam E[S^2] / (2(1-rho)) (Pollaczek-Khinchine)",
                    model(nodes, edges, d, 10), [("nodes.srv.wait.mean", es2 / (2 * 0.2))]))
    nodes, edges = single(".inf", 20.0, exp(0.5))
    out.append(("M/M/inf", "busy = lam/mu", model(nodes, edges, d / 10, 5), [("nodes.srv.busy.mean", 10.0)]))
    c, k, a = 2, 3, 3.0
    w = [a ** n / math.factorial(n) if n <= c else a ** n / (math.factorial(c) * c ** (n - c))
         for n in range(c + k + 1)]
    nodes, edges = single(c, a, exp(1.0), capacity=k)
    out.append(("M/M/2/K=3", "P(block) = p_{c+K}", model(nodes, edges, d / 4, 10),
                [("ratio:requests.rejected/requests.offered", w[-1] / sum(w))]))
    nodes, edges = single(5, 4.0, exp(1.0), capacity=0)
    out.append(("Erlang B c=5 a=4", "B(c, a)", model(nodes, edges, d / 4, 10),
                [("ratio:requests.rejected/requests.offered", erlang_b(4.0, 5))]))
    mus = (1.0, 0.8, 1.5)
    nodes = {"src": {"kind": "sender", "rate": 0.6}}
    edges, prev = [], "src"
    for i, mu in enumerate(mus):
        nodes[f"s{i}"] = {"kind": "service", "servers": 1, "service": exp(1 / mu)}
        edges.append([prev, f"s{i}"])
        prev = f"s{i}"
    out.append(("Jackson tandem", "W = sum 1/(mu_i - lam)", model(nodes, edges, d, 10),
                [("requests.latency.mean", sum(1 / (mu - 0.6) for mu in mus))]))
    nodes = {"src": {"kind": "sender", "rate": 0.35}, "inbox": {"kind": "queue"},
             "worker": {"kind": "service", "servers": 1, "service": exp(1.0)},
             "again": {"kind": "router"}, "done": {"kind": "router"}}
    edges = [["src", "inbox"], ["inbox", "worker"], ["worker", "again"],
             ["again", "inbox", 0.4], ["again", "done", 0.6]]
    out.append(("Jackson feedback p=0.4", "W = 1/(1-p) / (mu - lam/(1-p))", model(nodes, edges, d, 10),
                [("requests.latency.mean", 1 / 0.6 / (1 - 0.35 / 0.6))]))
    x, r = mva(6, 0.2, 1.0)
    nodes = {"users": {"kind": "sender", "clients": 6, "think": exp(1.0)},
             "app": {"kind": "service", "servers": 1, "service": exp(0.2)}}
    out.append(("Closed N=6, Z=1, D=0.2", "exact MVA", model(nodes, [["users", "app"]], d / 2, 10),
                [("requests.throughput", x), ("requests.latency.mean", r)]))
    nodes = {"gold": {"kind": "sender", "rate": 0.3, "priority": 0},
             "bronze": {"kind": "sender", "rate": 0.45, "priority": 1},
             "srv": {"kind": "service", "servers": 1, "service": exp(1.0), "discipline": "priority"}}
    w0 = 0.75
    out.append(("Priority M/M/1, 2 classes", "Cobham: W_k = W0/((1-s_{k-1})(1-s_k)) + E[S]",
                model(nodes, [["gold", "srv"], ["bronze", "srv"]], d, 10),
                [("nodes.gold.latency.mean", w0 / 0.7 + 1), ("nodes.bronze.latency.mean", w0 / (0.7 * 0.25) + 1)]))
    nodes = {"src": {"kind": "sender", "rate": 1.6}, "lb": {"kind": "router", "routing": "round_robin"},
             "a": {"kind": "service", "servers": 1, "service": exp(1.0)},
             "b": {"kind": "service", "servers": 1, "service": exp(1.0)}}
    out.append(("Round robin -> E2/M/1", "W = 1/(mu(1-sigma)), sigma = A*(mu(1-sigma))",
                model(nodes, [["src", "lb"], ["lb", "a"], ["lb", "b"]], d, 10),
                [("requests.latency.mean", e2m1(0.8, 1.0))]))
    nodes = {"src": {"kind": "sender", "rate": 0.6}, "fork": {"kind": "router", "routing": "broadcast"},
             "a": {"kind": "service", "servers": 1, "service": exp(1.0)},
             "b": {"kind": "service", "servers": 1, "service": exp(1.0)}}
    out.append(("Fork-join 2 x M/M/1", "Nelson-Tantawi R = (12-rho)/8/(mu-lam) (approx.)",
                model(nodes, [["src", "fork"], ["fork", "a"], ["fork", "b"]], d, 10),
                [("requests.latency.mean", fork_join_2(0.6, 1.0))]))
    nodes = {"src": {"kind": "sender", "rate": 0.5},
             "srv": {"kind": "service", "servers": 1, "service": exp(1.0)}, "cb": {"kind": "router"}}
    edges = [{"from": "src", "to": "srv", "latency": {"dist": "uniform", "low": 0.1, "high": 0.3}},
             {"from": "srv", "to": "cb", "latency": 0.5}]
    out.append(("Edge latency", "W = 1/(mu-lam) + E[L1] + E[L2]", model(nodes, edges, d, 10),
                [("requests.latency.mean", 2.0 + 0.2 + 0.5)]))
    return out


def measure(result, path):
    from sim.metrics.stats import ci95_halfwidth

    if path.startswith("ratio:"):
        num, den = path[6:].split("/")
        values = [pick(r, num) / pick(r, den) for r in result.replications]
    else:
        values = [pick(r, path) for r in result.replications]
    return sum(values) / len(values), ci95_halfwidth(values)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    print(f"{'case':28s} {'metric':34s} {'theory':>10s} {'simulated':>10s} {'ci95':>9s} {'diff':>7s}")
    start = time.perf_counter()
    for name, formula, m, checks in cases(args.scale):
        result = simulate(m)
        for path, expected in checks:
            value, half = measure(result, path)
            diff = (value - expected) / expected
            print(f"{name:28s} {path.replace('ratio:', ''):34s} {expected:10.5g} {value:10.5g} "
                  f"{half:9.2g} {diff:+7.2%}")
        print(f"{'':28s} ({formula})")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
