"""Throughput of asyncsim against Ciw and a plain SimPy model, and asyncsim's memory.

What is measured
----------------
Customers per second of wall-clock time on two open queueing workloads:

* W1: M/M/1 at utilisation 0.9 (arrival rate 0.9, service rate 1.0),
  500,000 customers (``--quick``: 50,000).
* W2: a tandem of three M/M/4 stations at utilisation 0.8 each (arrival rate
  3.2, mean service 1.0 per server), 200,000 customers through all three
  stations (``--quick``: 20,000).

Each workload is run by three engines in the same process, one after another:

* ``plain-simpy``: SimPy written the usual way: a ``simpy.Resource`` per
  station, one generator process per customer, a source process drawing
  exponential inter-arrival times, each sojourn appended to a list. It is the
  baseline of the ``vs plain SimPy`` column.
* ``ciw``: ``ciw.create_network`` / ``ciw.Simulation`` /
  ``simulate_until_max_time``.
* ``asyncsim``: the model dict given to ``sim.model.from_dict``, validated,
  then ``sim.engine.simulate``.

Every engine simulates the same length of time, ``N / lam`` for a target of
``N`` customers, with seed 1, and counts the customers that completed (left
the last station). The timed region (``time.perf_counter``) covers building the
model and simulating; counting afterwards is not timed. With ``--repeat R`` the
best of R runs is kept.

Memory: the peak of ``tracemalloc`` while asyncsim builds and runs W1, at 1x
and 10x the W1 duration, each in a fresh subprocess so the measurements do not
see one another's allocations. asyncsim keeps fixed-size summaries (histograms
for percentiles beyond 100k samples), so the ratio should stay near 1.

As a sanity check (not timed, not asserted), the mean W1 sojourn of asyncsim
and of the plain SimPy model is printed next to the M/M/1 value 1/(mu - lam).

Usage
-----
::

    python benchmarks/throughput.py                  # full size, a few minutes
    python benchmarks/throughput.py --quick          # a tenth of the customers
    python benchmarks/throughput.py --repeat 3 --out throughput.json
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass

import ciw
import simpy

import sim
from sim.engine import simulate
from sim.model import from_dict, validate

SEED = 1
QUICK_FACTOR = 10      # --quick runs a tenth of the customers
MEMORY_SCALES = (1, 10)
BASELINE = "plain-simpy"


@dataclass(frozen=True)
class Workload:
    """An open tandem of identical M/M/c stations fed by Poisson arrivals."""

    name: str
    lam: float          # arrival rate
    mu: float           # service rate of one server
    servers: int        # servers per station
    stations: int       # stations in tandem
    customers: int      # target number of customers

    @property
    def duration(self) -> float:
        """Simulated time in which ``customers`` are expected to arrive."""
        return self.customers / self.lam


def workloads(quick: bool) -> list[Workload]:
    """W1 and W2 at full size, or a tenth of it with ``quick``."""
    k = QUICK_FACTOR if quick else 1
    return [Workload("W1", lam=0.9, mu=1.0, servers=1, stations=1, customers=500_000 // k),
            Workload("W2", lam=3.2, mu=1.0, servers=4, stations=3, customers=200_000 // k)]


@dataclass
class Run:
    """One timed run: customers completed, wall seconds, mean sojourn if known."""

    customers: int
    seconds: float
    mean_sojourn: float | None = None


# --- plain SimPy ---------------------------------------------------------------

def _customer(env, stations, rng, mu, sojourns):
    arrived = env.now
    for res in stations:
        with res.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))
    sojourns.append(env.now - arrived)


def _source(env, stations, rng, w, sojourns):
    while True:
        yield env.timeout(rng.expovariate(w.lam))
        env.process(_customer(env, stations, rng, w.mu, sojourns))


def run_plain_simpy(w: Workload) -> Run:
    """The textbook SimPy model: a process per customer, a Resource per station."""
    start = time.perf_counter()
    env = simpy.Environment()
    stations = [simpy.Resource(env, capacity=w.servers) for _ in range(w.stations)]
    sojourns: list[float] = []
    env.process(_source(env, stations, random.Random(SEED), w, sojourns))
    env.run(until=w.duration)
    seconds = time.perf_counter() - start
    return Run(len(sojourns), seconds, statistics.fmean(sojourns))


# --- Ciw -----------------------------------------------------------------------

def _ciw_routing(stations: int) -> list[list[float]]:
    """Station i sends everything to station i + 1; the last one to the exit."""
    return [[1.0 if j == i + 1 else 0.0 for j in range(stations)] for i in range(stations)]


def run_ciw(w: Workload) -> Run:
    """Ciw's network with the same rates; customers counted at the last station."""
    start = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=w.lam)] + [None] * (w.stations - 1),
        service_distributions=[ciw.dists.Exponential(rate=w.mu)] * w.stations,
        number_of_servers=[w.servers] * w.stations,
        routing=_ciw_routing(w.stations))
    ciw.seed(SEED)
    Q = ciw.Simulation(network)
    Q.simulate_until_max_time(w.duration)
    seconds = time.perf_counter() - start
    done = sum(1 for r in Q.get_all_records() if r.node == w.stations)
    return Run(done, seconds)


# --- asyncsim ------------------------------------------------------------------

