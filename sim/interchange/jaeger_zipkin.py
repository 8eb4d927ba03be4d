"""Trace rows -> Jaeger JSON and Zipkin v2 JSON, the same spans as the OTLP file.

Jaeger: the JSON its UI loads ("JSON File" upload) and its query API returns,
``{"data": [trace, ...]}``, a trace per request with ``processes`` naming the
nodes, ``span.kind`` and ``messaging.*`` tags, a ``CHILD_OF`` reference to the
parent. Zipkin v2: a JSON list of spans (what ``POST /api/v2/spans`` takes),
``kind`` PRODUCER/CONSUMER/CLIENT/SERVER, the queue or callee as the remote
endpoint. Times are whole microseconds from ``EPOCH`` (shared with
:mod:`sim.interchange.otlp`, replications shifted the same way). Written a trace
at a time; as in the OTLP file, a service's span still open at the end is left out.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.interchange.otlp import EPOCH, replication_shifts
from sim.interchange.rows import read_rows, requests
from sim.interchange.spans import CONSUMER, PRODUCER, Span, ended, new_ids, request_spans

__all__ = ["write_jaeger", "write_zipkin"]


def _micros(t: float, shift: float) -> int:
    return EPOCH * 1_000_000 + int(round((t + shift) * 1e6))


def _tags(span: Span) -> dict[str, str]:
    tags = {"span.kind": span.kind.lower(), "asyncsim.outcome": span.outcome,
            "asyncsim.attempt": str(span.attempt)}
    if span.kind in (PRODUCER, CONSUMER) and span.destination:
        tags.update({"messaging.system": "asyncsim",
                     "messaging.destination.name": span.destination,
                     "messaging.operation": "publish" if span.kind == PRODUCER else "process"})
    elif span.destination:
        tags["peer.service"] = span.destination
    if not span.ok:
        tags["error"] = "true"
    return tags


def _trace_id(span: Span) -> str:
    return f"{span.trace[0]:016x}{span.trace[1]:016x}"


def _jaeger_trace(spans: list[Span], shift: float) -> dict:
    processes: dict[str, str] = {}
    items = []
    for s in spans:
        pid = processes.setdefault(s.service, f"p{len(processes) + 1}")
        start = _micros(s.start, shift)
        item = {"traceID": _trace_id(s), "spanID": f"{s.span:016x}", "operationName": s.name,
                "references": [], "startTime": start,
                "duration": _micros(s.end, shift) - start, "processID": pid,
                "tags": [{"key": k, "type": "string", "value": v}
                         for k, v in _tags(s).items()], "logs": []}
        if s.parent:
            item["references"] = [{"refType": "CHILD_OF", "traceID": _trace_id(s),
                                   "spanID": f"{s.parent:016x}"}]
        items.append(item)
    return {"traceID": _trace_id(spans[0]), "spans": items,
            "processes": {pid: {"serviceName": name, "tags": []}
                          for name, pid in processes.items()}}


def _zipkin_span(s: Span, shift: float) -> dict:
    start = _micros(s.start, shift)
    item = {"traceId": _trace_id(s), "id": f"{s.span:016x}", "name": s.name,
            "kind": s.kind, "timestamp": start, "localEndpoint": {"serviceName": s.service},
            "tags": {k: v for k, v in _tags(s).items() if k != "span.kind"}}
    duration = _micros(s.end, shift) - start
    if duration > 0:  # Zipkin leaves duration out rather than 0
        item["duration"] = duration
    if s.parent:
        item["parentId"] = f"{s.parent:016x}"
    if s.destination:
        item["remoteEndpoint"] = {"serviceName": s.destination}
    return item


def _write(rows_path, path, kinds, head: str, tail: str, items) -> int:
    frame = read_rows(rows_path)
    shifts = replication_shifts(frame)
    ids = new_ids()
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head)
        for rows in requests(frame):
            spans = ended(request_spans(rows, kinds, ids))
            if not spans:
                continue
            for text in items(spans, shifts[spans[0].trace[0]]):
                handle.write(("," if count else "") + text + "\n")
                count += 1
        handle.write(tail)
    return ids.next


def write_jaeger(rows_path: str | Path, path: str | Path, kinds: dict[str, str]) -> int:
    """Write the trace rows in ``rows_path`` as Jaeger JSON; returns the spans written."""
    return _write(rows_path, path, kinds, '{"data":[\n', "]}\n",
                  lambda spans, shift: [json.dumps(_jaeger_trace(spans, shift),
                                                   separators=(",", ":"))])


def write_zipkin(rows_path: str | Path, path: str | Path, kinds: dict[str, str]) -> int:
    """Write the trace rows in ``rows_path`` as Zipkin v2 JSON; returns the spans written."""
    return _write(rows_path, path, kinds, "[\n", "]\n",
                  lambda spans, shift: [json.dumps(_zipkin_span(s, shift),
                                                   separators=(",", ":")) for s in spans])
