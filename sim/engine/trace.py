"""Tracing: one row per attempt, per node visit and per call, as a tracing system
shows a request.

Tracing is opt-in and costs nothing when off: ``traced_class`` derives subclasses of
the runtime classes whose methods record and then call the originals. Rows are
written to CSV or Parquet in chunks, so memory stays bounded whatever the run
length. The columns are declared in :mod:`sim.metrics.trace_columns`.

Visits are recorded at queues and services (routers take no time); an attempt's row
is written when it is resolved (completed, timeout, or the cause of its loss), and
a completion after that adds a ``late`` row (a duplicate, or ``hedge_lost`` for the
slower copy of a hedged attempt; a hedged attempt's row waits for its last copy).
A call's row is written when its caller stops waiting for it (reply, failure,
timeout, another copy's reply); the callee's visits carry the call's number and
a call row its parent's, so one request's tree of calls can be followed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.engine.calls import CallMsg
from sim.files import safe_cell
from sim.interchange.convert import converted_format
from sim.metrics.trace_columns import COLUMN_NAMES

__all__ = ["TraceWriter", "Tracer", "traced_class", "COLUMNS"]

COLUMNS = list(COLUMN_NAMES)
_CHUNK = 20_000


class TraceWriter:
    """Appends rows to ``path`` (``.parquet`` or CSV), flushing every ``_CHUNK`` rows.

    For a ``.perfetto.json`` or ``.otlp.json`` name the rows go to a Parquet file
    beside it, converted when the writer closes (:mod:`sim.interchange`) and then
    removed; ``kinds`` (node name -> kind) tells the converters which nodes are
    queues.
    """

    def __init__(self, path, kinds: dict[str, str] | None = None) -> None:
        self.target = Path(path)
        self.format = converted_format(path)
        self.kinds = dict(kinds or {})
        path = self.target.with_name(self.target.name + ".rows.parquet") if self.format else path
        self.path = Path(path)
        self.rows: list[tuple] = []
        self.count = 0
        self._parquet = self.path.suffix == ".parquet"
        self._writer = None
        self._handle = None
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows and (self._writer or self._handle):
            return
        self.count += len(self.rows)
        if self._parquet:
            self._flush_parquet()
        else:
            self._flush_csv()
        self.rows = []

    def _flush_csv(self) -> None:
        if self._handle is None:
            self._handle = open(self.path, "w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._handle)
            self._csv.writerow(COLUMNS)
        self._csv.writerows([safe_cell(cell) for cell in row] for row in self.rows)

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = list(zip(*self.rows)) if self.rows else [[] for _ in COLUMNS]
        types = [pa.int64(), pa.int64(), pa.int64(), pa.string(), pa.string(), pa.float64(),
                 pa.float64(), pa.float64(), pa.string(), pa.int64(), pa.int64(),
                 pa.int64()]
        table = pa.table({name: pa.array(list(col), type=t)
                          for name, col, t in zip(COLUMNS, columns, types)})
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
        if self.format is not None:
            self._convert()

    def _convert(self) -> None:
        if self._writer is None:  # no rows at all: still an (empty) file of the format
            self._flush_parquet()
            self._writer.close()
        from sim.interchange.convert import convert

        try:
            convert(self.path, self.target, self.kinds)
        finally:
            self.path.unlink(missing_ok=True)


class Tracer:
    """The tracing state of one replication: open visits and attempt start times."""

    def __init__(self, writer: TraceWriter, replication: int, sample: float, uniform,
                 warmup: float) -> None:
        self.writer, self.replication = writer, replication
        self.sample, self.uniform, self.warmup = sample, uniform, warmup
        self.visits: dict = {}
        self.sent: dict = {}
        self.owner: dict = {}
        self.calls: dict = {}
        self.next_id = 0
        self.next_call = 0

    def admit(self, req) -> None:
        """Give a new request its id; decide whether it is traced (sampled)."""
        self.next_id += 1
        req.rid = self.next_id
        req.traced = req.counted and (self.sample >= 1.0 or self.uniform() < self.sample)

    def enter(self, msg, node: str, now: float, start: float | None = None) -> None:
        self.visits[msg] = [node, now, start]

    def start(self, msg, now: float) -> None:
        visit = self.visits.get(msg)
        if visit is not None:
            visit[2] = now

    def leave(self, msg, outcome: str, now: float) -> None:
        visit = self.visits.pop(msg, None)
        if visit is not None:
            node, arrival, start = visit
            self._row(msg, "visit", node, arrival, start, now, outcome)

    def attempt(self, msg, outcome: str, now: float, kind: str = "attempt") -> None:
        key = (msg.req.rid, msg.attempt)
        sent = self.sent.pop(key, None) if kind == "attempt" else None
        if kind == "attempt":
            self.owner.pop(key, None)
        self._row(msg, kind, msg.src.name, sent, None, now, outcome)

    def open_call(self, call, edge: str, parent, now: float) -> None:
        """A traced execution (``parent``, a message or a call) made ``call``."""
        self.next_call += 1
        call.cid = self.next_call
        self.calls[call] = (edge, getattr(parent, "cid", 0))

    def close_call(self, call, outcome: str, now: float) -> None:
        """The caller stopped waiting for ``call`` (or never sent it: ``bulkhead``)."""
        opened = self.calls.pop(call, None)
        if opened is not None:
            self._call_row(call, opened, call.sent, now, outcome)

    def refused_call(self, parent, edge: str, now: float) -> None:
        """The bulkhead of ``edge`` refused a call of ``parent``'s execution."""
        self.next_call += 1
        self.writer.add((self.replication, parent.req.rid, parent.attempt, "call", edge, now,
                         None, now, "bulkhead", self.next_call, getattr(parent, "cid", 0),
                         parent.key))

    def _call_row(self, call, opened, sent, now, outcome) -> None:
        edge, parent = opened
        self.writer.add((self.replication, call.req.rid, call.attempt, "call", edge, sent,
                         None, now, outcome, call.cid, parent, call.key))

    def finish(self, end: float) -> None:
        """Rows for the attempts, calls and visits still unresolved at the end (outcome
        ``in_flight``), so that where a request was when the run ended is in the trace."""
        for (rid, attempt), sent in sorted(self.sent.items()):
            self.writer.add((self.replication, rid, attempt, "attempt",
                             self.owner.get((rid, attempt), ""), sent, None, end, "in_flight",
                             0, None, None))
        for call, opened in sorted(self.calls.items(), key=lambda item: item[0].cid):
            self._call_row(call, opened, call.sent, end, "in_flight")
        for msg, (node, arrival, start) in self.visits.items():
            self._row(msg, "visit", node, arrival, start, end, "in_flight")
        self.sent.clear()
        self.owner.clear()
        self.visits.clear()
        self.calls.clear()

    def _row(self, msg, kind, node, arrival, start, departure, outcome) -> None:
        self.writer.add((self.replication, msg.req.rid, msg.attempt, kind, node, arrival,
                         start, departure, outcome, getattr(msg, "cid", 0), None, msg.key))


