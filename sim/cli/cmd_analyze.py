"""``asyncsim analyze MODEL``: analytic and simulated figures side by side."""

from __future__ import annotations

import json
import sys

from sim.cli.common import (add_run_flags, announce_workload, load_cli_model,
                             progress_callback, warn_unstable)


def add(sub) -> None:
    p = sub.add_parser("analyze", help="analytic and simulated figures side by side, "
                       "flagged where they disagree beyond the simulation's 95%% CI")
    p.add_argument("model", help="model file (YAML or JSON)")
    add_run_flags(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="what is printed: a table, JSON, or CSV rows (default table)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=analyze)


def analyze(args) -> int:
    from sim.cli.format_analysis import compare_document, format_compare
    from sim.experiments.compare import compare

    model = load_cli_model(args)
    warn_unstable(model)
    announce_workload(model, args)
    frame = compare(model, duration=args.duration, warmup=args.warmup,
                    replications=args.replications, seed=args.seed,
                    progress=progress_callback(args, model.name))
    if args.format == "json":
        print(json.dumps(compare_document(frame), indent=2, allow_nan=False))
    elif args.format == "csv":
        from sim.files import safe_frame

        sys.stdout.write(safe_frame(frame).to_csv(index=False))
    else:
        print(format_compare(frame))
    return 0
