"""``asyncsim import``: models from where designs already live.

``import traces FILE`` reads OTLP JSON, Jaeger JSON or Zipkin v2 JSON spans and
writes the model they describe (:mod:`sim.interchange.calibrate`), with notes
(clock skew, sampling, what traces cannot show) as a comment block on top and
on stderr. Each source format is one sub-command added by a function below.
"""

from __future__ import annotations

import sys


def add(sub) -> None:
    p = sub.add_parser("import", help="write a model from traces (or other descriptions)")
    kinds = p.add_subparsers(dest="source", metavar="SOURCE", title="sources")
    kinds.required = True
    _add_traces(kinds)
    # --- asyncapi: `asyncsim import asyncapi ...` is added here (its own function) ---


def _add_traces(kinds) -> None:
    p = kinds.add_parser("traces", help="calibrate a model from OTLP, Jaeger or Zipkin spans",
                         description="Read spans (OTLP JSON, one export per line; Jaeger "
                         "JSON; Zipkin v2 JSON) and write the model they show: services, "
                         "queues, path and call edges, routing probabilities, fitted "
                         "service times, arrival rates; notes on clock skew and sampling.")
    p.add_argument("file", help="the span file (.json)")
    p.add_argument("-o", "--output", metavar="MODEL.yaml",
                   help="write the model here (default: print it)")
    p.add_argument("--sampled", type=float, default=1.0, metavar="F",
                   help="fraction of traces the collector kept; arrival rates are divided "
                   "by it (default 1)")
    p.add_argument("--name", default=None, help="the model's name (default: the file's)")
    p.set_defaults(handler=import_traces)


def import_traces(args) -> int:
    from pathlib import Path

    from sim.cli.outputs import check_out_file, writing
    from sim.files import write_text
    from sim.interchange.calibrate import calibrate
    from sim.interchange.model_text import model_text
    from sim.interchange.traces_in import read_spans

    out = check_out_file(args.output, "-o")
    fmt, spans = read_spans(args.file)
    name = args.name or Path(args.file).name.split(".")[0]
    calibration = calibrate(spans, sampled=args.sampled, name=name)
    text = model_text(calibration, f"{fmt} spans from {Path(args.file).name}")
    if out is None:
        sys.stdout.write(text)
    else:
        with writing(out):
            write_text(out, text)
    for note in calibration.notes:
        print(f"asyncsim: {note}", file=sys.stderr)
    if out is not None:
        print(f"asyncsim: wrote {out}", file=sys.stderr)
    return 0
