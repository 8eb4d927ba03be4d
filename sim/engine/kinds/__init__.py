"""The engine's registry of node kinds: ``RUNTIMES[kind]`` builds, wires and reads
the runtime of a node of that kind (one module per kind, keyed by
``sim.model.kinds.KIND_NAMES``; a test fails when one is missing).

Adding a kind here is one module with a ``RUNTIME`` (:class:`KindRuntime`) and one
line below.
"""

from __future__ import annotations

from sim.engine.kinds import cache, pool, queue, router, sender, service
from sim.engine.kinds.base import Context, KindRuntime, Streams, lookup

__all__ = ["RUNTIMES", "runtime_of", "Context", "KindRuntime", "Streams"]

RUNTIMES: dict[str, KindRuntime] = {
    "sender": sender.RUNTIME,
    "queue": queue.RUNTIME,
    "service": service.RUNTIME,
    "router": router.RUNTIME,
    "pool": pool.RUNTIME,
    "cache": cache.RUNTIME,
}


def runtime_of(spec) -> KindRuntime:
    """The engine's entry for ``spec.kind``; a ModelError for a kind it cannot run."""
    return lookup(RUNTIMES, spec, "the engine")
