"""A queueing station: the nodes that wait and serve together (see
:func:`sim.analytic.topology.stations`)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.analytic.capacity import is_exponential
from sim.distributions import Distribution
from sim.model.spec import BufferSpec

__all__ = ["Station", "UNBOUNDED"]

UNBOUNDED = BufferSpec()


@dataclass(frozen=True, slots=True)
class Station:
    """Nodes that form one queueing station.

    ``queues`` are the broker queues it serves (empty for a service's own buffer;
    several means strict priority in that order); ``services`` the consumers;
    ``buffer`` the buffer messages wait in (a queue's, or the service's own).
    """

    key: str
    queues: tuple[str, ...]
    services: tuple[str, ...]
    servers: float
    service: Distribution
    buffer: BufferSpec
    note: str = ""
    approximate: bool = False

    @property
    def entry(self) -> str:
        """The node whose arrivals are the station's arrivals."""
        return self.queues[0] if self.queues else self.services[0]

    @property
    def exponential(self) -> bool:
        return is_exponential(self.service)
