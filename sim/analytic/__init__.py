"""Queueing formulas: single stations, traffic equations, MVA, and ``analyze``.

Layer L3: pure functions over numbers and the typed model (no SimPy, no
plotting). They answer in milliseconds, seed the planner, and are the oracles of
the simulation tests. Each formula cites its textbook source.

The names below are imported from their modules at first use (PEP 562), so
``asyncsim check``, which needs only the traffic equations, does not pay for
scipy's optimiser and special functions (the stations module).
"""

from __future__ import annotations

import importlib

_HOMES = {
    "sim.analytic.mva": ("MVAResult", "mva"),
    "sim.analytic.network": ("bottleneck", "jackson_response", "routing_matrix", "traffic",
                             "unstable_nodes", "visit_ratios"),
    "sim.analytic.solve": ("analyze",),
    "sim.analytic.stations": ("StationResult", "erlang_b", "erlang_c", "fork_join_2", "gg1",
                              "ggc", "md1", "mg1", "mg1_priority", "mm1",
                              "mm1_sojourn_percentile", "mm_inf", "mmc",
                              "mmc_sojourn_percentile", "mmc_sojourn_tail",
                              "mmc_wait_percentile", "mmc_wait_tail", "mmck"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "analyze", "traffic", "unstable_nodes", "bottleneck", "visit_ratios", "routing_matrix",
    "jackson_response", "mva", "MVAResult", "StationResult", "erlang_b", "erlang_c", "mm1",
    "mmc", "mmck", "mm_inf", "mg1", "md1", "mg1_priority", "gg1", "ggc", "mmc_wait_tail",
    "mmc_wait_percentile", "mmc_sojourn_tail", "mmc_sojourn_percentile",
    "mm1_sojourn_percentile", "fork_join_2",
]


def __getattr__(name: str):
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.analytic' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
