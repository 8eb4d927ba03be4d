"""The arrays of one replication of a model for the compiled kernel, and their upkeep
between calls of the kernel: streams refilled, sample buffers folded into
:class:`~sim.metrics.stats.SampleStats`, tables grown.

Streams are the SimPy engine's (sim.engine.kinds.base.Streams): one per (node,
purpose), each drawn ``BATCH`` values at a time with the distribution's own
``sample``, so both engines see the same numbers in the same order.
"""

from __future__ import annotations

import math

import numpy as np

from sim.distributions import Exponential
from sim.engine.arrivals import profile_segments
from sim.engine.compiled import layout as L
from sim.engine.keys import key_draws, owner_table
from sim.metrics.stats import SampleStats
from sim.rng import Purpose, generator

__all__ = ["Built", "build_state", "service_state"]

BATCH = 4096
"""Values drawn per refill of a stream (as ``Distribution.stream``)."""
STAT_CAPACITY = 8192
"""Samples a statistic buffers in the kernel before they are folded in Python."""
INFINITE_SERVERS = 1 << 62


class Built:
    """One replication's state and what reads it: node and buffer indices, the
    SampleStats behind each statistic id, and the stream sources for refills."""

    def __init__(self, model, seed: int = 1, replication: int = 0) -> None:
        self.model, self.seed, self.replication = model, seed, replication
        self.index = {spec.name: i for i, spec in enumerate(model.nodes)}
        self.buffer_of: dict[str, int] = {}
        self.stats: list[SampleStats] = []
        self.sources: list = []
        self.segments: list[tuple[float, float, float]] = []
        self.budgets = 0          # pairs of rows of rw: retry budgets and breakers
        self.sharing = 0
        self.balks: list[tuple[float, float]] = []
        self.state: L.State | None = None

    def stat(self, stats: SampleStats | None = None) -> int:
        self.stats.append(stats if stats is not None else SampleStats())
        return len(self.stats) - 1

    def stream(self, source) -> int:
        """A new stream drawing batches from ``source()``."""
        self.sources.append(source)
        return len(self.sources) - 1


def _dist_source(dist, rng):
    return lambda: np.asarray(dist.sample(rng, BATCH), dtype=np.float64)


def _uniform_source(rng):
    return lambda: rng.random(BATCH)


def _sender_row(b: Built, spec, ni, nf, seed, rep) -> None:
    i = b.index[spec.name]
    ni[i, L.N_KIND] = L.K_SENDER
    ni[i, L.N_CLOSED] = int(spec.is_closed)
    ni[i, L.N_CLIENTS] = spec.clients or 0
    ni[i, L.N_PRIO] = spec.priority
    ni[i, L.N_DRAW] = -1
    if spec.is_closed:
        if spec.think is not None:
            ni[i, L.N_DRAW] = b.stream(_dist_source(
                spec.think, generator(seed, rep, spec.name, Purpose.THINK)))
    else:
        base = spec.interarrival or Exponential(mean=1.0 / spec.rate)
        ni[i, L.N_DRAW] = b.stream(_dist_source(
            base, generator(seed, rep, spec.name, Purpose.ARRIVAL)))
    nf[i, L.F_TIMEOUT] = math.inf if spec.timeout is None else spec.timeout
    retry = spec.retry
    ni[i, L.N_MAX_ATTEMPTS] = retry.max_attempts
    ni[i, L.N_RSTREAM] = -1
    nf[i, L.F_B_INITIAL] = math.inf
    if retry.backoff is not None and not math.isinf(retry.backoff.initial):
        nf[i, L.F_B_INITIAL] = retry.backoff.initial
        nf[i, L.F_B_MULTIPLIER] = retry.backoff.multiplier
        nf[i, L.F_B_MAX] = retry.backoff.max
        ni[i, L.N_JITTER] = L.JITTER_CODES[retry.jitter]
        if retry.jitter != "none":
            ni[i, L.N_RSTREAM] = b.stream(_uniform_source(
                generator(seed, rep, spec.name, Purpose.RETRY)))
    nf[i, L.F_SPIN_AT] = -1.0
    ni[i, L.N_RING] = -1
    if retry.budget is not None:
        ni[i, L.N_RING] = 2 * b.budgets
        b.budgets += 1
        nf[i, L.F_BUDGET_RATIO] = retry.budget.ratio
        nf[i, L.F_BUDGET_WINDOW] = retry.budget.window
        nf[i, L.F_BUDGET_RESERVE] = retry.budget.min_per_second * retry.budget.window
    _breaker(b, spec, i, ni, nf)
    _rate_limit(spec, i, ni, nf)
    if spec.profile:
        _profile_rows(b, spec, i, ni, nf)
    ni[i, L.N_STAT_TIME] = b.stat()
    ni[i, L.N_STAT_WAIT] = b.stat()


