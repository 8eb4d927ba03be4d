"""Start-up cost of the command line: what ``check``, ``--help`` and a short ``run`` import.

For each command line, and each checkout given by ``--root`` (the current one by
default), it reports

- the median whole-process wall time of ``--repeat`` runs of ``python -m sim ...``;
  with several roots the runs alternate between them (root 1, root 2, root 1, ...),
  so a machine whose load changes treats them alike;
- from one ``python -X importtime`` run: the number of modules imported, the sum of
  their own (``self``) import times in seconds, and which heavy packages (pandas,
  pyarrow, scipy, matplotlib, dask, numba, networkx, simpy, numpy, tqdm) were
  imported. A module imported with ``importlib.import_module`` (asyncsim's command
  modules, ``sim.analytic``'s names) is not listed by ``-X importtime``, though the
  modules it imports are.

The command lines: ``check models/request_reply.yaml``, ``--help``, ``--version``;
``run`` of 1,000 customers of W1 (M/M/1 at utilisation 0.9, as in
benchmarks/throughput.py: arrival rate 0.9 for 1,111 s, one replication), its
model file written to a temporary folder; ``run models/request_reply.yaml`` for
12.5 s (80 requests/s: 1,000 requests), no warm-up, one replication; and
``check models/request_reply.yaml`` as the ``asyncsim`` console script runs it
(``from sim.cli import entry; sys.exit(entry())``, given to ``python -c``).
Targets: check and --help under 0.3 s, the 1,000-customer runs under 0.6 s.

Compiled modules are cached (in a temporary folder) and every command runs once
before it is timed, as for an installed package; ``--no-bytecode`` keeps the
environment's PYTHONDONTWRITEBYTECODE, if set, so that every run compiles
asyncsim's sources (as a source checkout without compiled files does).
``--python`` times another interpreter command than this one: a path, or a name
looked up on PATH (a launcher script in front of the interpreter adds its own
start-up to every figure).

Run from the repository root; the figures depend on the machine and its load, so
compare trees in one session::

    python benchmarks/startup.py
    python benchmarks/startup.py --root ../before --root .      # side by side
    python benchmarks/startup.py --repeat 9 --out startup.json
    python benchmarks/startup.py --no-bytecode --python "$(command -v python)"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("pandas", "pyarrow", "scipy", "matplotlib", "dask", "numba", "networkx", "simpy",
         "numpy", "tqdm")
_ROW = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")

W1_CUSTOMERS = 1000
W1_RATE = 0.9
W1_MODEL = f"""\
name: w1
run: {{duration: {W1_CUSTOMERS / W1_RATE:.0f}, warmup: 0, replications: 1, seed: 1}}
nodes:
  src: {{kind: sender, rate: {W1_RATE}}}
  s1: {{kind: service, servers: 1, service: {{dist: exponential, mean: 1.0}}}}
edges:
  - [src, s1]
"""


RR_RATE = 80.0
"""Requests per second of models/request_reply.yaml's client."""
RR_REQUESTS = 1000

MODULE = ["-m", "sim"]
SCRIPT = ["-c", "import sys; from sim.cli import entry; sys.exit(entry())"]
"""What the ``asyncsim`` console script runs (its launcher imports ``entry``)."""


def command_lines(w1: str) -> dict[str, list[str]]:
    """Label -> the interpreter's arguments."""
    rr_duration = RR_REQUESTS / RR_RATE
    return {"check models/request_reply.yaml": [*MODULE, "check", "models/request_reply.yaml"],
            "--help": [*MODULE, "--help"],
            "--version": [*MODULE, "--version"],
            f"run W1, {W1_CUSTOMERS:,} customers": [*MODULE, "run", w1],
            f"run request_reply, {RR_REQUESTS:,} req": [
                *MODULE, "run", "models/request_reply.yaml", "--duration", f"{rr_duration:g}",
                "--warmup", "0", "--replications", "1"],
            "asyncsim check (console script)": [*SCRIPT, "check",
                                                "models/request_reply.yaml"]}


ENV = dict(os.environ)
PYTHON = [sys.executable]


def use_bytecode(folder: str) -> None:
    """Run every command with compiled modules cached in ``folder``, as an installed
    package is (pip compiles it): without this, a shell that sets
    PYTHONDONTWRITEBYTECODE would have every command compile asyncsim's sources."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = folder


def sim_command(args: list[str], root: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PYTHON, *flags, *args], capture_output=True, text=True, cwd=root,
                          env=ENV)


def import_profile(args: list[str], root: str) -> dict:
    """Exit code, modules imported, summed self import time (s), heavy packages."""
    done = sim_command(args, root, "-X", "importtime")
    total, count, heavy = 0, 0, set()
    for line in done.stderr.splitlines():
        row = _ROW.match(line)
        if row:
            count += 1
            total += int(row[1])
            heavy.update(h for h in HEAVY if row[3] == h or row[3].startswith(h + "."))
    return {"exit": done.returncode, "modules": count, "import_seconds": total / 1e6,
            "heavy": sorted(heavy)}


def wall_medians(args: list[str], roots: list[str], repeat: int) -> list[float]:
    """Median wall seconds of ``python ARGS`` per root, runs interleaved."""
    times: list[list[float]] = [[] for _ in roots]
    for _ in range(repeat):
        for i, root in enumerate(roots):
            start = time.perf_counter()
            sim_command(args, root)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", help="a checkout to measure (repeatable; "
                        "default: the current folder)")
    parser.add_argument("--repeat", type=int, default=7, help="wall-time runs per root "
                        "(median; default 7)")
    parser.add_argument("--out", help="also write every figure to this JSON file")
    parser.add_argument("--no-bytecode", action="store_true", help="leave the environment's "
                        "PYTHONDONTWRITEBYTECODE alone (by default compiled modules are "
                        "cached in a temporary folder, as for an installed package)")
    parser.add_argument("--python", help="the interpreter command to time (default: the one "
                        "running this script)")
    options = parser.parse_args()
    if options.python:
        PYTHON[:] = [options.python]
    roots = [str(Path(r).resolve()) for r in (options.root or ["."])]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        if not options.no_bytecode:
            use_bytecode(str(Path(tmp) / "pycache"))
        w1 = Path(tmp) / "w1.yaml"
        w1.write_text(W1_MODEL)
        for label, args in command_lines(str(w1)).items():
            for root in roots:  # compiles (and caches) every module the command imports
                sim_command(args, root)
            walls = wall_medians(args, roots, options.repeat)
            for root, wall in zip(roots, walls):
                profile = import_profile(args, root)
                figures.append({"command": label, "root": root, "wall_median": wall,
                                **profile})
                print(f"{label:36s} {wall:6.3f} s  exit {profile['exit']}  "
                      f"{profile['modules']:4d} modules  imports "
                      f"{profile['import_seconds']:.3f} s  "
                      f"heavy: {', '.join(profile['heavy']) or '-'}"
                      + (f"  [{root}]" if len(roots) > 1 else ""))
    if options.out:
        Path(options.out).write_text(json.dumps({"repeat": options.repeat,
                                                 "bytecode": not options.no_bytecode,
                                                 "python": PYTHON[0],
                                                 "figures": figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
