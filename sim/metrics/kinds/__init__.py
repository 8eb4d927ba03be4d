"""The metrics layer's registry of node kinds: ``RESULTS[kind]`` is that kind's part
of the result (:class:`~sim.metrics.kinds.common.KindResult`: its declared fields and
the function building its entry), one module per kind, keyed by
``sim.model.kinds.KIND_NAMES`` (a test fails when one is missing). What several
kinds share is in :mod:`sim.metrics.kinds.common`.

Adding a kind here is one module with a ``RESULT`` and one line below.
"""

from __future__ import annotations

from sim.metrics.fields import Field
from sim.metrics.kinds import cache, pool, queue, router, sender, service
from sim.metrics.kinds.common import KindResult

__all__ = ["RESULTS", "ENTRIES", "NODE_FIELDS", "KindResult"]

RESULTS: dict[str, KindResult] = {
    "sender": sender.RESULT,
    "queue": queue.RESULT,
    "service": service.RESULT,
    "router": router.RESULT,
    "pool": pool.RESULT,
    "cache": cache.RESULT,
}

ENTRIES = {kind: result.entry for kind, result in RESULTS.items()}
"""``ENTRIES[kind](raw, duration)``: the entry of a node of that kind."""

NODE_FIELDS: dict[str, tuple[Field, ...]] = {kind: result.fields
                                             for kind, result in RESULTS.items()}
"""``NODE_FIELDS[kind]``: the fields a node of that kind may report, in result order."""
