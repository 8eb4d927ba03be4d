"""The compiled kernel's state: plain numpy arrays in one named tuple, and the names of
their columns and codes.

Every figure the kernel keeps is a cell of an int64 or float64 array, addressed by a
column constant below (numba reads module-level integers as compile-time constants),
so the state can be grown, refilled and read from Python between calls of the kernel
without copying anything per message.
"""

from __future__ import annotations

from collections import namedtuple

from sim.engine.router import MAX_HOPS  # noqa: F401  (the same bound as the SimPy engine)
from sim.engine.sender import SPIN_LIMIT  # noqa: F401

__all__ = ["State"]

State = namedtuple("State", [
    "ni", "nf",           # nodes: int64 and float64 columns (N_*, F_*)
    "bi", "bf",           # buffers (queues and services' own): B_*, BF_*
    "mi", "mf",           # messages (copies of attempts): M_*, MF_*; joins: J_*, JF_*
    "ri", "rf",           # requests: Q_*, QF_*
    "mfree", "rfree",     # free message and request slots (stacks; tops in g)
    "ht", "hi",           # event heap: times, and H_* columns
    "sd", "sp", "sl",     # random streams: pre-drawn values, next position, valid length
    "sb", "sn",           # sample buffers of the statistics, and their fill
    "g", "gf",            # int64 and float64 globals (G_*, GF_*)
    "ei", "ef",           # path edges: E_* and EF_* columns
    "inputs", "cons",     # services' inputs (buffer ids), then the consistent-hash nodes'
                          # owner tables (edge offsets by key); buffers' consumers (nodes)
    "lost",               # work left inside a handler, done at its end: lost attempts and
                          # copies to send (W_* codes)
    "pf",                 # senders' rate profiles: segments (PF_* columns)
    "rw",                 # retry budgets: two rings of times per sender (requests, retries);
                          # circuit breakers: one ring of outcomes (two rows) per sender
    "jh",                 # processor-sharing jobs: one heap of messages per ps service
    "pin", "pcons",       # pull-transit streams of the inputs and of the consumers (-1: none)
    "cs",                 # the cascade stack of unblockings (CS_* columns)
    "bk",                 # balking points of the buffers (BK_* columns)
    "tq", "tj",           # timer ring: the timeouts' times, and TJ_* columns (see G_TQ_ON)
])
"""The whole state of one replication (see the module docstring)."""

# node kinds and routing policies
K_SENDER, K_QUEUE, K_SERVICE, K_ROUTER = 0, 1, 2, 3
R_PROBABILISTIC, R_RANDOM, R_ROUND_ROBIN, R_LEAST_LOADED, R_POWER_OF_TWO = 0, 1, 2, 3, 4
R_BROADCAST, R_CONSISTENT_HASH = 5, 6
ROUTING_CODES = {"probabilistic": R_PROBABILISTIC, "random": R_RANDOM,
                 "round_robin": R_ROUND_ROBIN, "least_loaded": R_LEAST_LOADED,
                 "power_of_two": R_POWER_OF_TWO, "broadcast": R_BROADCAST,
                 "consistent_hash": R_CONSISTENT_HASH}

# overflow policies and disciplines of buffers
O_REJECT, O_DROP_OLDEST, O_BLOCK = 0, 1, 2
OVERFLOW_CODES = {"reject": O_REJECT, "drop_oldest": O_DROP_OLDEST, "block": O_BLOCK}
D_FIFO, D_LIFO, D_PRIORITY, D_ADAPTIVE_LIFO = 0, 1, 2, 3
DISCIPLINE_CODES = {"fifo": D_FIFO, "lifo": D_LIFO, "priority": D_PRIORITY,
                    "adaptive_lifo": D_ADAPTIVE_LIFO}
# a preemptive service's own buffer waits in priority order; under ps nothing waits
DISCIPLINE_CODES.update({"preemptive": D_PRIORITY, "ps": D_FIFO})