def _breaker(b: Built, spec, i: int, ni, nf) -> None:
    """The sender's circuit breaker (sim.engine.guards.Breaker), closed, with a pair of
    rows of ``rw`` for the outcomes in its window."""
    ni[i, L.N_CB_RING] = -1
    cb = spec.circuit_breaker
    if cb is None:
        return
    ni[i, L.N_CB_RING] = 2 * b.budgets
    b.budgets += 1
    ni[i, L.N_CB_STATE] = L.CB_CLOSED
    ni[i, L.N_CB_MIN_CALLS] = cb.min_calls
    ni[i, L.N_CB_PROBES] = cb.probes
    nf[i, L.F_CB_RATIO] = cb.failure_ratio
    nf[i, L.F_CB_WINDOW] = cb.window
    nf[i, L.F_CB_COOLDOWN] = cb.cooldown


def _profile_rows(b: Built, spec, i: int, ni, nf) -> None:
    """The sender's rate profile as segments (start, multiplier, end), laid out by
    sim.engine.arrivals.profile_segments as for the SimPy engine."""
    starts, mults, bounds, cycle_work = profile_segments(spec.profile, spec.period)
    ni[i, L.N_P0] = len(b.segments)
    b.segments.extend(zip(starts, mults, bounds))
    ni[i, L.N_P1] = len(b.segments)
    nf[i, L.F_PERIOD] = float(spec.period) if spec.period else 0.0
    nf[i, L.F_CYCLE_WORK] = cycle_work


def _rate_limit(spec, i: int, ni, nf) -> None:
    """The node's token bucket (sim.engine.router.TokenBucket), full at time 0."""
    if spec.rate_limit is None:
        return
    ni[i, L.N_LIMITED] = 1
    nf[i, L.F_TB_RATE] = spec.rate_limit.rate
    nf[i, L.F_TB_BURST] = nf[i, L.F_TB_TOKENS] = spec.rate_limit.burst


def _buffer_rows(b: Built, specs) -> tuple[np.ndarray, np.ndarray]:
    """One buffer per queue and per service with its own buffer, in node order."""
    owners = [s for s in specs if s.kind == "queue" or getattr(s, "buffer", None) is not None
              and s.kind == "service"]
    bi = np.full((len(owners), L.B_COLUMNS), 0, dtype=np.int64)
    bf = np.zeros((len(owners), L.BF_COLUMNS))
    for k, spec in enumerate(owners):
        buf = spec.buffer
        b.buffer_of[spec.name] = k
        bi[k, L.B_CAPACITY] = L.UNBOUNDED if math.isinf(buf.capacity) else int(buf.capacity)
        bi[k, L.B_OVERFLOW] = L.OVERFLOW_CODES[buf.overflow]
        bi[k, L.B_DISCIPLINE] = L.DISCIPLINE_CODES[buf.discipline]
        bi[k, L.B_HEAD] = bi[k, L.B_TAIL] = -1
        bi[k, L.B_BHEAD] = bi[k, L.B_BTAIL] = -1
        bi[k, L.B_OWNER] = b.index[spec.name] if spec.kind == "service" else -1
        bi[k, L.B_STAT] = -1 if spec.kind == "service" else b.stat()
        bi[k, L.B_PATIENCE] = -1
        bi[k, L.B_LIFO_ABOVE] = buf.lifo_above if buf.lifo_above is not None else 0
        bi[k, L.B_LSTREAM] = -1
        if buf.latency is not None:
            bi[k, L.B_LSTREAM] = b.stream(_dist_source(
                buf.latency, generator(b.seed, b.replication, spec.name, Purpose.LATENCY)))
        bf[k, L.BF_TTL] = math.inf
        if isinstance(buf.ttl, (int, float)):
            bf[k, L.BF_TTL] = float(buf.ttl)
        elif buf.ttl is not None:
            bi[k, L.B_PATIENCE] = b.stream(_dist_source(
                buf.ttl, generator(b.seed, b.replication, spec.name, Purpose.MISC, 1)))
        _balk_rows(b, spec.name, buf, bi, k)
    return bi, bf


