"""The ``asyncsim`` command line: argparse, printing and exit codes live here only.

Each command is a module of this package with ``add(subparsers)``, which adds its
parser and sets ``handler`` (a function of the parsed args returning an exit code).
A command line that starts with a command imports that command's module alone.

Exit codes: 0 success; 2 bad input (one message on stderr, no traceback);
3 a plan with no feasible configuration; 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import os
import re
import sys
from typing import Sequence

from sim.errors import InfeasiblePlan, SimError, nearest

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

COMMAND_MODULES = ("run", "check", "sweep", "analyze", "fit", "plan", "report", "schema",
                   "import")


REFERENCE = "docs/reference/commands.md"
EPILOG = (f"Every command, flag, default, exit code and output file is described in "
          f"{REFERENCE}; the model format in docs/reference/.")


class BadUsage(Exception):
    """argparse found a bad flag (reported like every other bad input)."""


_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class Parser(argparse.ArgumentParser):
    """argparse with exit 2 and one line for every mistake, and a suggestion for a
    misspelt command, choice or flag.

    Abbreviated flags are not accepted (``--dur`` for ``--duration``): an abbreviation
    that works today would change meaning, or stop working, when a flag is added.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line and exit 2, like every bad input
        found = _CHOICE.search(message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2))
            hint = nearest(found.group(1), choices)
            if hint is not None:
                message += f" (did you mean {hint!r}?)"
        raise BadUsage(f"{self.prog}: {message}")

    def parse_known_args(self, args=None, namespace=None):
        """Refuse an unknown flag here, where the valid ones are known, with the nearest."""
        namespace, extras = super().parse_known_args(args, namespace)
        for arg in extras:
            if arg.startswith("-") and arg != "-" and not _is_number(arg):
                flag = arg.split("=", 1)[0]
                known = [o for action in self._actions for o in action.option_strings]
                hint = nearest(flag, known)
                self.error(f"unrecognized argument {flag}" +
                           (f" (did you mean {hint}?)" if hint else
                            f" (see asyncsim {self.prog.split()[-1]} --help)"
                            if self.prog != "asyncsim" else ""))
        return namespace, extras


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser, every command's subparser in it; with ``command`` (one
    of :data:`COMMAND_MODULES`) only that command's, which parses that command's
    arguments alike without importing the other commands' modules or building their
    parsers (about 20 ms of a ``check``'s start-up, benchmarks/startup.py)."""
    parser = Parser(prog="asyncsim", description="Simulate and size asynchronous, "
                    "message-driven systems.", epilog=EPILOG)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND",
                                title="commands")
    for name in COMMAND_MODULES if command is None else (command,):
        importlib.import_module(f"sim.cli.cmd_{name}").add(sub)
    for command in sub.choices.values():
        if command.epilog is None:
            command.epilog = EPILOG
    return parser


def _dispatch(argv: Sequence[str] | None) -> int:
    parser = build_parser(_command_of(sys.argv[1:] if argv is None else list(argv)))
    args = parser.parse_args(argv)
    if args.version:
        from sim import __version__

        print(f"asyncsim {__version__}")
        return EXIT_OK
    if args.command is None:  # no command: the list of commands, as --help prints it
        parser.print_help()
        return EXIT_OK
    return args.handler(args)


def _command_of(argv: list[str]) -> str | None:
    """The command that ``argv`` starts with, or None (no command, a flag first, or a
    misspelt command: the full parser then lists or suggests the commands)."""
    return argv[0] if argv and argv[0] in COMMAND_MODULES else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit code (never raises)."""
    stdout, sys.stdout = sys.stdout, _Stdout(sys.stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout = stdout


def _main(argv: Sequence[str] | None) -> int:
    try:
        code = _dispatch(argv)
        sys.stdout.flush()  # a full disk behind stdout is reported now, not at exit
        return code
    except BadUsage as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasiblePlan as exc:
        print(f"asyncsim: infeasible: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE
    except SimError as exc:
        print(f"asyncsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help and --version actions of argparse: already printed
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        print("asyncsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # the machine refused a file (full disk, permissions): bad input
        print(f"asyncsim: error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # the contract: exit 1 with one line; ASYNCSIM_DEBUG=1 shows more
        if os.environ.get("ASYNCSIM_DEBUG"):
            raise
        print(f"asyncsim: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED


_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def describe_os_error(exc: OSError) -> str:
    """One line for an OSError: ``cannot write FILE: No space left on device``."""
    if exc.errno in _WRITE_ERRNOS:
        name = exc.filename if exc.filename is not None else "an output file"
        return f"cannot write {name}: {exc.strerror or exc}"
    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


class _Stdout:
    """Standard output, whose write errors name it (``print`` raises an OSError without
    a file name, so a full disk behind stdout would read as an unnamed failure)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _stdout_error(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _stdout_error(exc) from None


def _stdout_error(exc: OSError) -> OSError:
    """The error named "standard output"; stdout now points at /dev/null, so the flush
    at interpreter exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a file (a test's capture)
        pass
    return OSError(exc.errno, exc.strerror, "standard output")


BLAS_THREADS = "OPENBLAS_NUM_THREADS"
GC_YOUNG = 10_000
"""Allocations between two collections of the youngest generation (Python's default:
700), set by :func:`entry`."""


def entry() -> None:
    """Console-script entry point.

    BLAS runs on one thread unless ``$OPENBLAS_NUM_THREADS`` says otherwise: asyncsim's
    linear algebra is a few small matrices, and the threads BLAS starts with numpy keep
    spinning after each call, on the cores the compiled kernel's replication threads
    use (about 0.25 s of CPU in ``asyncsim plan experiments/plan_request_reply.yaml``,
    measured with ``/usr/bin/time``).

    Python's cyclic garbage collector looks at the youngest objects every
    :data:`GC_YOUNG` allocations instead of 700: a command's start-up allocates
    hundreds of thousands of objects that all live to the end (modules, numba's
    registries), and collecting among them every 700 took about 0.1 s of that plan
    (medians of five: 1.80 -> 1.71 s) and about 4% of a SimPy-engine run
    (``run models/retry_storm.yaml --engine simpy``, 1.61 -> 1.55 s, the same peak
    memory). Once the command is done, every object left is frozen (``gc.freeze``):
    the interpreter's exit then tears the modules down without walking them in its
    cyclic collections again. With numba's registries loaded (about 130,000 objects)
    that walk took 0.2 s of the 1.9 s of that plan (``/usr/bin/time``, medians of
    four)."""
    os.environ.setdefault(BLAS_THREADS, "1")
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    code = main()
    gc.freeze()
    sys.exit(code)