# how a service's servers serve (ServiceSpec.discipline; N_SERVE)
S_FIFO, S_PS, S_PREEMPTIVE = 0, 1, 2
SERVE_CODES = {"fifo": S_FIFO, "ps": S_PS, "preemptive": S_PREEMPTIVE}

# backoff jitter
J_NONE, J_FULL, J_EQUAL, J_DECORRELATED = 0, 1, 2, 3
JITTER_CODES = {"none": J_NONE, "full": J_FULL, "equal": J_EQUAL,
                "decorrelated": J_DECORRELATED}

# causes of a lost attempt, in the order of the dead counters N_DEAD + cause
(C_REJECTED, C_DROPPED, C_ERROR, C_TIMEOUT, C_EXPIRED, C_BALKED, C_CRASH,
 C_CIRCUIT_OPEN) = range(8)
CAUSE_NAMES = ("rejected", "dropped", "error", "timeout", "expired", "balked", "crash",
               "circuit_open")

# node int64 columns
(N_KIND, N_ROUTING, N_E0, N_E1, N_TURN, N_USTREAM, N_BUF, N_IN0, N_IN1, N_SERVERS, N_BUSY,
 N_DRAW, N_ESTREAM, N_ARRIVALS, N_COMPLETED, N_ERRORS, N_DROPPED, N_STAT_WAIT,
 N_STAT_TIME, N_CLOSED, N_CLIENTS, N_MAX_ATTEMPTS, N_JITTER, N_RSTREAM, N_PRIO, N_OFFERED,
 N_FAILED, N_LIVE, N_REJECTED, N_TIMED_OUT, N_RETRIES, N_DUPLICATES, N_ATTEMPTS, N_SPIN,
 N_P0, N_P1, N_LIMITED, N_RING, N_DENIED, N_RQ_HEAD, N_RQ_TAIL, N_RT_HEAD, N_RT_TAIL,
 N_DEAD) = range(44)
# ... of ps and preemptive services: how they serve (S_*); ps: jobs present, the epoch
# of the pending completion, its row of jh; preemptive: the messages in service (a list
# through M_NEXT/M_PREV, in start order) and the entry number the next preempted
# message takes (negative, decreasing: first among its priority, as PreemptiveBuffer)
(N_SERVE, N_JOBS, N_EPOCH, N_JH, N_RUN_HEAD, N_RUN_TAIL,
 N_FRONT) = range(N_DEAD + len(CAUSE_NAMES), N_DEAD + len(CAUSE_NAMES) + 7)
N_BLOCKED, N_PAUSED = N_FRONT + 1, N_FRONT + 2
# ... of a service with ``availability``: 1 (it breaks down), the streams of its up and
# down times, its crashes (from time 0, as Crashes) and its servers when up; while down
# N_SERVERS is 0, and its messages in service are listed as a preemptive service's
# (N_RUN_HEAD, N_RUN_TAIL), each start with its token (M_TOKEN)
(N_BREAKS, N_UP_DRAW, N_DOWN_DRAW, N_CRASHES,
 N_PROVISIONED) = range(N_PAUSED + 1, N_PAUSED + 6)
# ... of a sender with ``circuit_breaker`` (sim.engine.guards.Breaker): its pair of rows
# of rw (-1: none; the outcomes' times and 1.0 / 0.0 for success / failure, from
# N_CB_HEAD to N_CB_TAIL), its state (CB_*), failures in the window, probes let through
# and succeeded while half-open, min_calls, probes, and attempts it refused
(N_CB_RING, N_CB_STATE, N_CB_FAILURES, N_CB_PROBING, N_CB_PROBE_OK, N_CB_MIN_CALLS,
 N_CB_PROBES, N_CB_HEAD, N_CB_TAIL,
 N_CIRCUIT_OPEN) = range(N_PROVISIONED + 1, N_PROVISIONED + 11)
