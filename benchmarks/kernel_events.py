"""Nanoseconds per event of the compiled kernel, on the configuration the shipped
request/reply plan chooses.

One replication of ``experiments/plan_request_reply.yaml`` at 12 workers and 2
callback handlers (300 s after a 30 s warm-up, 120 requests/s, timeouts and
retries: about 160,000 events), run ``--repeat`` times in this process after one
run that loads the kernel; it prints each run's events, seconds and nanoseconds
per event, and the best and the median. The time covers the whole replication
as the planner runs it without time-series snapshots: the kernel's event loop
and the Python between its calls (stream refills, table growth).

    python benchmarks/kernel_events.py              # 12 runs
    python benchmarks/kernel_events.py --repeat 30

The kernel's docstring (sim/engine/compiled/kernel.py, ``inlined``) gives the
figures that justified inlining the event path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLAN = ROOT / "experiments" / "plan_request_reply.yaml"
CONFIG = {"nodes.worker.servers": 12, "nodes.callback.servers": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12, metavar="N",
                        help="timed replications (default 12)")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 10_000:
        parser.error("--repeat must be from 1 to 10000")

    from sim.engine.compiled import layout as L
    from sim.engine.compiled.replication import _Driver
    from sim.engine.compiled.state import build_state
    from sim.planner.evaluate import Evaluator
    from sim.planner.spec import load_plan

    plan = load_plan(PLAN)
    model = Evaluator(plan, workers=1).model(CONFIG)
    warmup, end = float(plan.run["warmup"]), float(plan.run["warmup"] + plan.run["duration"])
    per_event = []
    for r in range(args.repeat + 1):
        built = build_state(model, int(plan.run["seed"]), r % 3, warmup)
        driver = _Driver(model, built, r, warmup, end, None, None, False)
        began = time.perf_counter()
        driver.run()
        seconds = time.perf_counter() - began
        events = int(driver.b.state.g[L.G_EVENTS])
        if r == 0:
            continue
        per_event.append(seconds / events * 1e9)
        print(f"run {r}: {events:,} events in {seconds * 1e3:.1f} ms: "
              f"{per_event[-1]:.0f} ns per event")
    print(f"best {min(per_event):.0f} ns per event, median "
          f"{statistics.median(per_event):.0f} ns ({args.repeat} runs)")


if __name__ == "__main__":
    main()
