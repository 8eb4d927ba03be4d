"""Frozen, typed specifications of a validated model.

``sim.model.validate`` turns a ``networkx.DiGraph`` with the model format's attribute
keys into a :class:`Model`; everything after validation (engine, analytic
formulas, planner) reads these objects, never raw attribute dicts.
All times are seconds, all rates per second. ``math.inf`` stands for unbounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Union

from sim.distributions import Distribution
from sim.model.settings import RunSettings

Routing = Literal["probabilistic", "round_robin", "random", "least_loaded",
                  "power_of_two", "broadcast"]
Overflow = Literal["reject", "drop_oldest", "block"]
Discipline = Literal["fifo", "lifo", "priority"]
Jitter = Literal["none", "full", "equal", "decorrelated"]
CallMode = Literal["sync", "async"]

ROUTINGS: tuple[str, ...] = ("probabilistic", "round_robin", "random", "least_loaded",
                             "power_of_two", "broadcast")
OVERFLOWS: tuple[str, ...] = ("reject", "drop_oldest", "block")
DISCIPLINES: tuple[str, ...] = ("fifo", "lifo", "priority")
JITTERS: tuple[str, ...] = ("none", "full", "equal", "decorrelated")


RunSpec = RunSettings  # the former name, kept for code that imports it


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before the n-th retry: ``min(max, initial * multiplier ** (n - 1))`` seconds."""

    initial: float
    multiplier: float = 2.0
    max: float = math.inf


@dataclass(frozen=True, slots=True)
class RetryBudget:
    """Retries allowed at most ``ratio`` x requests sent in the last ``window`` seconds,
    plus ``min_per_second`` x ``window`` (Finagle's RetryBudget; gRPC retry throttling)."""

    ratio: float = 0.1
    min_per_second: float = 0.0
    window: float = 10.0


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """How a sender retries a failed attempt; ``max_attempts`` counts the first one."""

    max_attempts: int = 1
    backoff: Backoff | None = None
    jitter: Jitter = "none"
    budget: RetryBudget | None = None


@dataclass(frozen=True, slots=True)
class CircuitBreaker:
    """Sender-side breaker (as resilience4j): opens when the failure ratio of the
    attempts resolved in the last ``window`` seconds reaches ``failure_ratio`` (with at
    least ``min_calls`` of them); refuses attempts for ``cooldown`` seconds; then lets
    ``probes`` attempts through (half-open) and closes if they all succeed."""

    failure_ratio: float = 0.5
    window: float = 10.0
    min_calls: int = 20
    cooldown: float = 5.0
    probes: int = 1


@dataclass(frozen=True, slots=True)
class Delivery:
    """Broker delivery semantics of a queue.

    ``at_most_once``: a message taken is gone. ``at_least_once``: a message taken
    and not acknowledged (processed) within ``visibility_timeout`` seconds becomes
    visible again (as SQS does); after ``max_receives`` receipts it is dead-lettered.
    """

    mode: Literal["at_most_once", "at_least_once"] = "at_most_once"
    visibility_timeout: float = 30.0
    max_receives: int = 10


@dataclass(frozen=True, slots=True)
class Autoscale:
    """Target tracking on a service (as cloud autoscalers do).

    Every ``interval`` seconds the ``metric`` (``utilization``: mean busy/servers over
    the interval; ``queue_length``: messages waiting per server now) is compared
    with ``target``; the desired count ``ceil(servers * metric / target)`` is clamped
    to [``min``, ``max``]. Scaling out waits ``cooldown`` seconds after the last change
    and new servers start serving ``startup`` seconds later; scaling in is immediate
    (a busy server retires after its current message).
    """

    metric: Literal["utilization", "queue_length"] = "utilization"
    target: float = 0.7
    min: int = 1
    max: int = 100
    interval: float = 30.0
    cooldown: float = 60.0
    startup: float = 0.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Token bucket: ``rate`` tokens per second, at most ``burst`` tokens stored."""

    rate: float
    burst: float


@dataclass(frozen=True, slots=True)
class Availability:
    """Up times (``mtbf``) and repair times (``mttr``) of a service, in seconds."""

    mtbf: Distribution
    mttr: Distribution


@dataclass(frozen=True, slots=True)
class BufferSpec:
    """A message buffer: a broker queue, or a service's own buffer.

    ``capacity`` counts messages waiting (not in service); ``math.inf`` is unbounded,
    0 makes a loss system. ``ttl`` (seconds) expires messages that wait longer;
    ``latency`` is the broker's delay before a message can be taken.
    """

    capacity: float = math.inf
    overflow: Overflow = "reject"
    discipline: Discipline = "fifo"
    ttl: float | None = None
    latency: Distribution | None = None
    delivery: Delivery | None = None
    partitions: int | None = None


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """A path from ``source`` to ``target``: routing probability ``p`` (None where
    unset on every edge of the source), network ``latency`` distribution or None.

    A call edge has ``call`` set (``sync`` or ``async``): ``visits`` calls per
    execution of the caller (an int, or a distribution rounded at each execution),
    ``timeout`` (s) on each reply of a sync call or None; it is never routed along.
    """

    source: str
    target: str
    p: float | None = None
    latency: Distribution | None = None
    call: CallMode | None = None
    visits: int | Distribution = 1
    timeout: float | None = None

    @property
    def name(self) -> str:
        """``"source->target"``, the key of a call edge's result entry."""
        return f"{self.source}->{self.target}"

    @property
    def mean_visits(self) -> float:
        """Mean calls per execution (a distribution's mean, before rounding)."""
        return float(self.visits) if isinstance(self.visits, int) else self.visits.mean


