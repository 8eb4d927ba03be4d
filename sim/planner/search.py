"""The search by simulation: one monotone variable by bisection, several cheapest-first.

Both start by simulating the analytic estimate.

*One monotone variable* (more of it never breaks an objective): a galloping
search from the estimate (down by 1, 2, 4... while feasible, or up while not)
brackets the smallest feasible value, and a bisection finishes it. Starting
from a good estimate this costs two or three configurations; from a bad one,
about twice log2 of the grid.

*Several variables*: cheapest-first enumeration from the analytic lower
bounds, with pruning by monotonicity. Because cost grows with every variable,
enumeration in cost order alone would simulate every configuration cheaper
than the answer; so when every variable is monotone the lower corner is first
raised, variable by variable, by the same 1-D search along the line where the
other variables are at their max: if ``(w, max, max)`` fails, so does every
``(w' <= w, *, *)``, and a whole slab of the grid is pruned by one
simulation. Then the grid is walked from that corner in order of cost; the
first feasible configuration met is the cheapest. A configuration dominated by
a failed one (no larger in any monotone variable, equal in the others) is
skipped, and nothing that costs as much as a known feasible configuration is
simulated.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

from sim.planner.analytic import Start
from sim.planner.evaluate import Evaluation, Evaluator
from sim.planner.spec import Plan

__all__ = ["SearchOutcome", "search", "smallest_feasible"]

MAX_VISITED = 500_000


class _Budget(Exception):
    """max_evaluations reached."""


@dataclass
class SearchOutcome:
    """What the search found.

    Attributes
    ----------
    best : Evaluation or None
        The cheapest feasible configuration (None when none was found).
    closest : Evaluation or None
        When infeasible: the evaluated configuration closest to meeting the
        objectives (largest least relative margin).
    method : str
        ``bisection`` or ``enumeration``.
    pruned : int
        Configurations ruled out by monotonicity without being simulated.
    exhausted : bool
        True when ``max_evaluations`` stopped the search.
    """

    best: Evaluation | None
    closest: Evaluation | None
    method: str
    pruned: int = 0
    exhausted: bool = False


def smallest_feasible(ok: Callable[[int], bool], lo: int, hi: int, guess: int,
                      hi_ok: bool = False) -> int | None:
    """Smallest ``i`` in ``[lo, hi]`` with ``ok(i)``, for ``ok`` monotone (False then True).

    Gallops from ``guess`` (steps 1, 2, 4... down while feasible, up while not),
    then bisects the bracket. ``hi_ok`` says ``ok(hi)`` is known True (it is then
    not asked). Returns None when ``ok(hi)`` is False.
    """
    guess = min(max(guess, lo), hi)
    step = 1
    if (hi_ok and guess == hi) or ok(guess):
        good, bad = guess, lo - 1
        while good - step >= lo:
            if not ok(good - step):
                bad = good - step
                break
            good, step = good - step, 2 * step
    else:
        bad, good = guess, None
        while good is None:
            probe = min(hi, bad + step)
            if (hi_ok and probe == hi) or ok(probe):
                good = probe
            elif probe == hi:
                return None
            else:
                bad, step = probe, 2 * step
    while good - bad > 1:
        mid = (bad + good) // 2
        good, bad = (mid, bad) if ok(mid) else (good, mid)
    return good


class _Walk:
    """The evaluations of one search: the budget, the failures, the best so far."""

    def __init__(self, plan: Plan, evaluator: Evaluator) -> None:
        self.plan, self.evaluator = plan, evaluator
        self.best: Evaluation | None = None
        self.failed: list[tuple[int, ...]] = []

    def ok(self, index: tuple[int, ...], reason: str) -> bool:
        known = any(e.index == index for e in self.evaluator.path)
        if not known and len(self.evaluator.path) >= self.plan.max_evaluations:
            raise _Budget
        ev = self.evaluator.evaluate(index, reason)
        if ev.feasible:
            if self.best is None or (ev.cost, ev.index) < (self.best.cost, self.best.index):
                self.best = ev
        elif index not in self.failed:
            self.failed.append(index)
        return ev.feasible


def search(plan: Plan, evaluator: Evaluator, start: Start) -> SearchOutcome:
    """Find the cheapest feasible configuration, starting from ``start``."""
    walk = _Walk(plan, evaluator)
    one = len(plan.variables) == 1 and plan.variables[0].monotone
    method = "bisection" if one else "enumeration"
    outcome = SearchOutcome(None, None, method)
    try:
        (_line if one else _grid)(plan, walk, start, outcome)
    except _Budget:
        outcome.exhausted = True
    outcome.best = walk.best
    if outcome.best is None and evaluator.path:
        outcome.closest = max(evaluator.path, key=lambda e: e.score)
    return outcome


def _top(plan: Plan) -> tuple[int, ...]:
    return tuple(len(v.values) - 1 for v in plan.variables)


def _out_of_bounds(plan: Plan, start: Start, walk: _Walk) -> bool:
    """Analytically infeasible: confirm at the largest configuration only."""
    if all(i < len(v.values) for i, v in zip(start.lower, plan.variables)):
        return False
    walk.ok(_top(plan), "largest (analytic bound exceeds max)")
    return True


def _line(plan: Plan, walk: _Walk, start: Start, outcome: SearchOutcome) -> None:
    if _out_of_bounds(plan, start, walk):
        return
    lo, top = start.lower[0], _top(plan)[0]
    guess = start.estimate[0] if start.estimate else lo
    reasons = iter(["analytic estimate"])
    smallest_feasible(lambda i: walk.ok((i,), next(reasons, "bisection")), lo, top, guess)


def _raise_corner(plan: Plan, walk: _Walk, lower: list[int]) -> bool:
    """Raise each lower bound along the line where the other variables are at max."""
    top = _top(plan)
    if not walk.ok(top, "largest"):
        return False
    for k, var in enumerate(plan.variables):
        def ok(i: int, k: int = k) -> bool:
            return walk.ok(top[:k] + (i,) + top[k + 1:], f"bound on {var.label()}")

        hi = min(e.index[k] for e in walk.evaluator.path if e.feasible)
        lower[k] = min(lower[k], hi)        # a feasible configuration overrules the analysis
        lower[k] = smallest_feasible(ok, lower[k], hi, lower[k], hi_ok=True)
    return True


def _dominated(plan: Plan, index: tuple[int, ...], failed: list[tuple[int, ...]]) -> bool:
    """Is ``index`` no better than a failed configuration in every variable?"""
    return any(all((i <= b) if v.monotone else (i == b)
                   for v, i, b in zip(plan.variables, index, bad)) for bad in failed)


def _successors(plan: Plan, index: tuple[int, ...]):
    for k, var in enumerate(plan.variables):
        if index[k] + 1 < len(var.values):
            yield index[:k] + (index[k] + 1,) + index[k + 1:]


def _volume(plan: Plan, lower) -> int:
    return math.prod(max(len(v.values) - i, 0) for v, i in zip(plan.variables, lower))


def _grid(plan: Plan, walk: _Walk, start: Start, outcome: SearchOutcome) -> None:
    if _out_of_bounds(plan, start, walk):
        return
    if start.estimate is not None:
        walk.ok(start.estimate, "analytic estimate")
    lower = list(start.lower)
    if all(v.monotone for v in plan.variables):
        if not _raise_corner(plan, walk, lower):
            return
        outcome.pruned = _volume(plan, start.lower) - _volume(plan, lower)
    corner = tuple(lower)
    heap, seen, visited = [(plan.cost(corner), corner)], {corner}, 0
    while heap and visited < MAX_VISITED:
        cost, index = heapq.heappop(heap)
        visited += 1
        best = walk.best
        if best is not None and (cost, index) >= (best.cost, best.index):
            return
        for nxt in _successors(plan, index):
            if nxt not in seen:
                seen.add(nxt)
                heapq.heappush(heap, (plan.cost(nxt), nxt))
        if index in walk.failed:
            continue
        if _dominated(plan, index, walk.failed):
            outcome.pruned += 1
            continue
        if walk.ok(index, "enumeration"):
            return
