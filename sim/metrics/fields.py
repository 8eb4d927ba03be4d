"""One declared field of a result (:class:`Field`): its path, unit, meaning and how
replications combine it. :mod:`sim.metrics.schema` holds the run-level tables and
builds the reference page; each kind's fields live in its module of
:mod:`sim.metrics.kinds`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

__all__ = ["Field", "Aggregate"]

Aggregate = Literal["sum", "mean", "max", "constant"]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a result.

    Attributes
    ----------
    path : str
        Dotted path inside its block (``latency.p99``), as flattened names use it.
    unit : str
        ``s`` (seconds of simulated time), ``1/s``, ``requests``, ``messages``,
        ``attempts``, ``calls``, ``servers``, ``server-seconds``, ``ratio``, or ``-`` (text).
    meaning : str
        One sentence for the reference page.
    aggregate : {"sum", "mean", "max", "constant"}
        How replications combine: counts are summed, ``max`` is the largest,
        ``constant`` is the same in every replication, ``mean`` is the mean of the
        per-replication values (with a ``ci95`` half-width).
    when : callable, optional
        ``when(node_spec) -> bool``: the field is present only for nodes so
        configured; None means always present.
    condition : str
        The same condition in words, for the reference page.
    sometimes : bool
        Present only when something happened during the run (not known before).
    """

    path: str
    unit: str
    meaning: str
    aggregate: Aggregate = "mean"
    when: Callable[[object], bool] | None = None
    condition: str = ""
    sometimes: bool = False

    def present_for(self, spec: object) -> bool:
        """Whether a node configured as ``spec`` reports this field in every run."""
        return not self.sometimes and (self.when is None or self.when(spec))
