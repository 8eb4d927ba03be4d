"""Throughput of asyncsim's two engines against Ciw and a plain SimPy model, and memory.

What is measured
----------------
Customers per second of wall-clock time on two open queueing workloads:

* W1: M/M/1 at utilisation 0.9 (arrival rate 0.9, service rate 1.0),
  500,000 customers (``--quick``: 50,000).
* W2: a tandem of three M/M/4 stations at utilisation 0.8 each (arrival rate
  3.2, mean service 1.0 per server), 200,000 customers through all three
  stations (``--quick``: 20,000).

Each workload is run by four engines in the same process:

* ``plain-simpy``: SimPy written the usual way: a ``simpy.Resource`` per
  station, one generator process per customer, a source process drawing
  exponential inter-arrival times, each sojourn appended to a list. It is the
  baseline of the ``vs plain SimPy`` column.
* ``ciw``: ``ciw.create_network`` / ``ciw.Simulation`` /
  ``simulate_until_max_time``.
* ``asyncsim-simpy``: the model dict given to ``sim.model.from_dict``,
  validated, then ``sim.engine.simulate(model, engine="simpy")``.
* ``asyncsim-compiled``: the same with ``engine="compiled"`` (the numba
  kernel).

Both asyncsim rows run with every metric on, as ``asyncsim run`` does: the
latency and wait percentiles, per-node statistics and the default time series
(200 intervals) are computed inside ``simulate``.

Every engine simulates the same length of time, ``N / lam`` for a target of
``N`` customers, with seed 1, and counts the customers that completed (left
the last station). The timed region (``time.perf_counter``) covers building the
model and simulating; counting afterwards is not timed. Before any timing both
asyncsim engines run a tiny W1 once, untimed: the first compiled run in a
process imports numba and loads the kernel's cached machine code (about 0.5 s;
that cost is measured by benchmarks/whole_process.py, and the first compile on
an installation, about 30-40 s, is not measured at all). With ``--repeat R``
each engine runs R times, the engines taking turns (plain-simpy, ciw,
asyncsim-simpy, asyncsim-compiled, then again), and the *median* of the R wall
times is reported (the same seed, so the same customers every time).

Memory, W1 at 1x and 10x its duration (500,000 and 5,000,000 customers; a
tenth with ``--quick``), for each asyncsim engine, each figure in a fresh
subprocess so the measurements do not see one another's allocations:

* ``tracemalloc`` peak of building, simulating and summarising (started after
  the imports and the untimed warm-up run). It includes numpy arrays: numpy
  reports its data buffers to tracemalloc, and the compiled kernel allocates
  nothing itself (its arrays are numpy arrays made and grown in Python). It
  does not include memory numba/LLVM hold for the loaded machine code, which
  exists before the run starts.
* peak resident set size, in a process without tracemalloc: the peak of
  start-up (imports, numba and the warm-up run included), then the peak is
  reset (Linux ``/proc/self/clear_refs``) and the RSS just before the run and
  the peak during it are read. On Linux the peak is ``VmHWM`` of
  ``/proc/self/status``, not ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: a
  child started by fork and exec inherits its parent's ``ru_maxrss`` (this
  script's, a few hundred MB), and the reset does not clear it. Elsewhere
  ``ru_maxrss`` is read, and the peak is not reset.

asyncsim keeps fixed-size summaries (histograms for percentiles beyond 100k
samples), so the 10x / 1x ratio should stay near 1.

As a sanity check (not timed, not asserted), the mean W1 sojourn of both
asyncsim engines and of the plain SimPy model is printed next to the M/M/1
value 1/(mu - lam).

Usage
-----
::

    python benchmarks/throughput.py                  # full size, a few minutes
    python benchmarks/throughput.py --quick          # a tenth of the customers
    python benchmarks/throughput.py --repeat 5 --out throughput.json
    python benchmarks/throughput.py --no-memory      # throughput only
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import resource
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


def run_asyncsim(w: Workload, scale: float = 1.0, engine: str = "simpy") -> Run:
    """Build from the dict, validate and simulate on ``engine``; all of it timed."""
    start = time.perf_counter()
    result = simulate(validate(from_dict(asyncsim_model(w, scale * w.duration))),
                      engine=engine)
    seconds = time.perf_counter() - start
    if result.engine.name != engine:
        raise RuntimeError(f"asked for the {engine} engine, {result.engine} ran")
    requests = result.to_dict()["requests"]
    return Run(requests["completed"], seconds, requests["latency"]["mean"])


def run_asyncsim_simpy(w: Workload) -> Run:
    return run_asyncsim(w, engine="simpy")


def run_asyncsim_compiled(w: Workload) -> Run:
    return run_asyncsim(w, engine="compiled")


ENGINES = {BASELINE: run_plain_simpy, "ciw": run_ciw, "asyncsim-simpy": run_asyncsim_simpy,
           "asyncsim-compiled": run_asyncsim_compiled}
ASYNCSIM_ENGINES = ("simpy", "compiled")
WARM_CUSTOMERS = 1000


def warm_up(engines=ASYNCSIM_ENGINES) -> None:
    """One tiny untimed W1 run on each of ``engines``: for the compiled one it imports
    numba and loads the kernel's cached machine code (compiling it on the first use
    of an installation)."""
    tiny = Workload("W1", lam=0.9, mu=1.0, servers=1, stations=1, customers=WARM_CUSTOMERS)
    for engine in engines:
        run_asyncsim(tiny, engine=engine)


# --- measuring -----------------------------------------------------------------

def all_runs(ws: list[Workload], repeat: int) -> dict:
    """``repeat`` runs of every engine on every workload, the engines taking turns,
    keyed by (workload name, engine name)."""
    runs: dict = {(w.name, name): [] for w in ws for name in ENGINES}
    for _ in range(repeat):
        for w in ws:
            for name, engine in ENGINES.items():
                gc.collect()
                runs[w.name, name].append(engine(w))
    return runs


def median_run(rs: list[Run]) -> Run:
    """The median wall time of ``rs`` (same seed: the same customers every run)."""
    return Run(rs[0].customers, statistics.median(r.seconds for r in rs), rs[0].mean_sojourn)


def measure_throughput(ws: list[Workload], repeat: int) -> list[dict]:
    """One row per (workload, engine), with the ratio to plain SimPy."""
    warm_up()
    runs = all_runs(ws, repeat)
    rows = []
    for w in ws:
        base_run = median_run(runs[w.name, BASELINE])
        base = base_run.customers / base_run.seconds
        for name in ENGINES:
            run = median_run(runs[w.name, name])
            rate = run.customers / run.seconds
            rows.append({"workload": w.name, "engine": name, **asdict(run),
                         "all_seconds": [r.seconds for r in runs[w.name, name]],
                         "customers_per_s": rate, "vs_plain_simpy": rate / base})
    return rows


def _max_rss_mb() -> float:
    """Peak resident set size of this process so far, MB.

    Linux: VmHWM of /proc/self/status, the peak of this process's own memory. Its
    ``ru_maxrss`` is not used there: a process started by fork and exec inherits the
    peak of the process that forked it (the benchmark's parent, a few hundred MB), and
    resetting the peak does not clear that. Elsewhere: ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def _reset_peak_rss() -> bool:
    """Reset the process's peak RSS to its current RSS (Linux >= 4.0:
    /proc/self/clear_refs), so the peak then covers the run alone; False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def memory_child(scale: int, engine: str, how: str, quick: bool) -> None:
    """Run W1 at ``scale`` times its duration on ``engine`` after one untimed tiny run;
    print JSON with the tracemalloc peak of the run (``how`` = tracemalloc) or the
    peak RSS: of start-up and warm-up, then, reset, of the run (``how`` = rss)."""
    w1 = workloads(quick)[0]
    warm_up((engine,))
    gc.collect()
    figures = {"engine": engine, "scale": scale}
    if how == "tracemalloc":
        tracemalloc.start()
    else:
        figures["rss_startup_mb"] = _max_rss_mb()
        figures["rss_reset"] = _reset_peak_rss()
        figures["rss_before_mb"] = _max_rss_mb()
    run = run_asyncsim(w1, scale, engine=engine)
    figures["customers"] = run.customers
    if how == "tracemalloc":
        figures["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        figures["rss_peak_mb"] = _max_rss_mb()
    print(json.dumps(figures))


def _child(scale: int, engine: str, how: str, quick: bool) -> dict:
    cmd = [sys.executable, __file__, "--memory-child", str(scale), engine, how]
    proc = subprocess.run(cmd + (["--quick"] if quick else []),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def measure_memory(quick: bool) -> dict:
    """Per asyncsim engine: tracemalloc peak and peak RSS on W1 at each scale, each in
    a subprocess of its own; the ratios of the largest scale to the smallest."""
    out = {}
    for engine in ASYNCSIM_ENGINES:
        runs = []
        for scale in MEMORY_SCALES:
            traced = _child(scale, engine, "tracemalloc", quick)
            rss = _child(scale, engine, "rss", quick)
            runs.append({**rss, **traced})
        out[engine] = {"runs": runs,
                       "ratio": runs[-1]["peak_mb"] / runs[0]["peak_mb"],
                       "rss_ratio": runs[-1]["rss_peak_mb"] / runs[0]["rss_peak_mb"]}
    return out


# --- reporting -----------------------------------------------------------------

def print_table(rows: list[dict]) -> None:
    print(f"{'workload':<9} {'engine':<18} {'customers':>10} {'seconds':>9} "
          f"{'customers/s':>12} {'vs plain SimPy':>15}")
    for r in rows:
        print(f"{r['workload']:<9} {r['engine']:<18} {r['customers']:>10,} "
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
    print("\nasyncsim memory on W1, fresh process each: tracemalloc peak of the run; "
          "RSS: peak of start-up and warm-up, then peak of the run (reset before it)")
    for engine, m in mem.items():
        for r in m["runs"]:
            reset = "" if r["rss_reset"] else " (peak not reset: includes start-up)"
            print(f"  {engine:<9} {r['scale']:>3}x duration  {r['customers']:>10,} customers  "
                  f"tracemalloc {r['peak_mb']:7.2f} MB  RSS start-up {r['rss_startup_mb']:6.1f}"
                  f" MB, run {r['rss_before_mb']:6.1f} -> {r['rss_peak_mb']:6.1f} MB{reset}")
        print(f"  {engine:<9} ratio {MEMORY_SCALES[-1]}x / {MEMORY_SCALES[0]}x: tracemalloc "
              f"{m['ratio']:.2f}, peak RSS of the run {m['rss_ratio']:.2f}")


def environment() -> dict:
    """Versions that the figures depend on (nothing that identifies the machine)."""
    return {"python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(), "simpy": simpy.__version__,
            "ciw": ciw.__version__, "asyncsim": sim.__version__,
            "numba": _numba_version()}


def _numba_version() -> str | None:
    try:
        import numba
    except ImportError:
        return None
    return numba.__version__


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a tenth of the customers")
    p.add_argument("--repeat", type=int, default=1, metavar="R",
                   help="run each engine R times, engines taking turns, and report "
                   "the median wall time (default 1)")
    p.add_argument("--out", metavar="FILE.json", help="also write every figure as JSON")
    p.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    p.add_argument("--memory-child", nargs=3, metavar=("SCALE", "ENGINE", "HOW"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.memory_child is not None:
        scale, engine, how = args.memory_child
        memory_child(int(scale), engine, how, args.quick)
        return 0
    ws = workloads(args.quick)
    rows = measure_throughput(ws, args.repeat)
    print_table(rows)
    check = sanity(rows, ws[0])
    print_sanity(check)
    mem = None
    if not args.no_memory:
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
