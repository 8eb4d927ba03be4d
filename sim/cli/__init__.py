"""The ``asyncsim`` command line: argparse, printing and exit codes live here only.

Exit codes: 0 success; 2 bad input (one message on stderr, no traceback);
3 a plan with no feasible configuration; 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from sim.errors import InfeasiblePlan, SimError

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


class _BadUsage(Exception):
    """argparse found a bad flag (reported like every other bad input)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise _BadUsage(f"{self.prog}: {message}")


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duration", type=float, help="measured simulated seconds")
    p.add_argument("--warmup", type=_warmup, help="seconds discarded first (or 'auto')")
    p.add_argument("--replications", type=int, help="independent replications")
    p.add_argument("--seed", type=int, help="root seed of every random stream")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a model key by dotted path, e.g. nodes.worker.servers=12")


def _warmup(text: str):
    return "auto" if text == "auto" else float(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="asyncsim", description="Simulate and size asynchronous, "
                     "message-driven systems.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="simulate a model and print the results")
    run.add_argument("model")
    _add_run_flags(run)
    run.add_argument("--format", choices=("table", "json", "csv"), default="table")
    run.add_argument("--out", help="folder for result.json, CSV tables and the report")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    check = sub.add_parser("check", help="validate a model; per-node offered load, stability")
    check.add_argument("model")
    check.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    return parser


def _model(args):
    from sim.model import load_model, parse_set

    overrides = dict(parse_set(text) for text in args.sets)
    return load_model(args.model, overrides)


def _progress(args, total_label: str):
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=None, desc=total_label, unit="rep", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _warn_unstable(model) -> None:
    from sim.analytic import unstable_nodes

    for name in unstable_nodes(model):
        print(f"asyncsim: warning: node {name!r} is unstable (offered load >= capacity); "
              f"its queue grows without bound", file=sys.stderr)


def cmd_run(args) -> int:
    from sim.engine import simulate
    from sim.cli.format import format_table
    from sim.cli.outputs import write_run_outputs

    model = _model(args)
    _warn_unstable(model)
    result = simulate(model, duration=args.duration, warmup=args.warmup,
                      replications=args.replications, seed=args.seed,
                      progress=_progress(args, model.name))
    if args.out:
        write_run_outputs(result, model, Path(args.out))
    if args.format == "json":
        print(result.to_json())
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        print(format_table(result))
    return EXIT_OK


def cmd_check(args) -> int:
    from sim.cli.format import format_check

    model = _model(args)
    print(format_check(model))
    return EXIT_OK


COMMANDS = {"run": cmd_run, "check": cmd_check}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code (never raises)."""
    try:
        args = build_parser().parse_args(argv)
        if args.version:
            from sim import __version__  # noqa: PLC0415

            print(f"asyncsim {__version__}")
            return EXIT_OK
        if args.command is None:
            build_parser().print_help()
            return EXIT_BAD_INPUT
        return COMMANDS[args.command](args)
    except _BadUsage as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasiblePlan as exc:
        print(f"asyncsim: infeasible: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE
    except SimError as exc:
        print(f"asyncsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("asyncsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the contract: exit 1, one line, no traceback by default
        if os.environ.get("ASYNCSIM_DEBUG"):
            raise
        print(f"asyncsim: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
