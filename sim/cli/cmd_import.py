"""``asyncsim import FORMAT ...``: a model from where designs already live.

``asyncsim import asyncapi DOC.yaml [DOC2.yaml ...] [--overlay OVERLAY.yaml]
[-o MODEL.yaml] [--allow-incomplete]`` reads AsyncAPI 2.x / 3.0 documents
(:mod:`sim.model.asyncapi`). The documents give the topology and the broker
settings; the overlay gives the numbers. What neither says (an arrival rate, a
service time, a pool size) is listed, and the model is not written unless
``--allow-incomplete`` is given; then it is written without those keys, so
``asyncsim check`` refuses it until they are added.

``asyncsim import traces FILE [-o MODEL.yaml]`` reads OTLP JSON, Jaeger JSON or
Zipkin v2 JSON spans and writes the model they describe
(:mod:`sim.interchange.calibrate`), with notes (clock skew, sampling, what traces
cannot show) as a comment block on top and on stderr.
"""

from __future__ import annotations

import argparse
import sys

#: The formats, one sub-subcommand each: (name, add function).
FORMATS = ("asyncapi", "traces")


def add(sub) -> None:
    p = sub.add_parser("import", help="write a model from AsyncAPI documents or traces")
    formats = p.add_subparsers(dest="format", metavar="FORMAT", title="formats",
                               parser_class=type(p))
    formats.required = True
    _add_asyncapi(formats)
    _add_traces(formats)


def _add_asyncapi(formats) -> None:
    p = formats.add_parser("asyncapi", help="AsyncAPI 2.x / 3.0 documents -> a model")
    p.add_argument("documents", nargs="+", metavar="DOC",
                   help="AsyncAPI documents (YAML or JSON), merged by channel address")
    p.add_argument("--overlay", metavar="OVERLAY",
                   help="a partial model (YAML) merged by node name: rates, service "
                        "times, pool sizes and any other key")
    p.add_argument("-o", "--out", metavar="MODEL",
                   help="write the model here (atomically); default: print it")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="write the model even when rates, service times or pool sizes "
                        "are missing (asyncsim check then refuses it)")
    p.set_defaults(handler=import_asyncapi_command)


def report(imported) -> str:
    """What the documents did not say (gaps) and what the model does not hold (notes)."""
    lines = [f"imported {len(imported.model['nodes'])} nodes and "
             f"{len(imported.model['edges'])} edges from {', '.join(imported.sources)}"]
    if imported.gaps:
        lines.append("not in the documents or the overlay (give them in --overlay):")
        lines += [f"  {gap}" for gap in imported.gaps]
    else:
        lines.append("complete: every arrival rate, service time and pool size is given")
    if imported.notes:
        lines.append("notes:")
        lines += [f"  {note}" for note in imported.notes]
    return "\n".join(lines)


def import_asyncapi_command(args: argparse.Namespace) -> int:
    from sim.files import write_text
    from sim.model.asyncapi import AsyncApiError, import_asyncapi, to_yaml

    imported = import_asyncapi(args.documents, args.overlay)
    text = report(imported)
    stream = sys.stdout if args.out else sys.stderr
    if imported.gaps and not args.allow_incomplete:
        print(text, file=stream)
        raise AsyncApiError(f"model not written: {len(imported.gaps)} values are missing "
                            "(listed above); give them in --overlay, or pass "
                            "--allow-incomplete to write the model without them")
    if imported.complete:
        imported.validate()
    model = to_yaml(imported)
    if args.out:
        write_text(args.out, model)
        print(text)
        print(f"wrote {args.out}" + ("" if imported.complete else
                                      " (incomplete: asyncsim check refuses it until the "
                                      "missing values are added)"))
    else:
        print(text, file=sys.stderr)
        print(model, end="")
    return 0


def _add_traces(kinds) -> None:
    p = kinds.add_parser("traces", help="calibrate a model from OTLP, Jaeger or Zipkin spans",
                         description="Read spans (OTLP JSON, one export per line; Jaeger "
                         "JSON; Zipkin v2 JSON) and write the model they show: services, "
                         "queues, path and call edges, routing probabilities, fitted "
                         "service times, arrival rates; notes on clock skew and sampling.")
    p.add_argument("file", help="the span file (.json)")
    p.add_argument("-o", "--out", metavar="MODEL",
                   help="write the model here (atomically); default: print it")
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

    out = check_out_file(args.out, "-o")
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