def _balk_rows(b: Built, name: str, buf, bi, k: int) -> None:
    """Buffer ``k``'s balking points as rows of ``bk``, and its stream of decisions
    (sim.engine.kinds.queue.make_owned_buffer: MISC, extra 2)."""
    bi[k, L.B_BALK0] = bi[k, L.B_BALK1] = len(b.balks)
    bi[k, L.B_BSTREAM] = -1
    if buf.balk is None:
        return
    b.balks.extend((float(n), float(p)) for n, p in buf.balk)
    bi[k, L.B_BALK1] = len(b.balks)
    bi[k, L.B_BSTREAM] = b.stream(_uniform_source(
        generator(b.seed, b.replication, name, Purpose.MISC, 2)))


def _service_row(b: Built, spec, ni, nf, bi, seed, rep) -> None:
    i = b.index[spec.name]
    ni[i, L.N_KIND] = L.K_SERVICE
    ni[i, L.N_SERVERS] = INFINITE_SERVERS if math.isinf(spec.servers) else int(spec.servers)
    ni[i, L.N_STAT_WAIT] = b.stat()
    ni[i, L.N_STAT_TIME] = b.stat()
    ni[i, L.N_DRAW] = b.stream(_dist_source(
        spec.service, generator(seed, rep, spec.name, Purpose.SERVICE)))
    ni[i, L.N_ESTREAM] = -1
    if spec.error_rate > 0:
        nf[i, L.F_ERROR_RATE] = spec.error_rate
        ni[i, L.N_ESTREAM] = b.stream(_uniform_source(
            generator(seed, rep, spec.name, Purpose.ERROR)))
    _availability(b, spec, i, ni)
    own = b.buffer_of.get(spec.name, -1)
    ni[i, L.N_BUF] = own
    if own >= 0:
        bi[own, L.B_STAT] = ni[i, L.N_STAT_WAIT]
    _serving(b, spec, i, ni)


def _availability(b: Built, spec, i: int, ni) -> None:
    """A service that breaks down: its up times (mtbf, stream FAILURE) and down times
    (mttr, stream REPAIR), as sim.engine.kinds.service.build draws them."""
    ni[i, L.N_PROVISIONED] = ni[i, L.N_SERVERS]
    if spec.availability is None:
        return
    ni[i, L.N_BREAKS] = 1
    ni[i, L.N_UP_DRAW] = b.stream(_dist_source(spec.availability.mtbf, generator(
        b.seed, b.replication, spec.name, Purpose.FAILURE)))
    ni[i, L.N_DOWN_DRAW] = b.stream(_dist_source(spec.availability.mttr, generator(
        b.seed, b.replication, spec.name, Purpose.REPAIR)))


def _serving(b: Built, spec, i: int, ni) -> None:
    """How the service's servers serve: a ps service gets its row of jobs (``jh``), a
    preemptive one an empty list of messages in service and its front counter."""
    ni[i, L.N_SERVE] = L.SERVE_CODES[spec.discipline]
    if spec.discipline == "ps":
        ni[i, L.N_JH] = b.sharing
        b.sharing += 1
    ni[i, L.N_RUN_HEAD] = ni[i, L.N_RUN_TAIL] = -1
    ni[i, L.N_FRONT] = -2


def _wire(b: Built, ni, bi) -> tuple[np.ndarray, np.ndarray]:
    """Services' inputs (own buffer first, then queues in ``inputs`` order) and each
    buffer's consumers (services in node order, as the SimPy engine wires them)."""
    model = b.model
    inputs: list[int] = []
    consumers: dict[int, list[int]] = {k: [] for k in range(bi.shape[0])}
    for spec in model.nodes:
        if spec.kind != "service":
            continue
        i = b.index[spec.name]
        ni[i, L.N_IN0] = len(inputs)
        if spec.name in b.buffer_of:
            own = b.buffer_of[spec.name]
            inputs.append(own)
            consumers[own].append(i)
        for q in spec.inputs:
            inputs.append(b.buffer_of[q])
            consumers[b.buffer_of[q]].append(i)
        ni[i, L.N_IN1] = len(inputs)
    cons: list[int] = []
    for k in range(bi.shape[0]):
        bi[k, L.B_C0] = len(cons)
        cons.extend(consumers[k])
        bi[k, L.B_C1] = len(cons)
    return np.array(inputs, dtype=np.int64), np.array(cons, dtype=np.int64)


