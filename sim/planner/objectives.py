"""Service-level objectives: ``"requests.latency.p99 <= 0.5"`` -> :class:`Objective`.

An objective compares one result path, or the ratio of two, with a number::

    requests.latency.p99 <= 0.5
    requests.failed / requests.offered <= 0.001
    nodes.worker.utilization <= 0.7
    requests.throughput >= 100

The parser is a few string operations, never ``eval``. Paths are the flattened
result names (``nodes.<node>.wait.p99``); counts are read per replication, so
``requests.failed <= 10`` means at most 10 failed requests in a replication.
Node names that contain spaces, ``/``, ``<``, ``>`` or ``=`` cannot appear in
an objective.

Each objective is judged over replications: the mean of the per-replication
values and the half-width of its confidence interval (Student t). It *holds*
when the pessimistic end of the interval meets the bound (``mean + half`` for
``<=``, ``mean - half`` for ``>=``), *fails* when even the optimistic end
misses it, and *straddles* the bound otherwise. A ratio objective is the mean
of the per-replication ratios, with their interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.errors import PlanError
from sim.metrics.stats import t_quantile

__all__ = ["Objective", "Check", "parse_objective", "judge", "halfwidth"]

OPERATORS = ("<=", ">=")
_WRONG_OPERATORS = ("==", "!=", "=<", "=>", "<", ">", "=")
_PATH = re.compile(r"^[A-Za-z0-9_.\-]+(?:->[A-Za-z0-9_.\-]+)*$")  # edges.api->db.calls
Status = Literal["holds", "fails", "straddles"]


@dataclass(frozen=True, slots=True)
class Objective:
    """One parsed objective.

    Attributes
    ----------
    text : str
        The objective as written (normalised spacing).
    path : str
        The result path compared (the numerator of a ratio).
    denominator : str or None
        The denominator path of a ratio objective.
    op : {"<=", ">="}
    bound : float
    """

    text: str
    path: str
    denominator: str | None
    op: Literal["<=", ">="]
    bound: float

    @property
    def paths(self) -> tuple[str, ...]:
        """The result paths the objective reads."""
        return (self.path,) if self.denominator is None else (self.path, self.denominator)

    def value(self, flat: Mapping[str, object]) -> float | None:
        """The objective's quantity in one flattened result (None when undefined)."""
        num = _number(flat.get(self.path))
        if self.denominator is None or num is None:
            return num
        den = _number(flat.get(self.denominator))
        if den is None or den == 0:
            return 0.0 if num == 0 and den == 0 else None
        return num / den

    def margin(self, x: float) -> float:
        """How far ``x`` is inside the bound (negative: outside)."""
        return self.bound - x if self.op == "<=" else x - self.bound

    def scale(self) -> float:
        """The unit of relative margins: the bound's size (1 for a zero bound)."""
        return abs(self.bound) if self.bound != 0 else 1.0


@dataclass(frozen=True, slots=True)
class Check:
    """An objective judged over replications.

    Attributes
    ----------
    objective : Objective
    value : float or None
        Mean over the replications that define it (None when none does).
    half : float
        Half-width of its confidence interval (inf with fewer than two values).
    pessimistic : float or None
        The end of the interval that is worse for the objective.
    margin : float
        ``bound - pessimistic`` for ``<=``, ``pessimistic - bound`` for ``>=``
        (negative when the objective is not confirmed); -inf without a value.
    status : {"holds", "fails", "straddles"}
    """

    objective: Objective
    value: float | None
    half: float
    pessimistic: float | None
    margin: float
    status: Status

    @property
    def relative_margin(self) -> float:
        return self.margin / self.objective.scale()

    def to_dict(self) -> dict:
        o = self.objective
        return {"objective": o.text, "path": o.path, "denominator": o.denominator,
                "op": o.op, "bound": o.bound, "value": _finite(self.value),
                "ci95": _finite(self.half), "pessimistic": _finite(self.pessimistic),
                "margin": _finite(self.margin), "holds": self.status == "holds",
                "status": self.status}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _bad(label: str, index: int, text: object, message: str) -> PlanError:
    return PlanError(f"{label}: 'objectives[{index}]' {message} (got {text!r})")


