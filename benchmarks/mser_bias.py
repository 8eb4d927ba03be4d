"""MSER-5 warm-up on an M/M/1 started empty at utilisation 0.9, and the bias it removes.

What is measured
----------------
An M/M/1 (arrival rate 0.9, service rate 1.0; mean sojourn ``1/(mu-lam) = 10 s``)
starts empty, so its first requests wait less than in steady state and the
mean latency of a run from time 0 is biased low. For each of ``--seeds`` root
seeds the script

1. detects the warm-up as ``warmup: auto`` does
   (:func:`sim.engine.precision.detect_warmup`: MSER-5 on the request-by-request
   mean of 5 pilot replications of ``--duration`` seconds), and, for
   comparison, MSER-5 on a single pilot;
2. runs an independent evaluation replication of ``--duration`` seconds from
   empty (:func:`sim.engine.precision.pilot_run`, which keeps every latency in
   completion order) and takes the mean latency of all its requests, and of
   those that completed after each detected warm-up.

The bias of each estimator is its mean over seeds minus 10 s, with its
standard error; the change in bias is measured on the paired differences
(same evaluation run, so most of the noise cancels). As a reference for a
"plausible" transient, the ensemble mean of the i-th request's latency over all
evaluation runs is smoothed (window of 101 requests) and the first request
whose smoothed mean reaches 95% of 10 s is reported, in requests and seconds
(i / lam); cutting every evaluation run there shows what a warm-up of that
length removes (what is left is mostly the requests still in flight at the end
of the run, which are the slow ones).

References: White (1997); White, Cobb & Spratt (2000); Hoad, Robinson & Davies
(2010), who average 5 replications before MSER-5.

Usage
-----
::

    python benchmarks/mser_bias.py                     # 1000 seeds of 2000 s, ~2 minutes
    python benchmarks/mser_bias.py --seeds 300 --out mser.json
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from sim.engine.precision import detect_warmup, pilot_run
from sim.model import from_dict, validate

LAM, MU = 0.9, 1.0
TRUE_MEAN = 1.0 / (MU - LAM)
EVALUATION_REPLICATION = 0     # the detection pilots use their own streams


def model(duration: float):
    return validate(from_dict({
        "name": "mm1-empty-start",
        "run": {"duration": duration, "warmup": "auto", "replications": 1, "seed": 1},
        "nodes": {"src": {"kind": "sender", "rate": LAM},
                  "srv": {"kind": "service", "servers": 1,
                          "service": {"dist": "exponential", "mean": 1.0 / MU}}},
        "edges": [["src", "srv"]]}))


def after(pilot, seconds: float) -> float:
    """Mean latency of the requests that completed after ``seconds``."""
    k = int(np.interp(seconds, pilot.times, pilot.counts))
    return float(pilot.latencies[k:].mean())


def bias(values: list[float]) -> dict:
    arr = np.asarray(values) - TRUE_MEAN
    return {"bias": float(arr.mean()), "se": float(arr.std(ddof=1) / np.sqrt(arr.size)),
            "relative": float(arr.mean() / TRUE_MEAN)}


def paired(a: list[float], b: list[float]) -> dict:
    d = np.asarray(b) - np.asarray(a)
    return {"change": float(d.mean()), "se": float(d.std(ddof=1) / np.sqrt(d.size))}


def truncation(seconds: list[float]) -> dict:
    s = np.asarray(seconds)
    return {"mean": float(s.mean()), "median": float(np.median(s)),
            "q10": float(np.quantile(s, 0.1)), "q90": float(np.quantile(s, 0.9)),
            "zero_fraction": float(np.mean(s == 0))}


def reference(sequences: list[np.ndarray]) -> dict:
    """First request whose smoothed ensemble mean latency reaches 95% of the truth."""
    n = min(s.size for s in sequences)
    mean = np.mean([s[:n] for s in sequences], axis=0)
    smooth = np.convolve(mean, np.ones(101) / 101, mode="valid")
    i = int(np.argmax(smooth >= 0.95 * TRUE_MEAN)) + 50
    return {"requests": i, "seconds": i / LAM}


def run(seeds: int, duration: float) -> dict:
    m = model(duration)
    cut5, cut1, raw, with5, with1, seqs, unreliable = [], [], [], [], [], [], 0
    for seed in range(1, seeds + 1):
        five = detect_warmup(m, seed=seed, duration=duration)
        one = detect_warmup(m, seed=seed, duration=duration, pilots=1)
        unreliable += not five["reliable"]
        ev = pilot_run(m, seed=seed, duration=duration, replication=EVALUATION_REPLICATION)
        cut5.append(five["warmup"])
        cut1.append(one["warmup"])
        raw.append(float(ev.latencies.mean()))
        with5.append(after(ev, five["warmup"]))
        with1.append(after(ev, one["warmup"]))
        seqs.append(ev)
    ref = reference([ev.latencies for ev in seqs])
    at_ref = [after(ev, ref["seconds"]) for ev in seqs]
    return {"model": "M/M/1 from empty, lam 0.9, mu 1.0", "true_mean": TRUE_MEAN,
            "seeds": seeds, "duration": duration,
            "reference_transient": ref,
            "truncation_seconds": {"mser5_5_pilots": truncation(cut5),
                                   "mser5_1_pilot": truncation(cut1)},
            "unreliable_5_pilots": unreliable,
            "bias": {"no_truncation": bias(raw), "mser5_5_pilots": bias(with5),
                     "mser5_1_pilot": bias(with1), "reference_cut": bias(at_ref)},
            "bias_change": {"mser5_5_pilots": paired(raw, with5),
                            "mser5_1_pilot": paired(raw, with1),
                            "reference_cut": paired(raw, at_ref)}}


def report(f: dict) -> None:
    ref = f["reference_transient"]
    print(f"M/M/1 rho=0.9 from empty: {f['seeds']} seeds x {f['duration']:g} s; "
          f"true mean latency {f['true_mean']:g} s")
    print(f"reference: smoothed ensemble mean reaches 95% of it at request {ref['requests']} "
          f"(~{ref['seconds']:.0f} s)")
    for key, label in (("mser5_5_pilots", "MSER-5, mean of 5 pilots"),
                       ("mser5_1_pilot", "MSER-5, single pilot")):
        t = f["truncation_seconds"][key]
        print(f"{label:26s} warm-up mean {t['mean']:.0f} s, median {t['median']:.0f} s, "
              f"10-90% {t['q10']:.0f}-{t['q90']:.0f} s, zero in {100 * t['zero_fraction']:.0f}%")
    for key, label in (("no_truncation", "no truncation"),
                       ("mser5_5_pilots", "MSER-5, mean of 5 pilots"),
                       ("mser5_1_pilot", "MSER-5, single pilot"),
                       ("reference_cut", "cut at the reference")):
        b = f["bias"][key]
        line = (f"bias {label:26s} {b['bias']:+.3f} s ({100 * b['relative']:+.2f}%) "
                f"± {b['se']:.3f}")
        if key in f["bias_change"]:
            c = f["bias_change"][key]
            line += f"; change {c['change']:+.3f} s ± {c['se']:.3f} (paired)"
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=2000.0)
    ap.add_argument("--out", help="also write the figures as JSON")
    args = ap.parse_args()
    start = time.perf_counter()
    figures = run(args.seeds, args.duration)
    figures["seconds"] = time.perf_counter() - start
    report(figures)
    print(f"{figures['seconds']:.0f} s")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
