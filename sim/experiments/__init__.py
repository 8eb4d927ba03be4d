"""Layer L5: parameter sweeps (docs/sweeps.md) on local processes or a Dask cluster, resumable.

>>> from sim.experiments import sweep, summarize
>>> runs = sweep("experiments/pool_sizing.yaml", workers=2)      # doctest: +SKIP
>>> summarize(runs)                                              # doctest: +SKIP

``load_experiment`` reads and validates an experiment file; ``sweep`` runs it
through its result store and returns the runs table; ``run_sweep`` returns the
runs and summary tables together; ``run_points`` simulates a list of
configurations in parallel without a store (for the capacity planner).
"""

import importlib

__all__ = ["sweep", "run_sweep", "run_points", "load_experiment", "summarize", "Experiment",
           "SweepOutcome", "grid_points", "latin_hypercube", "Range", "Choices",
           "metric_names"]

# imported at first use (PEP 562): the planner reads experiment specs and runs
# replications through this package, and pays for pandas only when it builds tables
_HOME_OF = {"Experiment": "build", "load_experiment": "build", "metric_names": "build",
            "Choices": "design", "Range": "design", "grid_points": "design",
            "latin_hypercube": "design", "SweepOutcome": "runner", "run_points": "runner",
            "run_sweep": "runner", "sweep": "runner", "summarize": "tables"}


def __getattr__(name: str):
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sim.experiments.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
