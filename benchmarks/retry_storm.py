"""Retry storm: goodput and queue length through a 60-second load spike.

Runs the two retry policies of experiments/retry_storm.yaml on
models/retry_storm.yaml, prints for each the amplification factor (attempts /
requests), the goodput before and after the spike and the recovery time (from
the end of the spike until the goodput is back to 90% of the offered rate and
holds for 30 s), and draws goodput and queue length over time into
docs/img/retry_storm.png.

    python benchmarks/retry_storm.py [--replications R] [--no-figure]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml

import sim
from sim.metrics.timeseries import node_rates, recovery_time

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = ROOT / "experiments" / "retry_storm.yaml"
FIGURE = ROOT / "docs" / "img" / "retry_storm.png"
LABELS = ("immediate retries", "backoff + jitter + budget")


def spike_end(model) -> float:
    return float(model.node("client").profile[-1][0])


def run_policy(retry: dict, replications: int) -> dict:
    spec = yaml.safe_load(EXPERIMENT.read_text())
    model = sim.load(EXPERIMENT.parent / spec["model"], {"nodes.client.retry": retry})
    result = sim.simulate(model, replications=replications)
    req = result.to_dict()["requests"]
    rate = model.node("client").rate
    end = spike_end(model)
    recoveries, series = [], []
    for rep in range(replications):
        goodput = node_rates(result.timeseries, "client", rep)
        queue = node_rates(result.timeseries, "requests", rep)
        recoveries.append(recovery_time(goodput["time"], goodput["rate"], after=end,
                                        target=rate))
        series.append((goodput, queue))
    return {"requests": req, "recovery": recoveries, "series": series, "spike_end": end,
            "rate": rate}


def draw(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    for col, (label, res) in enumerate(zip(LABELS, results)):
        goodput, queue = res["series"][0]
        top, bottom = axes[0][col], axes[1][col]
        top.plot(goodput["time"], goodput["rate"], color="tab:green")
        top.axhline(res["rate"], color="grey", ls=":", lw=1)
        top.set_title(label)
        top.set_ylabel("goodput (requests/s)")
        bottom.plot(queue["time"], queue["queue_length"], color="tab:red")
        bottom.set_ylabel("request queue length")
        bottom.set_xlabel("time (s)")
        for ax in (top, bottom):
            ax.axvspan(res["spike_end"] - 60, res["spike_end"], color="orange", alpha=0.2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def describe(label: str, res: dict) -> str:
    req = res["requests"]
    rec = [("never (within the run)" if math.isinf(x) else f"{x:.0f} s") for x in res["recovery"]]
    return (f"{label:28s} amplification {req['amplification']:.2f}  attempts/request "
            f"{req['attempts_per_request']:.2f}  completed {req['completed']}  failed "
            f"{req['failed']}  recovery after the spike: {', '.join(rec)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args(argv)
    spec = yaml.safe_load(EXPERIMENT.read_text())
    policies = spec["grid"]["nodes.client.retry"]
    results = [run_policy(retry, args.replications) for retry in policies]
    for label, res in zip(LABELS, results):
        print(describe(label, res))
    if not args.no_figure:
        draw(results, FIGURE)
        print(f"figure: {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
