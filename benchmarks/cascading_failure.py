"""A cascading failure: both gateway routes against the database's slowdown.

Runs experiments/cascading_failure.yaml (models/cascading_failure.yaml: the
database's query time 1x to 20x, with no protection, a timeout alone, a
bulkhead alone, or both on the API's database calls), prints per slowdown and
protection the success ratio (completed / offered) and p99 latency of each
route, the API's threads held and the gateway's and database's pool
utilisation, and draws the routes' success and p99 against the slowdown, with
and without protection, into docs/img/cascading_failure.png.

    python benchmarks/cascading_failure.py [--workers N] [--replications R]
                                           [--out DIR] [--no-figure]

The sweep's store is --out (default experiments/results/cascading_failure), so
a second run reuses the finished points.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

import sim

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = ROOT / "experiments" / "cascading_failure.yaml"
FIGURE = ROOT / "docs" / "img" / "cascading_failure.png"
BASE_QUERY = 0.005          # s: the database's mean query time at 1x, as in the model
SLOWDOWN = "nodes.db.service.mean"
TIMEOUT, BULKHEAD = "edges.api->db.timeout", "edges.api->db.max_in_flight"
PROTECTIONS = ("none", "timeout", "bulkhead", "both")
ROUTES = {"catalog": "nodes.catalog_clients", "orders": "nodes.orders_clients"}


def given(value) -> bool:
    """Whether a swept value is set: a null grid value is "null" in the runs table."""
    if value is None or value == "null":
        return False
    return not (isinstance(value, float) and math.isnan(value))


def protection(timeout, bulkhead) -> str:
    """The protection of a point, named from its swept timeout and bulkhead."""
    return {(False, False): "none", (True, False): "timeout", (False, True): "bulkhead",
            (True, True): "both"}[(given(timeout), given(bulkhead))]


def table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per slowdown and protection: means over replications of each figure."""
    rows = pd.DataFrame({
        "slowdown": (runs[SLOWDOWN] / BASE_QUERY).round(1),
        "protection": [protection(t, b) for t, b in zip(runs[TIMEOUT], runs[BULKHEAD])],
        "api_held": runs["nodes.api.held.mean"],
        "gateway_pool": runs["nodes.gateway_threads.utilization"],
        "db_pool": runs["nodes.db_connections.utilization"],
    })
    for route, prefix in ROUTES.items():
        rows[f"{route}_success"] = runs[f"{prefix}.completed"] / runs[f"{prefix}.offered"]
        rows[f"{route}_p99"] = runs[f"{prefix}.latency.p99"]
    return rows.groupby(["protection", "slowdown"], sort=False).mean().reset_index()


def draw(summary: pd.DataFrame, path: Path) -> None:
    """Success and p99 of both routes, and the API's threads held, against the slowdown:
    unprotected (red), timeout alone (orange, /catalog only) and protected (green)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ok, p99, held) = plt.subplots(1, 3, figsize=(14, 4.2))
    styles = {"none": ("tab:red", "no timeout, no bulkhead", ("catalog", "orders")),
              "timeout": ("tab:orange", "timeout 0.25 s alone", ("catalog",)),
              "both": ("tab:green", "timeout 0.25 s + bulkhead 12", ("catalog", "orders"))}
    for name, (color, label, routes) in styles.items():
        part = summary[summary["protection"] == name]
        x = part["slowdown"]
        for route in routes:
            ls = "-" if route == "catalog" else "--"
            ok.plot(x, part[f"{route}_success"], ls=ls, marker="o", ms=4, color=color,
                    label=f"/{route}, {label}")
            p99.plot(x, part[f"{route}_p99"], ls=ls, marker="o", ms=4, color=color,
                     label=f"/{route}, {label}")
        held.plot(x, part["api_held"], marker="o", ms=4, color=color, label=label)
    ok.set_ylabel("success (completed / offered)")
    ok.set_ylim(0, 1.05)
    ok.legend(fontsize=7, loc="lower left")
    p99.set_ylabel("p99 latency of completed requests (s)")
    p99.set_yscale("log")
    held.set_ylabel("API threads held waiting (of 16)")
    held.set_ylim(0, 17)
    held.axhline(16, color="grey", ls=":", lw=1)
    held.legend(fontsize=7, loc="lower right")
    for ax in (ok, p99, held):
        ax.set_xlabel("database query time (x the normal 5 ms)")
        ax.set_xticks(sorted(summary["slowdown"].unique()))
        ax.grid(alpha=0.3)
    ok.set_title("success: /catalog solid, /orders dashed")
    p99.set_title("p99 latency: /catalog solid, /orders dashed")
    held.set_title("the API's thread pool")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def markdown(summary: pd.DataFrame) -> str:
    """The README's table: per slowdown and protection, the routes and the pools."""
    lines = ["| db query time | protection | /catalog success | /catalog p99 | /orders success "
             "| /orders p99 | API threads held | gateway threads busy | db connections busy |",
             "|---|---|---|---|---|---|---|---|---|"]
    order = {name: i for i, name in enumerate(PROTECTIONS)}
    ranked = summary.assign(rank=summary["protection"].map(order))
    for _, r in ranked.sort_values(["slowdown", "rank"]).iterrows():
        lines.append(f"| {r['slowdown']:g}x | {r['protection']} | {r['catalog_success']:.3f} "
                     f"| {r['catalog_p99']:.3f} s | {r['orders_success']:.3f} "
                     f"| {r['orders_p99']:.3f} s | {r['api_held']:.1f} "
                     f"| {r['gateway_pool']:.0%} | {r['db_pool']:.0%} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args(argv)
    run = {"replications": args.replications} if args.replications else None
    runs = sim.sweep(EXPERIMENT, workers=args.workers, out=args.out, run=run)
    summary = table(runs)
    print(markdown(summary))
    if not args.no_figure:
        draw(summary, FIGURE)
        print(f"figure: {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
