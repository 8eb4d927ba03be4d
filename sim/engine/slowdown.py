"""Service times that grow with load (``slowdown: [[u, m], ...]`` on a service).

The service's ``draw`` is wrapped once at build time, so a service without
``slowdown`` pays nothing (benchmarks/throughput.py, W1).
"""

from __future__ import annotations

import bisect
import math

__all__ = ["multiplier", "slowed"]


def multiplier(points, u: float) -> float:
    """``m`` at utilisation ``u``: linear between the points ``((u, m), ...)`` (u
    increasing), the end values beyond them."""
    us = [p[0] for p in points]
    k = bisect.bisect_right(us, u)
    if k == 0:
        return points[0][1]
    if k == len(points):
        return points[-1][1]
    (u0, m0), (u1, m1) = points[k - 1], points[k]
    return m0 + (m1 - m0) * (u - u0) / (u1 - u0)


def slowed(service, points) -> None:
    """Make ``service`` (a Service runtime) multiply each draw by the slowdown at its
    utilisation when the message takes its server: the servers busy with other
    messages over the servers there are now (0 for ``servers: inf``), at most 1.

    The draw is taken when the server is already counted busy (``begin``) or still
    counted busy with its previous message (``_continue``), hence ``busy - 1``.
    """
    base = service.draw
    points = tuple(points)

    def draw() -> float:
        servers = service.servers
        u = 0.0 if math.isinf(servers) or servers <= 0 else min(
            1.0, max(0.0, (service.busy - 1) / servers))
        return base() * multiplier(points, u)

    service.draw = draw
