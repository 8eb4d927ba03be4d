"""The compiled engine: a numba kernel for the models it covers (see coverage).

Importing this package costs nothing; numba is imported when a replication first
runs on the kernel (sim.engine.compiled.replication).
"""
