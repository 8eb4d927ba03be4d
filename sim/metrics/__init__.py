"""Statistics and results, SimPy-free."""
