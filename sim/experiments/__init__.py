"""Layer L5: parameter sweeps (docs/sweeps.md) on local processes or a Dask cluster, resumable.

>>> from sim.experiments import sweep, summarize
>>> runs = sweep("experiments/pool_sizing.yaml", workers=2)      # doctest: +SKIP
>>> summarize(runs)                                              # doctest: +SKIP

``load_experiment`` reads and validates an experiment file; ``sweep`` runs it
through its result store and returns the runs table; ``run_sweep`` returns the
runs and summary tables together; ``run_points`` simulates a list of
configurations in parallel without a store (for the capacity planner).
"""

from sim.experiments.build import Experiment, load_experiment, metric_names
from sim.experiments.design import Choices, Range, grid_points, latin_hypercube
from sim.experiments.runner import SweepOutcome, run_points, run_sweep, sweep
from sim.experiments.tables import summarize

__all__ = ["sweep", "run_sweep", "run_points", "load_experiment", "summarize", "Experiment",
           "SweepOutcome", "grid_points", "latin_hypercube", "Range", "Choices",
           "metric_names"]
