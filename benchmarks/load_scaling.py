"""Loading time against model size: ``check`` on chains of N services.

What is measured
----------------
A generated model: one sender at rate 1/s feeding a chain of N services
(``s0 -> s1 -> ... -> s(N-1)``, one server each, constant service time 0.1 s,
each fed directly by its predecessor), written as a YAML file. For each N:

- ``check``: the whole process ``python -m sim check MODEL`` (interpreter start,
  imports, YAML parsing, validation, the analytic summary and its printing), as a
  user waits for it; ``timeout`` when it takes longer than ``--timeout`` seconds.
- ``validate``: in this process, ``sim.model.validate(from_dict(data))`` on the same
  model as plain data: the model layer's share, without the YAML parser.

Loading should grow linearly with N: the ratio ``time / N`` should stay about
constant from one size to the next.

Usage
-----
::

    python benchmarks/load_scaling.py                      # N = 1000, 3000, 20000
    python benchmarks/load_scaling.py --sizes 1000 5000 --timeout 60
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chain(n: int) -> dict:
    """A sender feeding a chain of ``n`` single-server services, as plain data."""
    nodes = {"client": {"kind": "sender", "rate": 1}}
    nodes.update({f"s{i}": {"kind": "service", "servers": 1, "service": 0.1}
                  for i in range(n)})
    names = list(nodes)
    return {"name": f"chain-{n}", "run": {"duration": 10},
            "nodes": nodes, "edges": [[a, b] for a, b in zip(names, names[1:])]}


def chain_yaml(n: int) -> str:
    """The same model as YAML text, one line a node and an edge."""
    lines = ["name: chain-%d" % n, "run: {duration: 10}", "nodes:",
             "  client: {kind: sender, rate: 1}"]
    lines += [f"  s{i}: {{kind: service, servers: 1, service: 0.1}}" for i in range(n)]
    names = ["client"] + [f"s{i}" for i in range(n)]
    lines.append("edges:")
    lines += [f"  - [{a}, {b}]" for a, b in zip(names, names[1:])]
    return "\n".join(lines) + "\n"


def time_check(path: Path, timeout: float) -> float | None:
    """Wall seconds of ``python -m sim check path``, or None past ``timeout``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "sim", "check", str(path)], cwd=ROOT,
                              env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"check failed on {path}: {proc.stderr.decode()[-500:]}")
    return elapsed


def time_validate(n: int, timeout: float) -> float | None:
    """Seconds of from_dict + validate in a child process (so a quadratic run can be
    stopped at ``timeout``), or None past it."""
    code = ("import sys, time; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
            "from load_scaling import chain\n"
            "from sim.model import from_dict, validate\n"
            "data = chain(%d); t = time.perf_counter(); validate(from_dict(data))\n"
            "print(time.perf_counter() - t)\n") % (str(ROOT), str(ROOT / "benchmarks"), n)
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"validate failed for N={n}: {proc.stderr[-500:]}")
    return float(proc.stdout.strip())


def _show(seconds: float | None, timeout: float) -> str:
    return f"> {timeout:g} (timeout)" if seconds is None else f"{seconds:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 20000])
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds before a measurement is given up (default 120)")
    args = parser.parse_args(argv)
    print(f"{'services':>9} {'check (s)':>18} {'validate (s)':>18}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"chain_{n}.yaml"
            path.write_text(chain_yaml(n), encoding="utf-8")
            check = time_check(path, args.timeout)
            valid = time_validate(n, args.timeout)
            print(f"{n:>9} {_show(check, args.timeout):>18} {_show(valid, args.timeout):>18}",
                  flush=True)


if __name__ == "__main__":
    main()
