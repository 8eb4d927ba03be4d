"""Compile (or load from numba's disk cache) the kernel by running a one-second model.

``python -m sim.engine.compiled.warm`` does it from the command line; the first run
after an installation compiles (a few minutes of CPU), every later one loads the
machine code from disk.
"""

from __future__ import annotations

__all__ = ["warm"]


def warm() -> None:
    """Run a tiny covered model on the kernel, so every kernel function is compiled."""
    from sim.engine.compiled.replication import run_compiled_replication
    from sim.model import from_dict, validate

    model = validate(from_dict({
        "name": "warm-up",
        "nodes": {"src": {"kind": "sender", "rate": 5.0, "timeout": 0.5,
                          "retry": {"max_attempts": 2}},
                  "s": {"kind": "service", "servers": 1, "service": 0.1},
                  "ps": {"kind": "service", "servers": 1, "service": 0.1,
                         "discipline": "ps"}},
        "edges": [["src", "s"], ["s", "ps"]]}))
    run_compiled_replication(model, 0, seed=1, duration=1.0, warmup=0.0)


if __name__ == "__main__":
    warm()
