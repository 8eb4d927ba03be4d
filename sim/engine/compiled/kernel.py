"""The compiled event loop: the SimPy engine's semantics for the models it covers
(sim.engine.compiled.coverage), over the arrays of sim.engine.compiled.layout.

Each function mirrors a method of the SimPy engine and says which; the order in which
things happen inside an event, and the order of events at equal times (first
scheduled, first run), are the SimPy engine's, and every random number is taken
from the same stream in the same order, so both engines give the same figures on
models whose events never tie. The loop hands back to Python (``advance`` returns)
when a stream runs low, a sample buffer fills up, the heap or a slot table needs to
grow, or the next event is due at or after ``gf[GF_STOP]`` (a time-series instant,
the end of the warm-up or of the run).

Attempts lost inside a handler are put on ``lost`` and resolved (retried or failed)
at the end of that step of the handler, as the SimPy engine does at once: numba
compiles no recursion, and a retry that is rejected again would recurse. For the same
reason the unblocking that room in a blocking buffer sets off (``overflow: block``)
runs on an explicit stack of frames, ``cs`` (see ``_cascade``). The one kind of event
that may touch thousands of messages at once, a crash and the repair after it, runs in
steps: between two, the rest waits as an event first in line at the same instant while
Python serves the state (``_push_first``), so no margin is outrun. The copies a
broadcast forks go on the stack ``lost`` too (see _fork), so each copy's send and what
it causes at once are done in the SimPy engine's order of calls. When every sender's
timeout is the same, the attempts' timeouts wait on a first-in-first-out ring, not the
heap (see _push_timeout; ``python benchmarks/kernel_events.py``: 135 to 97 ns per
event).
Compiled with ``cache=True``: the machine code is kept on disk beside this file (or
in the user's cache when that is read-only), so it is compiled once per
installation.
"""

from __future__ import annotations

import math

from numba import njit

from sim.engine.compiled.layout import (
    B_ARRIVALS, B_C0, B_C1, B_CAPACITY, B_DISCIPLINE, B_DROPPED, B_HEAD, B_N, B_OVERFLOW,
    B_OWNER, B_PEAK, B_STAT, B_TAIL, B_TAKEN, BF_SPAN, B_EXPIRED, B_PATIENCE, BF_TTL,
    C_EXPIRED, EV_EXPIRE, C_DROPPED, C_ERROR, C_REJECTED,
    C_TIMEOUT, D_LIFO, D_PRIORITY, D_ADAPTIVE_LIFO, B_LIFO_ABOVE, B_LSTREAM, EV_VISIBLE, DONE, DRAW_MARGIN, E_LSTREAM, E_TARGET, EF_CUMULATIVE,
    EV_ARRIVAL, EV_DELIVER, EV_DONE, EV_EMIT, EV_FORWARD, EV_RETRY, EV_TIMEOUT, F_B_INITIAL,
    F_B_MAX, F_B_MULTIPLIER, F_BUSY_SPAN, F_ERROR_RATE, F_SPIN_AT, F_TIMEOUT, F_WASTED,
    FAILED, FREE, G_ENTRY, G_ERROR_NODE, G_EVENTS, G_FLUSH, G_FTOP, G_HEAP, G_LOW, G_MTOP,
    G_RTOP, G_SEQ, GF_STOP, GF_WARMUP, H_A, H_B, H_C, H_SEQ, H_TYPE, HEAP_MARGIN, J_EQUAL,
    J_FULL, J_DECORRELATED, K_ROUTER, K_SENDER, K_SERVICE, LIVELOCK, M_ATTEMPT,
    M_NEXT, M_PREV, M_PRIO, M_REQ, M_SENDER, M_SEQ, MAX_HOPS, MF_BORN, MF_T, MF_WAITED,
    MF_WORK, N_ARRIVALS, N_ATTEMPTS, N_BUF, N_BUSY, N_CLIENTS, N_CLOSED, N_COMPLETED,
    N_DEAD, N_DRAW, N_DUPLICATES, N_E0, N_E1, N_ERRORS, N_ESTREAM, N_FAILED, N_IN0, N_IN1,
    N_JITTER, N_KIND, N_LIVE, N_MAX_ATTEMPTS, N_OFFERED, N_PRIO, N_REJECTED, N_RETRIES,
    N_ROUTING, N_RSTREAM, N_SERVERS, N_SPIN, N_STAT_TIME, N_STAT_WAIT, N_TIMED_OUT, N_TURN,
    N_USTREAM, N_DROPPED, N_RING, N_DENIED, N_RQ_HEAD, N_RQ_TAIL, N_RT_HEAD, N_RT_TAIL,
    F_BUDGET_RATIO, F_BUDGET_WINDOW, F_BUDGET_RESERVE, G_RINGS_FULL, N_P0, N_P1, N_LIMITED, F_TB_RATE, F_TB_BURST, F_TB_TOKENS, F_TB_LAST, F_PERIOD, F_CYCLE_WORK, PF_START, PF_MULTIPLIER, PF_BOUND,
    NEEDS_SERVICE, O_DROP_OLDEST, PENDING, Q_COUNTED, Q_CURRENT, Q_GEN,
    Q_REFS, Q_SENDER, Q_SENT, Q_STATE, QF_BORN, QF_LAST_BACKOFF, R_LEAST_LOADED,
    R_PROBABILISTIC, R_RANDOM, R_ROUND_ROBIN, SLOT_MARGIN, SPIN_LIMIT,
    STAT_MARGIN, STOPPED, UNBOUNDED,
    B_BHEAD, B_BTAIL, CS_ADMIT, CS_INPUT, CS_KIND, CS_MSG, CS_NEXT, CS_NODE, CS_SERVE,
    EV_LANDED, F_BLOCKED_SPAN, G_BLOCKING, M_PRODUCER, N_BLOCKED, N_PAUSED, O_BLOCK)
from sim.engine.compiled.layout import (
    EV_PREEMPT_DONE, EV_PS_DONE, F_SHARE, F_V, F_V_AT, G_JSEQ, G_TOKEN, M_JSEQ, M_TOKEN,
    MF_END, MF_LEFT, MF_SIZE, MF_VFIN, N_EPOCH, N_FRONT, N_JH, N_JOBS, N_RUN_HEAD,
    N_RUN_TAIL, N_SERVE, S_FIFO, S_PS)
from sim.engine.compiled.layout import (
    B_BALK0, B_BALK1, B_BALKED, B_BSTREAM, BK_AT, BK_P, C_BALKED)
from sim.engine.compiled.layout import (
    C_CRASH, EV_CRASH, EV_REPAIR, N_BREAKS, N_CRASHES, N_DOWN_DRAW, N_PROVISIONED, N_UP_DRAW)
from sim.engine.compiled.layout import (
    C_CIRCUIT_OPEN, CB_CLOSED, CB_HALF_OPEN, CB_OPEN, F_CB_COOLDOWN, F_CB_OPENED_AT,
    F_CB_RATIO, F_CB_WINDOW, EV_CRASHING, EV_FILLING, N_CB_FAILURES, N_CB_HEAD, N_CB_MIN_CALLS,
    N_CB_PROBE_OK, N_CB_PROBES, N_CB_PROBING, N_CB_RING, N_CB_STATE, N_CB_TAIL,
    N_CIRCUIT_OPEN,
    FORK_MARGIN, G_GROW, G_NESTED, G_ROOM, G_OVERFLOW, G_STARTED, G_TQ_HEAD, G_TQ_ON,
    G_TQ_TAIL, TJ_ATTEMPT, TJ_GEN, TJ_Q, TJ_SEQ, J_DONE, J_FAILED, J_LIVE,
    J_NEED, J_PARENT, J_REFS, J_RESOLVED, JF_WORK, JOIN_SLOT, M_JOIN, N_KSTREAM, N_KT, N_QUORUM,
    OVERFLOW, Q_KEY, R_BROADCAST, R_CONSISTENT_HASH, W_COPY, W_SEND)

__all__ = ["advance", "shared_until"]

jit = njit(cache=True, nogil=True, _nrt=False)
loop = njit(cache=True, nogil=True, _nrt=False)
inlined = njit(cache=True, nogil=True, _nrt=False, inline="always")
"""For the functions on the path of every event, inlined into their callers by numba
before LLVM sees them. A call LLVM does not inline passes the whole State by value,
every array's pointer, shape and strides: about 250 words (2 KB) pushed on the stack
per call. Measured with ``python benchmarks/kernel_events.py`` (one replication of
the request/reply plan's chosen configuration): inlining the event path (dispatch,
done, emit, send, put, visible, begin, serve, next, take, finish, settle) took it
from 396 to 160-183 ns per event, and deciding a node with one successor in
``_pick`` (no call of ``_choose``) from 181 to 150 ns. Then the small primitives
met on most events (pop, the service test, the request and message slots, unlink and
leave, a sender's gap without a rate profile, the stale-timer test), with the heap's
sift a call that passes only its three arrays (``_sift_in``): median 173 to 134 ns
per event, a first compile of about 3 min 20 s of CPU. Inlining large functions costs
compile time out of proportion: ``_attempt`` too gave 136 ns (before the primitives)
but a first compile of six minutes; attempt, choose, arrive and enter together gave
117 ns and about five minutes. A large function called on a rarer path keeps its
call, and a helper that needs few arrays takes them, not the State."""


# ------------------------------------------------------------------ primitives
@inlined
def _draw(s, k):
    """The next value of stream ``k`` (Streams.draw / Streams.uniform)."""
    p = s.sp[k]
    x = s.sd[k, p]
    p += 1
    s.sp[k] = p
    if p >= s.sl[k] - DRAW_MARGIN:
        s.g[G_LOW] = 1
    return x


@inlined
def _record(s, stat, x):
    """Append one sample to statistic ``stat`` (SampleStats.buf.append)."""
    n = s.sn[stat]
    s.sb[stat, n] = x
    n += 1
    s.sn[stat] = n
    if n >= s.sb.shape[1] - STAT_MARGIN:
        s.g[G_FLUSH] = 1


@inlined
def _push(s, t, kind, a, b, c):
    """Schedule an event at ``t`` (s): after every event already due at ``t``."""
    _sift_in(s.ht, s.hi, s.g, t, _next_seq(s.g), kind, a, b, c)


@inlined
def _next_seq(g):
    """The next event's sequence number (events due at one instant run in this order,
    whether on the heap or the timer ring)."""
    seq = g[G_SEQ]
    g[G_SEQ] = seq + 1
    return seq


