"""Service times and delays: small value objects that know their moments.

All times are seconds. A distribution is a frozen dataclass, built directly
(``Lognormal(mean=0.08, cv=1.5)``) or from the model-file form by :func:`from_spec`
(``{"dist": "lognormal", "mean": 0.08, "cv": 1.5}``; a plain number is a
:class:`Constant`). Parameters are validated on construction, so no
distribution can draw a negative time; a bad one raises
:class:`~sim.errors.ModelError` naming the parameter. The engine draws through
:meth:`Distribution.stream`; the analytic formulas read ``mean`` and ``scv``.
"""

from sim.distributions.base import Constant, Distribution
from sim.distributions.laws import (Empirical, Erlang, Exponential, Gamma, Hyperexponential,
                                    Lognormal, Normal, Pareto, Uniform, Weibull)
from sim.distributions.parse import DISTRIBUTIONS, from_spec

__all__ = ["Distribution", "Constant", "Exponential", "Uniform", "Lognormal", "Gamma",
           "Erlang", "Weibull", "Pareto", "Normal", "Hyperexponential", "Empirical",
           "DISTRIBUTIONS", "from_spec"]
