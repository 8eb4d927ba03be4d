"""Whole-process wall times: 1,000,000 W1 customers, and the shipped capacity plans.

What is measured
----------------
Wall-clock seconds (``time.perf_counter`` around ``subprocess.run``) of whole
processes, start-up, imports, loading numba and writing the output included:

* W1, 1,000,000 customers: M/M/1 at utilisation 0.9 (arrival rate 0.9, service
  rate 1.0), so 1,111,111 simulated seconds, seed 1, no warm-up, one replication
  (``--customers`` changes the count), run as

  - ``plain-simpy``: ``python w1_simpy.py``, a standalone script of the textbook
    SimPy model of benchmarks/throughput.py (a ``simpy.Resource``, a process per
    customer, ``random.Random(1).expovariate``, each sojourn appended to a list;
    it prints the customers completed and their mean sojourn), written to a
    temporary folder;
  - ``asyncsim-compiled``: ``python -m sim run w1.yaml --set run.engine=compiled
    --format json --quiet``, the W1 model file written to the same folder;
  - ``asyncsim-simpy``: the same with ``run.engine=simpy``.

  Each runs ``--repeat`` times (default 3), the three taking turns, and the median
  is reported with the ratio of the plain script's median to each asyncsim median.
  Every command first runs once untimed on 1,000 customers, so Python's compiled
  modules and the kernel's cached machine code exist (as for an installed package:
  the kernel is compiled on its first use, about three minutes, which is not
  measured). The plans are preceded by untimed ones for the same reason.
  Python's compiled modules are cached in a temporary folder
  (``PYTHONPYCACHEPREFIX``; ``--no-bytecode`` keeps an environment's
  PYTHONDONTWRITEBYTECODE, and every process then compiles asyncsim's sources).

* ``python -m sim plan PLAN --quiet`` for every shipped plan
  (``experiments/plan_*.yaml``): as shipped (``run.engine`` not given: ``auto``),
  and from a temporary copy per engine (``simpy``, ``compiled``) whose run block
  has ``engine: ENGINE`` and whose model path is made absolute. The copy also
  sets ``run.engine`` of the model (``set: {run.engine: ENGINE}``): the planner
  runs each replication on the model's ``run.engine``, and without it a copy
  would run on ``auto`` whatever its run block says. The plan of ``--plan``
  (default experiments/plan_request_reply.yaml) runs ``--repeat`` times per
  variant, without ``--out`` and with ``--out`` to a temporary folder, medians
  reported; the other plans once per variant without ``--out``. A plan whose
  model the compiled kernel does not cover exits 2 on ``compiled`` with the
  reason, which is printed.

Usage
-----
Run from the repository root; the figures depend on the machine and its load::

    python benchmarks/whole_process.py                     # W1 and the plans, 3 runs
    python benchmarks/whole_process.py --repeat 5 --out whole_process.json
    python benchmarks/whole_process.py --customers 100000 --no-plans
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

W1_RATE = 0.9
SEED = 1
WARM_CUSTOMERS = 1000
ENGINES = ("simpy", "compiled")
ENV = dict(os.environ)


def use_bytecode(folder: Path) -> None:
    """Run every process with Python's compiled modules cached in ``folder``, as an
    installed package has them (pip compiles it): without this, an environment that
    sets PYTHONDONTWRITEBYTECODE would have every run compile asyncsim's sources."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(folder)

PLAIN_SIMPY = """\
import random
import statistics
import sys

import simpy

LAM, MU, SEED = 0.9, 1.0, 1
DURATION = float(sys.argv[1])


def customer(env, server, rng, sojourns):
    arrived = env.now
    with server.request() as req:
        yield req
        yield env.timeout(rng.expovariate(MU))
    sojourns.append(env.now - arrived)


def source(env, server, rng, sojourns):
    while True:
        yield env.timeout(rng.expovariate(LAM))
        env.process(customer(env, server, rng, sojourns))


env = simpy.Environment()
server = simpy.Resource(env, capacity=1)
sojourns = []
env.process(source(env, server, random.Random(SEED), sojourns))
env.run(until=DURATION)
print(len(sojourns), statistics.fmean(sojourns))
"""

W1_MODEL = f"""\
name: w1
run: {{duration: 1000, warmup: 0, replications: 1, seed: {SEED}}}
nodes:
  src: {{kind: sender, rate: {W1_RATE}}}
  s1: {{kind: service, servers: 1, service: {{dist: exponential, mean: 1.0}}}}
edges:
  - [src, s1]
"""


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of one whole process, and the finished process."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - start, done


def w1_commands(folder: Path, duration: float) -> dict[str, list[str]]:
    """The three W1 command lines for ``duration`` simulated seconds."""
    script, model = folder / "w1_simpy.py", folder / "w1.yaml"
    script.write_text(PLAIN_SIMPY)
    model.write_text(W1_MODEL)
    sim = [sys.executable, "-m", "sim", "run", str(model), "--duration", repr(duration),
           "--format", "json", "--quiet", "--set"]
    return {"plain-simpy": [sys.executable, str(script), repr(duration)],
            "asyncsim-compiled": sim + ["run.engine=compiled"],
            "asyncsim-simpy": sim + ["run.engine=simpy"]}


