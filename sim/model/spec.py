"""Frozen, typed specifications of a validated model.

``sim.model.validate`` turns a ``networkx.DiGraph`` with the model format's attribute
keys into a :class:`Model`; everything after validation (engine, analytic
formulas, planner) reads these objects, never raw attribute dicts.
All times are seconds, all rates per second. ``math.inf`` stands for unbounded.

This module holds the value types several kinds share and the :class:`Model`; each
kind's own spec (``SenderSpec``, ``QueueSpec``, ``ServiceSpec``, ``RouterSpec``,
``PoolSpec``, ``CacheSpec``) lives
in its module of :mod:`sim.model.kinds`, next to its key table and builder, and
``NodeSpec`` (their union) in :mod:`sim.model.kinds`. They can still be imported from
here: :func:`__getattr__` fetches them on first use, so the kind modules (which import
the shared types from here) never meet a half-initialised module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sim.distributions import Distribution
from sim.model.settings import RunSettings

if TYPE_CHECKING:
    from sim.model.kinds import NodeSpec
    from sim.model.kinds.sender import SenderSpec

Routing = Literal["probabilistic", "round_robin", "random", "least_loaded",
                  "power_of_two", "broadcast", "consistent_hash"]
Overflow = Literal["reject", "drop_oldest", "block"]
Discipline = Literal["fifo", "lifo", "priority", "adaptive_lifo", "preemptive", "ps"]
Jitter = Literal["none", "full", "equal", "decorrelated"]
CallMode = Literal["sync", "async"]

ROUTINGS: tuple[str, ...] = ("probabilistic", "round_robin", "random", "least_loaded",
                             "power_of_two", "broadcast", "consistent_hash")
OVERFLOWS: tuple[str, ...] = ("reject", "drop_oldest", "block")
DISCIPLINES: tuple[str, ...] = ("fifo", "lifo", "priority", "adaptive_lifo", "preemptive", "ps")
SERVICE_DISCIPLINES: tuple[str, ...] = ("preemptive", "ps")
"""Disciplines of the servers themselves: only on a service fed directly."""
JITTERS: tuple[str, ...] = ("none", "full", "equal", "decorrelated")


RunSpec = RunSettings  # the former name, kept for code that imports it

_MOVED = {"SenderSpec": "sim.model.kinds.sender", "QueueSpec": "sim.model.kinds.queue",
          "ServiceSpec": "sim.model.kinds.service", "RouterSpec": "sim.model.kinds.router",
          "PoolSpec": "sim.model.kinds.pool", "CacheSpec": "sim.model.kinds.cache",
          "NodeSpec": "sim.model.kinds"}
"""Names that moved to the kind modules, and where each lives now."""


def __getattr__(name: str):
    """``from sim.model.spec import ServiceSpec`` (and the other kind specs, and
    ``NodeSpec``) still works: the name is read from its kind module on first use."""
    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)


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
class AdaptiveLimit:
    """An adaptive bulkhead on a call edge (as Netflix's concurrency-limits): the
    ``adaptive`` algorithm (``aimd`` or ``gradient``) moves the limit (calls
    outstanding) within ``[min, max]`` from ``initial``; AIMD multiplies it by
    ``backoff`` on a failure, a timeout or a round trip above ``threshold`` (s)."""

    adaptive: str
    min: int = 1
    max: int = 200
    initial: int = 20
    backoff: float = 0.9
    threshold: float | None = None


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
class Batch:
    """Batched service: a server takes up to ``size`` messages at once, waiting at most
    ``window`` seconds after the first for more; the batch takes the service time plus
    ``per_item`` for each message; ``partial`` makes an error fail each message on its
    own instead of the whole batch."""

    size: int
    window: float = 0.0
    per_item: Distribution | None = None
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Availability:
    """Up times (``mtbf``) and repair times (``mttr``) of a service, in seconds."""

    mtbf: Distribution
    mttr: Distribution


@dataclass(frozen=True, slots=True)
class Shed:
    """CoDel load shedding at dequeue (Nichols & Jacobson 2012; RFC 8289): drop while
    the sojourn has stayed above ``target`` seconds for ``interval`` seconds."""

    target: float
    interval: float


@dataclass(frozen=True, slots=True)
class BufferSpec:
    """A message buffer: a broker queue, or a service's own buffer.

    ``capacity`` counts messages waiting (not in service); ``math.inf`` is unbounded,
    0 makes a loss system. ``ttl`` (seconds, or a Distribution of each message's
    patience, drawn at arrival) expires messages that wait longer; ``balk`` is
    ``((n, p), ...)`` by increasing n: an arrival finding n or more waiting is refused
    with probability p (the largest n not above the number waiting applies);
    ``latency`` is the broker's delay before a message can be taken. ``lifo_above``
    (messages) is the parameter of ``discipline: adaptive_lifo``; ``shed`` turns on
    CoDel shedding at dequeue.
    """

    capacity: float = math.inf
    overflow: Overflow = "reject"
    discipline: Discipline = "fifo"
    ttl: float | Distribution | None = None
    latency: Distribution | None = None
    delivery: Delivery | None = None
    partitions: int | None = None
    lifo_above: int | None = None
    shed: Shed | None = None
    balk: tuple[tuple[int, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """A path from ``source`` to ``target``: routing probability ``p`` (None where
    unset on every edge of the source), network ``latency`` distribution or None.

    A call edge has ``call`` set (``sync`` or ``async``): ``visits`` calls per
    execution of the caller (an int, or a distribution rounded at each execution),
    ``timeout`` (s) on each reply of a sync call or None; it is never routed along.
    ``max_in_flight`` caps the calls outstanding on it (a bulkhead), ``hedge`` (s) sends
    one more copy of an unanswered sync call, ``retry`` retries a failed sync call.
    ``when`` (``hit`` or ``miss``) marks the two edges out of a cache.
    """

    source: str
    target: str
    p: float | None = None
    latency: Distribution | None = None
    call: CallMode | None = None
    visits: int | Distribution = 1
    timeout: float | None = None
    max_in_flight: int | AdaptiveLimit | None = None
    hedge: float | None = None
    retry: RetrySpec | None = None
    when: Literal["hit", "miss"] | None = None
    classes: tuple[str, ...] | None = None
    p_by_class: tuple[tuple[str, float], ...] | None = None
    switch: tuple[tuple[str, str], ...] | None = None

    @property
    def classed(self) -> bool:
        """Whether the edge treats request classes apart (``classes``, a ``p`` by class
        or ``switch``)."""
        return (self.classes is not None or self.p_by_class is not None
                or self.switch is not None)

    def takes(self, cls: str) -> bool:
        """Whether a request of class ``cls`` may take the edge."""
        return self.classes is None or cls in self.classes

    def p_for(self, cls: str) -> float | None:
        """The routing probability of class ``cls`` on the edge (None where unset)."""
        if self.p_by_class is not None:
            return dict(self.p_by_class).get(cls)
        return self.p

    def switched(self, cls: str) -> str:
        """The class a request of class ``cls`` has after taking the edge."""
        if self.switch is None:
            return cls
        return dict(self.switch).get(cls, cls)

    @property
    def guarded(self) -> bool:
        """Whether the edge has a bulkhead, hedging or retries (its own runtime)."""
        return (self.max_in_flight is not None or self.hedge is not None
                or self.retry is not None)

    @property
    def name(self) -> str:
        """``"source->target"``, the key of a call edge's result entry."""
        return f"{self.source}->{self.target}"

    @property
    def mean_visits(self) -> float:
        """Mean calls per execution (a distribution's mean, before rounding)."""
        return float(self.visits) if isinstance(self.visits, int) else self.visits.mean


@dataclass(frozen=True, slots=True)
class Model:
    """A validated model: nodes in file order, path edges in file order, and the call
    edges (``calls``, in file order) apart, so routing and traffic never see them.

    ``graph`` is the networkx DiGraph it was validated from (kept for drawing and
    for writing back); code reads ``nodes`` and ``edges``. ``scenario`` is its
    :class:`sim.model.scenario.Scenario` (timed changes), or None.
    """

    name: str
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    run: RunSettings = field(default_factory=RunSettings)
    description: str = ""
    graph: object = field(default=None, compare=False, repr=False)
    calls: tuple[EdgeSpec, ...] = ()
    scenario: object = None
    classes: tuple[str, ...] = ()
    classed: bool = False
    class_reach: dict = field(default=None, compare=False, repr=False)
    slo: tuple = ()
    """The service-level objectives judged window by window (sim.model.slo.SloSpec)."""

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
                           tuple(n for n in self.nodes if n.kind == "sender"))

    def classes_at(self, name: str) -> tuple[str, ...]:
        """The request classes that can reach node ``name`` (in :attr:`classes` order).

        ``classes`` are the classes of requests: each sender's (its name unless it has
        ``class``) and every class a ``switch`` turns one into; ``classed`` says whether
        the model names classes at all (``class``, ``classes``, a ``p`` by class,
        ``switch``, a ``service`` by class), so that a model without them is simulated
        without any class bookkeeping.
        """
        if self.class_reach is None:
            return ()
        return self.class_reach.get(name, ())

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

    @property
    def key_count(self) -> int:
        """Keys in the largest key space of the senders (0 when none has keys): keys are
        the integers below it, shared by every keyed sender."""
        return max((s.keys.count for s in self._senders if s.keys is not None), default=0)
