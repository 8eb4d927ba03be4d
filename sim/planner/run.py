"""``plan()``: analytic start, search by simulation, saturation, bottleneck, files."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sim.errors import InfeasiblePlan
from sim.planner.analytic import analytic_start
from sim.planner.evaluate import Evaluation, Evaluator
from sim.planner.result import PlanResult, write_plan_outputs
from sim.planner.saturation import saturation
from sim.planner.search import search
from sim.planner.spec import Plan, load_plan

__all__ = ["plan", "with_engine"]


def plan(source: str | Path | Mapping | Plan, out: str | Path | None = None,
         quiet: bool = True, *, workers: int | None = None,
         progress: Callable[[Evaluation], None] | None = None,
         base_dir: str | Path | None = None, engine: str | None = None) -> PlanResult:
    """Find the cheapest configuration that meets every objective with confidence (docs/planning.md).

    Parameters
    ----------
    source : str, Path, mapping or Plan
        A plan file, its content as a dict, or the result of :func:`load_plan`.
    out : str or Path, optional
        Folder for ``plan.json`` and the chosen configuration's ``result.json``,
        ``timeseries.csv`` and ``model.yaml`` (``asyncsim report`` renders them).
    quiet : bool
        When False (and no ``progress`` is given), show a progress bar on a
        terminal's stderr.
    workers : int, optional
        Local worker processes for the replications; None chooses by batch size.
    progress : callable, optional
        ``progress(evaluation)`` after each configuration is judged.
    base_dir : str or Path, optional
        For a dict: where a relative ``model`` path starts.
    engine : {"auto", "simpy", "compiled"}, optional
        The engine of every replication, winning over the plan's ``run.engine``
        (and the model's); ``auto`` is resolved per replication.

    Returns
    -------
    PlanResult
        ``config``, ``cost``, ``chosen.checks`` (value, CI, margin per objective),
        ``saturation`` (throughput, headroom, probes), ``bottleneck``, ``search``.

    Raises
    ------
    PlanError
        The plan file is invalid.
    ModelError
        ``engine`` is not one of auto, simpy, compiled; or ``compiled`` on a model
        the kernel does not cover (raised by the first replication).
    InfeasiblePlan
        Nothing within the bounds meets the objectives; ``binding`` names the
        objective that binds at the best configuration found, ``best`` is that
        configuration, ``result`` the PlanResult (written to ``out`` first).
    """
    began = time.perf_counter()
    p = source if isinstance(source, Plan) else load_plan(source, base_dir=base_dir)
    if engine is not None:
        p = with_engine(p, engine)
    bar = _bar(p) if not quiet and progress is None else None
    if bar is not None:
        progress = bar[1]
    try:
        return _plan(p, out, workers, progress, began)
    finally:
        if bar is not None:
            bar[0].close()


def with_engine(p: Plan, engine: str, spelling: str = "{key}") -> Plan:
    """``p`` with every replication on ``engine`` (checked by the validator of run
    settings; ``spelling`` names it in the message: ``engine`` or ``--engine``)."""
    import dataclasses

    from sim.model.settings import check_setting

    return dataclasses.replace(p, run={**p.run,
                                       "engine": check_setting("engine", engine, spelling)})


def _bar(p: Plan):
    """(tqdm bar, progress callback) on a terminal's stderr, else None."""
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(desc=p.name, unit="config", file=sys.stderr, leave=False)

    def update(ev: Evaluation) -> None:
        bar.set_postfix_str(f"{ev.config} {ev.verdict}", refresh=False)
        bar.update(1)

    return bar, update


def _plan(p: Plan, out, workers, progress, began: float) -> PlanResult:
    evaluator = Evaluator(p, workers=workers, progress=progress)
    start = analytic_start(p, evaluator.model)
    outcome = search(p, evaluator, start)
    chosen = outcome.best or outcome.closest
    result = PlanResult(plan=p, feasible=outcome.best is not None, chosen=chosen,
                        search=list(evaluator.path), method=outcome.method,
                        analytic=start.to_dict(p), pruned=outcome.pruned,
                        exhausted=outcome.exhausted)
    if result.feasible:
        _size_up(result, evaluator)
    result.replications_run = evaluator.replications_run
    result.elapsed = time.perf_counter() - began
    if out is not None:
        model = _with_graph(evaluator, chosen.config) if chosen is not None else p.model
        result.files = write_plan_outputs(result, model, out)
    if not result.feasible:
        raise _infeasible(result)
    return result


def _with_graph(evaluator: Evaluator, config):
    """The configuration's model with its graph, for writing ``model.yaml``."""
    import dataclasses

    model = evaluator.model(config)
    if model.graph is None:
        model = dataclasses.replace(model, graph=evaluator.configurator.graph_of(config))
    return model


def _size_up(result: PlanResult, evaluator: Evaluator) -> None:
    """Saturation throughput, headroom and bottleneck of the chosen configuration."""
    from sim.analytic import bottleneck

    config = result.chosen.config
    result.saturation = saturation(result.plan, evaluator, config)
    node, xmax = bottleneck(evaluator.model(config))
    result.bottleneck = {"node": node, "max_throughput": xmax}


def _infeasible(result: PlanResult) -> InfeasiblePlan:
    p, best = result.plan, result.chosen
    bounds = ", ".join(f"{v.key} in [{v.values[0]}, {v.values[-1]}]" for v in p.variables)
    if best is None:
        message = f"{p.label}: no configuration with {bounds} was evaluated"
        exc = InfeasiblePlan(message, binding=None, best=None)
    else:
        check = best.binding
        shown = "no value" if check.value is None else f"{check.value:.4g}"
        message = (f"{p.label}: no configuration with {bounds} meets every objective; "
                   f"binding objective: {check.objective.text} (at the best configuration "
                   f"found, {best.config}, cost {best.cost:.4g}, it is {shown})")
        if result.exhausted:
            message += f"; the search stopped after max_evaluations={p.max_evaluations}"
        exc = InfeasiblePlan(message, binding=check.objective.text, best=dict(best.config))
    exc.result = result
    return exc
