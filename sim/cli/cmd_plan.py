"""``asyncsim plan PLAN``: the cheapest configuration meeting the SLOs."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli.common import add_engine_flag, announce_engine
from sim.errors import InfeasiblePlan


def add(sub) -> None:
    p = sub.add_parser("plan", help="find the cheapest configuration that meets the "
                       "objectives of a plan file",
                       description="Capacity planning: start from the analytic "
                       "estimate, confirm by simulation with 95% confidence, report the "
                       "saturation throughput, bottleneck and headroom. Exit 3 when nothing "
                       "within the bounds meets the objectives.")
    p.add_argument("plan", help="plan file (YAML)")
    p.add_argument("--out", metavar="DIR", help="folder for plan.json, the chosen "
                   "configuration's result and the report")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local workers: threads on the compiled engine, processes on SimPy "
                        "(default: a thread per replication up to two per CPU; SimPy: "
                        "chosen by the size of each batch)")
    add_engine_flag(p, "what simulates every replication: auto, simpy or compiled "
                    "(default: the plan's run.engine, else the model's, else auto)")
    p.add_argument("--quiet", action="store_true",
                   help="do not print the engine line or each configuration as it is "
                   "evaluated")
    p.set_defaults(handler=run)


def _progress(ev) -> None:
    config = ", ".join(f"{k}={v}" for k, v in ev.config.items())
    print(f"asyncsim: [{ev.step}] {config}: {ev.verdict} ({ev.replications} replications; "
          f"binding {ev.binding.objective.text})", file=sys.stderr)


def run(args) -> int:
    from sim.cli.outputs import check_out_dir
    from sim.model.settings import RunSettings
    from sim.planner import plan, read_plan
    from sim.planner.run import with_engine

    check_out_dir(args.out)
    p = read_plan(args.plan)
    if args.engine is not None:
        p = with_engine(p, args.engine, "--{key}")
    settings = RunSettings(**p.run)
    announce_engine(p.model, settings, args, batch=p.sure_replications())
    try:
        result = plan(p, out=args.out, workers=args.workers,
                      progress=None if args.quiet else _progress)
    except InfeasiblePlan as exc:
        result = getattr(exc, "result", None)
        if result is not None:
            print(format_plan(result))
            _report(args.out, result)
        raise
    print(format_plan(result))
    _report(args.out, result)
    return 0


def _report(out: str | None, result) -> None:
    if out is None:
        return
    from sim.reports import write_report

    files = list(result.files) + write_report(Path(out))
    for path in files:
        print(f"wrote {path}")


def _num(x, digits: int = 4) -> str:
    if x is None:
        return "-"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _objectives(chosen) -> str:
    rows = [["objective", "value", "± ci95", "pessimistic", "margin", "holds"]]
    for c in chosen.checks:
        rows.append([c.objective.text, _num(c.value), _num(c.half, 2),
                     _num(c.pessimistic), _num(c.margin, 3), "yes" if c.status == "holds"
                     else "no"])
    return _columns(rows)


def _search(result) -> str:
    rows = [["step", "configuration", "cost", "verdict", "reps", "binding"]]
    for ev in result.search:
        config = ", ".join(f"{k.removeprefix('nodes.')}={v}" for k, v in ev.config.items())
        rows.append([str(ev.step), config, _num(ev.cost), ev.verdict, str(ev.replications),
                     ev.binding.objective.text])
    return _columns(rows)


def _sizing(result) -> list[str]:
    lines = []
    sat = result.saturation or {}
    if sat.get("throughput") is not None:
        bound = "" if sat.get("bounded_above", True) else ">= "
        lines.append(f"saturation throughput  {bound}{sat['throughput']:.4g} requests/s "
                     f"(x{sat['multiplier']:.3g} the forecast {sat['forecast_rate']:.4g}/s)")
        lines.append(f"headroom               {100 * sat['headroom']:.1f}% at the forecast "
                     "load")
    elif sat.get("reason"):
        lines.append(f"saturation throughput  - ({sat['reason']})")
    neck = result.bottleneck or {}
    if neck.get("node") is not None:
        lines.append(f"bottleneck             {neck['node']} (analytic max throughput "
                     f"{neck['max_throughput']:.4g} requests/s)")
    return lines


def format_plan(result) -> str:
    """The plan's answer as text: configuration, objectives, sizing, search path."""
    p, chosen = result.plan, result.chosen
    state = "feasible" if result.feasible else "INFEASIBLE"
    lines = [f"plan {p.name} (model {p.model.name}): {state}, by {result.method}"]
    if chosen is not None:
        head = "cheapest configuration" if result.feasible else "best configuration found"
        lines.append(f"{head} (cost {chosen.cost:.4g}):")
        lines += [f"  {v.key} = {chosen.config[v.key]}   (unit cost {v.cost:g})"
                  for v in p.variables]
        lines += ["", _objectives(chosen), ""]
        lines += _sizing(result)
    lines += ["", "search path:", _search(result) if result.search else "  (nothing simulated)"]
    if result.exhausted:
        lines.append(f"the search stopped at max_evaluations={p.max_evaluations}: the "
                     "answer may not be the cheapest")
    lines.append(f"{len(result.search)} configurations simulated, {result.pruned} pruned, "
                 f"{result.replications_run} replications, {result.elapsed:.1f} s")
    return "\n".join(lines)
