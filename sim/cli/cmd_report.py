"""``asyncsim report DIR``: rebuild the report of a result folder, without simulating."""

from __future__ import annotations

from pathlib import Path


def add(sub) -> None:
    p = sub.add_parser("report", help="write report.html and report.md for a result folder",
                       description="Rebuild the report from the files of a run "
                       "(result.json), a sweep (summary.csv or runs.csv) or a plan "
                       "(plan.json), and model.yaml when present. Nothing is simulated.")
    p.add_argument("folder", metavar="DIR", help="a folder written by run, sweep or plan "
                   "with --out")
    p.set_defaults(handler=run)


def run(args) -> int:
    from sim.reports import write_report

    for path in write_report(Path(args.folder)):
        print(f"wrote {path}")
    return 0
