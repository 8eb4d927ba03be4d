"""The kernel's machine code is cached on disk: a new process loads it, compiling
nothing (tests/conftest.py compiled it when the session started)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("numba")

_PROBE = """
from sim.engine.compiled import kernel
from sim.engine.compiled.warm import warm
warm()
print(sum(kernel.advance.stats.cache_hits.values()),
      sum(kernel.advance.stats.cache_misses.values()))
"""


def test_a_new_process_loads_the_kernel_from_disk():
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    hits, misses = int(out[0]), int(out[1])
    assert (hits, misses) == (1, 0)