@inlined
def _push_first(s, t, kind, a, b, c):
    """Schedule an event at ``t`` (s) before every event already due at ``t``: the rest
    of an event the kernel hands back to Python in the middle of (see _crash_losses)."""
    _sift_in(s.ht, s.hi, s.g, t, -1, kind, a, b, c)


@inlined
def _push_timeout(s, t, q, gen, attempt):
    """Schedule the timeout (EV_TIMEOUT) of attempt ``attempt`` of request ``q`` at ``t``:
    at the tail of the timer ring when every sender's timeout is the same (G_TQ_ON:
    timeouts then fall due in the order they are set, and :func:`advance` merges the
    ring's head with the heap's top by time and sequence number, the order the heap
    alone gives), else on the heap. A request waits on its timeout far longer than on
    anything else: on the heap they were most of its entries (240 of about 260 in the
    request/reply plan's configuration), and so most of the depth every event's
    sift-down walked."""
    g = s.g
    if g[G_TQ_ON] == 0:
        _push(s, t, EV_TIMEOUT, q, gen, attempt)
        return
    seq = _next_seq(g)
    tail = g[G_TQ_TAIL]
    k = tail % s.tq.shape[0]
    s.tq[k] = t
    tj = s.tj
    tj[k, TJ_SEQ] = seq
    tj[k, TJ_Q] = q
    tj[k, TJ_GEN] = gen
    tj[k, TJ_ATTEMPT] = attempt
    g[G_TQ_TAIL] = tail + 1


@jit
def _sift_in(ht, hi, g, t, seq, kind, a, b, c):
    """Put an event (time ``t``, sequence number ``seq``) on the heap: a call that
    passes the three arrays it uses, not the State (see ``inlined``)."""
    i = g[G_HEAP]
    g[G_HEAP] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        pt = ht[parent]
        if pt < t or (pt == t and hi[parent, H_SEQ] < seq):
            break
        ht[i] = pt
        for col in range(5):
            hi[i, col] = hi[parent, col]
        i = parent
    ht[i] = t
    hi[i, H_SEQ] = seq
    hi[i, H_TYPE] = kind
    hi[i, H_A] = a
    hi[i, H_B] = b
    hi[i, H_C] = c


@inlined
def _pop(s):
    """Remove the first event; returns (time, type, a, b, c)."""
    ht, hi, g = s.ht, s.hi, s.g
    t = ht[0]
    kind, a, b, c = hi[0, H_TYPE], hi[0, H_A], hi[0, H_B], hi[0, H_C]
    n = g[G_HEAP] - 1
    g[G_HEAP] = n
    if n > 0:
        lt = ht[n]
        lseq = hi[n, H_SEQ]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            right = child + 1
            if right < n and (ht[right] < ht[child] or (
                    ht[right] == ht[child] and hi[right, H_SEQ] < hi[child, H_SEQ])):
                child = right
            ct = ht[child]
            if lt < ct or (lt == ct and lseq < hi[child, H_SEQ]):
                break
            ht[i] = ct
            for col in range(5):
                hi[i, col] = hi[child, col]
            i = child
        ht[i] = lt
        for col in range(5):
            hi[i, col] = hi[n, col]
    return t, kind, a, b, c


# ------------------------------------------------------------ requests, messages
@inlined
def _new_request(s, sender, now):
    """A request born now (sim.engine.message.Request)."""
    top = s.g[G_RTOP] - 1
    s.g[G_RTOP] = top
    q = s.rfree[top]
    ri = s.ri
    ri[q, Q_STATE] = PENDING
    ri[q, Q_CURRENT] = 0
    ri[q, Q_SENT] = 0
    ri[q, Q_REFS] = 0
    ri[q, Q_COUNTED] = 1 if now >= s.gf[GF_WARMUP] else 0
    ri[q, Q_SENDER] = sender
    ri[q, Q_KEY] = -1
    s.rf[q, QF_BORN] = now
    s.rf[q, QF_LAST_BACKOFF] = 0.0
    return q


@inlined
def _release_request(s, q):
    """Free request ``q`` once it is resolved and no copy of it is left; its
    generation moves on, so timers still pending for it see it is gone."""
    ri = s.ri
    state = ri[q, Q_STATE]
    if state == PENDING or state == FREE or ri[q, Q_REFS] > 0:
        return
    ri[q, Q_STATE] = FREE
    ri[q, Q_GEN] += 1
    top = s.g[G_RTOP]
    s.rfree[top] = q
    s.g[G_RTOP] = top + 1


@inlined
def _new_message(s, q, now):
    """A copy of the current attempt of request ``q`` (sim.engine.message.Msg)."""
    top = s.g[G_MTOP] - 1
    s.g[G_MTOP] = top
    m = s.mfree[top]
    sender = s.ri[q, Q_SENDER]
    s.mi[m, M_REQ] = q
    s.mi[m, M_ATTEMPT] = s.ri[q, Q_SENT]
    s.mi[m, M_PRIO] = s.ni[sender, N_PRIO]
    s.mi[m, M_SENDER] = sender
    s.mi[m, M_JOIN] = -1
    s.mf[m, MF_T] = now
    s.mf[m, MF_WORK] = 0.0
    s.mf[m, MF_WAITED] = 0.0
    s.mf[m, MF_BORN] = s.rf[q, QF_BORN]
    s.ri[q, Q_REFS] += 1
    return m


@inlined
def _release_message(s, m):
    q = s.mi[m, M_REQ]
    s.ri[q, Q_REFS] -= 1
    top = s.g[G_MTOP]
    s.mfree[top] = m
    s.g[G_MTOP] = top + 1
    _release_request(s, q)


# ------------------------------------------------------- broadcast copies, joins
@jit
def _new_join(s, parent, need):
    """A Join (``need`` 0) or a Quorum of ``need`` copies under join ``parent`` (-1:
    none), holding one live copy (sim.engine.message.Join, Quorum), in a free message
    slot; -1 when none is left (an overflow: the kernel stops with OVERFLOW)."""
    top = s.g[G_MTOP]
    if top == 0:
        s.g[G_OVERFLOW] = 1
        return -1
    top -= 1
    s.g[G_MTOP] = top
    j = s.mfree[top]
    ji = s.mi
    ji[j, J_LIVE] = 1
    ji[j, J_FAILED] = 0
    ji[j, J_PARENT] = parent
    ji[j, J_NEED] = need
    ji[j, J_DONE] = 0
    ji[j, J_RESOLVED] = 0
    ji[j, J_REFS] = 0
    ji[j, M_JOIN] = JOIN_SLOT
    s.mf[j, JF_WORK] = 0.0
    if parent >= 0:
        ji[parent, J_REFS] += 1
    return j


@jit
def _unref_join(s, j):
    """One reference (a message or a child join) fewer to join ``j``: a join nothing
    refers to any more is freed, and its parent loses a reference in turn."""
    while j >= 0:
        n = s.mi[j, J_REFS] - 1
        s.mi[j, J_REFS] = n
        if n > 0:
            return
        top = s.g[G_MTOP]
        s.mfree[top] = j
        s.g[G_MTOP] = top + 1
        j = s.mi[j, J_PARENT]


@jit
def _set_join(s, m, j):
    """``msg.join = j`` (-1: None), keeping the joins' reference counts."""
    old = s.mi[m, M_JOIN]
    if j >= 0:
        s.mi[j, J_REFS] += 1
    s.mi[m, M_JOIN] = j
    if old >= 0:
        _unref_join(s, old)


@jit
def _copy(s, m, now):
    """Msg.copy: another copy of the attempt of ``m``, in the same join; -1 when the
    table is full (an overflow)."""
    if s.g[G_MTOP] == 0:
        s.g[G_OVERFLOW] = 1
        return -1
    c = _new_message(s, s.mi[m, M_REQ], now)
    s.mi[c, M_ATTEMPT] = s.mi[m, M_ATTEMPT]
    s.mi[c, M_PRIO] = s.mi[m, M_PRIO]
    s.mf[c, MF_T] = s.mf[m, MF_T]
    s.mf[c, MF_WORK] = s.mf[m, MF_WORK]
    s.mf[c, MF_WAITED] = s.mf[m, MF_WAITED]
    _set_join(s, c, s.mi[m, M_JOIN])
    return c


@jit
def _push_item(s, m, code, e, hops):
    """Put (``m``, ``code``, edge ``e``, ``hops``) on the work stack ``lost``."""
    top = s.g[G_FTOP]
    if top >= s.lost.shape[0]:
        s.g[G_OVERFLOW] = 1
        return
    s.lost[top, 0] = m
    s.lost[top, 1] = code
    s.lost[top, 2] = e
    s.lost[top, 3] = hops
    s.g[G_FTOP] = top + 1


@jit
def _fork(s, node, m, now, hops):
    """routing._broadcast and _quorum: ``m`` joins a new Quorum of the node's ``quorum``,
    or a new Join (when it has none, or, in a model with quorums, when its join is a
    quorum), or stays in its join; the join counts the copies; then a copy goes to
    every successor but the first, in edge order, and ``m`` itself to the first. The
    sends go on the work stack, last one first, so each copy's send, and whatever it
    causes at once (a rejection, a retry), is done before the next copy's, as in the
    SimPy engine's calls; a copy is made when its turn comes, as Msg.copy is."""
    e0, e1 = s.ni[node, N_E0], s.ni[node, N_E1]
    need = s.ni[node, N_QUORUM]
    join = s.mi[m, M_JOIN]
    j = join
    if need > 0 or join < 0 or (s.g[G_NESTED] and s.mi[join, J_NEED] > 0):
        j = _new_join(s, join, need)
        if j < 0:
            return
        _set_join(s, m, j)
    s.mi[j, J_LIVE] += e1 - e0 - 1
    _push_item(s, m, W_SEND, e0, hops)
    for e in range(e1 - 1, e0, -1):
        _push_item(s, m, W_COPY, e, hops)
    if s.g[G_MTOP] < FORK_MARGIN or s.lost.shape[0] - s.g[G_FTOP] < FORK_MARGIN:
        s.g[G_GROW] = 1


@jit
def _send_item(s, top, now):
    """Do the send on row ``top`` of the work stack (see _fork)."""
    m, code, e, hops = s.lost[top, 0], s.lost[top, 1], s.lost[top, 2], s.lost[top, 3]
    if code == W_COPY:
        m = _copy(s, m, now)
        if m < 0:
            return
    node = _hop(s, e, m, now, hops)
    if node >= 0:
        _route(s, node, m, now, hops + 1, -1)


