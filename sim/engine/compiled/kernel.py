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
compiles no recursion, and a retry that is rejected again would recurse. The copies
a broadcast forks go on the same stack (see _fork), so each copy's send and what it
causes at once are done in the SimPy engine's order of calls.
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
    FORK_MARGIN, G_GROW, G_NESTED, G_ROOM, G_OVERFLOW, J_DONE, J_FAILED, J_LIVE, J_NEED,
    J_PARENT, J_REFS, J_RESOLVED, JF_WORK, JOIN_SLOT, M_JOIN, N_KSTREAM, N_KT, N_QUORUM, OVERFLOW,
    Q_KEY, R_BROADCAST, R_CONSISTENT_HASH, W_COPY, W_SEND)

__all__ = ["advance", "start"]

jit = njit(cache=True, nogil=True, _nrt=False)
loop = njit(cache=True, nogil=True, _nrt=False)
leaf = njit(cache=True, nogil=True, _nrt=False, inline="always")


# ------------------------------------------------------------------ primitives
@leaf
def _draw(s, k):
    """The next value of stream ``k`` (Streams.draw / Streams.uniform)."""
    p = s.sp[k]
    x = s.sd[k, p]
    p += 1
    s.sp[k] = p
    if p >= s.sl[k] - DRAW_MARGIN:
        s.g[G_LOW] = 1
    return x


@leaf
def _record(s, stat, x):
    """Append one sample to statistic ``stat`` (SampleStats.buf.append)."""
    n = s.sn[stat]
    s.sb[stat, n] = x
    n += 1
    s.sn[stat] = n
    if n >= s.sb.shape[1] - STAT_MARGIN:
        s.g[G_FLUSH] = 1


@jit
def _push(s, t, kind, a, b, c):
    """Schedule an event at ``t`` (s): after every event already due at ``t``."""
    ht, hi, g = s.ht, s.hi, s.g
    seq = g[G_SEQ]
    g[G_SEQ] = seq + 1
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


@jit
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
@jit
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


@jit
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


@jit
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


@jit
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
        _route(s, node, m, now, hops + 1)


@jit
def _joined(s, m):
    """A copy ``m`` in a join left a sink: True when its attempt completes now
    (Sender.complete), else False and ``m`` is freed. Either way ``m`` leaves its join
    (so the common paths of _finish and _release_message know nothing of joins)."""
    ok = _finish_walk(s, m)
    _set_join(s, m, -1)
    if not ok:
        _release_message(s, m)
    return ok


@jit
def _join_lost(s, m):
    """A copy ``m`` in a join was lost: True when its attempt fails now (Sender.fail),
    else False and ``m`` is freed; either way ``m`` leaves its join."""
    ok = _lost_walk(s, m)
    _set_join(s, m, -1)
    if not ok:
        _release_message(s, m)
    return ok


@leaf
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


@leaf
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
    s.bf[b, BF_SPAN] -= now
    n = bi[b, B_N] + 1
    bi[b, B_N] = n
    if n > bi[b, B_PEAK]:
        bi[b, B_PEAK] = n
    mi[m, M_SEQ] = s.g[G_ENTRY]
    s.g[G_ENTRY] += 1
    after = bi[b, B_TAIL]
    if bi[b, B_DISCIPLINE] == D_PRIORITY:
        prio = mi[m, M_PRIO]
        while after >= 0 and mi[after, M_PRIO] > prio:
            after = mi[after, M_PREV]
    before = bi[b, B_HEAD] if after < 0 else mi[after, M_NEXT]
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
    ttl = s.bf[b, BF_TTL]
    if bi[b, B_PATIENCE] >= 0:
        ttl = _draw(s, bi[b, B_PATIENCE])
    if ttl < math.inf:
        _push(s, now + max(0.0, s.mf[m, MF_T] + ttl - now), EV_EXPIRE, b, m, mi[m, M_SEQ])


@jit
def _unlink(s, b, m):
    """Take ``m`` out of the buffer's list; its entry number no longer matches any
    expiry timer."""
    mi, bi = s.mi, s.bi
    mi[m, M_SEQ] = -1
    prev, nxt = mi[m, M_PREV], mi[m, M_NEXT]
    if prev < 0:
        bi[b, B_HEAD] = nxt
    else:
        mi[prev, M_NEXT] = nxt
    if nxt < 0:
        bi[b, B_TAIL] = prev
    else:
        mi[nxt, M_PREV] = prev


@jit
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


@jit
def _put(s, b, m, now):
    """A message reaches buffer ``b``: visible at once, or after the broker's latency
    (transit._BrokerDelay; its wait counts from now)."""
    ls = s.bi[b, B_LSTREAM]
    if ls < 0:
        _visible(s, b, m, now, now)
        return
    s.mf[m, MF_T] = now
    _push(s, now + _draw(s, ls), EV_VISIBLE, b, m, 0)


