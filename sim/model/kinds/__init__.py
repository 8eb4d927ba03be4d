"""Node kinds: each kind is declared once, here in the model layer.

``KIND_NAMES`` lists every kind in the order the reference documents them; every
layer that treats kinds differently keeps one registry keyed by these names, and
a test fails when a registry lacks one.
"""

from __future__ import annotations

__all__ = ["KIND_NAMES"]

KIND_NAMES: tuple[str, ...] = ("sender", "queue", "service", "router")