@jit
def _joined(s, m):
    """A copy ``m`` in a join left a sink: True when its attempt completes now
    (Sender.complete), else False and ``m`` is freed. Either way ``m`` leaves its join
    (so the common paths of _finish and _release_message know nothing of joins)."""
    return _out_of_join(s, m, _finish_walk(s, m))


@jit
def _join_lost(s, m):
    """A copy ``m`` in a join was lost: True when its attempt fails now (Sender.fail),
    else False and ``m`` is freed; either way ``m`` leaves its join."""
    return _out_of_join(s, m, _lost_walk(s, m))


@inlined
def _out_of_join(s, m, ends_attempt):
    """``m`` leaves its join; freed unless it ``ends_attempt`` (the caller goes on
    with it). Returns ``ends_attempt``."""
    _set_join(s, m, -1)
    if not ends_attempt:
        _release_message(s, m)
    return ends_attempt


@inlined
def _finish_walk(s, m):
    """message.finish, Join and Quorum.finished up the joins of ``m``, which left a
    sink: True when its attempt completes now, False when the copy ends here (others
    are still out, or the join has failed or is resolved)."""
    ji, jf = s.mi, s.mf
    sender, born = s.mi[m, M_SENDER], s.mf[m, MF_BORN]
    while True:
        j = s.mi[m, M_JOIN]
        if j < 0:
            return True
        ji[j, J_LIVE] -= 1
        if ji[j, J_NEED] > 0:
            if ji[j, J_RESOLVED] or ji[j, J_FAILED]:
                _waste(s, sender, born, s.mf[m, MF_WORK])
                return False
            jf[j, JF_WORK] += s.mf[m, MF_WORK]
            ji[j, J_DONE] += 1
            if ji[j, J_DONE] < ji[j, J_NEED]:
                return False
            ji[j, J_RESOLVED] = 1
        else:
            jf[j, JF_WORK] += s.mf[m, MF_WORK]
            if ji[j, J_FAILED]:
                _waste(s, sender, born, s.mf[m, MF_WORK])
                return False
            if ji[j, J_LIVE]:
                return False
        s.mf[m, MF_WORK] = jf[j, JF_WORK]
        parent = ji[j, J_PARENT]
        if parent < 0:
            return True
        _set_join(s, m, parent)


@inlined
def _lost_walk(s, m):
    """message.fail and Quorum.lost up the joins of ``m``, a copy lost (its own work
    already wasted): True when its attempt fails now, False when the join had failed
    or was resolved already, or a quorum can still be met."""
    ji = s.mi
    sender, born = s.mi[m, M_SENDER], s.mf[m, MF_BORN]
    while True:
        j = s.mi[m, M_JOIN]
        if j < 0:
            return True
        ji[j, J_LIVE] -= 1
        if ji[j, J_NEED] > 0:
            if (ji[j, J_RESOLVED] or ji[j, J_FAILED]
                    or ji[j, J_DONE] + ji[j, J_LIVE] >= ji[j, J_NEED]):
                return False
        elif ji[j, J_FAILED]:
            return False
        ji[j, J_FAILED] = 1
        _waste(s, sender, born, s.mf[j, JF_WORK])
        parent = ji[j, J_PARENT]
        if parent < 0:
            return True
        _set_join(s, m, parent)
        s.mf[m, MF_WORK] = 0.0
        _waste(s, sender, born, 0.0)


# ------------------------------------------------------------------- buffers
@jit
def _enter(s, b, m, now):
    """Buffer._enter: the message waits, placed by the discipline."""
    bi, mi = s.bi, s.mi
    mi[m, M_SEQ] = s.g[G_ENTRY]
    s.g[G_ENTRY] += 1
    after = bi[b, B_TAIL]
    if bi[b, B_DISCIPLINE] == D_PRIORITY:
        prio = mi[m, M_PRIO]
        while after >= 0 and mi[after, M_PRIO] > prio:
            after = mi[after, M_PREV]
    _link(s, b, m, after, bi[b, B_HEAD] if after < 0 else mi[after, M_NEXT], now)
    ttl = s.bf[b, BF_TTL]
    if bi[b, B_PATIENCE] >= 0:
        ttl = _draw(s, bi[b, B_PATIENCE])
    if ttl < math.inf:
        _push(s, now + max(0.0, s.mf[m, MF_T] + ttl - now), EV_EXPIRE, b, m, mi[m, M_SEQ])


@inlined
def _link(s, b, m, after, before, now):
    """Buffer._enter's bookkeeping and list: ``m`` waits from now, between ``after`` and
    ``before`` (-1: the head or the tail) of buffer ``b``'s list."""
    bi, mi = s.bi, s.mi
    s.bf[b, BF_SPAN] -= now
    n = bi[b, B_N] + 1
    bi[b, B_N] = n
    if n > bi[b, B_PEAK]:
        bi[b, B_PEAK] = n
    mi[m, M_PREV] = after
    mi[m, M_NEXT] = before
    if after < 0:
        bi[b, B_HEAD] = m
    else:
        mi[after, M_NEXT] = m
    if before < 0:
        bi[b, B_TAIL] = m
    else:
        mi[before, M_PREV] = m


@inlined
def _unlink(s, b, m):
    """Take ``m`` out of the buffer's list; its entry number no longer matches any
    expiry timer."""
    s.mi[m, M_SEQ] = -1
    _list_remove(s.mi, s.bi, b, B_HEAD, B_TAIL, m)


@inlined
def _list_append(mi, rows, r, head_col, tail_col, m):
    """Append message ``m`` to the list linked by its M_NEXT (and M_PREV) columns whose
    head and tail are ``rows[r, head_col]`` and ``rows[r, tail_col]`` (-1: empty): a
    buffer's held messages, a service's messages in service. Returns the old tail."""
    tail = rows[r, tail_col]
    mi[m, M_NEXT] = -1
    if tail < 0:
        rows[r, head_col] = m
    else:
        mi[tail, M_NEXT] = m
    rows[r, tail_col] = m
    return tail


@inlined
def _list_remove(mi, rows, r, head_col, tail_col, m):
    """Take message ``m`` out of the doubly linked list (M_PREV, M_NEXT) whose head and
    tail are ``rows[r, head_col]`` and ``rows[r, tail_col]``: a buffer's waiting
    messages, a service's messages in service."""
    prev, nxt = mi[m, M_PREV], mi[m, M_NEXT]
    if prev < 0:
        rows[r, head_col] = nxt
    else:
        mi[prev, M_NEXT] = nxt
    if nxt < 0:
        rows[r, tail_col] = prev
    else:
        mi[nxt, M_PREV] = prev


@inlined
def _leave(s, b, m, now):
    """Buffer._leave: ``m`` stops waiting now (taken, dropped or expired)."""
    _unlink(s, b, m)
    s.bf[b, BF_SPAN] += now
    s.bi[b, B_N] -= 1


@jit
def _oldest(s, b):
    """The message that has waited longest (ties: entered first), for drop_oldest."""
    if s.bi[b, B_DISCIPLINE] != D_PRIORITY:
        return s.bi[b, B_HEAD]
    best = -1
    m = s.bi[b, B_HEAD]
    while m >= 0:
        if best < 0 or s.mf[m, MF_T] < s.mf[best, MF_T] or (
                s.mf[m, MF_T] == s.mf[best, MF_T] and s.mi[m, M_SEQ] < s.mi[best, M_SEQ]):
            best = m
        m = s.mi[m, M_NEXT]
    return best


@jit
def _defer_loss(s, m, cause):
    top = s.g[G_FTOP]
    s.lost[top, 0] = m
    s.lost[top, 1] = cause
    s.g[G_FTOP] = top + 1


@inlined
def _put(s, b, m, now, producer):
    """A message reaches buffer ``b``: visible at once, or after the broker's latency
    (transit._BrokerDelay; its wait counts from now, and it blocks no producer).
    True when ``overflow: block`` holds it and ``producer`` must wait."""
    ls = s.bi[b, B_LSTREAM]
    if ls < 0:
        return _visible(s, b, m, now, now, producer)
    s.mf[m, MF_T] = now
    _push(s, now + _draw(s, ls), EV_VISIBLE, b, m, 0)
    return False


@inlined
def _visible(s, b, m, now, arrived, producer):
    """Buffer.put (arrived at ``arrived``): hand to an idle consumer, else wait, else
    overflow. True when ``overflow: block`` holds the message and ``producer`` (a node,
    or -1 for none) must wait for it to be admitted."""
    bi, ni = s.bi, s.ni
    if bi[b, B_BALK1] > bi[b, B_BALK0] and _balks(s, b):
        _balked(s, b, m)
        return False
    owner = bi[b, B_OWNER]
    if owner >= 0 and ni[owner, N_SERVE] != S_FIFO:
        _served_apart(s, b, owner, m, now, arrived)
        return False
    bi[b, B_ARRIVALS] += 1
    s.mf[m, MF_T] = arrived
    for k in range(bi[b, B_C0], bi[b, B_C1]):
        c = s.cons[k]
        if ni[c, N_BUSY] < ni[c, N_SERVERS]:
            bi[b, B_TAKEN] += 1
            waited = now - arrived
            _record(s, bi[b, B_STAT], waited)
            s.mf[m, MF_WAITED] += waited
            _begin(s, c, m, now, bi[b, B_OWNER] == c, s.pcons[k])
            return False
    if bi[b, B_OVERFLOW] == O_BLOCK and _full(bi, b):
        _hold(s, b, m, producer)
        return producer >= 0
    _wait_or_overflow(s, b, m, now)
    return False


@inlined
def _full(bi, b):
    """Is buffer ``b`` at its capacity?"""
    cap = bi[b, B_CAPACITY]
    return cap != UNBOUNDED and bi[b, B_N] >= cap


@inlined
def _wait_or_overflow(s, b, m, now):
    """Buffer.put for a message no consumer took, under reject or drop_oldest: it
    waits, or the full buffer drops its oldest message for it, or refuses it."""
    bi = s.bi
    if _full(bi, b):
        bi[b, B_DROPPED] += 1
        if bi[b, B_OVERFLOW] == O_DROP_OLDEST and bi[b, B_N] > 0:
            old = _oldest(s, b)
            _leave(s, b, old, now)
            _enter(s, b, m, now)
            _defer_loss(s, old, C_DROPPED)
        else:
            _defer_loss(s, m, C_REJECTED)
        return
    _enter(s, b, m, now)