@jit
def _visible(s, b, m, now, arrived):
    """Buffer.put (arrived at ``arrived``): hand to an idle consumer, else wait, else
    overflow."""
    bi, ni = s.bi, s.ni
    bi[b, B_ARRIVALS] += 1
    s.mf[m, MF_T] = arrived
    for k in range(bi[b, B_C0], bi[b, B_C1]):
        c = s.cons[k]
        if ni[c, N_BUSY] < ni[c, N_SERVERS]:
            bi[b, B_TAKEN] += 1
            waited = now - arrived
            _record(s, bi[b, B_STAT], waited)
            s.mf[m, MF_WAITED] += waited
            _begin(s, c, m, now, bi[b, B_OWNER] == c)
            return
    cap = bi[b, B_CAPACITY]
    if cap != UNBOUNDED and bi[b, B_N] >= cap:
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


# ------------------------------------------------------------------ services
@jit
def _serve(s, c, m, now, own):
    """The work of ``m`` on a server of ``c`` already taken (Service._work)."""
    if not own:
        s.ni[c, N_ARRIVALS] += 1
        s.mf[m, MF_T] = now
        _record(s, s.ni[c, N_STAT_WAIT], 0.0)
    work = _draw(s, s.ni[c, N_DRAW])
    s.mf[m, MF_WORK] += work
    _push(s, now + work, EV_DONE, c, m, 0)


@jit
def _begin(s, c, m, now, own):
    """Service.begin: take a free server for ``m``."""
    s.nf[c, F_BUSY_SPAN] -= now
    s.ni[c, N_BUSY] += 1
    _serve(s, c, m, now, own)


@jit
def _next(s, c, now):
    """Service._next: the server that finished goes on with a waiting message."""
    ni = s.ni
    if ni[c, N_BUSY] <= ni[c, N_SERVERS]:
        own = ni[c, N_BUF]
        for k in range(ni[c, N_IN0], ni[c, N_IN1]):
            b = s.inputs[k]
            m = _take(s, b, now)
            if m >= 0:
                _serve(s, c, m, now, b == own)
                return
    s.nf[c, F_BUSY_SPAN] += now
    ni[c, N_BUSY] -= 1


# ------------------------------------------------------------------- routing
@jit
def _load(s, node):
    """Messages waiting at or in service behind ``node`` (Buffer.load, Service.load)."""
    b = s.ni[node, N_BUF]
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


@jit
def _send(s, node, m, now):
    """The node's ``send``: along the chosen edge (after its latency), through routers
    (MAX_HOPS in one go, then by a zero-delay event), into a buffer, or to the sink."""
    _route(s, node, m, now, 0)


@leaf
def _route(s, node, m, now, hops):
    """``_send`` from ``node``, ``hops`` routers deep: a broadcast forks (its copies go
    out from the work stack, see _fork); any other policy picks one edge."""
    while True:
        if s.ni[node, N_ROUTING] == R_BROADCAST and s.ni[node, N_E1] > s.ni[node, N_E0]:
            _fork(s, node, m, now, hops)
            return
        e = _pick(s, node, m)
        if e < 0:
            _finish(s, m, now)
            return
        node = _hop(s, e, m, now, hops)
        if node < 0:
            return
        hops += 1


@leaf
def _hop(s, e, m, now, hops):
    """Take edge ``e`` (``hops`` routers deep): after its latency, into a buffer, or into
    a router; returns the router to route on from at once, or -1."""
    target = s.ei[e, E_TARGET]
    ls = s.ei[e, E_LSTREAM]
    if ls >= 0:
        _push(s, now + _draw(s, ls), EV_DELIVER, m, target, 0)
        return -1
    if s.ni[target, N_KIND] != K_ROUTER:
        _put(s, s.ni[target, N_BUF], m, now)
        return -1
    if not _enter_router(s, target, m, now):
        return -1
    if hops >= MAX_HOPS:
        _push(s, now, EV_FORWARD, m, target, 0)
        return -1
    return target


@leaf
def _pick(s, node, m):
    """The out-edge of ``m`` at ``node``: its key's owner on a consistent-hash node
    (routing._consistent_hash; the table, precomputed in state, follows the services'
    inputs), else ``_choose``."""
    kt = s.ni[node, N_KT]
    if kt >= 0 and s.ni[node, N_ROUTING] == R_CONSISTENT_HASH:
        return s.ni[node, N_E0] + s.inputs[kt + s.ri[s.mi[m, M_REQ], Q_KEY]]
    return _choose(s, node)


@jit
def _arrive(s, node, m, now):
    """A message delivered at ``node`` after an edge's latency (DelayedEdge._deliver)."""
    if s.ni[node, N_KIND] == K_ROUTER:
        if _enter_router(s, node, m, now):
            _send(s, node, m, now)
    else:
        _put(s, s.ni[node, N_BUF], m, now)


# ------------------------------------------------------------------- senders
@jit
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