def asyncsim_model(w: Workload, duration: float) -> dict:
    """The workload as the dict a YAML model file would hold."""
    service = {"kind": "service", "servers": w.servers,
               "service": {"dist": "exponential", "mean": 1.0 / w.mu}}
    names = [f"s{i + 1}" for i in range(w.stations)]
    path = ["src"] + names
    return {"name": w.name.lower(),
            "run": {"duration": duration, "warmup": 0, "replications": 1, "seed": SEED},
            "nodes": {"src": {"kind": "sender", "rate": w.lam},
                      **{name: dict(service) for name in names}},
            "edges": [[a, b] for a, b in zip(path, path[1:])]}


def run_asyncsim(w: Workload, scale: float = 1.0) -> Run:
    """Build from the dict, validate and simulate; all of it timed."""
    start = time.perf_counter()
    result = simulate(validate(from_dict(asyncsim_model(w, scale * w.duration))))
    seconds = time.perf_counter() - start
    requests = result.to_dict()["requests"]
    return Run(requests["completed"], seconds, requests["latency"]["mean"])


ENGINES = {BASELINE: run_plain_simpy, "ciw": run_ciw, "asyncsim": run_asyncsim}


# --- measuring -----------------------------------------------------------------

def best_of(engine, w: Workload, repeat: int) -> Run:
    """The fastest of ``repeat`` runs (same seed, so the same customers)."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        runs.append(engine(w))
    return min(runs, key=lambda r: r.seconds)


def measure_throughput(ws: list[Workload], repeat: int) -> list[dict]:
    """One row per (workload, engine), with the ratio to plain SimPy."""
    rows = []
    for w in ws:
        runs = {name: best_of(engine, w, repeat) for name, engine in ENGINES.items()}
        base = runs[BASELINE].customers / runs[BASELINE].seconds
        for name, run in runs.items():
            rate = run.customers / run.seconds
            rows.append({"workload": w.name, "engine": name, **asdict(run),
                         "customers_per_s": rate, "vs_plain_simpy": rate / base})
    return rows


def memory_child(scale: float, quick: bool) -> None:
    """Run W1 at ``scale`` times its duration under tracemalloc; print JSON."""
    w1 = workloads(quick)[0]
    tracemalloc.start()
    run = run_asyncsim(w1, scale)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"scale": scale, "customers": run.customers, "peak_mb": peak / 2**20}))


def measure_memory(quick: bool) -> dict:
    """Peak traced memory of asyncsim on W1 at each scale, one subprocess each."""
    peaks = []
    for scale in MEMORY_SCALES:
        cmd = [sys.executable, __file__, "--memory-child", str(scale)]
        proc = subprocess.run(cmd + (["--quick"] if quick else []),
                              capture_output=True, text=True, check=True)
        peaks.append(json.loads(proc.stdout.splitlines()[-1]))
    return {"runs": peaks, "ratio": peaks[-1]["peak_mb"] / peaks[0]["peak_mb"]}


# --- reporting -----------------------------------------------------------------

def print_table(rows: list[dict]) -> None:
    print(f"{'workload':<9} {'engine':<12} {'customers':>10} {'seconds':>9} "
          f"{'customers/s':>12} {'vs plain SimPy':>15}")
    for r in rows:
        print(f"{r['workload']:<9} {r['engine']:<12} {r['customers']:>10,} "
              f"{r['seconds']:>9.2f} {r['customers_per_s']:>12,.0f} "
              f"{r['vs_plain_simpy']:>14.2f}x")


def sanity(rows: list[dict], w1: Workload) -> dict:
    """Mean W1 sojourn of the engines that report it, against M/M/1 theory."""
    means = {r["engine"]: r["mean_sojourn"] for r in rows
             if r["workload"] == w1.name and r["mean_sojourn"] is not None}
    return {"theory": 1.0 / (w1.mu - w1.lam), **means}


def print_sanity(check: dict) -> None:
    found = ", ".join(f"{k} {v:.3f}" for k, v in check.items() if k != "theory")
    print(f"\nW1 mean sojourn: {found} (M/M/1 theory 1/(mu-lam) = {check['theory']:.3f})")


def print_memory(mem: dict) -> None:
    print("\nasyncsim peak memory on W1 (tracemalloc, fresh process each):")
    for m in mem["runs"]:
        print(f"  {m['scale']:>3}x duration  {m['customers']:>10,} customers  "
              f"{m['peak_mb']:8.2f} MB")
    print(f"  ratio {MEMORY_SCALES[-1]}x / {MEMORY_SCALES[0]}x: {mem['ratio']:.2f}")


def environment() -> dict:
    """Versions that the figures depend on (nothing that identifies the machine)."""
    return {"python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(), "simpy": simpy.__version__,
            "ciw": ciw.__version__, "asyncsim": sim.__version__}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a tenth of the customers")
    p.add_argument("--repeat", type=int, default=1, metavar="R",
                   help="keep the best of R runs per engine (default 1)")
    p.add_argument("--out", metavar="FILE.json", help="also write every figure as JSON")
    p.add_argument("--memory-child", type=int, metavar="SCALE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child, args.quick)
        return 0
    ws = workloads(args.quick)
    rows = measure_throughput(ws, args.repeat)
    print_table(rows)
    check = sanity(rows, ws[0])
    print_sanity(check)
    mem = measure_memory(args.quick)
    print_memory(mem)
    if args.out:
        report = {"quick": args.quick, "repeat": args.repeat, "seed": SEED,
                  "environment": environment(),
                  "workloads": [{**asdict(w), "duration": w.duration} for w in ws],
                  "throughput": rows, "w1_mean_sojourn": check, "memory": mem}
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