def _edges(b: Built, ni, seed, rep) -> tuple[np.ndarray, np.ndarray]:
    """Out-edges of every routing node in edge order, with routing streams."""
    model = b.model
    rows, cum = [], []
    for spec in model.nodes:
        i = b.index[spec.name]
        ni[i, L.N_ROUTING] = L.ROUTING_CODES[spec.routing]
        ni[i, L.N_USTREAM] = -1
        ni[i, L.N_E0] = ni[i, L.N_E1] = len(rows)
        if spec.kind == "queue":
            continue
        edges = model.out_edges(spec.name)
        given = [e.p for e in edges]
        probs = given if edges and None not in given else [1.0 / max(len(edges), 1)] * len(edges)
        total = 0.0
        for k, e in enumerate(edges):
            total += probs[k]
            cum.append(1.0 + 1e-12 if k == len(edges) - 1 else total)
            latency = -1
            if e.latency is not None:
                latency = b.stream(_dist_source(e.latency, generator(
                    seed, rep, f"{e.source}->{e.target}", Purpose.EDGE)))
            rows.append((b.index[e.target], latency))
        ni[i, L.N_E1] = len(rows)
        if len(edges) > 1:
            ni[i, L.N_USTREAM] = b.stream(_uniform_source(
                generator(seed, rep, spec.name, Purpose.ROUTING)))
    ei = np.array(rows, dtype=np.int64).reshape(len(rows), L.E_COLUMNS)
    ef = np.array(cum, dtype=np.float64).reshape(len(cum), L.EF_COLUMNS)
    return ei, ef


def _pulls(b: Built, ni, bi, inputs, cons) -> tuple[np.ndarray, np.ndarray]:
    """The stream of each pull with latency (an edge from a queue to a service that
    consumes it; sim.engine.transit.PullTransit), for each entry of ``inputs`` and of
    ``cons`` (-1 where the pull takes no time)."""
    model = b.model
    streams: dict[tuple[int, int], int] = {}
    for e in model.edges:
        if e.latency is not None and model.node(e.source).kind == "queue":
            streams[b.index[e.target], b.buffer_of[e.source]] = b.stream(_dist_source(
                e.latency, generator(b.seed, b.replication, f"{e.source}->{e.target}",
                                     Purpose.EDGE)))
    pin = np.full(inputs.size, -1, dtype=np.int64)
    for i in range(ni.shape[0]):
        for k in range(ni[i, L.N_IN0], ni[i, L.N_IN1]):
            pin[k] = streams.get((i, int(inputs[k])), -1)
    pcons = np.full(cons.size, -1, dtype=np.int64)
    for q in range(bi.shape[0]):
        for k in range(bi[q, L.B_C0], bi[q, L.B_C1]):
            pcons[k] = streams.get((int(cons[k]), q), -1)
    return pin, pcons


def _key_source(space, rng):
    """Batches of a keyed sender's keys, drawn by sim.engine.keys.key_draws itself (the
    SimPy engine's draws, value for value), as floats (keys < 2**53 are exact)."""
    draw = key_draws(rng, space)
    return lambda: np.fromiter((draw() for _ in range(BATCH)), dtype=np.float64, count=BATCH)


