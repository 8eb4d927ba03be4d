"""Request keys: a sender's key space (``keys: {count, popularity}``) and the one fixed
hash every layer places keys with.

Keys are the integers ``0 .. count - 1``, key 0 the most popular. Under Zipf(s)
popularity key ``i`` is drawn with probability ``(i + 1) ** -s / H(count, s)``
(``H`` the generalised harmonic number); under uniform popularity each with
``1 / count``. Draws are independent (the independent reference model, IRM).

:func:`key_hash` is SplitMix64's finaliser (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014) on the key as an unsigned 64-bit
integer: fixed, documented and independent of Python's per-process string hashing,
so placements (partition ``key_hash(k) % N``, consistent-hash ring positions) are
the same in every run and in the analytic layer.

numpy is imported by the functions that use it: validating a model needs only
:data:`MAX_KEYS` and :class:`KeySpace` (``asyncsim check`` does not import numpy).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["KeySpace", "key_hash", "partition_of", "name_hash", "MAX_KEYS", "ring", "ring_owner"]

MAX_KEYS = 1_000_000
"""Most keys in one sender's key space (the engine keeps a table per key)."""

_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


@dataclass(frozen=True, slots=True)
class KeySpace:
    """``count`` keys drawn independently at each request's birth; ``zipf`` the
    exponent s of Zipf popularity (None: uniform)."""

    count: int
    zipf: float | None = None

    def probabilities(self) -> np.ndarray:
        """The probability of each key, key 0 first (they sum to 1)."""
        import numpy as np

        if self.zipf is None:
            return np.full(self.count, 1.0 / self.count)
        weights = np.arange(1, self.count + 1, dtype=float) ** -float(self.zipf)
        return weights / weights.sum()

    @property
    def text(self) -> str:
        return (f"{self.count:,} keys, "
                + ("uniform" if self.zipf is None else f"Zipf s = {self.zipf:g}"))


def key_hash(keys) -> np.ndarray:
    """SplitMix64's finaliser of each key (unsigned 64-bit; an array of uint64)."""
    import numpy as np

    z = np.asarray(keys, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
        return z ^ (z >> np.uint64(31))


def partition_of(keys, partitions: int) -> np.ndarray:
    """The partition of each key: ``key_hash(key) % partitions``."""
    import numpy as np

    return (key_hash(keys) % np.uint64(partitions)).astype(np.int64)


def name_hash(name: str, replica: int) -> int:
    """A successor's ring position for virtual node ``replica``: the key hash of
    CRC-32(name) * 2**20 + replica (fixed across runs)."""
    return int(key_hash([zlib.crc32(name.encode("utf-8")) * 2 ** 20 + replica])[0])


def ring(names: list[str], replicas: int) -> tuple[np.ndarray, np.ndarray]:
    """A consistent-hash ring (Karger et al., STOC 1997): ``replicas`` virtual nodes per
    successor; the sorted positions and, for each, the successor's index."""
    points = [(name_hash(n, r), i) for i, n in enumerate(names) for r in range(replicas)]
    points.sort()
    import numpy as np

    return (np.array([p for p, _ in points], dtype=np.uint64),
            np.array([i for _, i in points], dtype=np.int64))


def ring_owner(keys, names: list[str], replicas: int) -> np.ndarray:
    """The successor index of each key: the first virtual node clockwise of the key's
    hash on the ring (wrapping past the largest position to the smallest)."""
    import numpy as np

    positions, owners = ring(names, replicas)
    at = np.searchsorted(positions, key_hash(keys), side="left")
    return owners[at % len(positions)]
