"""``asyncsim run MODEL``: simulate and print (table, JSON or CSV)."""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import (add_engine_flag, add_run_flags, announce_engine,
                             announce_workload, load_cli_model, progress_callback,
                             run_setting, warn_unstable)


def add(sub) -> None:
    p = sub.add_parser("run", help="simulate a model and print the results")
    p.add_argument("model", help="model file (YAML or JSON)")
    add_run_flags(p)
    add_engine_flag(p)
    p.add_argument("--series", type=run_setting("series"), metavar="SECONDS",
                   help="seconds between the time series' instants; each interval also gets "
                   "its requests' completions, failures, goodput and p50/p99 latency "
                   "(default: the model's run.series, else 200 intervals over the run)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="what is printed: a table, the result as JSON, or CSV rows "
                   "(default table)")
    p.add_argument("--out", metavar="DIR", help="folder for result.json, CSV tables, "
                   "model.yaml and the report (created when missing)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no engine line")
    p.add_argument("--trace", metavar="FILE",
                   help="write one row per attempt, node visit and call (CSV, or .parquet), "
                   "or spans: .perfetto.json (Perfetto/Chrome trace events), .otlp.json "
                   "(OpenTelemetry OTLP JSON), .jaeger.json or .zipkin.json")
    p.add_argument("--trace-sample", type=fraction, default=1.0, metavar="F",
                   help="fraction of requests traced (default 1)")
    p.add_argument("--precision", type=float, metavar="R", help="add replications until the "
                   "95 percent CI half-width of each --metrics is within R of its mean (e.g. 0.02)")
    p.add_argument("--max-replications", type=replication_cap, metavar="N",
                   help="cap on replications for --precision (default 50)")
    p.add_argument("--metrics", type=lambda t: tuple(m.strip() for m in t.split(",") if m.strip()),
                   help="comma-separated metrics for --precision "
                   "(default requests.latency.mean,requests.latency.p99)")
    p.set_defaults(handler=run)


def replication_cap(text: str) -> int:
    """A --max-replications value: an integer from 2 to the most a run may hold."""
    from sim.model.settings import MAX_REPLICATIONS

    value = int(text)
    if not 2 <= value <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be an integer from 2 to {MAX_REPLICATIONS:,} "
                                         f"(got {text})")
    return value


def fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise ValueError(text)
    return value


def _rows_file(trace, out):
    """Where the trace rows go: ``trace`` itself, or, for a span format with ``--out``
    (whose report samples the rows), a Parquet file converted after the run."""
    from sim.interchange.convert import converted_format

    if trace is None or out is None or converted_format(trace) is None:
        return trace
    return trace.with_name(trace.name + ".rows.parquet")


def _settings(model, args):
    """The model's run settings with the flags winning (as :func:`simulate` merges them)."""
    return model.run.merged(duration=args.duration, warmup=args.warmup,
                            replications=args.replications, seed=args.seed,
                            series=args.series, engine=args.engine, spelling="--{key}")


def run(args) -> int:
    import contextlib

    from sim.cli.format import format_table
    from sim.cli.outputs import check_out_dir, check_out_file, write_run_outputs, writing
    from sim.engine import simulate

    out = check_out_dir(args.out)
    trace = check_out_file(args.trace, "--trace")
    model = load_cli_model(args)
    warn_unstable(model)
    announce_workload(model, args)
    settings = _settings(model, args)
    announce_engine(model, settings, args, trace=trace is not None,
                    batch=settings.replications)
    rows = _rows_file(trace, out)
    try:
        with writing(trace) if trace else contextlib.nullcontext():
            result = simulate(model, duration=args.duration, warmup=args.warmup,
                              replications=args.replications, seed=args.seed,
                              progress=progress_callback(args, model.name),
                              trace=None if rows is None else str(rows),
                              trace_sample=args.trace_sample,
                              precision=args.precision, max_replications=args.max_replications,
                              precision_metrics=args.metrics, series=args.series,
                              engine=args.engine)
            if rows is not None and rows != trace:
                from sim.interchange.convert import convert

                convert(rows, trace, {n.name: n.kind for n in model.nodes})
        if out is not None:
            write_run_outputs(result, model, out, trace_rows=rows)
    finally:
        if rows is not None and rows != trace:
            rows.unlink(missing_ok=True)
    if args.format == "json":
        print(result.to_json())
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        from sim.cli.format_analysis import analysis_lines

        print("\n".join([format_table(result)] + analysis_lines(result.to_dict())))
    return 0