def _split_operator(text: str, label: str, index: int) -> tuple[str, str, str]:
    for op in OPERATORS:
        if op in text:
            lhs, _, rhs = text.partition(op)
            return lhs.strip(), op, rhs.strip()
    for op in _WRONG_OPERATORS:
        if op in text:
            raise _bad(label, index, text, f"uses the unknown operator {op!r}: compare with "
                       "<= or >=")
    raise _bad(label, index, text, "must be '<path> <= <number>' or '<path> >= <number>', "
               "e.g. 'requests.latency.p99 <= 0.5'")


def _bound(rhs: str, text: str, label: str, index: int) -> float:
    try:
        bound = float(rhs)
    except ValueError:
        raise _bad(label, index, text, f"must end with a number after the operator, not "
                   f"{rhs!r}") from None
    if not math.isfinite(bound):
        raise _bad(label, index, text, "must have a finite bound")
    return bound


def _paths(lhs: str, text: str, label: str, index: int) -> tuple[str, str | None]:
    parts = [p.strip() for p in lhs.split("/")]
    if len(parts) > 2 or not all(parts):
        raise _bad(label, index, text, "must compare one result path or a ratio of two "
                   "('requests.failed / requests.offered')")
    for part in parts:
        if not _PATH.match(part):
            raise _bad(label, index, text, f"has {part!r} where a result path was expected "
                       "(dotted names such as nodes.worker.utilization)")
    return parts[0], parts[1] if len(parts) == 2 else None


def parse_objective(text: object, *, label: str = "plan", index: int = 0) -> Objective:
    """Parse ``"<path> [/ <path>] <= | >= <number>"`` (paths are checked elsewhere).

    Raises
    ------
    PlanError
        Naming ``objectives[index]``: not a string, an unknown operator, a
        missing or non-finite number, or a left side that is not one path or a
        ratio of two.
    """
    if not isinstance(text, str) or not text.strip():
        raise _bad(label, index, text, "must be a string such as 'requests.latency.p99 <= 0.5'")
    lhs, op, rhs = _split_operator(text, label, index)
    bound = _bound(rhs, text, label, index)
    path, den = _paths(lhs, text, label, index)
    shown = path if den is None else f"{path} / {den}"
    return Objective(text=f"{shown} {op} {rhs}", path=path, denominator=den, op=op,
                     bound=bound)


def halfwidth(values: Sequence[float], confidence: float = 0.95) -> float:
    """Student-t half-width of the confidence interval of the mean (inf below 2 values)."""
    arr = np.asarray(values, dtype=float)
    if arr.size < 2:
        return math.inf
    quantile = float(t_quantile(0.5 + confidence / 2, arr.size - 1))
    return quantile * float(arr.std(ddof=1)) / math.sqrt(arr.size)


def judge(objective: Objective, flats: Sequence[Mapping], confidence: float = 0.95) -> Check:
    """Judge ``objective`` over the flattened results of several replications."""
    values = [v for v in (objective.value(f) for f in flats) if v is not None]
    if not values:
        return Check(objective, None, math.inf, None, -math.inf, "fails")
    mean = float(np.mean(values))
    half = halfwidth(values, confidence)
    if half == 0 or not math.isfinite(half):
        half = 0.0 if len(values) > 1 else math.inf
    sign = 1.0 if objective.op == "<=" else -1.0
    pessimistic, optimistic = mean + sign * half, mean - sign * half
    margin = objective.margin(pessimistic)
    if margin >= 0:
        status: Status = "holds"
    elif objective.margin(optimistic) < 0:
        status = "fails"
    else:
        status = "straddles"
    return Check(objective, mean, half, pessimistic, margin, status)