def _on(msg) -> bool:
    req = msg.req
    return req is not None and req.traced


class _TracedSender:
    tracer: Tracer

    def _attempt(self, req) -> None:
        if req.sent == 0:
            self.tracer.admit(req)
        if req.traced:
            key = (req.rid, req.sent + 1)
            self.tracer.sent[key] = self.env.now
            self.tracer.owner[key] = self.name
        super()._attempt(req)

    def complete(self, msg) -> None:
        req = msg.req
        if req.traced:
            pending = req.current == msg.attempt
            late = req.state != 0
            outcome = "duplicate" if late else "completed"
            if late and self._hedge_copies(msg):
                outcome = "hedge_lost"
            self.tracer.attempt(msg, outcome, self.env.now,
                                kind="attempt" if pending else "late")
        super().complete(msg)

    def fail(self, msg, cause: str) -> None:
        req = msg.req
        if req.traced:
            now = self.env.now
            self.tracer.leave(msg, cause, now)
            if req.current == msg.attempt and self._hedge_copies(msg) <= 1:
                self.tracer.attempt(msg, cause, now)
        super().fail(msg, cause)

    def _hedge_copies(self, msg) -> int:
        """Live copies of a hedged attempt (sim.engine.hedging), 0 for other senders."""
        copies = getattr(self, "hedge_copies", None)
        return copies(msg) if copies is not None else 0

    def _on_timeout(self, event) -> None:
        msg = event._value
        req = msg.req
        if req.traced and req.current == msg.attempt and req.state == 0:
            self.tracer.attempt(msg, "timeout", self.env.now)
        super()._on_timeout(event)


