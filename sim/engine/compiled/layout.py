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
    "rw",                 # retry budgets: two rings of times per sender (requests, retries)
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
O_REJECT, O_DROP_OLDEST = 0, 1
OVERFLOW_CODES = {"reject": O_REJECT, "drop_oldest": O_DROP_OLDEST}
D_FIFO, D_LIFO, D_PRIORITY, D_ADAPTIVE_LIFO = 0, 1, 2, 3
DISCIPLINE_CODES = {"fifo": D_FIFO, "lifo": D_LIFO, "priority": D_PRIORITY,
                    "adaptive_lifo": D_ADAPTIVE_LIFO}

# backoff jitter
J_NONE, J_FULL, J_EQUAL, J_DECORRELATED = 0, 1, 2, 3
JITTER_CODES = {"none": J_NONE, "full": J_FULL, "equal": J_EQUAL,
                "decorrelated": J_DECORRELATED}

# causes of a lost attempt, in the order of the dead counters N_DEAD + cause
C_REJECTED, C_DROPPED, C_ERROR, C_TIMEOUT, C_EXPIRED = 0, 1, 2, 3, 4
CAUSE_NAMES = ("rejected", "dropped", "error", "timeout", "expired")

# node int64 columns
(N_KIND, N_ROUTING, N_E0, N_E1, N_TURN, N_USTREAM, N_BUF, N_IN0, N_IN1, N_SERVERS, N_BUSY,
 N_DRAW, N_ESTREAM, N_ARRIVALS, N_COMPLETED, N_ERRORS, N_DROPPED, N_STAT_WAIT,
 N_STAT_TIME, N_CLOSED, N_CLIENTS, N_MAX_ATTEMPTS, N_JITTER, N_RSTREAM, N_PRIO, N_OFFERED,
 N_FAILED, N_LIVE, N_REJECTED, N_TIMED_OUT, N_RETRIES, N_DUPLICATES, N_ATTEMPTS, N_SPIN,
 N_P0, N_P1, N_LIMITED, N_RING, N_DENIED, N_RQ_HEAD, N_RQ_TAIL, N_RT_HEAD, N_RT_TAIL,
 N_DEAD) = range(44)
N_COLUMNS = N_DEAD + len(CAUSE_NAMES)
# a broadcast's quorum (0: every copy), the row of ``inputs`` where a consistent-hash
# node's owner table starts (-1: none), a keyed sender's key stream (-1: no keys)
N_QUORUM, N_KT, N_KSTREAM = range(N_COLUMNS, N_COLUMNS + 3)
N_COLUMNS += 3

# node float64 columns
(F_ERROR_RATE, F_BUSY_SPAN, F_TIMEOUT, F_B_INITIAL, F_B_MULTIPLIER, F_B_MAX, F_WASTED,
 F_SPIN_AT, F_PERIOD, F_CYCLE_WORK, F_TB_RATE, F_TB_BURST, F_TB_TOKENS, F_TB_LAST,
 F_BUDGET_RATIO, F_BUDGET_WINDOW, F_BUDGET_RESERVE) = range(17)
F_COLUMNS = 17

# rate-profile segments of a sender (rows N_P0 .. N_P1 of pf)
PF_START, PF_MULTIPLIER, PF_BOUND = range(3)
PF_COLUMNS = 3

# buffer int64 columns, float64 columns
(B_CAPACITY, B_OVERFLOW, B_DISCIPLINE, B_HEAD, B_TAIL, B_N, B_PEAK, B_ARRIVALS, B_TAKEN,
 B_DROPPED, B_C0, B_C1, B_STAT, B_OWNER, B_EXPIRED, B_PATIENCE, B_LIFO_ABOVE,
 B_LSTREAM) = range(18)
B_COLUMNS = 18
BF_SPAN, BF_TTL = 0, 1
BF_COLUMNS = 2
UNBOUNDED = -1
"""B_CAPACITY of an unbounded buffer."""

# message columns
M_REQ, M_ATTEMPT, M_PRIO, M_NEXT, M_PREV, M_SEQ, M_SENDER, M_JOIN = range(8)
M_COLUMNS = 8
MF_T, MF_WORK, MF_WAITED, MF_BORN = range(4)
MF_COLUMNS = 4

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
 EV_EXPIRE, EV_VISIBLE) = range(9)

# globals
(G_SEQ, G_HEAP, G_MTOP, G_RTOP, G_LOW, G_FLUSH, G_ENTRY, G_ERROR_NODE, G_EVENTS,
 G_FTOP, G_RINGS_FULL, G_NESTED, G_OVERFLOW, G_GROW, G_ROOM) = range(15)
G_COLUMNS = 15
GF_NOW, GF_WARMUP, GF_STOP = range(3)
GF_COLUMNS = 3
# G_NESTED: the model has quorums (a fork under a quorum's copy joins on its own);
# G_OVERFLOW: a table filled up within an event; G_GROW: a fork asks for room;
# G_ROOM: the free message slots a model that broadcasts keeps at every event start

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
