"""The simulation engine: the only package that imports SimPy.

``simulate``, ``run_replication`` and ``resolve_run`` are loaded on first use, so a
caller that only asks which models the compiled kernel covers
(:mod:`sim.engine.compiled.coverage`, for ``asyncsim check``) imports no SimPy.
"""

__all__ = ["simulate", "run_replication", "resolve_run"]


def __getattr__(name: str):
    if name in __all__:
        from sim.engine import run

        return getattr(run, name)
    raise AttributeError(f"module 'sim.engine' has no attribute {name!r}")