@jit
def _finish(s, m, now):
    """A copy left a sink (sim.engine.message.finish, Sender.complete)."""
    if s.mi[m, M_JOIN] >= 0 and not _joined(s, m):
        return
    q = s.mi[m, M_REQ]
    sender = s.mi[m, M_SENDER]
    ri = s.ri
    if ri[q, Q_CURRENT] == s.mi[m, M_ATTEMPT]:
        ri[q, Q_CURRENT] = 0
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
        _push(s, now + timeout, EV_TIMEOUT, q, s.ri[q, Q_GEN], s.ri[q, Q_SENT])
    if s.rf[q, QF_BORN] >= s.gf[GF_WARMUP]:
        s.ni[sender, N_ATTEMPTS] += 1
    if s.ni[sender, N_LIMITED] and not _admit(s, sender, now):
        _defer_loss(s, m, C_REJECTED)
        return
    _key(s, q, sender)
    _send(s, sender, m, now)


@leaf
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


@jit
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
        _retry_or_die(s, q, cause, now)
    _release_message(s, m)


@leaf
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


@jit
def _gap(s, sender, now):
    """The delay (s) to the next arrival: a draw of the base process, run in operational
    time when the sender has a rate profile (arrivals._profiled_gaps, step for step)."""
    work = _draw(s, s.ni[sender, N_DRAW])
    p0, p1 = s.ni[sender, N_P0], s.ni[sender, N_P1]
    if p0 == p1:
        return work
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
@jit
def _done(s, c, m, now):
    """Service._done: count, fail by ``error_rate`` or send on, then serve the next."""
    ni = s.ni
    ni[c, N_COMPLETED] += 1
    _record(s, ni[c, N_STAT_TIME], now - s.mf[m, MF_T])
    es = ni[c, N_ESTREAM]
    if es >= 0 and _draw(s, es) < s.nf[c, F_ERROR_RATE]:
        ni[c, N_ERRORS] += 1
        _lose(s, m, C_ERROR, now)
    else:
        _send(s, c, m, now)
    _resolve_losses(s, now)
    _next(s, c, now)


@jit
def _on_timeout(s, q, gen, attempt, now):
    ri = s.ri
    if ri[q, Q_GEN] != gen or ri[q, Q_CURRENT] != attempt or ri[q, Q_STATE] != PENDING:
        return
    ri[q, Q_CURRENT] = 0
    if ri[q, Q_COUNTED]:
        s.ni[ri[q, Q_SENDER], N_TIMED_OUT] += 1
    _retry_or_die(s, q, C_TIMEOUT, now)


@jit
def _dispatch(s, kind, a, b, c, now):
    if kind == EV_DONE:
        _done(s, a, b, now)
        return
    if kind == EV_ARRIVAL:
        _emit(s, a, now)
        _resolve_losses(s, now)
        _push(s, now + _gap(s, a, now), EV_ARRIVAL, a, 0, 0)
        return
    if kind == EV_EMIT:
        _emit(s, a, now)
    elif kind == EV_TIMEOUT:
        _on_timeout(s, a, b, c, now)
    elif kind == EV_RETRY:
        if s.ri[a, Q_GEN] == b and s.ri[a, Q_STATE] == PENDING:
            _attempt(s, a, now)
    elif kind == EV_DELIVER:
        _arrive(s, b, a, now)
    elif kind == EV_EXPIRE:
        _expire(s, a, b, c, now)
    elif kind == EV_VISIBLE:
        _visible(s, a, b, now, s.mf[b, MF_T])
    else:
        _send(s, b, a, now)
    _resolve_losses(s, now)


@loop
def start(s):
    """Sender.start for every sender, in node order: a closed one's clients all send
    now, an open one's first arrival is scheduled after one gap."""
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


@loop
def advance(s):
    """Run events until one due at or after ``gf[GF_STOP]``, or until the state needs
    Python (returns STOPPED, NEEDS_SERVICE or LIVELOCK; see the module docstring)."""
    g = s.g
    stop = s.gf[GF_STOP]
    heap_room = s.ht.shape[0] - HEAP_MARGIN
    lost_room = s.lost.shape[0] - SLOT_MARGIN
    while True:
        if g[G_ERROR_NODE] >= 0:
            return LIVELOCK
        if g[G_OVERFLOW]:
            return OVERFLOW
        if (g[G_LOW] or g[G_FLUSH] or g[G_RINGS_FULL] or g[G_GROW] or g[G_MTOP] < g[G_ROOM]
                or g[G_HEAP] >= heap_room or g[G_MTOP] < SLOT_MARGIN
                or g[G_RTOP] < SLOT_MARGIN or g[G_FTOP] >= lost_room):
            return NEEDS_SERVICE
        if g[G_HEAP] == 0 or s.ht[0] >= stop:
            return STOPPED
        now, kind, a, b, c = _pop(s)
        g[G_EVENTS] += 1
        _dispatch(s, kind, a, b, c, now)