def _keys_and_joins(b: Built, ni, inputs: np.ndarray) -> np.ndarray:
    """Each broadcast's quorum, each keyed sender's key stream, and the owner table of
    each consistent-hash node with several successors (sim.engine.keys.owner_table,
    as edge offsets), laid end to end after the services' ``inputs``; returns them."""
    model = b.model
    tables = [inputs]
    rows = len(inputs)
    for spec in model.nodes:
        i = b.index[spec.name]
        ni[i, L.N_QUORUM] = getattr(spec, "quorum", None) or 0
        ni[i, L.N_KT] = ni[i, L.N_KSTREAM] = -1
        if spec.kind == "sender" and spec.keys is not None:
            ni[i, L.N_KSTREAM] = b.stream(_key_source(
                spec.keys, generator(b.seed, b.replication, spec.name, Purpose.KEY)))
        edges = model.out_edges(spec.name)
        if spec.routing == "consistent_hash" and len(edges) > 1:
            ni[i, L.N_KT] = rows
            tables.append(np.array(owner_table(model.key_count, [e.target for e in edges],
                                               spec.replicas), dtype=np.int64))
            rows += model.key_count
    return np.concatenate(tables)


def build_state(model, seed: int, replication: int, warmup: float) -> Built:
    """The state of replication ``replication`` of ``model`` (a covered, validated model)."""
    b = Built(model, seed, replication)
    n = len(model.nodes)
    ni = np.zeros((n, L.N_COLUMNS), dtype=np.int64)
    nf = np.zeros((n, L.F_COLUMNS))
    for spec in model.nodes:
        if spec.kind == "sender":
            _sender_row(b, spec, ni, nf, seed, replication)
        else:
            ni[b.index[spec.name], L.N_BUF] = -1
    bi, bf = _buffer_rows(b, model.nodes)
    for spec in model.nodes:
        i = b.index[spec.name]
        if spec.kind == "service":
            _service_row(b, spec, ni, nf, bi, seed, replication)
        elif spec.kind == "queue":
            ni[i, L.N_KIND] = L.K_QUEUE
            ni[i, L.N_BUF] = b.buffer_of[spec.name]
        elif spec.kind == "router":
            ni[i, L.N_KIND] = L.K_ROUTER
            _rate_limit(spec, i, ni, nf)
    ei, ef = _edges(b, ni, seed, replication)
    inputs, cons = _wire(b, ni, bi)
    pin, pcons = _pulls(b, ni, bi, inputs, cons)
    inputs = _keys_and_joins(b, ni, inputs)
    clients = sum(s.clients or 0 for s in model.nodes if s.kind == "sender")
    streams = len(b.sources)
    g = np.zeros(L.G_COLUMNS, dtype=np.int64)
    g[L.G_ERROR_NODE] = -1
    g[L.G_BLOCKING] = int(bool((bi[:, L.B_OVERFLOW] == L.O_BLOCK).any()))
    g[L.G_NESTED] = int(any(getattr(s, "quorum", None) for s in model.nodes))
    timeouts = {nf[b.index[spec.name], L.F_TIMEOUT] for spec in model.senders
                if math.isfinite(nf[b.index[spec.name], L.F_TIMEOUT])}
    g[L.G_TQ_ON] = int(len(timeouts) == 1)
    gf = np.zeros(L.GF_COLUMNS)
    gf[L.GF_WARMUP] = warmup
    events = 1024 + 2 * clients + 2 * L.HEAP_MARGIN
    b.state = L.State(
        ni=ni, nf=nf, bi=bi, bf=bf,
        mi=np.zeros((0, L.M_COLUMNS), dtype=np.int64), mf=np.zeros((0, L.MF_COLUMNS)),
        ri=np.zeros((0, L.Q_COLUMNS), dtype=np.int64), rf=np.zeros((0, L.QF_COLUMNS)),
        mfree=np.zeros(0, dtype=np.int64), rfree=np.zeros(0, dtype=np.int64),
        ht=np.zeros(events), hi=np.zeros((events, L.H_COLUMNS), dtype=np.int64),
        sd=np.zeros((max(streams, 1), 2 * BATCH)), sp=np.zeros(max(streams, 1), dtype=np.int64),
        sl=np.zeros(max(streams, 1), dtype=np.int64),
        sb=np.zeros((len(b.stats), STAT_CAPACITY)), sn=np.zeros(len(b.stats), dtype=np.int64),
        g=g, gf=gf, ei=ei, ef=ef, inputs=inputs, cons=cons,
        lost=np.zeros((256, L.W_COLUMNS), dtype=np.int64),
        pf=np.array(b.segments or [(0.0, 0.0, 0.0)], dtype=np.float64).reshape(-1, L.PF_COLUMNS),
        rw=np.zeros((max(2 * b.budgets, 1), 1024)),
        jh=np.zeros((max(b.sharing, 1), 0), dtype=np.int64),
        pin=pin, pcons=pcons, cs=np.zeros((1, L.CS_COLUMNS), dtype=np.int64),
        bk=np.array(b.balks or [(0.0, 0.0)], dtype=np.float64).reshape(-1, L.BK_COLUMNS),
        tq=np.zeros(events), tj=np.zeros((events, L.TJ_COLUMNS), dtype=np.int64))
    for k in range(streams):
        _refill(b.state, b.sources, k)
    service_state(b, force_slots=max(1024, 2 * clients))
    if any(spec.routing == "broadcast" for spec in model.nodes):
        b.state.g[L.G_ROOM] = L.FORK_MARGIN
        _grow_for_forks(b)
    return b


