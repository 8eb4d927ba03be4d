"""``asyncsim fit DATA.csv``: fit distributions to measurements; optionally into a model.

``--kind service`` (default) and ``--kind interarrival`` fit the column's times;
``--kind arrivals`` reads the column as arrival timestamps (seconds or
date-times) and reports the rate over time, stationarity, a profile and the
burstiness. ``--into MODEL --node NAME`` writes the best fit into the model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

KINDS = ("service", "interarrival", "arrivals")


def add(sub) -> None:
    p = sub.add_parser("fit", help="fit distributions to measured times (CSV); "
                                   "optionally write the best into a model")
    p.add_argument("data", help="CSV file; a header line is optional")
    p.add_argument("--column", help="column name (or 1-based position); needed when the "
                                    "file has several columns")
    p.add_argument("--kind", choices=KINDS, default="service",
                   help="service or interarrival times, or arrival timestamps "
                        "(default service)")
    p.add_argument("--candidates", type=_names, metavar="A,B",
                   help="comma-separated distributions to try (default: all)")
    p.add_argument("--windows", type=_positive_int, default=60, metavar="N",
                   help="windows for the rate over time (--kind arrivals; default 60)")
    p.add_argument("--into", metavar="MODEL", help="write the best fit into this model file")
    p.add_argument("--node", help="the node of --into: a service, or a sender for "
                                  "interarrival/arrivals")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="what is printed: a table or JSON (default table)")
    p.set_defaults(handler=fit_command)


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def fit_command(args: argparse.Namespace) -> int:
    from sim.analytic.fit import (FitError, arrivals, describe, fit, keys_for, snippet,
                                  write_into)
    from sim.cli.format_fit import arrivals_report, fits_report, to_json
    from sim.cli.read_csv import read_column

    if (args.into is None) != (args.node is None):
        raise FitError("--into MODEL and --node NAME go together")
    values, source = read_column(Path(args.data), args.column)
    if args.kind == "arrivals":
        report = arrivals(values, windows=args.windows, candidates=args.candidates,
                          source=source)
        fits, keys = report["interarrival"], dict(report["snippet"])
        text = arrivals_report(source, report)
    else:
        fits = fit(values, args.candidates, source=source)
        keys = keys_for(args.kind, snippet(fits.best))
        report = describe(values, source)
        text = fits_report(source, report, fits, keys)
    if args.into:  # before printing: a refused --into prints only its error
        write_into(args.into, args.node, args.kind, keys)
    print(to_json(source, args.kind, report, fits, keys) if args.format == "json" else text)
    if args.into:
        print(f"asyncsim: wrote {', '.join(keys)} of node {args.node!r} into {args.into}",
              file=sys.stderr)
    return 0
