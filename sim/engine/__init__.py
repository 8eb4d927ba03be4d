"""The simulation engine: the only package that imports SimPy."""

from sim.engine.run import resolve_run, run_replication, simulate

__all__ = ["simulate", "run_replication", "resolve_run"]
