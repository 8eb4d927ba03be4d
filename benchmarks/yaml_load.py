"""Parse time of a model file (``read_yaml`` only), for chain models of growing size.

Generates a chain ``client -> s1 -> s2 -> ... -> sN`` in a temporary folder, one
YAML file per size, and prints the seconds that ``sim.model.readers.read_yaml``
takes on each (best of ``--repeat``; wall and CPU time, the latter steadier on a
busy machine), so the loader's growth with the model's size can be seen: linear
growth means the time per service stays flat.

    python benchmarks/yaml_load.py                 # sizes 1000 3000 20000
    python benchmarks/yaml_load.py 500 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.model.readers import read_yaml


def chain_model(services: int) -> str:
    """YAML text of a sender feeding a chain of ``services`` services."""
    lines = ["name: chain", "run: {duration: 10, seed: 1}", "nodes:",
             "  client: {kind: sender, rate: 1}"]
    lines += [f"  s{i}: {{kind: service, servers: 2, "
              f"service: {{dist: exponential, mean: 0.1}}}}" for i in range(1, services + 1)]
    lines += ["edges:", "  - [client, s1]"]
    lines += [f"  - [s{i}, s{i + 1}]" for i in range(1, services)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 3000, 20000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"chain_{size}.yaml"
            path.write_text(chain_model(size), encoding="utf-8")
            best, best_cpu = float("inf"), float("inf")
            text = path.read_text(encoding="utf-8")
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                read_yaml(text, f"file '{path.name}'")
                best = min(best, time.perf_counter() - start)
                best_cpu = min(best_cpu, time.process_time() - start_cpu)
            print(f"{size:>7} services  {path.stat().st_size / 1e6:6.2f} MB  "
                  f"parse {best:7.3f} s wall {best_cpu:7.3f} s CPU  "
                  f"({best_cpu / size * 1e6:6.1f} us CPU/service)")


if __name__ == "__main__":
    main()
