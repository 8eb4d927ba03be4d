"""Chaos on the request/reply model: half the workers lost for 3 minutes.

Runs experiments/chaos_request_reply.yaml (the worker pool drops from 8 to 4
servers at 600 s for 180 s while 80 requests/s keep coming), prints one row per
retry policy and client timeout (replications recovered, recovery time after the
servers came back, share of requests failed, amplification), then simulates two
of the points once more with their series to draw goodput and p99 over time next
to the recovery times, into docs/img/chaos_request_reply.png.

    python benchmarks/chaos_request_reply.py [--workers N] [--no-figure]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

import sim
from sim.experiments import summarize, sweep

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = ROOT / "experiments" / "chaos_request_reply.yaml"
FIGURE = ROOT / "docs" / "img" / "chaos_request_reply.png"
RETRY, TIMEOUT = "nodes.client.retry", "nodes.client.timeout"


def policy_name(retry) -> str:
    retry = json.loads(retry) if isinstance(retry, str) else retry
    if retry.get("max_attempts", 1) == 1:
        return "no retries"
    name = f"{retry['max_attempts']} attempts"
    if "backoff" not in retry:
        return name + ", immediate"
    return name + ", backoff + jitter" + (" + 10% budget" if "budget" in retry else "")


def table(summary) -> list[str]:
    lines = ["| retry policy | timeout | recovered | recovery after the fault | failed | "
             "amplification |", "|---|---|---|---|---|---|"]
    for _, row in summary.iterrows():
        reps = int(row["replications"])
        share = row["scenario.recovered"]   # the mean over replications of 0 or 1
        recovered = 0 if share != share else round(share * reps)
        recovery = row["scenario.recovery"]
        shown = "never (within the run)" if recovery != recovery else f"{recovery:.0f} s"
        failed = row["requests.failed"] / row["requests.offered"]
        lines.append(f"| {policy_name(row[RETRY])} | {row[TIMEOUT]:g} s | {recovered} of "
                     f"{reps} | {shown} | {failed:.1%} | "
                     f"{row['requests.amplification']:.2f} |")
    return lines


def series_of(retry: dict, timeout: float):
    spec = yaml.safe_load(EXPERIMENT.read_text())
    overrides = {RETRY: retry, TIMEOUT: timeout, "scenario": spec["scenario"],
                 **{f"run.{k}": v for k, v in spec["run"].items()}}
    model = sim.load(EXPERIMENT.parent / spec["model"], overrides)
    result = sim.simulate(model, replications=1)
    return result.requests_series, result.to_dict()["scenario"]


def draw(summary, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = yaml.safe_load(EXPERIMENT.read_text())
    step = spec["scenario"][0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    run_end = spec["run"]["warmup"] + spec["run"]["duration"]
    never = run_end - step["at"] - step["for"]
    for retry in spec["grid"][RETRY]:
        rows = summary[summary[RETRY].map(lambda r: json.loads(r) if isinstance(r, str)
                                          else r) == retry]
        values = [never if v != v else v for v in rows["scenario.recovery"]]
        left.plot(rows[TIMEOUT], values, marker="o", label=policy_name(retry))
    left.axhline(never, color="grey", ls=":", lw=1)
    left.text(left.get_xlim()[0], never, " never (within the run)", va="bottom", fontsize=8)
    left.set_xlabel("client timeout (s)")
    left.set_ylabel("recovery after the servers return (s)")
    left.set_title("recovery time against retry policy and timeout")
    left.legend(fontsize=8)
    for retry, colour in ((spec["grid"][RETRY][0], "tab:blue"),
                          (spec["grid"][RETRY][1], "tab:orange")):
        frame, _scenario = series_of(retry, 2.0)
        right.plot(frame["time"], frame["goodput"], color=colour,
                   label=f"goodput, {policy_name(retry)}")
    right.axvspan(step["at"], step["at"] + step["for"], color="red", alpha=0.12,
                  label="4 of 8 workers")
    right.set_xlabel("simulated time (s)")
    right.set_ylabel("goodput (requests/s)")
    right.set_title("goodput over time, timeout 2 s")
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    runs = sweep(EXPERIMENT, workers=args.workers, quiet=True)
    summary = summarize(runs, [RETRY, TIMEOUT])
    print("\n".join(table(summary)))
    print(f"sweep: {len(summary)} points in {time.perf_counter() - began:.0f} s")
    if not args.no_figure:
        draw(summary, FIGURE)
        print(f"figure: {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