@jit
def _balks(s, b):
    """Balking.put: does an arrival refuse to join, with n waiting? The point with the
    largest n' <= n gives p; p >= 1 refuses without a draw, else a uniform draw < p."""
    n = s.bi[b, B_N]
    r0, r1 = s.bi[b, B_BALK0], s.bi[b, B_BALK1]
    if n < s.bk[r0, BK_AT]:
        return False
    r = r0
    while r + 1 < r1 and s.bk[r + 1, BK_AT] <= n:
        r += 1
    p = s.bk[r, BK_P]
    return p >= 1.0 or _draw(s, s.bi[b, B_BSTREAM]) < p


@jit
def _balked(s, b, m):
    """Balking.put refusing ``m``: an arrival, dropped and balked (cause ``balked``)."""
    s.bi[b, B_ARRIVALS] += 1
    s.bi[b, B_DROPPED] += 1
    s.bi[b, B_BALKED] += 1
    _defer_loss(s, m, C_BALKED)


@inlined
def _take(s, b, now):
    """Buffer.take: the next waiting message under the discipline, or -1 (adaptive
    LIFO takes the newest while more than ``lifo_above`` wait, the oldest otherwise)."""
    bi = s.bi
    if bi[b, B_N] == 0:
        return -1
    discipline = bi[b, B_DISCIPLINE]
    newest = discipline == D_LIFO or (discipline == D_ADAPTIVE_LIFO
                                      and bi[b, B_N] > bi[b, B_LIFO_ABOVE])
    m = bi[b, B_TAIL] if newest else bi[b, B_HEAD]
    _leave(s, b, m, now)
    bi[b, B_TAKEN] += 1
    waited = now - s.mf[m, MF_T]
    _record(s, bi[b, B_STAT], waited)
    s.mf[m, MF_WAITED] += waited
    return m


@jit
def _expire(s, b, m, entry, now):
    """TtlBuffer._expire: a message still waiting since entry ``entry`` leaves unserved."""
    if s.mi[m, M_SEQ] != entry:
        return
    _leave(s, b, m, now)
    s.bi[b, B_DROPPED] += 1
    s.bi[b, B_EXPIRED] += 1
    _lose(s, m, C_EXPIRED, now)
    if s.bi[b, B_BHEAD] >= 0:
        _resolve_losses(s, now)
        _cascade(s, CS_ADMIT, b, now)


# ---------------------------------------------- backpressure (overflow: block)
@jit
def _hold(s, b, m, producer):
    """Buffer._overflow under ``overflow: block``: ``m`` waits outside the full buffer,
    after the messages held before it, with the node it keeps blocked (or -1)."""
    s.mi[m, M_PRODUCER] = producer
    _list_append(s.mi, s.bi, b, B_BHEAD, B_BTAIL, m)


@jit
def _unhold(s, b):
    """The message held longest at buffer ``b``, taken off its held list."""
    m = s.bi[b, B_BHEAD]
    nxt = s.mi[m, M_NEXT]
    s.bi[b, B_BHEAD] = nxt
    if nxt < 0:
        s.bi[b, B_BTAIL] = -1
    return m


@jit
def _handed(s, b, m, now):
    """Buffer._handed: ``m`` leaves ``b`` for a consumer now; count it and its wait."""
    s.bi[b, B_TAKEN] += 1
    waited = now - s.mf[m, MF_T]
    _record(s, s.bi[b, B_STAT], waited)
    s.mf[m, MF_WAITED] += waited


@jit
def _block(s, c, now):
    """Service._block: the server that sent a held message stays taken until the
    message is admitted (F_BLOCKED_SPAN as F_BUSY_SPAN: one addition each way)."""
    s.ni[c, N_BLOCKED] += 1
    s.nf[c, F_BLOCKED_SPAN] -= now


@jit
def _frame(s, top, kind, node, m, k):
    """Push a frame of the cascade stack at ``top``; returns the new top."""
    cs = s.cs
    cs[top, CS_KIND] = kind
    cs[top, CS_NODE] = node
    cs[top, CS_MSG] = m
    cs[top, CS_INPUT] = k
    return top + 1


@jit
def _unblocked(s, p, now, top):
    """``unblocked`` of producer ``p``, one of whose held messages left its buffer: a
    sender's arrival clock, paused by it, restarts (Sender.unblocked); a service's server
    is freed and goes on with its next message (Service.unblocked), a CS_NEXT frame
    pushed at ``top``. Returns the new top of the cascade stack."""
    s.ni[p, N_BLOCKED] -= 1
    if s.ni[p, N_KIND] == K_SENDER:
        if s.ni[p, N_PAUSED]:
            s.ni[p, N_PAUSED] = 0
            _push(s, now + _gap(s, p, now), EV_ARRIVAL, p, 0, 0)
        return top
    s.nf[p, F_BLOCKED_SPAN] += now
    return _frame(s, top, CS_NEXT, p, -1, -1)


@jit
def _next_frame(s, f, now):
    """Frame ``f`` is a CS_NEXT: Service._next of its service. A message taken becomes a
    CS_SERVE frame in its place, under the frames of the unblockings its take sets off
    (Buffer.take: the room it made admits held messages, _admit_blocked; an empty
    buffer hands over its first held message, _take_blocked). Returns the new top."""
    cs, ni, bi = s.cs, s.ni, s.bi
    c = cs[f, CS_NODE]
    if ni[c, N_BUSY] <= ni[c, N_SERVERS]:
        for k in range(ni[c, N_IN0], ni[c, N_IN1]):
            b = s.inputs[k]
            if bi[b, B_N] > 0:
                top = _frame(s, f, CS_SERVE, c, _take(s, b, now), k)
                if bi[b, B_BHEAD] >= 0:
                    top = _frame(s, top, CS_ADMIT, b, -1, -1)
                return top
            if bi[b, B_BHEAD] >= 0:
                m = _unhold(s, b)
                _handed(s, b, m, now)
                top = _frame(s, f, CS_SERVE, c, m, k)
                if s.mi[m, M_PRODUCER] >= 0:
                    top = _unblocked(s, s.mi[m, M_PRODUCER], now, top)
                return top
    s.nf[c, F_BUSY_SPAN] += now
    ni[c, N_BUSY] -= 1
    return f


@jit
def _cascade(s, kind, node, now):
    """Service._next (``kind`` CS_NEXT, ``node`` a service) or Buffer._admit_blocked
    (CS_ADMIT, ``node`` a buffer) with all the unblocking they set off, in the SimPy
    engine's order: admitting a held message unblocks its producer, a service unblocked
    takes its next message, whose room admits the next held message, and so on, depth
    first. numba compiles no recursion, so the calls under way are frames on ``cs``:
    CS_NEXT (find the next message), CS_ADMIT (admit held messages while there is room),
    CS_SERVE (serve the message taken once the unblocking its take set off is done)."""
    cs, bi = s.cs, s.bi
    top = _frame(s, 0, kind, node, -1, -1)
    while top > 0:
        f = top - 1
        kind = cs[f, CS_KIND]
        if kind == CS_NEXT:
            top = _next_frame(s, f, now)
        elif kind == CS_SERVE:
            top = f
            c, k = cs[f, CS_NODE], cs[f, CS_INPUT]
            _serve(s, c, cs[f, CS_MSG], now, s.inputs[k] == s.ni[c, N_BUF], s.pin[k])
        else:
            b = cs[f, CS_NODE]
            cap = bi[b, B_CAPACITY]
            if bi[b, B_BHEAD] < 0 or (cap != UNBOUNDED and bi[b, B_N] >= cap):
                top = f
                continue
            m = _unhold(s, b)
            _enter(s, b, m, now)
            if s.mi[m, M_PRODUCER] >= 0:
                top = _unblocked(s, s.mi[m, M_PRODUCER], now, top)


# ------------------------------------------------------------------ services
@inlined
def _serve(s, c, m, now, own, ls):
    """The work of ``m`` on a server of ``c`` already taken (Service._work), or first
    the pull's transit when ``ls`` (the stream of its latency) is a stream
    (PullTransit.begin and _continue: the server is held while the message travels)."""
    if not own:
        s.ni[c, N_ARRIVALS] += 1
        s.mf[m, MF_T] = now
        _record(s, s.ni[c, N_STAT_WAIT], 0.0)
    token = _in_service(s, c, m) if s.ni[c, N_BREAKS] else 0
    if ls >= 0:
        _push(s, now + _draw(s, ls), EV_LANDED, c, m, token)
        return
    work = _draw(s, s.ni[c, N_DRAW])
    s.mf[m, MF_WORK] += work
    _push(s, now + work, EV_DONE, c, m, token)


@inlined
def _begin(s, c, m, now, own, ls):
    """Service.begin: take a free server for ``m`` (``ls``: the pull's transit, see _serve)."""
    s.nf[c, F_BUSY_SPAN] -= now
    s.ni[c, N_BUSY] += 1
    _serve(s, c, m, now, own, ls)


@jit
def _landed(s, c, m, token, now):
    """PullTransit._landed: the pulled message reached its server, which serves it now.
    One lost by a crash on the way (its token void) still draws its work, as the
    SimPy engine does before Crashes._done drops it."""
    if s.ni[c, N_BREAKS] and s.mi[m, M_TOKEN] != token:
        _draw(s, s.ni[c, N_DRAW])
        return
    s.mf[m, MF_T] = now
    work = _draw(s, s.ni[c, N_DRAW])
    s.mf[m, MF_WORK] += work
    _push(s, now + work, EV_DONE, c, m, token)


@inlined
def _next(s, c, now):
    """Service._next: the server that finished goes on with a waiting message."""
    if s.g[G_BLOCKING]:
        _cascade(s, CS_NEXT, c, now)
        return
    ni = s.ni
    if ni[c, N_BUSY] <= ni[c, N_SERVERS]:
        own = ni[c, N_BUF]
        for k in range(ni[c, N_IN0], ni[c, N_IN1]):
            b = s.inputs[k]
            m = _take(s, b, now)
            if m >= 0:
                _serve(s, c, m, now, b == own, s.pin[k])
                return
    s.nf[c, F_BUSY_SPAN] += now
    ni[c, N_BUSY] -= 1


@jit
def _served_apart(s, b, c, m, now, arrived):
    """A message reaches the own buffer of a service whose servers are shared (ps: it
    joins the jobs) or preempted (preemptive)."""
    if s.ni[c, N_SERVE] == S_PS:
        _ps_arrive(s, c, b, m, now)
    else:
        _pr_put(s, b, c, m, now, arrived)


