"""The columns of a trace (``--trace FILE``), declared once: the engine's writer
(:mod:`sim.engine.trace`) writes them in this order and the results reference
page describes them from this table."""

from __future__ import annotations

__all__ = ["TRACE_COLUMNS", "COLUMN_NAMES", "trace_section"]

TRACE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("replication", "integer", "The replication, from 0."),
    ("request", "integer", "The request's number within its replication, from 1."),
    ("attempt", "integer", "The attempt, from 1 (a retry is a new attempt)."),
    ("kind", "text", "`attempt`: an attempt resolved (at its sender); `late`: a completion "
     "after its attempt was resolved; `visit`: one stay at a queue or a service; "
     "`call`: one call (or copy of a hedged call) made on a call edge."),
    ("node", "text", "The sender (attempt, late), the queue or service (visit), or the "
     "call edge `caller->callee` (call)."),
    ("arrival", "s", "When the attempt was sent, the message arrived, or the call was made."),
    ("start", "s", "When service started (visits to services); empty otherwise."),
    ("departure", "s", "When the row ended: the attempt resolved, the message left, or "
     "the caller stopped waiting for the call."),
    ("outcome", "text", "attempt: `completed`, `timeout`, a loss cause, `in_flight` at the "
     "end; late: `duplicate`, `hedge_lost`; visit: `taken`, `done`, `error`, `stale`, a "
     "loss cause, or `in_flight` (still there at the end); call: `completed`, `call_failed`, `call_timeout`, `hedge_lost` (another "
     "copy replied first), `bulkhead` (refused: no copy was sent), `in_flight`."),
    ("call", "integer", "The call the row belongs to: 0 for the request's own path, else "
     "the call's number (unique within the replication). A visit with call k is the "
     "callee serving call k."),
    ("parent", "integer", "Call rows only: the call whose execution made this one (0: made "
     "on the request's own path). Following parent links gives a request's tree of "
     "calls."),
    ("key", "integer", "The request's key (senders with keys); empty otherwise."),
)
"""(name, unit or type, meaning) of each column, in file order."""

COLUMN_NAMES: tuple[str, ...] = tuple(c[0] for c in TRACE_COLUMNS)


def trace_section() -> list[str]:
    """The reference page's section on trace files (Markdown lines)."""
    rows = [f"| `{name}` | {unit} | {meaning} |" for name, unit, meaning in TRACE_COLUMNS]
    return ["## Trace rows", "",
            "`asyncsim run --trace FILE` (CSV, or Parquet for a `.parquet` name; "
            "`sim.simulate(model, trace=FILE)`) writes one row per attempt, per node visit "
            "and per call of the traced requests (`--trace-sample F` traces that fraction). "
            "The rows of one request share `replication`, `request` and `attempt`. "
            "A name ending in `.perfetto.json`, `.otlp.json`, `.jaeger.json` or "
            "`.zipkin.json` gets the same requests as spans instead (converted from these "
            "rows after the run): an attempt is a root PRODUCER span at its sender, a queue "
            "visit a PRODUCER span into the queue, a service visit a CONSUMER span (after a "
            "queue) or SERVER span (serving a call), a call a CLIENT span in the caller; "
            "`late` rows are left out.", "",
            "| column | unit | meaning |", "|---|---|---|", *rows, ""]
