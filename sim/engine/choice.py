"""Which engine simulates a run: ``run.engine`` (auto, simpy or compiled) resolved for
one model, with the reason, so that ``auto`` can say what it took and why.
"""

from __future__ import annotations

import importlib.util
from typing import NamedTuple

from sim.engine.compiled.coverage import uncovered
from sim.errors import ModelError

__all__ = ["EngineChoice", "choose_engine", "AUTO_MIN_VISITS"]

AUTO_MIN_VISITS = 250_000
"""Node visits the replications that share one load of the kernel (those of one
process: a run's, those a plan runs whatever its search finds, a sweep worker's
share) must be expected to make together before ``auto`` takes the compiled kernel.
Below it, importing numba and loading the cached kernel (about 0.4 s) costs more than
SimPy spends on them: whole processes of ``asyncsim run models/request_reply.yaml
--replications 1`` broke even at about 280,000 visits (200,000: SimPy 0.58 s, kernel
0.69-0.72 s; 400,000: SimPy 0.92-0.94 s, kernel 0.74-0.76 s)."""


class EngineChoice(NamedTuple):
    """The engine that runs (``simpy`` or ``compiled``) and why it was chosen."""

    name: str
    reason: str


def _numba_missing() -> bool:
    return importlib.util.find_spec("numba") is None


def _visits_per_replication(model, run) -> float:
    from sim.analytic.workload import estimate

    return estimate(model, run).events / max(run.replications, 1)


def choose_engine(model, run, *, trace: bool = False, batch: int = 1) -> EngineChoice:
    """The engine for ``model`` under the validated run settings ``run``.

    ``simpy`` is taken as asked. ``compiled`` is refused (a ModelError naming
    ``engine``) when the kernel does not cover the model or numba is missing.
    ``auto`` takes the kernel when the model is covered and ``batch`` replications,
    run in one process that loads the kernel once (a run's replications, those a
    plan runs whatever its search finds, a sweep worker's share), are expected to
    make at least :data:`AUTO_MIN_VISITS` node visits together, else SimPy, and says
    why.
    """
    if run.engine == "simpy":
        return EngineChoice("simpy", "asked for")
    reason = uncovered(model, trace=trace)
    if reason is None and _numba_missing():
        reason = "numba is not installed"
    if run.engine == "compiled":
        if reason is not None:
            raise ModelError(f"the compiled engine cannot run this model: {reason} "
                             "(engine auto falls back to simpy)")
        return EngineChoice("compiled", "asked for")
    if reason is not None:
        return EngineChoice("simpy", reason)
    visits = _visits_per_replication(model, run) * max(batch, 1)
    if visits < AUTO_MIN_VISITS:
        each = "a replication" if batch <= 1 else f"in {batch} replications"
        return EngineChoice("simpy", f"a short run: about {visits:,.0f} node visits {each}, "
                            f"and the compiled kernel pays off from {AUTO_MIN_VISITS:,}")
    return EngineChoice("compiled", "the model is covered by the compiled kernel")
