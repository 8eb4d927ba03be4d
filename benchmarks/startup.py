"""Start-up cost of the command line: what ``asyncsim check`` and ``--help`` import.

For each command line it reports

- the sum of the ``self`` column of ``python -X importtime`` (every module's own
  import time, in seconds), and which of pandas, scipy, matplotlib, tqdm, dask and
  networkx.drawing were imported;
- the whole-process wall time, the median of ``--repeat`` runs of
  ``python -m sim ...``.

Run from the repository root (or pass ``--root``); the figures depend on the machine
and on its load, so compare two trees in the same session::

    python benchmarks/startup.py
    python benchmarks/startup.py --root ../other-checkout
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

LINES = (["check", "models/request_reply.yaml"], ["--help"], ["--version"],
         ["run", "models/request_reply.yaml", "--duration", "10", "--warmup", "0",
          "--replications", "1"])
HEAVY = ("pandas", "scipy", "matplotlib", "tqdm", "dask", "networkx.drawing")
_ROW = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")


def import_profile(args: list[str], root: str) -> tuple[int, float, list[str]]:
    """(exit code, summed self import time in s, heavy packages imported)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sim", *args],
                          capture_output=True, text=True, cwd=root)
    total, heavy = 0, set()
    for line in done.stderr.splitlines():
        row = _ROW.match(line)
        if row:
            total += int(row[1])
            heavy.update(h for h in HEAVY if row[3] == h or row[3].startswith(h + "."))
    return done.returncode, total / 1e6, sorted(heavy)


def wall_median(args: list[str], root: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, cwd=root)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the checkout to measure")
    parser.add_argument("--repeat", type=int, default=5, help="wall-time runs (median)")
    options = parser.parse_args()
    for args in LINES:
        code, total, heavy = import_profile(args, options.root)
        wall = wall_median(args, options.root, options.repeat)
        print(f"{' '.join(args):32s} exit {code}  imports {total:.3f} s  "
              f"wall median {wall:.3f} s  heavy: {', '.join(heavy) or '-'}")


if __name__ == "__main__":
    main()
