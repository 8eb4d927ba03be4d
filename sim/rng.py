"""Seeded random streams: randomness is an argument, never a global.

Every stream is derived from ``numpy.random.SeedSequence(seed, spawn_key=key)``
with a key made of the replication number, a stable number for the node
(CRC-32 of its name) and the purpose of the stream. Results therefore do not
depend on the number or order of worker processes, and the points of a sweep
share their streams replication by replication (common random numbers), which
makes differences between points far less noisy than independent runs would.
"""

from __future__ import annotations

import zlib
from enum import IntEnum

import numpy as np

__all__ = ["Purpose", "node_key", "generator"]


class Purpose(IntEnum):
    """What a stream is used for; one stream per (replication, node, purpose)."""

    ARRIVAL = 1
    SERVICE = 2
    ROUTING = 3
    ERROR = 4
    FAILURE = 5
    REPAIR = 6
    RETRY = 7
    LATENCY = 8
    THINK = 9
    EDGE = 10
    MISC = 11
    KEY = 12


def node_key(name: str) -> int:
    """A stable non-negative integer for a node name (independent of node order)."""
    return zlib.crc32(name.encode("utf-8"))


def generator(seed: int, replication: int, node: str, purpose: Purpose | int,
              extra: int = 0) -> np.random.Generator:
    """The independent stream for one (replication, node, purpose[, extra]) of a seed."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(int(replication), node_key(node),
                                                        int(purpose), int(extra)))
    return np.random.Generator(np.random.PCG64(seq))
