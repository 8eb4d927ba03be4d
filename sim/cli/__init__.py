"""The ``asyncsim`` command line: argparse, printing and exit codes live here only.

Each command is a module of this package with ``add(subparsers)``, which adds its
parser and sets ``handler`` (a function of the parsed args returning an exit code).

Exit codes: 0 success; 2 bad input (one message on stderr, no traceback);
3 a plan with no feasible configuration; 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from sim.errors import InfeasiblePlan, SimError

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

COMMAND_MODULES = ("run", "check", "sweep", "analyze", "fit", "plan", "report", "schema")


class BadUsage(Exception):
    """argparse found a bad flag (reported like every other bad input)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, like every bad input
        raise BadUsage(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="asyncsim", description="Simulate and size asynchronous, "
                    "message-driven systems.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.cli.cmd_{name}").add(sub)
    return parser


def _dispatch(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from sim import __version__

        print(f"asyncsim {__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    return args.handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code (never raises)."""
    try:
        return _dispatch(argv)
    except BadUsage as exc:
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
    except Exception as exc:  # the contract: exit 1 with one line; ASYNCSIM_DEBUG=1 shows more
        if os.environ.get("ASYNCSIM_DEBUG"):
            raise
        print(f"asyncsim: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