N_COLUMNS = N_CIRCUIT_OPEN + 1
CB_CLOSED, CB_OPEN, CB_HALF_OPEN = 0, 1, 2
# a broadcast's quorum (0: every copy), the row of ``inputs`` where a consistent-hash
# node's owner table starts (-1: none), a keyed sender's key stream (-1: no keys)
N_QUORUM, N_KT, N_KSTREAM = range(N_COLUMNS, N_COLUMNS + 3)
N_COLUMNS += 3

# node float64 columns
(F_ERROR_RATE, F_BUSY_SPAN, F_TIMEOUT, F_B_INITIAL, F_B_MULTIPLIER, F_B_MAX, F_WASTED,
 F_SPIN_AT, F_PERIOD, F_CYCLE_WORK, F_TB_RATE, F_TB_BURST, F_TB_TOKENS, F_TB_LAST,
 F_BUDGET_RATIO, F_BUDGET_WINDOW, F_BUDGET_RESERVE, F_BLOCKED_SPAN) = range(18)
F_V, F_V_AT, F_SHARE = range(18, 21)     # ps: virtual time, its instant, busy area
F_CB_OPENED_AT, F_CB_RATIO, F_CB_WINDOW, F_CB_COOLDOWN = range(21, 25)   # the breaker's
F_COLUMNS = 25

# rate-profile segments of a sender (rows N_P0 .. N_P1 of pf)
PF_START, PF_MULTIPLIER, PF_BOUND = range(3)
PF_COLUMNS = 3

# buffer int64 columns, float64 columns
(B_CAPACITY, B_OVERFLOW, B_DISCIPLINE, B_HEAD, B_TAIL, B_N, B_PEAK, B_ARRIVALS, B_TAKEN,
 B_DROPPED, B_C0, B_C1, B_STAT, B_OWNER, B_EXPIRED, B_PATIENCE, B_LIFO_ABOVE,
 B_LSTREAM, B_BHEAD, B_BTAIL) = range(20)
# B_BHEAD, B_BTAIL: the messages ``overflow: block`` holds, first held first (linked by M_NEXT)
# B_BALK0, B_BALK1: the buffer's rows of bk (none: equal); B_BSTREAM: its balking
# stream; B_BALKED: arrivals it refused by balk
B_BALK0, B_BALK1, B_BSTREAM, B_BALKED = range(20, 24)
B_COLUMNS = 24
BF_SPAN, BF_TTL = 0, 1
BF_COLUMNS = 2
UNBOUNDED = -1
"""B_CAPACITY of an unbounded buffer."""

# message columns
M_REQ, M_ATTEMPT, M_PRIO, M_NEXT, M_PREV, M_SEQ, M_SENDER, M_PRODUCER = range(8)
# M_PRODUCER: the node a held message keeps blocked (-1: none, see kernel._visible)
M_JSEQ, M_TOKEN = range(8, 10)          # ps job number; preemptive start token
M_JOIN = 10
M_COLUMNS = 11
MF_T, MF_WORK, MF_WAITED, MF_BORN = range(4)
MF_VFIN, MF_END, MF_LEFT, MF_SIZE = range(4, 8)
"""ps: virtual finishing time; preemptive: end of the current start (s), work left
when preempted (-1: none), work drawn here (s)."""
MF_COLUMNS = 8

# request columns and states
Q_STATE, Q_CURRENT, Q_SENT, Q_GEN, Q_REFS, Q_COUNTED, Q_SENDER, Q_KEY = range(8)
Q_COLUMNS = 8
QF_BORN, QF_LAST_BACKOFF = range(2)
QF_COLUMNS = 2
PENDING, DONE, FAILED, FREE = 0, 1, 2, 3

# edges
E_TARGET, E_LSTREAM = range(2)
E_COLUMNS = 2
EF_CUMULATIVE = 0
EF_COLUMNS = 1

# event heap columns and event types
H_SEQ, H_TYPE, H_A, H_B, H_C = range(5)
H_COLUMNS = 5
(EV_ARRIVAL, EV_EMIT, EV_DONE, EV_TIMEOUT, EV_RETRY, EV_DELIVER, EV_FORWARD,
 EV_EXPIRE, EV_VISIBLE, EV_LANDED) = range(10)