def _customers(name: str, done: subprocess.CompletedProcess) -> int:
    if done.returncode != 0:
        raise RuntimeError(f"{name} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    if name == "plain-simpy":
        return int(done.stdout.split()[0])
    return json.loads(done.stdout)["requests"]["completed"]


def measure_w1(folder: Path, customers: int, repeat: int) -> dict:
    """Median wall seconds of each W1 command line, runs interleaved, and the ratios."""
    for name, cmd in w1_commands(folder, WARM_CUSTOMERS / W1_RATE).items():
        _customers(name, timed(cmd)[1])
    commands = w1_commands(folder, customers / W1_RATE)
    times: dict[str, list[float]] = {name: [] for name in commands}
    counts: dict[str, int] = {}
    for _ in range(repeat):
        for name, cmd in commands.items():
            seconds, done = timed(cmd)
            counts[name] = _customers(name, done)
            times[name].append(seconds)
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["plain-simpy"]
    return {"customers_target": customers, "duration": customers / W1_RATE,
            "rows": [{"command": name, "customers": counts[name], "seconds": times[name],
                      "median": medians[name], "plain_over_this": base / medians[name]}
                     for name in commands]}


def plan_copy(plan: Path, engine: str, folder: Path) -> Path:
    """A copy of ``plan`` that runs on ``engine``, its model path made absolute."""
    data = yaml.safe_load(plan.read_text())
    if isinstance(data.get("model"), str):
        data["model"] = str((plan.parent / data["model"]).resolve())
    data["run"] = {**data.get("run", {}), "engine": engine}
    data["set"] = {**data.get("set", {}), "run.engine": engine}
    out = folder / f"{plan.stem}.{engine}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def plan_variants(plan: Path, folder: Path) -> dict[str, Path]:
    return {"auto (as shipped)": plan, **{e: plan_copy(plan, e, folder) for e in ENGINES}}


def time_plan(path: Path, out: Path | None) -> dict:
    """One ``python -m sim plan`` (to ``out`` when given): seconds, exit, error line."""
    cmd = [sys.executable, "-m", "sim", "plan", str(path), "--quiet"]
    seconds, done = timed(cmd + (["--out", str(out)] if out else []))
    lines = done.stderr.strip().splitlines()
    return {"seconds": seconds, "exit": done.returncode,
            "error": lines[-1] if done.returncode not in (0, 3) and lines else None}


def warm_plans(folder: Path) -> None:
    """One untimed plan on each engine, one of them with ``--out``, so the first timed
    plan does not pay for compiling Python's modules into the bytecode folder (the
    planner, both engines, numba, the report's pandas and matplotlib)."""
    plan = Path("experiments/plan_mmc.yaml")
    for engine in ENGINES:
        time_plan(plan_copy(plan, engine, folder), None)
    time_plan(plan_copy(plan, "compiled", folder), folder / "warm_out")


def measure_plans(main_plan: Path, folder: Path, repeat: int) -> list[dict]:
    """Every shipped plan per variant; ``main_plan`` ``repeat`` times, with and
    without --out, variants taking turns (after :func:`warm_plans`)."""
    warm_plans(folder)
    rows = []
    for plan in sorted(Path("experiments").glob("plan_*.yaml")):
        variants = plan_variants(plan, folder)
        is_main = plan.resolve() == main_plan.resolve()
        for out in ([None, folder / "plan_out"] if is_main else [None]):
            runs: dict[str, list[dict]] = {v: [] for v in variants}
            for _ in range(repeat if is_main else 1):
                for variant, path in variants.items():
                    runs[variant].append(time_plan(path, out))
            for variant, rs in runs.items():
                rows.append({"plan": str(plan), "engine": variant, "out": out is not None,
                             "seconds": [r["seconds"] for r in rs],
                             "median": statistics.median(r["seconds"] for r in rs),
                             "exit": rs[-1]["exit"], "error": rs[-1]["error"]})
    return rows


def print_w1(w1: dict) -> None:
    print(f"W1, {w1['customers_target']:,} customers ({w1['duration']:,.0f} simulated s), "
          "whole process, median wall time:")
    for r in w1["rows"]:
        runs = ", ".join(f"{s:.2f}" for s in r["seconds"])
        print(f"  {r['command']:<18} {r['customers']:>10,} customers  {r['median']:7.2f} s  "
              f"plain SimPy / this {r['plain_over_this']:5.2f}x   (runs: {runs})")


def print_plans(rows: list[dict]) -> None:
    print("\nplans, whole process (python -m sim plan PLAN --quiet), median wall time:")
    for r in rows:
        runs = ", ".join(f"{s:.2f}" for s in r["seconds"])
        print(f"  {r['plan']:<36} {r['engine']:<18} {'--out' if r['out'] else '':<6}"
              f"{r['median']:7.2f} s  exit {r['exit']}  (runs: {runs})")
        if r["error"]:
            print(f"      {r['error']}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, metavar="N",
                   help="timed runs per command (median; default 3)")
    p.add_argument("--customers", type=int, default=1_000_000,
                   help="W1 customers (default 1,000,000)")
    p.add_argument("--plan", default="experiments/plan_request_reply.yaml",
                   help="the plan timed --repeat times, with and without --out")
    p.add_argument("--no-plans", action="store_true", help="W1 only")
    p.add_argument("--no-w1", action="store_true", help="the plans only")
    p.add_argument("--no-bytecode", action="store_true", help="leave the environment's "
                   "PYTHONDONTWRITEBYTECODE alone (by default compiled modules are cached "
                   "in a temporary folder, as for an installed package)")
    p.add_argument("--out", metavar="FILE.json", help="also write every figure as JSON")
    args = p.parse_args(argv)
    report: dict = {"repeat": args.repeat, "bytecode": not args.no_bytecode}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.no_bytecode:
            use_bytecode(folder / "pycache")
        if not args.no_w1:
            report["w1"] = measure_w1(folder, args.customers, args.repeat)
            print_w1(report["w1"])
        if not args.no_plans:
            report["plans"] = measure_plans(Path(args.plan), folder, args.repeat)
            print_plans(report["plans"])
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
