"""Calibrating a model from measurements: fit distributions, read arrival streams.

Layer L3 (numpy, scipy, pandas; no SimPy, no plotting).

>>> from sim.analytic.fit import fit, arrivals, snippet
>>> fits = fit(latencies)                      # doctest: +SKIP
>>> fits[0]["dist"], snippet(fits.best)        # doctest: +SKIP
('lognormal', {'dist': 'lognormal', 'mean': 0.2003, 'cv': 1.497})
>>> arrivals(timestamps)["stationary"]         # doctest: +SKIP

:func:`fit` ranks the model format's laws by AIC after maximum-likelihood estimation
(:mod:`~sim.analytic.fit.estimators`); :func:`arrivals` reports the rate over
time, a stationarity test, a suggested ``profile`` and the burstiness
(:mod:`~sim.analytic.fit.streams`); :func:`write_into` puts a fit into a model
file. Bad data raise :class:`FitError`, a :class:`~sim.errors.SimError`, naming
the row.
"""

from sim.analytic.fit.streams import arrivals
from sim.analytic.fit.estimators import ESTIMATORS, loglik
from sim.analytic.fit.into import keys_for, write_into
from sim.analytic.fit.ranking import CANDIDATES, FitResult, describe, fit, snippet
from sim.analytic.fit.samples import FitError, as_samples, as_timestamps

__all__ = ["fit", "arrivals", "snippet", "describe", "FitResult", "FitError", "CANDIDATES",
           "ESTIMATORS", "loglik", "as_samples", "as_timestamps", "keys_for", "write_into"]
