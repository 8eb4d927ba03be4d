"""What a plan returns (:class:`PlanResult`) and the files it writes with ``out``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from sim.files import safe_frame, write_text
from sim.planner.evaluate import Evaluation
from sim.planner.spec import Plan

__all__ = ["PlanResult", "write_plan_outputs"]


@dataclass
class PlanResult:
    """The answer of :func:`sim.planner.plan`.

    Attributes
    ----------
    plan : Plan
    feasible : bool
    chosen : Evaluation or None
        The cheapest feasible configuration; when infeasible, the configuration
        closest to meeting the objectives (the "best found").
    search : list of Evaluation
        Every configuration simulated, in order.
    method : str
        ``bisection`` or ``enumeration``.
    analytic : dict
        ``lower_bounds``, ``estimate`` and ``notes`` of the analytic start.
    saturation : dict or None
        See :func:`sim.planner.saturation.saturation` (None when infeasible).
    bottleneck : dict or None
        ``{node, max_throughput}`` of the chosen configuration, analytically.
    pruned : int
        Configurations skipped by monotonicity.
    exhausted : bool
        The search stopped at ``max_evaluations``.
    elapsed : float
        Wall-clock seconds.
    replications_run : int
        Replications simulated in all (search and saturation).
    """

    plan: Plan
    feasible: bool
    chosen: Evaluation | None
    search: list[Evaluation]
    method: str
    analytic: dict
    saturation: dict | None = None
    bottleneck: dict | None = None
    pruned: int = 0
    exhausted: bool = False
    elapsed: float = 0.0
    replications_run: int = 0
    files: list[Path] = field(default_factory=list)

    @property
    def config(self) -> dict | None:
        """``{dotted key: value}`` of the chosen configuration."""
        return None if self.chosen is None else dict(self.chosen.config)

    @property
    def cost(self) -> float | None:
        return None if self.chosen is None else self.chosen.cost

    @property
    def binding(self) -> str | None:
        """The objective that binds at the chosen (or best found) configuration."""
        return None if self.chosen is None else self.chosen.binding.objective.text

    @property
    def headroom(self) -> float | None:
        return None if not self.saturation else self.saturation.get("headroom")

    def to_dict(self) -> dict:
        """Plain data (``plan.json``): the plan, the answer, the search path."""
        p = self.plan
        chosen = None if self.chosen is None else {
            "config": dict(self.chosen.config), "cost": self.chosen.cost,
            "replications": self.chosen.replications, "verdict": self.chosen.verdict,
            "binding": self.binding,
            "objectives": [c.to_dict() for c in self.chosen.checks]}
        return _clean({
            "plan": p.name, "description": p.description, "model": p.model.name,
            "feasible": self.feasible, "method": self.method,
            "load": dict(p.load), "run": dict(p.run), "confidence": p.confidence,
            "max_replications": p.max_replications,
            "objectives": [o.text for o in p.objectives],
            "variables": {v.key: {"min": v.values[0], "max": v.values[-1],
                                  "count": len(v.values), "cost": v.cost,
                                  "monotone": v.monotone} for v in p.variables},
            "analytic": self.analytic, "chosen": chosen, "saturation": self.saturation,
            "bottleneck": self.bottleneck, "search": [e.to_dict() for e in self.search],
            "pruned": self.pruned, "exhausted": self.exhausted,
            "evaluations": len(self.search), "replications_run": self.replications_run,
            "elapsed": round(self.elapsed, 3)})

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def __repr__(self) -> str:
        return (f"PlanResult(plan={self.plan.name!r}, feasible={self.feasible}, "
                f"config={self.config}, cost={self.cost}, binding={self.binding!r})")


def _clean(value):
    """JSON-safe: non-finite floats -> None, tuples -> lists, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write(path: Path, text: str) -> None:
    write_text(path, text)


def write_plan_outputs(result: PlanResult, model, out: str | Path) -> list[Path]:
    """Write ``plan.json`` and, for the chosen configuration, ``result.json``,
    ``timeseries.csv`` (its first replication) and ``model.yaml`` into ``out``."""
    from sim.engine import run_replication
    from sim.engine.run import SERIES_COLUMNS
    from sim.metrics.result import Result
    from sim.model import save

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "plan.json"]
    _write(files[0], result.to_json())
    if result.chosen is None:
        return files
    run = result.plan.run
    _, rows = run_replication(model, 0, seed=run["seed"], duration=float(run["duration"]),
                              warmup=float(run["warmup"]), series=run.get("series"),
                              engine=run.get("engine"))
    import pandas as pd

    res = Result(result.chosen.summaries, pd.DataFrame(rows, columns=SERIES_COLUMNS))
    _write(out / "result.json", res.to_json())
    _write(out / "timeseries.csv", safe_frame(res.timeseries).to_csv(index=False))
    save(model.graph, out / "model.yaml")
    files += [out / "result.json", out / "timeseries.csv", out / "model.yaml"]
    return files
