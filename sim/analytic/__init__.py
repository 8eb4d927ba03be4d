"""Queueing formulas: single stations, traffic equations, MVA, and ``analyze``.

Layer L3: pure functions over numbers and the typed model (no SimPy, no
plotting). They answer in milliseconds, seed the planner, and are the oracles of
the simulation tests. Each formula cites its textbook source.
"""

from sim.analytic.mva import MVAResult, mva
from sim.analytic.network import (bottleneck, jackson_response, routing_matrix, traffic,
                                  unstable_nodes, visit_ratios)
from sim.analytic.solve import analyze
from sim.analytic.stations import (StationResult, erlang_b, erlang_c, fork_join_2, gg1, ggc,
                                   md1, mg1, mg1_priority, mm1, mm1_sojourn_percentile, mm_inf,
                                   mmc, mmc_sojourn_percentile, mmc_sojourn_tail,
                                   mmc_wait_percentile, mmc_wait_tail, mmck)

__all__ = [
    "analyze", "traffic", "unstable_nodes", "bottleneck", "visit_ratios", "routing_matrix",
    "jackson_response", "mva", "MVAResult", "StationResult", "erlang_b", "erlang_c", "mm1",
    "mmc", "mmck", "mm_inf", "mg1", "md1", "mg1_priority", "gg1", "ggc", "mmc_wait_tail",
    "mmc_wait_percentile", "mmc_sojourn_tail", "mmc_sojourn_percentile",
    "mm1_sojourn_percentile", "fork_join_2",
]
