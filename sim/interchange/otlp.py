"""Trace rows -> OTLP JSON (the OpenTelemetry protocol's JSON encoding).

The file holds one ``ExportTraceServiceRequest`` per line (``resourceSpans`` ->
``scopeSpans`` -> ``spans``), as the OpenTelemetry Collector's file exporter
writes and its ``otlpjsonfile`` receiver reads; each line carries the spans of
up to ``REQUESTS_PER_LINE`` requests, one resource per node (``service.name``).
Span kinds and links follow :mod:`sim.interchange.spans`; messaging spans carry
``messaging.system`` (``asyncsim``), ``messaging.destination.name`` and
``messaging.operation`` (``publish`` or ``process``). Simulated time 0 is
``EPOCH`` (2026-01-01T00:00:00Z); replication r is shifted by r times the
latest time in the trace plus one second, so replications do not overlap.
Trace ids are ``{replication:016x}{request:016x}``; span ids count from 1. A
service's span still open at the end of the run is left out (a tracer exports a
span when it ends).
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.interchange.rows import read_rows, requests
from sim.interchange.spans import CONSUMER, PRODUCER, Span, ended, new_ids, request_spans

__all__ = ["write_otlp", "KIND_CODES", "EPOCH", "REQUESTS_PER_LINE"]

EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z, in Unix seconds
REQUESTS_PER_LINE = 500
KIND_CODES = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}


def _nanos(t: float, shift: float) -> str:
    return str(EPOCH * 1_000_000_000 + int(round((shift + t) * 1e9)))


def _attr(key: str, value) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def otlp_span(span: Span, shift: float) -> dict:
    """One span in OTLP JSON."""
    attrs = [_attr("asyncsim.outcome", span.outcome), _attr("asyncsim.attempt", span.attempt)]
    if span.kind in (PRODUCER, CONSUMER) and span.destination:
        attrs += [_attr("messaging.system", "asyncsim"),
                  _attr("messaging.destination.name", span.destination),
                  _attr("messaging.operation", "publish" if span.kind == PRODUCER else "process")]
    elif span.destination:
        attrs.append(_attr("peer.service", span.destination))
    out = {"traceId": f"{span.trace[0]:016x}{span.trace[1]:016x}",
           "spanId": f"{span.span:016x}", "name": span.name,
           "kind": KIND_CODES[span.kind],
           "startTimeUnixNano": _nanos(span.start, shift),
           "endTimeUnixNano": _nanos(span.end, shift), "attributes": attrs,
           "status": {"code": 1 if span.ok else 2}}
    if span.parent:
        out["parentSpanId"] = f"{span.parent:016x}"
    if not span.ok:
        out["status"]["message"] = span.outcome
    return out


def _export(spans: list[Span], shifts: dict[int, float]) -> dict:
    by_service: dict[str, list[dict]] = {}
    for span in spans:
        by_service.setdefault(span.service, []).append(otlp_span(span, shifts[span.trace[0]]))
    return {"resourceSpans": [
        {"resource": {"attributes": [_attr("service.name", service)]},
         "scopeSpans": [{"scope": {"name": "asyncsim"}, "spans": items}]}
        for service, items in by_service.items()]}


def replication_shifts(frame) -> dict[int, float]:
    """Seconds added to each replication's times so that replications follow each other."""
    if frame.empty:
        return {}
    last = float(frame[["arrival", "departure"]].max().max())
    return {int(r): int(r) * (last + 1.0) for r in frame["replication"].unique()}


def write_otlp(rows_path: str | Path, path: str | Path, kinds: dict[str, str]) -> int:
    """Write the trace rows in ``rows_path`` as OTLP JSON lines to ``path``; returns
    the number of spans."""
    frame = read_rows(rows_path)
    shifts = replication_shifts(frame)
    ids = new_ids()
    count, batch, pending = 0, [], 0
    with open(path, "w", encoding="utf-8") as handle:
        for rows in requests(frame):
            batch += ended(request_spans(rows, kinds, ids))
            pending += 1
            if pending == REQUESTS_PER_LINE:
                handle.write(json.dumps(_export(batch, shifts), separators=(",", ":")) + "\n")
                count += len(batch)
                batch, pending = [], 0
        if batch:
            handle.write(json.dumps(_export(batch, shifts), separators=(",", ":")) + "\n")
            count += len(batch)
    return count