def _refill(s: L.State, sources: list, k: int) -> None:
    """Keep the values not yet used of stream ``k`` and append its next batch."""
    left = s.sl[k] - s.sp[k]
    s.sd[k, :left] = s.sd[k, s.sp[k]:s.sl[k]]
    s.sd[k, left:left + BATCH] = sources[k]()
    s.sp[k], s.sl[k] = 0, left + BATCH


def flush_stats(b: Built) -> None:
    """Fold every statistic's kernel buffer into its SampleStats."""
    s = b.state
    for k in np.flatnonzero(s.sn):
        b.stats[k].add_batch(s.sb[k, :s.sn[k]].copy())
    s.sn[:] = 0
    s.g[L.G_FLUSH] = 0


def _grow_rows(arr: np.ndarray, extra: int) -> np.ndarray:
    return np.concatenate([arr, np.zeros((extra,) + arr.shape[1:], dtype=arr.dtype)])


def _grow_slots(rows_i, rows_f, free, top: int, extra: int):
    """``extra`` more slots (message or request rows), all pushed on the free stack."""
    start = rows_i.shape[0]
    rows_i, rows_f = _grow_rows(rows_i, extra), _grow_rows(rows_f, extra)
    free = np.concatenate([free[:top], np.arange(start, start + extra, dtype=np.int64)])
    free = np.concatenate([free, np.zeros(start + extra - free.size, dtype=np.int64)])
    return rows_i, rows_f, free


def _grown_timers(s: L.State) -> tuple[np.ndarray, np.ndarray]:
    """The timer ring at twice the room, laid out from its oldest entry."""
    head, tail, size = int(s.g[L.G_TQ_HEAD]), int(s.g[L.G_TQ_TAIL]), s.tq.shape[0]
    order = np.arange(head, tail) % size
    tq, tj = np.zeros(2 * size), np.zeros((2 * size, L.TJ_COLUMNS), dtype=np.int64)
    tq[:tail - head], tj[:tail - head] = s.tq[order], s.tj[order]
    s.g[L.G_TQ_HEAD], s.g[L.G_TQ_TAIL] = 0, tail - head
    return tq, tj


def _grown_rings(s: L.State) -> np.ndarray:
    """The rings of the retry budgets and circuit breakers at twice the room, each laid
    out from its oldest entry (a breaker's two rows share one head and tail)."""
    cap = s.rw.shape[1]
    out = np.zeros((s.rw.shape[0], 2 * cap))
    senders = s.ni[:, L.N_KIND] == L.K_SENDER
    for i in np.flatnonzero(senders & (s.ni[:, L.N_RING] >= 0)):
        row = s.ni[i, L.N_RING]
        for offset, head_col, tail_col in ((0, L.N_RQ_HEAD, L.N_RQ_TAIL),
                                           (1, L.N_RT_HEAD, L.N_RT_TAIL)):
            head, tail = s.ni[i, head_col], s.ni[i, tail_col]
            out[row + offset, :tail - head] = s.rw[row + offset, np.arange(head, tail) % cap]
            s.ni[i, head_col], s.ni[i, tail_col] = 0, tail - head
    for i in np.flatnonzero(senders & (s.ni[:, L.N_CB_RING] >= 0)):
        row = s.ni[i, L.N_CB_RING]
        head, tail = s.ni[i, L.N_CB_HEAD], s.ni[i, L.N_CB_TAIL]
        for r in (row, row + 1):
            out[r, :tail - head] = s.rw[r, np.arange(head, tail) % cap]
        s.ni[i, L.N_CB_HEAD], s.ni[i, L.N_CB_TAIL] = 0, tail - head
    return out



