"""Interchange with the tools where designs and measurements already live.

Out: a run's trace rows (:mod:`sim.metrics.trace_columns`) as Chrome trace-event
JSON for Perfetto (:mod:`~sim.interchange.perfetto`) and as OTLP JSON spans
(:mod:`~sim.interchange.otlp`), both built from one span tree
(:mod:`~sim.interchange.spans`). In: OTLP, Jaeger and Zipkin span files
(:mod:`~sim.interchange.traces_in`) calibrated into a model
(:mod:`~sim.interchange.calibrate`).

Layer: above :mod:`sim.analytic` (the fit code) and :mod:`sim.metrics` (the trace
columns), below :mod:`sim.engine`, whose trace writer converts its rows here.
"""