class _TracedBuffer:
    tracer: Tracer

    def put(self, msg, producer=None, arrived=None):
        if _on(msg):
            self.tracer.enter(msg, self.name, self.env.now if arrived is None else arrived)
        return super().put(msg, producer, arrived)

    arrive = put

    def take(self):
        msg = super().take()
        if msg is not None and _on(msg) and not self.is_own:
            self.tracer.leave(getattr(msg.rcpt, "original", msg), "taken", self.env.now)
        return msg


class _TracedService:
    tracer: Tracer

    def begin(self, msg, source) -> None:
        if _on(msg):
            now = self.env.now
            if source is not self.own:
                self.tracer.leave(msg, "taken", now)
                self.tracer.enter(msg, self.name, now)
            self.tracer.start(msg, now)
        super().begin(msg, source)

    def _continue(self, msg, take, now: float) -> None:
        if _on(msg):
            if take is not self._own_take:
                self.tracer.enter(msg, self.name, now)
            self.tracer.start(msg, now)
        super()._continue(msg, take, now)

    def _passes(self, msg) -> bool:
        errors = self.errors
        ok = super()._passes(msg)
        if _on(msg) and msg in self.tracer.visits:
            outcome = "done" if ok else ("error" if self.errors > errors else "stale")
            self.tracer.leave(msg, outcome, self.env.now)
        return ok

    def _batch_started(self, batch, now: float) -> None:  # a batching service's
        for msg in batch:
            if _on(msg):
                self.tracer.start(msg, now)
        super()._batch_started(batch, now)

    def _item_done(self, msg, failed: bool) -> bool:  # a batching service's
        ok = super()._item_done(msg, failed)
        if _on(msg) and msg in self.tracer.visits:
            outcome = "done" if ok else ("error" if failed else "stale")
            self.tracer.leave(msg, outcome, self.env.now)
        return ok


class _TracedCallEdge:
    """A call edge (sim.engine.calls, sim.engine.guarded_calls) that writes a row per
    call of a traced request."""

    tracer: Tracer

    def _new(self, parent, ex, now: float):
        call = super()._new(parent, ex, now)
        if _on(parent):
            self.tracer.open_call(call, self.name, parent, now)
        return call

    def complete(self, call) -> None:
        if _on(call):
            self.tracer.close_call(call.first, "completed", self.env.now)
        super().complete(call)

    def fail(self, call, cause: str) -> None:
        if _on(call):
            now = self.env.now
            self.tracer.leave(call, cause, now)
            self.tracer.close_call(call.first, "call_failed", now)
        super().fail(call, cause)

    def _expire(self, event) -> None:
        waited = event._value
        now = self.env.now
        if waited.__class__ is CallMsg:
            if waited.ex.current is waited:
                self.tracer.close_call(waited, "call_timeout", now)
        elif not waited.over:  # a guarded edge's attempt: its copies still awaited
            for call in waited.live:
                self.tracer.close_call(call, "call_timeout", now)
        super()._expire(event)

    def _close(self, attempt, now: float) -> None:
        for call in attempt.live:
            self.tracer.close_call(call, "hedge_lost", now)
        super()._close(attempt, now)

    def _refused(self, parent) -> None:
        if _on(parent):
            self.tracer.refused_call(parent, self.name, self.env.now)
        super()._refused(parent)


_MIXINS = {"sender": _TracedSender, "buffer": _TracedBuffer, "service": _TracedService,
           "call": _TracedCallEdge}
_CACHE: dict = {}


def trace_runtimes(traced: list[tuple[object, str, bool]], tracer: Tracer) -> None:
    """Switch each (part, role, own) of a replication, from its kind's ``traced``
    entry in sim.engine.kinds, to its traced class."""
    for part, role, own in traced:
        part.__class__ = traced_class(type(part), role)
        part.tracer = tracer
        part.is_own = own
    for part, role, _ in traced:
        if role == "service":
            part.plain = False
            part.rebind()


def traced_class(cls: type, role: str) -> type:
    """``cls`` with tracing of its ``role`` (sender, buffer or service) mixed in."""
    key = (cls, role)
    if key not in _CACHE:
        _CACHE[key] = type(f"Traced{cls.__name__}", (_MIXINS[role], cls), {})
    return _CACHE[key]