def service_state(b: Built, force_slots: int = 0) -> None:
    """What the kernel asked for (NEEDS_SERVICE): refill low streams, fold full sample
    buffers, double any table near full (messages, requests, heap, lost attempts). The
    cascade stack (kernel._cascade) keeps two frames per message slot: a cascade nests
    one level deeper per held message it admits."""
    s = b.state
    if s.g[L.G_LOW]:
        for k in np.flatnonzero(s.sp >= s.sl - L.DRAW_MARGIN):
            _refill(s, b.sources, int(k))
        s.g[L.G_LOW] = 0
    if s.g[L.G_FLUSH]:
        flush_stats(b)
    changes = {}
    if s.g[L.G_MTOP] < L.SLOT_MARGIN or force_slots:
        extra = max(force_slots, s.mi.shape[0])
        changes["mi"], changes["mf"], changes["mfree"] = _grow_slots(
            s.mi, s.mf, s.mfree, int(s.g[L.G_MTOP]), extra)
        s.g[L.G_MTOP] += extra
    if s.g[L.G_RTOP] < L.SLOT_MARGIN or force_slots:
        extra = max(force_slots, s.ri.shape[0])
        ri, rf, free = _grow_slots(s.ri, s.rf, s.rfree, int(s.g[L.G_RTOP]), extra)
        ri[-extra:, L.Q_STATE] = L.FREE
        changes["ri"], changes["rf"], changes["rfree"] = ri, rf, free
        s.g[L.G_RTOP] += extra
    if s.g[L.G_HEAP] >= s.ht.shape[0] - L.HEAP_MARGIN:
        changes["ht"], changes["hi"] = _grow_rows(s.ht, s.ht.size), _grow_rows(s.hi, s.ht.size)
    if s.g[L.G_TQ_TAIL] - s.g[L.G_TQ_HEAD] >= s.tq.shape[0] - L.HEAP_MARGIN:
        changes["tq"], changes["tj"] = _grown_timers(s)
    if s.g[L.G_RINGS_FULL]:
        changes["rw"] = _grown_rings(s)
        s.g[L.G_RINGS_FULL] = 0
    if s.g[L.G_FTOP] >= s.lost.shape[0] - L.SLOT_MARGIN:
        changes["lost"] = _grow_rows(s.lost, s.lost.shape[0])
    if "mi" in changes:
        changes["jh"] = _widened(s.jh, changes["mi"].shape[0])
    rows = 2 * changes.get("mi", s.mi).shape[0] + 16
    if s.g[L.G_BLOCKING] and s.cs.shape[0] < rows:
        changes["cs"] = np.zeros((rows, L.CS_COLUMNS), dtype=np.int64)
    if changes:
        b.state = s = s._replace(**changes)
    if s.g[L.G_GROW] or s.g[L.G_MTOP] < s.g[L.G_ROOM]:
        _grow_for_forks(b)


def _grow_for_forks(b: Built) -> None:
    """Room for the copies one event may fork (layout.FORK_MARGIN): free message slots
    (copies and joins) and free rows of the work stack ``lost``."""
    s = b.state
    changes = {}
    if s.g[L.G_MTOP] < L.FORK_MARGIN:
        extra = max(L.FORK_MARGIN, s.mi.shape[0])
        changes["mi"], changes["mf"], changes["mfree"] = _grow_slots(
            s.mi, s.mf, s.mfree, int(s.g[L.G_MTOP]), extra)
        s.g[L.G_MTOP] += extra
    if s.lost.shape[0] - s.g[L.G_FTOP] < L.FORK_MARGIN:
        changes["lost"] = _grow_rows(s.lost, max(L.FORK_MARGIN, s.lost.shape[0]))
    s.g[L.G_GROW] = 0
    if changes:
        b.state = s._replace(**changes)


def _widened(jh: np.ndarray, width: int) -> np.ndarray:
    """The ps jobs' heaps with room for ``width`` messages each: as many as there are
    message slots, so a heap never fills up between two calls of the kernel."""
    out = np.zeros((jh.shape[0], width), dtype=np.int64)
    out[:, :jh.shape[1]] = jh
    return out