# ------------------------------------------------- processor sharing (sim.engine.sharing)
@jit
def _jobs_before(s, a, b):
    """Does ps job ``a`` finish before ``b``: (virtual finish, job number) ordered as
    the tuples of ProcessorSharing.jobs."""
    fa, fb = s.mf[a, MF_VFIN], s.mf[b, MF_VFIN]
    return fa < fb or (fa == fb and s.mi[a, M_JSEQ] < s.mi[b, M_JSEQ])


@jit
def _jobs_push(s, c, m):
    """heappush of ``m`` on the jobs of ps service ``c``."""
    heap = s.jh[s.ni[c, N_JH]]
    i = s.ni[c, N_JOBS]
    s.ni[c, N_JOBS] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _jobs_before(s, m, heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = m


@jit
def _jobs_pop(s, c):
    """heappop of the jobs of ps service ``c``: the first to finish."""
    heap = s.jh[s.ni[c, N_JH]]
    top = heap[0]
    n = s.ni[c, N_JOBS] - 1
    s.ni[c, N_JOBS] = n
    if n > 0:
        last = heap[n]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and _jobs_before(s, heap[child + 1], heap[child]):
                child += 1
            if not _jobs_before(s, heap[child], last):
                break
            heap[i] = heap[child]
            i = child
        heap[i] = last
    return top


@jit
def _ps_advance(s, c, now):
    """ProcessorSharing._advance: virtual time and the capacity-in-use area up to now
    (n jobs on c servers each progress at rate min(n, c) / n)."""
    n = s.ni[c, N_JOBS]
    if n:
        dt = now - s.nf[c, F_V_AT]
        used = min(n, s.ni[c, N_SERVERS])
        s.nf[c, F_V] += dt * used / n
        s.nf[c, F_SHARE] += dt * used
    s.nf[c, F_V_AT] = now


@jit
def _ps_schedule(s, c, now):
    """ProcessorSharing._schedule: supersede the pending completion (a new epoch) and
    schedule the first job's at the current rate."""
    ni = s.ni
    ni[c, N_EPOCH] += 1
    n = ni[c, N_JOBS]
    if n == 0:
        return
    rate = min(n, ni[c, N_SERVERS]) / n
    first = s.jh[ni[c, N_JH], 0]
    delay = max(0.0, (s.mf[first, MF_VFIN] - s.nf[c, F_V]) / rate)
    _push(s, now + delay, EV_PS_DONE, c, ni[c, N_EPOCH], 0)


@jit
def _ps_arrive(s, c, b, m, now):
    """ProcessorSharing._arrive_ps: ``m`` joins the jobs at once (it waits 0)."""
    ni = s.ni
    s.bi[b, B_ARRIVALS] += 1
    s.bi[b, B_TAKEN] += 1
    s.mf[m, MF_T] = now
    _record(s, ni[c, N_STAT_WAIT], 0.0)
    _ps_advance(s, c, now)
    work = _draw(s, ni[c, N_DRAW])
    s.mf[m, MF_WORK] += work
    s.mf[m, MF_VFIN] = s.nf[c, F_V] + work
    s.mi[m, M_JSEQ] = s.g[G_JSEQ]
    s.g[G_JSEQ] += 1
    _jobs_push(s, c, m)
    ni[c, N_BUSY] = min(ni[c, N_JOBS], ni[c, N_SERVERS])
    _ps_schedule(s, c, now)


@jit
def _ps_done(s, c, epoch, now):
    """ProcessorSharing._ps_done: the first job finishes, unless superseded."""
    ni = s.ni
    if epoch != ni[c, N_EPOCH]:
        return
    _ps_advance(s, c, now)
    m = _jobs_pop(s, c)
    ni[c, N_BUSY] = min(ni[c, N_JOBS], ni[c, N_SERVERS])
    _ps_schedule(s, c, now)
    ni[c, N_COMPLETED] += 1
    _record(s, ni[c, N_STAT_TIME], now - s.mf[m, MF_T])
    _pass_on(s, c, m, now)


@jit
def _pass_on(s, c, m, now):
    """Service._passes then ``send``: fail by ``error_rate``, else send on."""
    es = s.ni[c, N_ESTREAM]
    if es >= 0 and _draw(s, es) < s.nf[c, F_ERROR_RATE]:
        s.ni[c, N_ERRORS] += 1
        _lose(s, m, C_ERROR, now)
    else:
        _send(s, c, m, now, -1)


@loop
def shared_until(s, c, now):
    """ProcessorSharing.busy_integral: the capacity-in-use area (server-seconds) of ps
    service ``c`` up to ``now``, virtual time brought up to ``now`` on the way."""
    _ps_advance(s, c, now)
    return s.nf[c, F_SHARE]


# ---------------------------------- preemptive-resume priority (sim.engine.preemption)
@jit
def _run_append(s, c, m):
    """``m`` starts: last of the messages in service (Preemptive.running's order)."""
    s.mi[m, M_PREV] = _list_append(s.mi, s.ni, c, N_RUN_HEAD, N_RUN_TAIL, m)


@jit
def _run_remove(s, c, m):
    """``m`` is no longer in service (finished or preempted); its token is void."""
    _list_remove(s.mi, s.ni, c, N_RUN_HEAD, N_RUN_TAIL, m)
    s.mi[m, M_TOKEN] = 0


@jit
def _pr_start(s, c, m, now):
    """Preemptive._start: serve ``m`` its remaining work, or a new draw."""
    work = s.mf[m, MF_LEFT]
    if work < 0.0:
        work = _draw(s, s.ni[c, N_DRAW])
        s.mf[m, MF_WORK] += work
        s.mf[m, MF_SIZE] = work
    else:
        s.mf[m, MF_LEFT] = -1.0
    token = s.g[G_TOKEN] + 1
    s.g[G_TOKEN] = token
    s.mi[m, M_TOKEN] = token
    s.mf[m, MF_END] = now + work
    _run_append(s, c, m)
    _push(s, now + work, EV_PREEMPT_DONE, c, m, token)


@jit
def _victim(s, c):
    """Preemptive._victim: the lowest-priority message in service, the latest to end
    among equals (the first started among full ties), or -1 when none is."""
    mi, mf = s.mi, s.mf
    best = m = s.ni[c, N_RUN_HEAD]
    while m >= 0:
        if mi[m, M_PRIO] > mi[best, M_PRIO] or (
                mi[m, M_PRIO] == mi[best, M_PRIO] and mf[m, MF_END] > mf[best, MF_END]):
            best = m
        m = mi[m, M_NEXT]
    return best


@jit
def _requeue(s, b, c, m, now):
    """PreemptiveBuffer.requeue: a preempted message waits again, first among its
    priority (a negative entry number, decreasing, as the buffer's front counter)."""
    bi, mi = s.bi, s.mi
    mi[m, M_SEQ] = s.ni[c, N_FRONT]
    s.ni[c, N_FRONT] -= 1
    prio = mi[m, M_PRIO]
    after = -1
    before = bi[b, B_HEAD]
    while before >= 0 and mi[before, M_PRIO] < prio:
        after = before
        before = mi[before, M_NEXT]
    _link(s, b, m, after, before, now)


@jit
def _pr_put(s, b, c, m, now, arrived):
    """PreemptiveBuffer.put (arrived at ``arrived``): take the server of a message of
    lower priority when all are busy, else Buffer.put without wait samples (the service
    records a message's wait when it completes)."""
    ni, bi = s.ni, s.bi
    s.mf[m, MF_LEFT] = -1.0
    bi[b, B_ARRIVALS] += 1
    s.mf[m, MF_T] = arrived
    if ni[c, N_BUSY] >= ni[c, N_SERVERS]:
        victim = _victim(s, c)
        if victim >= 0 and s.mi[victim, M_PRIO] > s.mi[m, M_PRIO]:
            bi[b, B_TAKEN] += 1
            _run_remove(s, c, victim)
            s.mf[victim, MF_LEFT] = s.mf[victim, MF_END] - now
            _requeue(s, b, c, victim, now)
            _pr_start(s, c, m, now)
            return
    else:
        bi[b, B_TAKEN] += 1
        s.nf[c, F_BUSY_SPAN] -= now
        ni[c, N_BUSY] += 1
        _pr_start(s, c, m, now)
        return
    _wait_or_overflow(s, b, m, now)


@jit
def _pr_done(s, c, m, token, now):
    """Preemptive._finished: unless preempted since, count the sojourn and the wait
    (all the time not in service), pass on, and serve the next."""
    if s.mi[m, M_TOKEN] != token:
        return
    _run_remove(s, c, m)
    ni = s.ni
    ni[c, N_COMPLETED] += 1
    sojourn = now - s.mf[m, MF_T]
    _record(s, ni[c, N_STAT_TIME], sojourn)
    _record(s, ni[c, N_STAT_WAIT], max(0.0, sojourn - s.mf[m, MF_SIZE]))
    _pass_on(s, c, m, now)
    _resolve_losses(s, now)
    _pr_next(s, c, now)


@jit
def _pr_next(s, c, now):
    """Service._next with PreemptiveBuffer.take: the first waiting message in priority
    order (no wait sample; a preempted one is not taken twice)."""
    ni, bi = s.ni, s.bi
    if ni[c, N_BUSY] <= ni[c, N_SERVERS]:
        b = ni[c, N_BUF]
        if bi[b, B_N] > 0:
            m = bi[b, B_HEAD]
            _leave(s, b, m, now)
            if s.mf[m, MF_LEFT] < 0.0:
                bi[b, B_TAKEN] += 1
            _pr_start(s, c, m, now)
            return
    s.nf[c, F_BUSY_SPAN] += now
    ni[c, N_BUSY] -= 1


# ------------------------------------- crashes and repairs (sim.engine.reliability)
@jit
def _in_service(s, c, m):
    """Crashes.begin and _continue: ``m`` joins the messages in service of ``c`` (last,
    in start order) with a new token, which its completion event carries."""
    _run_append(s, c, m)
    token = s.g[G_TOKEN] + 1
    s.g[G_TOKEN] = token
    s.mi[m, M_TOKEN] = token
    return token


@jit
def _served_out(s, c, m, token):
    """Crashes._done: is ``m`` still in service at ``c`` with this start's token (not
    lost by a crash since)? If so it leaves the messages in service."""
    if s.mi[m, M_TOKEN] != token:
        return False
    _run_remove(s, c, m)
    return True


@jit
def _crash(s, c, now):
    """Crashes.crash (availability_process: up time over): every message in service is
    lost (cause ``crash``), in start order, and no server serves until the repair,
    due after a down-time draw."""
    ni, mi = s.ni, s.mi
    ni[c, N_CRASHES] += 1
    count = 0
    m = ni[c, N_RUN_HEAD]
    while m >= 0:
        count += 1
        m = mi[m, M_NEXT]
    s.nf[c, F_BUSY_SPAN] += count * now
    ni[c, N_BUSY] -= count
    ni[c, N_SERVERS] = 0
    m = ni[c, N_RUN_HEAD]
    ni[c, N_RUN_HEAD] = ni[c, N_RUN_TAIL] = -1
    _crash_losses(s, c, m, now)


@jit
def _crash_losses(s, c, m, now):
    """The losses of a crash of ``c``, from message ``m`` on (linked by M_NEXT), then the
    repair due after a down-time draw. Each loss may set off a chain of retries; a crash
    of thousands of messages would outrun the margins of the streams, sample buffers
    and tables, so between two losses the rest of the crash waits, first at this
    instant, while Python serves the state (advance hands back)."""
    mi = s.mi
    while m >= 0:
        nxt = mi[m, M_NEXT]
        mi[m, M_TOKEN] = 0
        _lose(s, m, C_CRASH, now)
        _resolve_losses(s, now)
        m = nxt
        if m >= 0 and _needs_service(s):
            _push_first(s, now, EV_CRASHING, c, m, 0)
            return
    _push(s, now + _draw(s, s.ni[c, N_DOWN_DRAW]), EV_REPAIR, c, 0, 0)


@jit
def _repair(s, c, now):
    """Crashes.repair: the servers are back, and fill them."""
    s.ni[c, N_SERVERS] = s.ni[c, N_PROVISIONED]
    _fill(s, c, now)


@jit
def _fill(s, c, now):
    """Service.fill after a repair: idle servers take waiting messages (inputs in
    order), in steps as _crash_losses; then the next crash is due after an up-time
    draw."""
    ni = s.ni
    own = ni[c, N_BUF]
    while ni[c, N_BUSY] < ni[c, N_SERVERS]:
        found = False
        for k in range(ni[c, N_IN0], ni[c, N_IN1]):
            b = s.inputs[k]
            m = _take(s, b, now)
            if m >= 0:
                _begin(s, c, m, now, b == own, s.pin[k])
                found = True
                break
        if not found:
            break
        if _needs_service(s):
            _push_first(s, now, EV_FILLING, c, 0, 0)
            return
    _push(s, now + _draw(s, ni[c, N_UP_DRAW]), EV_CRASH, c, 0, 0)


# ------------------------------------------------------------------- routing
@jit
def _load(s, node):
    """Messages waiting at or in service behind ``node`` (Buffer.load, Service.load)."""
    b = s.ni[node, N_BUF]
    if s.ni[node, N_SERVE] == S_PS:
        return s.ni[node, N_JOBS]
    if s.ni[node, N_KIND] == K_SERVICE:
        return s.ni[node, N_BUSY] + (s.bi[b, B_N] if b >= 0 else 0)
    total = s.bi[b, B_N]
    for k in range(s.bi[b, B_C0], s.bi[b, B_C1]):
        total += s.ni[s.cons[k], N_BUSY]
    return total


@jit
def _least_loaded(s, node, e0, k):
    low = -1
    count = 0
    for i in range(k):
        x = _load(s, s.ei[e0 + i, E_TARGET])
        if low < 0 or x < low:
            low, count = x, 1
        elif x == low:
            count += 1
    pick = int(_draw(s, s.ni[node, N_USTREAM]) * count) if count > 1 else 0
    for i in range(k):
        if _load(s, s.ei[e0 + i, E_TARGET]) == low:
            if pick == 0:
                return e0 + i
            pick -= 1
    return e0


@jit
def _choose(s, node):
    """The out-edge a message leaving ``node`` takes (sim.engine.routing), or -1 at a sink."""
    ni = s.ni
    e0 = ni[node, N_E0]
    k = ni[node, N_E1] - e0
    if k <= 1:
        return e0 if k == 1 else -1
    policy = ni[node, N_ROUTING]
    us = ni[node, N_USTREAM]
    if policy == R_PROBABILISTIC:
        u = _draw(s, us)
        i = 0
        while i < k - 1 and s.ef[e0 + i, EF_CUMULATIVE] <= u:
            i += 1
        return e0 + i
    if policy == R_RANDOM:
        return e0 + int(_draw(s, us) * k)
    if policy == R_ROUND_ROBIN:
        turn = ni[node, N_TURN]
        ni[node, N_TURN] = (turn + 1) % k
        return e0 + turn
    if policy == R_LEAST_LOADED:
        return _least_loaded(s, node, e0, k)
    i = int(_draw(s, us) * k)
    j = int(_draw(s, us) * (k - 1))
    if j >= i:
        j += 1
    la = _load(s, s.ei[e0 + i, E_TARGET])
    lb = _load(s, s.ei[e0 + j, E_TARGET])
    if la == lb:
        return e0 + i if _draw(s, us) < 0.5 else e0 + j
    return e0 + i if la < lb else e0 + j


@jit
def _admit(s, node, now):
    """TokenBucket.__call__: take a token of the node's ``rate_limit`` if one is left."""
    nf = s.nf
    tokens = min(nf[node, F_TB_BURST],
                 nf[node, F_TB_TOKENS] + (now - nf[node, F_TB_LAST]) * nf[node, F_TB_RATE])
    nf[node, F_TB_LAST] = now
    if tokens >= 1.0:
        nf[node, F_TB_TOKENS] = tokens - 1.0
        return True
    nf[node, F_TB_TOKENS] = tokens
    return False


@jit
def _enter_router(s, r, m, now):
    """Router.arrive up to the routing: count, and refuse over the rate limit."""
    s.ni[r, N_ARRIVALS] += 1
    if s.ni[r, N_LIMITED] and not _admit(s, r, now):
        s.ni[r, N_DROPPED] += 1
        _defer_loss(s, m, C_REJECTED)
        return False
    s.ni[r, N_COMPLETED] += 1
    return True


@inlined
def _send(s, node, m, now, producer):
    """The node's ``send``: along the chosen edge (after its latency), through routers
    (MAX_HOPS in one go, then by a zero-delay event), into a buffer, or to the sink.
    True when a blocking buffer holds ``m`` and ``producer`` (the sender or service
    that sent it, -1 for none: a delivery after latency, a deferred hop) must wait."""
    return _route(s, node, m, now, 0, producer)


@inlined
def _route(s, node, m, now, hops, producer):
    """``_send`` from ``node``, ``hops`` routers deep: a broadcast forks (its copies go
    out from the work stack, see _fork; a model that broadcasts has no blocking buffer,
    see coverage), any other policy picks one edge."""
    while True:
        if s.ni[node, N_ROUTING] == R_BROADCAST and s.ni[node, N_E1] > s.ni[node, N_E0]:
            _fork(s, node, m, now, hops)
            return False
        e = _pick(s, node, m)
        if e < 0:
            _finish(s, m, now)
            return False
        target = s.ei[e, E_TARGET]
        if s.ei[e, E_LSTREAM] < 0 and s.ni[target, N_KIND] != K_ROUTER:
            return _put(s, s.ni[target, N_BUF], m, now, producer)
        node = _hop(s, e, m, now, hops)
        if node < 0:
            return False
        hops += 1


@inlined
def _hop(s, e, m, now, hops):
    """Take edge ``e`` (``hops`` routers deep): after its latency, into a buffer, or into
    a router; returns the router to route on from at once, or -1."""
    target = s.ei[e, E_TARGET]
    ls = s.ei[e, E_LSTREAM]
    if ls >= 0:
        _push(s, now + _draw(s, ls), EV_DELIVER, m, target, 0)
        return -1
    if s.ni[target, N_KIND] != K_ROUTER:
        _put(s, s.ni[target, N_BUF], m, now, -1)
        return -1
    if not _enter_router(s, target, m, now):
        return -1
    if hops >= MAX_HOPS:
        _push(s, now, EV_FORWARD, m, target, 0)
        return -1
    return target


@inlined
def _pick(s, node, m):
    """The out-edge of ``m`` at ``node``: its key's owner on a consistent-hash node
    (routing._consistent_hash; the table, precomputed in state, follows the services'
    inputs), else ``_choose``; a node with one successor or none decides here, without
    a call (most nodes: a call passes the whole State)."""
    e0 = s.ni[node, N_E0]
    k = s.ni[node, N_E1] - e0
    if k <= 1:
        return e0 if k == 1 else -1
    kt = s.ni[node, N_KT]
    if kt >= 0 and s.ni[node, N_ROUTING] == R_CONSISTENT_HASH:
        return s.ni[node, N_E0] + s.inputs[kt + s.ri[s.mi[m, M_REQ], Q_KEY]]
    return _choose(s, node)


@jit
def _arrive(s, node, m, now):
    """A message delivered at ``node`` after an edge's latency (DelayedEdge._deliver)."""
    if s.ni[node, N_KIND] == K_ROUTER:
        if _enter_router(s, node, m, now):
            _send(s, node, m, now, -1)
    else:
        _put(s, s.ni[node, N_BUF], m, now, -1)


# ------------------------------------------------------------------- senders
@inlined
def _settle(s, sender, born, ok, waited, now):
    """Sender._settle: count the request's end; a closed client thinks."""
    ni = s.ni
    if born >= s.gf[GF_WARMUP]:
        ni[sender, N_LIVE] -= 1
        if ok:
            ni[sender, N_COMPLETED] += 1
            _record(s, ni[sender, N_STAT_TIME], now - born)
            _record(s, ni[sender, N_STAT_WAIT], waited)
        else:
            ni[sender, N_FAILED] += 1
    if ni[sender, N_CLOSED]:
        delay = _draw(s, ni[sender, N_DRAW]) if ni[sender, N_DRAW] >= 0 else 0.0
        if delay <= 0.0:
            _check_spin(s, sender, now)
        _push(s, now + delay, EV_EMIT, sender, 0, 0)


@jit
def _check_spin(s, sender, now):
    """Sender._check_spin: clients sending again and again at one instant."""
    if now != s.nf[sender, F_SPIN_AT]:
        s.nf[sender, F_SPIN_AT] = now
        s.ni[sender, N_SPIN] = 0
        return
    s.ni[sender, N_SPIN] += 1
    if s.ni[sender, N_SPIN] > SPIN_LIMIT * s.ni[sender, N_CLIENTS]:
        s.g[G_ERROR_NODE] = sender


@jit
def _waste(s, sender, born, work):
    if born >= s.gf[GF_WARMUP]:
        s.nf[sender, F_WASTED] += work


@inlined
def _finish(s, m, now):
    """A copy left a sink (sim.engine.message.finish, Sender.complete)."""
    if s.mi[m, M_JOIN] >= 0 and not _joined(s, m):
        return
    q = s.mi[m, M_REQ]
    sender = s.mi[m, M_SENDER]
    ri = s.ri
    if ri[q, Q_CURRENT] == s.mi[m, M_ATTEMPT]:
        ri[q, Q_CURRENT] = 0
        if s.ni[sender, N_CB_RING] >= 0:
            _outcome(s, sender, now, True)
    if ri[q, Q_STATE] == PENDING:
        ri[q, Q_STATE] = DONE
        _settle(s, sender, s.mf[m, MF_BORN], True, s.mf[m, MF_WAITED], now)
    else:
        _waste(s, sender, s.mf[m, MF_BORN], s.mf[m, MF_WORK])
        if ri[q, Q_COUNTED]:
            s.ni[sender, N_DUPLICATES] += 1
    _release_message(s, m)


@jit
def _backoff(s, sender, q):
    """backoff_schedule: min(max, initial * multiplier ** (n - 1)) with its jitter."""
    nf = s.nf
    initial, cap = nf[sender, F_B_INITIAL], nf[sender, F_B_MAX]
    d = min(cap, initial * nf[sender, F_B_MULTIPLIER] ** float(s.ri[q, Q_SENT] - 1))
    jitter = s.ni[sender, N_JITTER]
    if jitter == J_FULL:
        d = d * _draw(s, s.ni[sender, N_RSTREAM])
    elif jitter == J_EQUAL:
        d = d / 2 + d / 2 * _draw(s, s.ni[sender, N_RSTREAM])
    elif jitter == J_DECORRELATED:
        prev = s.rf[q, QF_LAST_BACKOFF]
        if prev == 0.0:
            prev = initial
        d = min(cap, initial + (3 * prev - initial) * _draw(s, s.ni[sender, N_RSTREAM]))
    s.rf[q, QF_LAST_BACKOFF] = d
    return d


@jit
def _attempt(s, q, now):
    """Sender._attempt and _send: the next attempt of request ``q`` leaves now."""
    sender = s.ri[q, Q_SENDER]
    s.ri[q, Q_SENT] += 1
    s.ri[q, Q_CURRENT] = s.ri[q, Q_SENT]
    m = _new_message(s, q, now)
    timeout = s.nf[sender, F_TIMEOUT]
    if timeout < math.inf:
        _push_timeout(s, now + timeout, q, s.ri[q, Q_GEN], s.ri[q, Q_SENT])
    if s.rf[q, QF_BORN] >= s.gf[GF_WARMUP]:
        s.ni[sender, N_ATTEMPTS] += 1
    if s.ni[sender, N_CB_RING] >= 0 and not _allow(s, sender, now):
        if s.rf[q, QF_BORN] >= s.gf[GF_WARMUP]:
            s.ni[sender, N_CIRCUIT_OPEN] += 1
        _defer_loss(s, m, C_CIRCUIT_OPEN)
        return
    if s.ni[sender, N_LIMITED] and not _admit(s, sender, now):
        _defer_loss(s, m, C_REJECTED)
        return
    _key(s, q, sender)
    if _send(s, sender, m, now, sender):
        s.ni[sender, N_BLOCKED] += 1


@inlined
def _key(s, q, sender):
    """keys.keyed_send: a keyed sender's request draws its key at its first send."""
    ks = s.ni[sender, N_KSTREAM]
    if ks >= 0 and s.ri[q, Q_KEY] < 0:
        s.ri[q, Q_KEY] = int(_draw(s, ks))


@jit
def _ring_push(s, row, tail_col, head_col, sender, now):
    """Append ``now`` to ring ``row`` of the retry budget (grown by Python when full)."""
    tail = s.ni[sender, tail_col]
    cap = s.rw.shape[1]
    s.rw[row, tail % cap] = now
    s.ni[sender, tail_col] = tail + 1
    if tail + 1 - s.ni[sender, head_col] >= cap - SLOT_MARGIN:
        s.g[G_RINGS_FULL] = 1


# ------------------------------------------- circuit breakers (sim.engine.guards.Breaker)
@jit
def _allow(s, sender, now):
    """Breaker.allow: may an attempt be sent now? An open breaker turns half-open once
    its cooldown is over; a half-open one lets ``probes`` attempts through."""
    ni = s.ni
    state = ni[sender, N_CB_STATE]
    if state == CB_OPEN:
        if now - s.nf[sender, F_CB_OPENED_AT] < s.nf[sender, F_CB_COOLDOWN]:
            return False
        state = CB_HALF_OPEN
        ni[sender, N_CB_STATE] = state
        ni[sender, N_CB_PROBING] = 0
        ni[sender, N_CB_PROBE_OK] = 0
    if state == CB_HALF_OPEN:
        if ni[sender, N_CB_PROBING] >= ni[sender, N_CB_PROBES]:
            return False
        ni[sender, N_CB_PROBING] += 1
    return True


@jit
def _forget(s, sender):
    """The breaker's window emptied (Breaker: outcomes.clear(), failures = 0)."""
    s.ni[sender, N_CB_HEAD] = s.ni[sender, N_CB_TAIL]
    s.ni[sender, N_CB_FAILURES] = 0


@jit
def _trip(s, sender, now):
    """Breaker._open: the breaker opens now."""
    s.ni[sender, N_CB_STATE] = CB_OPEN
    s.nf[sender, F_CB_OPENED_AT] = now
    _forget(s, sender)


@jit
def _outcome(s, sender, now, ok):
    """Breaker.record: an attempt resolved (``ok``: it completed its request). Half-open,
    a failure reopens and ``probes`` successes close; closed, the outcome joins the
    window (those older than ``window`` s leave it) and the breaker opens when at least
    ``min_calls`` outcomes are in it and failures reach ``failure_ratio`` of them."""
    ni = s.ni
    state = ni[sender, N_CB_STATE]
    if state == CB_HALF_OPEN:
        if not ok:
            _trip(s, sender, now)
            return
        ni[sender, N_CB_PROBE_OK] += 1
        if ni[sender, N_CB_PROBE_OK] >= ni[sender, N_CB_PROBES]:
            ni[sender, N_CB_STATE] = CB_CLOSED
            _forget(s, sender)
        return
    if state == CB_OPEN:
        return
    row = ni[sender, N_CB_RING]
    cap = s.rw.shape[1]
    tail = ni[sender, N_CB_TAIL]
    s.rw[row, tail % cap] = now
    s.rw[row + 1, tail % cap] = 1.0 if ok else 0.0
    tail += 1
    ni[sender, N_CB_TAIL] = tail
    if not ok:
        ni[sender, N_CB_FAILURES] += 1
    horizon = now - s.nf[sender, F_CB_WINDOW]
    head = ni[sender, N_CB_HEAD]
    while head < tail and s.rw[row, head % cap] < horizon:
        if s.rw[row + 1, head % cap] == 0.0:
            ni[sender, N_CB_FAILURES] -= 1
        head += 1
    ni[sender, N_CB_HEAD] = head
    if tail - head >= cap - SLOT_MARGIN:
        s.g[G_RINGS_FULL] = 1
    calls = tail - head
    if calls >= ni[sender, N_CB_MIN_CALLS] and (
            ni[sender, N_CB_FAILURES] >= s.nf[sender, F_CB_RATIO] * calls):
        _trip(s, sender, now)


@jit
def _ring_trim(s, row, tail_col, head_col, sender, horizon):
    """Drop the times before ``horizon``; returns how many are left."""
    cap = s.rw.shape[1]
    head, tail = s.ni[sender, head_col], s.ni[sender, tail_col]
    while head < tail and s.rw[row, head % cap] < horizon:
        head += 1
    s.ni[sender, head_col] = head
    return tail - head


@jit
def _withdraw(s, sender, now):
    """RetryBudgetGate.withdraw: may a retry be sent now? Counts it when it may."""
    row = s.ni[sender, N_RING]
    horizon = now - s.nf[sender, F_BUDGET_WINDOW]
    requests = _ring_trim(s, row, N_RQ_TAIL, N_RQ_HEAD, sender, horizon)
    retries = _ring_trim(s, row + 1, N_RT_TAIL, N_RT_HEAD, sender, horizon)
    if retries + 1 > s.nf[sender, F_BUDGET_RATIO] * requests + s.nf[sender, F_BUDGET_RESERVE]:
        return False
    _ring_push(s, row + 1, N_RT_TAIL, N_RT_HEAD, sender, now)
    return True


@inlined
def _emit(s, sender, now):
    """Sender.emit: a new request departs now (deposited in the retry budget)."""
    if now >= s.gf[GF_WARMUP]:
        s.ni[sender, N_OFFERED] += 1
        s.ni[sender, N_LIVE] += 1
    if s.ni[sender, N_RING] >= 0:
        _ring_push(s, s.ni[sender, N_RING], N_RQ_TAIL, N_RQ_HEAD, sender, now)
    _attempt(s, _new_request(s, sender, now), now)


@jit
def _retry_or_die(s, q, cause, now):
    """Sender._retry_or_die: retry after the backoff while attempts remain."""
    ri = s.ri
    if ri[q, Q_STATE] != PENDING:
        return
    sender = ri[q, Q_SENDER]
    born = s.rf[q, QF_BORN]
    denied = False
    if ri[q, Q_SENT] < s.ni[sender, N_MAX_ATTEMPTS] and s.ni[sender, N_RING] >= 0:
        denied = not _withdraw(s, sender, now)
        if denied and ri[q, Q_COUNTED]:
            s.ni[sender, N_DENIED] += 1
    if ri[q, Q_SENT] >= s.ni[sender, N_MAX_ATTEMPTS] or denied:
        ri[q, Q_STATE] = FAILED
        if born >= s.gf[GF_WARMUP]:
            s.ni[sender, N_DEAD + cause] += 1
        _settle(s, sender, born, False, 0.0, now)
        _release_request(s, q)
        return
    if ri[q, Q_COUNTED]:
        s.ni[sender, N_RETRIES] += 1
    delay = _backoff(s, sender, q) if s.nf[sender, F_B_INITIAL] < math.inf else 0.0
    if delay > 0:
        _push(s, now + delay, EV_RETRY, q, ri[q, Q_GEN], 0)
    else:
        _attempt(s, q, now)


@jit
def _lose(s, m, cause, now):
    """sim.engine.message.fail and Sender.fail: the copy is lost for ``cause``."""
    q = s.mi[m, M_REQ]
    sender = s.mi[m, M_SENDER]
    born = s.mf[m, MF_BORN]
    _waste(s, sender, born, s.mf[m, MF_WORK])
    if s.mi[m, M_JOIN] >= 0 and not _join_lost(s, m):
        return
    if cause == C_REJECTED and born >= s.gf[GF_WARMUP]:
        s.ni[sender, N_REJECTED] += 1
    if s.ri[q, Q_CURRENT] == s.mi[m, M_ATTEMPT]:
        s.ri[q, Q_CURRENT] = 0
        if s.ni[sender, N_CB_RING] >= 0 and cause != C_CIRCUIT_OPEN:
            _outcome(s, sender, now, False)
        _retry_or_die(s, q, cause, now)
    _release_message(s, m)


@inlined
def _resolve_losses(s, now):
    """Do the work left by the step just done: resolve the attempts lost, send the
    copies forked (see the module docstring and _fork), last put first. Inlined, so
    a step that left nothing (most) costs one test, not a call."""
    if s.g[G_FTOP] > 0:
        _work_off(s, now)


@jit
def _work_off(s, now):
    g = s.g
    while g[G_FTOP] > 0:
        top = g[G_FTOP] - 1
        g[G_FTOP] = top
        if s.lost[top, 1] >= W_SEND:
            _send_item(s, top, now)
        else:
            _lose(s, s.lost[top, 0], s.lost[top, 1], now)


@jit
def _segment(s, p0, p1, period, t):
    """arrivals._profiled_gaps.locate: (cycle, segment row) holding absolute time ``t``."""
    k = 0
    local = t
    if period > 0:
        k = math.floor(t / period)
        local = t - k * period
        if local >= period:
            k, local = k + 1, local - period
        elif local < 0:
            k, local = k - 1, local + period
    i = p0
    while i + 1 < p1 and s.pf[i + 1, PF_START] <= local:
        i += 1
    return k, i


@inlined
def _gap(s, sender, now):
    """The delay (s) to the next arrival: a draw of the base process, run in operational
    time when the sender has a rate profile (arrivals._profiled_gaps, step for step)."""
    work = _draw(s, s.ni[sender, N_DRAW])
    p0, p1 = s.ni[sender, N_P0], s.ni[sender, N_P1]
    if p0 == p1:
        return work
    return _profiled_gap(s, sender, now, work, p0, p1)


@jit
def _profiled_gap(s, sender, now, work, p0, p1):
    """:func:`_gap` for a sender with a rate profile: ``work`` of the base process run
    through the profile's segments from ``now``."""
    period = s.nf[sender, F_PERIOD]
    cycle_work = s.nf[sender, F_CYCLE_WORK]
    t = now
    k, i = _segment(s, p0, p1, period, t)
    while True:
        m = s.pf[i, PF_MULTIPLIER]
        end = s.pf[i, PF_BOUND] + k * period if period > 0 else s.pf[i, PF_BOUND]
        span = end - t if end > t else 0.0
        if m > 0 and work <= m * span:
            return t + work / m - now
        if end == math.inf:
            return math.inf
        work -= m * span
        t = end if end > t else t
        if i < p1 - 1:
            i += 1
            continue
        if cycle_work <= 0:
            return math.inf
        i, k = p0, k + 1
        skip = math.floor(work / cycle_work)
        if skip > 0:
            k += skip
            work -= skip * cycle_work
            t = k * period


# -------------------------------------------------------------------- events
@inlined
def _done(s, c, m, now):
    """Service._done: count, fail by ``error_rate`` or send on, then serve the next."""
    ni = s.ni
    ni[c, N_COMPLETED] += 1
    _record(s, ni[c, N_STAT_TIME], now - s.mf[m, MF_T])
    es = ni[c, N_ESTREAM]
    held = False
    if es >= 0 and _draw(s, es) < s.nf[c, F_ERROR_RATE]:
        ni[c, N_ERRORS] += 1
        _lose(s, m, C_ERROR, now)
    else:
        held = _send(s, c, m, now, c)
    _resolve_losses(s, now)
    if held:
        _block(s, c, now)
        return
    _next(s, c, now)


@jit
def _on_timeout(s, q, now):
    """The timer of request ``q``'s current attempt fired while the request is pending
    (the caller has checked: most timers find their request resolved, and that test
    costs no call)."""
    ri = s.ri
    ri[q, Q_CURRENT] = 0
    if ri[q, Q_COUNTED]:
        s.ni[ri[q, Q_SENDER], N_TIMED_OUT] += 1
    if s.ni[ri[q, Q_SENDER], N_CB_RING] >= 0:
        _outcome(s, ri[q, Q_SENDER], now, False)
    _retry_or_die(s, q, C_TIMEOUT, now)


@inlined
def _dispatch(s, kind, a, b, c, now):
    if kind == EV_DONE:
        if s.ni[a, N_BREAKS] and not _served_out(s, a, b, c):
            return
        _done(s, a, b, now)
        return
    if kind == EV_ARRIVAL:
        held = s.ni[a, N_BLOCKED]
        _emit(s, a, now)
        _resolve_losses(s, now)
        if s.ni[a, N_BLOCKED] > held:
            s.ni[a, N_PAUSED] = 1
        else:
            _push(s, now + _gap(s, a, now), EV_ARRIVAL, a, 0, 0)
        return
    if kind == EV_EMIT:
        _emit(s, a, now)
    elif kind == EV_TIMEOUT:
        if s.ri[a, Q_GEN] == b and s.ri[a, Q_CURRENT] == c and s.ri[a, Q_STATE] == PENDING:
            _on_timeout(s, a, now)
    elif kind == EV_RETRY:
        if s.ri[a, Q_GEN] == b and s.ri[a, Q_STATE] == PENDING:
            _attempt(s, a, now)
    elif kind == EV_DELIVER:
        _arrive(s, b, a, now)
    elif kind == EV_EXPIRE:
        _expire(s, a, b, c, now)
    elif kind == EV_VISIBLE:
        _visible(s, a, b, now, s.mf[b, MF_T], -1)
    elif kind == EV_LANDED:
        _landed(s, a, b, c, now)
    elif kind == EV_PS_DONE:
        _ps_done(s, a, b, now)
    elif kind == EV_PREEMPT_DONE:
        _pr_done(s, a, b, c, now)
    elif kind == EV_CRASH:
        _crash(s, a, now)
    elif kind == EV_REPAIR:
        _repair(s, a, now)
    elif kind == EV_CRASHING:
        _crash_losses(s, a, b, now)
    elif kind == EV_FILLING:
        _fill(s, a, now)
    else:
        _send(s, b, a, now, -1)
    _resolve_losses(s, now)


@jit
def _start(s):
    """Sender.start for every sender, in node order: a closed one's clients all send
    now, an open one's first arrival is scheduled after one gap; then the first crash
    of each service with ``availability`` after an up-time draw (its process starts
    once the senders have). Run by the first call of :func:`advance`, so Python loads
    one entry point of the kernel from the disk cache, not two (about 0.03 s each)."""
    ni = s.ni
    for node in range(ni.shape[0]):
        if ni[node, N_KIND] != K_SENDER:
            continue
        if ni[node, N_CLOSED]:
            for _ in range(ni[node, N_CLIENTS]):
                _emit(s, node, 0.0)
                _resolve_losses(s, 0.0)
        else:
            _push(s, _gap(s, node, 0.0), EV_ARRIVAL, node, 0, 0)
    for node in range(ni.shape[0]):
        if ni[node, N_BREAKS]:
            _push(s, _draw(s, ni[node, N_UP_DRAW]), EV_CRASH, node, 0, 0)


@inlined
def _needs_service(s):
    """Does the state need Python: a stream running low, a sample buffer or a ring near
    full, a fork asking for room, the heap, the timer ring or a slot table (messages,
    requests, the work stack) short of room, fewer free message slots than a model
    that broadcasts keeps (G_ROOM)?"""
    g = s.g
    return (g[G_LOW] != 0 or g[G_FLUSH] != 0 or g[G_RINGS_FULL] != 0 or g[G_GROW] != 0
            or g[G_MTOP] < g[G_ROOM]
            or g[G_HEAP] >= s.ht.shape[0] - HEAP_MARGIN or g[G_MTOP] < SLOT_MARGIN
            or g[G_TQ_TAIL] - g[G_TQ_HEAD] >= s.tq.shape[0] - HEAP_MARGIN
            or g[G_RTOP] < SLOT_MARGIN or g[G_FTOP] >= s.lost.shape[0] - SLOT_MARGIN)


@loop
def advance(s):
    """Run events until one due at or after ``gf[GF_STOP]``, or until the state needs
    Python (returns STOPPED, NEEDS_SERVICE or LIVELOCK; see the module docstring). The
    first call starts the senders (:func:`_start`) before any event."""
    g = s.g
    stop = s.gf[GF_STOP]
    if g[G_STARTED] == 0:
        g[G_STARTED] = 1
        _start(s)
    while True:
        if g[G_ERROR_NODE] >= 0:
            return LIVELOCK
        if g[G_OVERFLOW]:
            return OVERFLOW
        if _needs_service(s):
            return NEEDS_SERVICE
        head = g[G_TQ_HEAD]
        timer = head < g[G_TQ_TAIL]
        k, due = 0, 0.0
        if timer:
            k = head % s.tq.shape[0]
            due = s.tq[k]
            timer = g[G_HEAP] == 0 or due < s.ht[0] or (
                due == s.ht[0] and s.tj[k, TJ_SEQ] < s.hi[0, H_SEQ])
        if timer:
            if due >= stop:
                return STOPPED
            g[G_TQ_HEAD] = head + 1
            now, kind = due, EV_TIMEOUT
            a, b, c = s.tj[k, TJ_Q], s.tj[k, TJ_GEN], s.tj[k, TJ_ATTEMPT]
        else:
            if g[G_HEAP] == 0 or s.ht[0] >= stop:
                return STOPPED
            now, kind, a, b, c = _pop(s)
        g[G_EVENTS] += 1
        _dispatch(s, kind, a, b, c, now)
