"""A shipped model the compiled kernel does not cover, for the tests of the engine choice.

The kernel grows, so the example is looked up among models using features far from it
(calls, classes, pools), not fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
FAR_FROM_THE_KERNEL = ("sync_calls", "read_write_api", "connection_pool")
"""Shipped models using features far from the compiled kernel, in order of preference."""


def uncovered_model() -> tuple[str, str]:
    """(path, reason) of the first of :data:`FAR_FROM_THE_KERNEL` the kernel does not
    cover; the test is skipped when it covers them all."""
    from sim.engine.compiled.coverage import uncovered

    for name in FAR_FROM_THE_KERNEL:
        path = ROOT / "models" / f"{name}.yaml"
        reason = uncovered(sim.load(path))
        if reason is not None:
            return str(path), reason
    pytest.skip("the compiled kernel covers every example model")
