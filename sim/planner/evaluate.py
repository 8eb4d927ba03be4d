"""Simulating configurations of a plan and judging them against its objectives.

A configuration is a tuple of grid indices, one per variable. Its replications
are run through :mod:`sim.experiments` (threads of this process on the compiled
kernel; else local processes, or this process when the batch is too small to repay
starting them), and cached: a configuration
is never simulated twice, and replications added later continue the series
(replication ``r`` always uses the streams of ``(seed, r)``: common random
numbers across configurations).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Literal

from sim.planner.objectives import Check, judge
from sim.planner.spec import Plan

__all__ = ["Evaluation", "Evaluator", "PARALLEL_REQUESTS"]

log = logging.getLogger("sim.planner")

Verdict = Literal["feasible", "infeasible", "unconfirmed"]
# Below this many simulated requests per batch, starting worker processes costs
# more than it saves (about 0.5 s of pool start-up against ~1e5 requests/s).
PARALLEL_REQUESTS = 300_000


@dataclass
class Evaluation:
    """A configuration judged by simulation.

    Attributes
    ----------
    index : tuple of int
        Grid indices of the configuration.
    config : dict
        ``{dotted key: value}``.
    cost : float
    replications : int
    checks : list of Check
    verdict : {"feasible", "infeasible", "unconfirmed"}
        ``unconfirmed``: an interval still straddled a bound at ``max_replications``.
    reason : str
        Why it was evaluated: ``analytic estimate``, ``bisection``, ``enumeration``...
    step : int
        Its position in the search path (1-based).
    """

    index: tuple[int, ...]
    config: dict
    cost: float
    replications: int
    checks: list[Check]
    verdict: Verdict
    reason: str = ""
    step: int = 0
    summaries: list = field(default_factory=list, repr=False)

    @property
    def feasible(self) -> bool:
        return self.verdict == "feasible"

    @property
    def binding(self) -> Check:
        """The objective with the least relative margin (the one that binds)."""
        return min(self.checks, key=lambda c: c.relative_margin)

    @property
    def score(self) -> float:
        """The least relative margin: higher is closer to feasible."""
        return self.binding.relative_margin

    def to_dict(self) -> dict:
        return {"step": self.step, "config": dict(self.config), "cost": self.cost,
                "verdict": self.verdict, "binding": self.binding.objective.text,
                "replications": self.replications, "reason": self.reason,
                "objectives": [c.to_dict() for c in self.checks]}


def flat_metrics(summary: Mapping) -> dict:
    """One replication's result dict flattened to ``requests.latency.p99``..."""
    from sim.metrics.result import flatten

    blocks = {"requests": summary["requests"], "nodes": summary["nodes"]}
    if "edges" in summary:  # call edges (models with calls)
        blocks["edges"] = summary["edges"]
    if "classes" in summary:  # per request class (classes.read.latency.p99)
        blocks["classes"] = summary["classes"]
    return flatten(blocks)


class Evaluator:
    """Runs and caches replications of a plan's configurations.

    Parameters
    ----------
    plan : Plan
    workers : int, optional
        Local workers (threads on the compiled kernel, else processes); None chooses
        (see ``Evaluator._workers``).
    progress : callable, optional
        ``progress(evaluation)`` after each configuration is judged.
    """

    def __init__(self, plan: Plan, *, workers: int | None = None,
                 progress: Callable[[Evaluation], None] | None = None) -> None:
        self.plan, self.workers, self.progress = plan, workers, progress
        self.path: list[Evaluation] = []
        self.replications_run = 0
        self._reps: dict[tuple, list[dict]] = {}
        self.configurator = plan.configurator
        if self.configurator is None:
            from sim.planner.configure import Configurator

            self.configurator = Configurator(plan.graph, plan.label)
        self._rate = _offered_rate(plan.model)

    def model(self, overrides: Mapping):
        """The validated model of the plan's load with ``overrides`` applied (cached;
        a typed override of an already validated model where it can be, see
        :mod:`sim.planner.configure`)."""
        return self.configurator.model(overrides)

    def summaries(self, overrides: Mapping, count: int) -> list[dict]:
        """The result dicts of replications ``0 .. count-1`` of a configuration."""
        key = tuple(sorted(overrides.items()))
        have = self._reps.setdefault(key, [])
        if len(have) < count:
            have.extend(self._run(self.model(overrides), range(len(have), count)))
        return have[:count]

    def _run(self, model, reps: Sequence[int]) -> list[dict]:
        from sim.engine.run import engine_for
        from sim.experiments.executors import execute
        from sim.experiments.tasks import replicate

        run = self.plan.run
        duration, warmup = float(run["duration"]), float(run["warmup"])
        engine = engine_for(model, run.get("engine"), duration, warmup,
                            batch=max(len(reps), self.plan.sure_replications()))
        calls = [(model, r, run["seed"], duration, warmup, engine) for r in reps]
        threads = engine == "compiled"
        out: dict[int, dict] = {}
        with closing(execute(replicate, calls, threads=threads,
                             workers=self._workers(model, len(calls), threads))) as done:
            for i, summary in done:
                out[i] = summary
        self.replications_run += len(calls)
        return [out[i] for i in range(len(calls))]

    def _workers(self, model, tasks: int, threads: bool) -> int | None:
        """Workers for a batch of ``tasks`` replications: as asked; else threads on the
        compiled kernel (they start at once; as many as
        :func:`sim.engine.compiled.threads.threads_for` says); else processes only for
        a batch of more than :data:`PARALLEL_REQUESTS` requests."""
        if self.workers is not None:
            return self.workers
        if threads:
            from sim.engine.compiled.threads import threads_for

            return threads_for(tasks)
        run = self.plan.run
        requests = _offered_rate(model) * (run["duration"] + run["warmup"]) * tasks
        return None if tasks > 1 and requests > PARALLEL_REQUESTS else 1

    def checks(self, summaries: Sequence[dict]) -> list[Check]:
        flats = [flat_metrics(s) for s in summaries]
        return [judge(o, flats, self.plan.confidence) for o in self.plan.objectives]

    def evaluate(self, index: tuple[int, ...], reason: str) -> Evaluation:
        """Judge a configuration, adding replications while an interval straddles a bound."""
        for done in self.path:
            if done.index == index:
                return done
        overrides = self.plan.overrides(index)
        count = self.plan.run["replications"]
        while True:
            reps = self.summaries(overrides, count)
            checks = self.checks(reps)
            statuses = {c.status for c in checks}
            if "fails" in statuses or statuses == {"holds"}:
                verdict: Verdict = "infeasible" if "fails" in statuses else "feasible"
                break
            if count >= self.plan.max_replications:
                verdict = "unconfirmed"
                break
            count = min(2 * count, self.plan.max_replications)
        ev = Evaluation(index, overrides, self.plan.cost(index), count, checks, verdict,
                        reason=reason, step=len(self.path) + 1, summaries=reps)
        self.path.append(ev)
        log.info("step %d: %s cost %.4g -> %s (%s)", ev.step, overrides, ev.cost, verdict,
                 ev.binding.objective.text)
        if self.progress is not None:
            self.progress(ev)
        return ev


def _offered_rate(model) -> float:
    """Requests per second offered by the senders (first attempts)."""
    from sim.analytic import traffic

    total = sum(row["arrival_rate"] for row in traffic(model) if row["kind"] == "sender")
    return total if math.isfinite(total) else 0.0
