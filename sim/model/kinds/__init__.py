"""Node kinds: each kind is declared once, here in the model layer.

``KIND_NAMES`` lists every kind in the order the reference documents them; every
layer that treats kinds differently keeps one registry keyed by these names, and
a test fails when a registry lacks one. ``KINDS`` maps each name to its
declaration (:class:`sim.model.keys.Kind`: the table of its keys, its cross-key
rules and the builder of its frozen spec), one module per kind in this package,
which also holds that frozen spec class. Adding a kind here is its module, its
import, its declaration in ``KINDS`` and its spec in ``NodeSpec``.
"""

from __future__ import annotations

from typing import Union

from sim.model.keys import Kind
from sim.model.kinds.cache import CACHE, CacheSpec
from sim.model.kinds.pool import POOL, PoolSpec
from sim.model.kinds.queue import QUEUE, QueueSpec
from sim.model.kinds.router import ROUTER, RouterSpec
from sim.model.kinds.sender import SENDER, SenderSpec
from sim.model.kinds.service import SERVICE, ServiceSpec

__all__ = ["KIND_NAMES", "KINDS", "NodeSpec"]

KINDS: dict[str, Kind] = {kind.name: kind for kind in (SENDER, QUEUE, SERVICE, ROUTER, POOL,
                                                          CACHE)}

KIND_NAMES: tuple[str, ...] = tuple(KINDS)
"""("sender", "queue", "service", "router", "pool", "cache"): the order of :data:`KINDS`."""

NodeSpec = Union[SenderSpec, QueueSpec, ServiceSpec, RouterSpec, PoolSpec, CacheSpec]
"""The frozen spec of a node of any kind (each declared in its kind's module)."""