@dataclass(frozen=True, slots=True)
class SenderSpec:
    """Where requests are born: open (``rate``/``interarrival``/``trace``) or closed (``clients``)."""

    name: str
    rate: float | None = None
    interarrival: Distribution | None = None
    clients: int | None = None
    think: Distribution | None = None
    profile: tuple[tuple[float, float], ...] | None = None
    period: float | None = None
    trace: tuple[float, ...] | None = None
    timeout: float | None = None
    retry: RetrySpec = field(default_factory=RetrySpec)
    priority: int = 0
    rate_limit: RateLimit | None = None
    circuit_breaker: CircuitBreaker | None = None
    routing: Routing = "probabilistic"
    kind: Literal["sender"] = "sender"

    @property
    def is_closed(self) -> bool:
        return self.clients is not None

    @property
    def mean_rate(self) -> float | None:
        """Long-run open arrival rate (1/s) before profile multipliers; None if closed."""
        if self.rate is not None:
            return self.rate
        if self.interarrival is not None:
            return 1.0 / self.interarrival.mean if self.interarrival.mean > 0 else math.inf
        if self.trace:
            span = self.trace[-1] - self.trace[0]
            return (len(self.trace) - 1) / span if span > 0 else math.inf
        return None


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A message-broker queue; its successors (all services) consume from it."""

    name: str
    buffer: BufferSpec = field(default_factory=BufferSpec)
    routing: Routing = "probabilistic"
    kind: Literal["queue"] = "queue"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A worker pool: ``servers`` (int, or ``math.inf``) each taking ``service`` seconds.

    ``inputs`` lists the queues it consumes from in strict priority order.
    ``buffer`` is its own buffer, present when anything other than a queue feeds it.
    """

    name: str
    service: Distribution
    servers: float = 1
    inputs: tuple[str, ...] = ()
    buffer: BufferSpec | None = None
    error_rate: float = 0.0
    availability: Availability | None = None
    idempotent: bool = True
    autoscale: Autoscale | None = None
    routing: Routing = "probabilistic"
    kind: Literal["service"] = "service"


@dataclass(frozen=True, slots=True)
class RouterSpec:
    """An API gateway or load balancer: takes no time, only routes."""

    name: str
    rate_limit: RateLimit | None = None
    routing: Routing = "probabilistic"
    kind: Literal["router"] = "router"


NodeSpec = Union[SenderSpec, QueueSpec, ServiceSpec, RouterSpec]


@dataclass(frozen=True, slots=True)
class Model:
    """A validated model: nodes in file order, path edges in file order, and the call
    edges (``calls``, in file order) apart, so routing and traffic never see them.

    ``graph`` is the networkx DiGraph it was validated from (kept for drawing and
    for writing back); code reads ``nodes`` and ``edges``.
    """

    name: str
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    run: RunSettings = field(default_factory=RunSettings)
    description: str = ""
    graph: object = field(default=None, compare=False, repr=False)
    calls: tuple[EdgeSpec, ...] = ()

    _by_name: dict = field(default=None, init=False, compare=False, repr=False)
    _out: dict = field(default=None, init=False, compare=False, repr=False)
    _in: dict = field(default=None, init=False, compare=False, repr=False)
    _senders: tuple = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Index nodes and edges by name once, so ``node``, ``out_edges``, ``in_edges``,
        ``is_sink`` and ``senders`` take constant time (code walks every node's edges:
        scanning all of them each time made ``check`` quadratic in the model's size,
        benchmarks/load_scaling.py)."""
        out: dict[str, list[EdgeSpec]] = {}
        into: dict[str, list[EdgeSpec]] = {}
        for e in self.edges:
            out.setdefault(e.source, []).append(e)
            into.setdefault(e.target, []).append(e)
        object.__setattr__(self, "_by_name", {spec.name: spec for spec in self.nodes})
        object.__setattr__(self, "_out", {n: tuple(es) for n, es in out.items()})
        object.__setattr__(self, "_in", {n: tuple(es) for n, es in into.items()})
        object.__setattr__(self, "_senders",
                           tuple(n for n in self.nodes if isinstance(n, SenderSpec)))

    def calls_from(self, name: str) -> tuple[EdgeSpec, ...]:
        """The call edges leaving ``name``, in file order (empty for most nodes)."""
        return tuple(e for e in self.calls if e.source == name)

    def calls_into(self, name: str) -> tuple[EdgeSpec, ...]:
        return tuple(e for e in self.calls if e.target == name)

    def node(self, name: str) -> NodeSpec:
        return self._by_name[name]

    def out_edges(self, name: str) -> tuple[EdgeSpec, ...]:
        return self._out.get(name, ())

    def in_edges(self, name: str) -> tuple[EdgeSpec, ...]:
        return self._in.get(name, ())

    @property
    def senders(self) -> tuple[SenderSpec, ...]:
        return self._senders

    def is_sink(self, name: str) -> bool:
        return name not in self._out
