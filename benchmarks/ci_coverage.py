"""Coverage of asyncsim's 95% confidence intervals on an M/M/1 at utilisation 0.7.

What is measured
----------------
For each of ``--seeds`` independent root seeds, an M/M/1 (arrival rate 0.7,
service rate 1.0) is simulated with ``--replications`` replications of
``--duration`` seconds after a ``--warmup``, through the public API
(``sim.model.from_dict``, ``validate``, ``sim.engine.simulate``). The result's
``requests.latency.mean`` and its ``ci95`` half-width (Student t across
replications) give an interval; the script counts how often it contains the
true mean sojourn ``1 / (mu - lam) = 3.333 s`` (Kleinrock 1975, sec. 3.2).

A correct 95% interval covers the truth in about 95% of seeds; 90-98% is the
accepted band for 100+ seeds (the binomial standard error at 95% and 100 seeds
is 2.2 points). Undercoverage would mean the half-widths are too narrow
(replications too short for their means to be near normal, or warm-up bias);
the script prints the Wilson 95% interval of the coverage itself, the mean
estimate and the mean relative half-width.

Usage
-----
::

    python benchmarks/ci_coverage.py                      # 300 seeds, about 80 s
    python benchmarks/ci_coverage.py --seeds 100 --out coverage.json
"""

from __future__ import annotations

import argparse
import json
import math
import time

from sim.engine import simulate
from sim.model import from_dict, validate

LAM, MU = 0.7, 1.0
TRUE_MEAN = 1.0 / (MU - LAM)


def model(duration: float, warmup: float, replications: int):
    return validate(from_dict({
        "name": "mm1-coverage",
        "run": {"duration": duration, "warmup": warmup, "replications": replications,
                "seed": 1},
        "nodes": {"src": {"kind": "sender", "rate": LAM},
                  "srv": {"kind": "service", "servers": 1,
                          "service": {"dist": "exponential", "mean": 1.0 / MU}}},
        "edges": [["src", "srv"]]}))


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927)."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=300)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--duration", type=float, default=20000.0)
    ap.add_argument("--warmup", type=float, default=200.0)
    ap.add_argument("--out", help="also write the figures as JSON")
    args = ap.parse_args()
    m = model(args.duration, args.warmup, args.replications)
    start = time.perf_counter()
    hits, estimates, relative = 0, [], []
    for seed in range(1, args.seeds + 1):
        out = simulate(m, seed=seed).to_dict()
        mean = out["requests"]["latency"]["mean"]
        half = out["ci95"]["requests"]["latency"]["mean"]
        hits += abs(mean - TRUE_MEAN) <= half
        estimates.append(mean)
        relative.append(half / mean)
    low, high = wilson(hits, args.seeds)
    figures = {
        "model": "M/M/1, lam 0.7, mu 1.0", "true_mean": TRUE_MEAN, "seeds": args.seeds,
        "replications": args.replications, "duration": args.duration, "warmup": args.warmup,
        "covered": hits, "coverage": hits / args.seeds, "coverage_wilson95": [low, high],
        "mean_estimate": sum(estimates) / len(estimates),
        "mean_relative_halfwidth": sum(relative) / len(relative),
        "seconds": time.perf_counter() - start,
    }
    print(f"M/M/1 rho={LAM / MU:.1f}: {args.seeds} seeds x {args.replications} replications "
          f"x {args.duration:g} s (warm-up {args.warmup:g} s)")
    print(f"95% CI of mean latency covers 1/(mu-lam) = {TRUE_MEAN:.4f} in {hits}/{args.seeds} "
          f"= {100 * hits / args.seeds:.1f}% of seeds (Wilson 95%: {100 * low:.1f}-"
          f"{100 * high:.1f}%)")
    print(f"mean estimate {figures['mean_estimate']:.4f}; mean relative half-width "
          f"{100 * figures['mean_relative_halfwidth']:.2f}%; {figures['seconds']:.0f} s")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
