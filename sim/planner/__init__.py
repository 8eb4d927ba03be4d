"""Layer L6: capacity planning against service-level objectives (docs/planning.md).

>>> from sim.planner import plan
>>> result = plan("experiments/plan_request_reply.yaml")     # doctest: +SKIP
>>> result.config, result.cost, result.headroom              # doctest: +SKIP

``load_plan`` reads and validates a plan file (``read_plan`` the same without
networkx); ``plan`` starts from the analytic estimate
(:mod:`sim.planner.analytic`), searches by simulation
(:mod:`sim.planner.search`) through :mod:`sim.experiments`, accepts a
configuration only when every objective holds at the pessimistic end of its
confidence interval (:mod:`sim.planner.objectives`), and sizes the answer up:
saturation throughput, headroom and bottleneck (:mod:`sim.planner.saturation`).
"""

from sim.planner.evaluate import Evaluation
from sim.planner.objectives import Check, Objective, parse_objective
from sim.planner.result import PlanResult
from sim.planner.run import plan
from sim.planner.spec import Plan, Variable, load_plan, read_plan

__all__ = ["plan", "load_plan", "read_plan", "PlanResult", "Plan", "Variable", "Objective", "Check",
           "Evaluation", "parse_objective"]