EV_PS_DONE, EV_PREEMPT_DONE = 10, 11
EV_CRASH, EV_REPAIR = 12, 13
EV_CRASHING, EV_FILLING = 14, 15     # a crash's losses, a repair's starts, under way

# globals
(G_SEQ, G_HEAP, G_MTOP, G_RTOP, G_LOW, G_FLUSH, G_ENTRY, G_ERROR_NODE, G_EVENTS,
 G_FTOP, G_RINGS_FULL, G_BLOCKING) = range(12)
G_JSEQ, G_TOKEN = range(12, 14)
G_NESTED, G_OVERFLOW, G_GROW, G_ROOM = range(14, 18)
G_STARTED = 18
G_TQ_HEAD, G_TQ_TAIL, G_TQ_ON = range(19, 22)
G_COLUMNS = 22
GF_NOW, GF_WARMUP, GF_STOP = range(3)
GF_COLUMNS = 3
# G_NESTED: the model has quorums (a fork under a quorum's copy joins on its own);
# G_OVERFLOW: a table filled up within an event; G_GROW: a fork asks for room;
# G_ROOM: the free message slots a model that broadcasts keeps at every event start;
# G_STARTED: the senders have started (the first call of kernel.advance starts them);
# G_TQ_ON: every sender with a timeout has the same one, so the attempts' timeouts are
# due in the order they are set and wait on the timer ring (tq, tj: entries G_TQ_HEAD
# to G_TQ_TAIL - 1, counted from the start, at index count % size) instead of the heap

# timer ring entries: the event's sequence number, and its a, b, c (request,
# generation, attempt) of an EV_TIMEOUT
TJ_SEQ, TJ_Q, TJ_GEN, TJ_ATTEMPT = range(4)
TJ_COLUMNS = 4

# joins of the copies of one attempt (sim.engine.message.Join and Quorum): copies
# still out, failed (0/1), the parent join (-1: none), quorum (copies needed, 0: all),
# copies done and resolved (0/1) of a quorum, references (messages and child joins),
# and the work of the copies done (s). A join takes a slot of the message table, its
# columns read as these: no table of its own, as every array of the state is handed
# to every kernel call (an array more costs every model time).
J_LIVE, J_FAILED, J_PARENT, J_NEED, J_DONE, J_RESOLVED, J_REFS = range(7)
JF_WORK = MF_WORK
JOIN_SLOT = -2
"""M_JOIN of a slot that holds a join."""

# the work stack ``lost``: (message, code, edge, hops); a code below W_SEND is the cause
# of a lost attempt, W_SEND and W_COPY send the message (or a copy of it) along the edge
W_SEND, W_COPY = 100, 101
W_COLUMNS = 4

# frames of the cascade stack (kernel._cascade): kind, node or buffer, message, input
CS_KIND, CS_NODE, CS_MSG, CS_INPUT = range(4)
CS_COLUMNS = 4
CS_NEXT, CS_ADMIT, CS_SERVE = range(3)

# balking points (``balk: [[n, p], ...]``): waiting count from which p applies, and p
BK_AT, BK_P = range(2)
BK_COLUMNS = 2

# what a call of the kernel ends with
STOPPED, NEEDS_SERVICE, LIVELOCK = 0, 1, 2
OVERFLOW = 3
"""A table filled up within one event (the kernel cannot grow it mid-event)."""

# headroom the kernel keeps before it hands back to Python (see kernel.advance)
HEAP_MARGIN = 256
SLOT_MARGIN = 64
FORK_MARGIN = 4096
"""Free message slots (messages and joins) and free rows of ``lost`` at the start of
every event in a model that broadcasts (g[G_ROOM]): one event may fork many copies,
and tables grow only between events (coverage refuses a model that could fork more)."""
DRAW_MARGIN = 1024
STAT_MARGIN = 64
