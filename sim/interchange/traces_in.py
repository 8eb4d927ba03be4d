"""Reading span files: OTLP JSON, Jaeger JSON and Zipkin v2 JSON -> one span record.

- OTLP JSON: ``ExportTraceServiceRequest`` objects (``resourceSpans`` ->
  ``scopeSpans`` (or the older ``instrumentationLibrarySpans``) -> ``spans``), one
  per line as the Collector's file exporter writes them, or one document;
  ``service.name`` from the resource; ``kind`` a number or ``SPAN_KIND_*``.
- Jaeger: the UI's / query API's JSON (``{"data": [{"traceID", "spans",
  "processes"}]}``); kind from the ``span.kind`` tag, the parent from a
  ``CHILD_OF`` or ``FOLLOWS_FROM`` reference; times in microseconds.
- Zipkin v2: a JSON list of spans (``traceId``, ``id``, ``parentId``, ``kind``,
  ``timestamp`` and ``duration`` in microseconds, ``localEndpoint.serviceName``).

The queue of a messaging span is its ``messaging.destination.name`` (or the older
``messaging.destination``) attribute or tag, else its remote endpoint or
``peer.service``. Anything else is refused with :class:`TraceImportError` naming
the file, the line or the span, and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sim.errors import SimError

__all__ = ["InSpan", "TraceImportError", "read_spans", "detect"]

KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
_OTLP_KIND = {0: "INTERNAL", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER",
              5: "CONSUMER"}
_DEST_KEYS = ("messaging.destination.name", "messaging.destination")


class TraceImportError(SimError):
    """A span file that cannot be read (exit 2, one line)."""


@dataclass(frozen=True, slots=True)
class InSpan:
    """One span as read: times in seconds (Unix epoch), ``parent`` "" for a root."""

    trace: str
    span: str
    parent: str
    service: str
    name: str
    kind: str
    start: float
    end: float
    destination: str = ""


def _fail(path, where: str, what: str) -> TraceImportError:
    return TraceImportError(f"{path}: {where}: {what}")


def _otlp_value(value: dict):
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _otlp_kind(kind, path, where) -> str:
    if isinstance(kind, int) and kind in _OTLP_KIND:
        return _OTLP_KIND[kind]
    if isinstance(kind, str) and kind.removeprefix("SPAN_KIND_") in KINDS + ("UNSPECIFIED",):
        name = kind.removeprefix("SPAN_KIND_")
        return "INTERNAL" if name == "UNSPECIFIED" else name
    raise _fail(path, where, f"span kind {kind!r} is not an OTLP kind (0-5 or SPAN_KIND_*)")


def _otlp(doc: dict, path, where: str) -> list[InSpan]:
    out = []
    for i, rs in enumerate(doc.get("resourceSpans") or []):
        attrs = {a.get("key"): _otlp_value(a.get("value", {}))
                 for a in (rs.get("resource") or {}).get("attributes", [])}
        service = str(attrs.get("service.name") or "unknown_service")
        scopes = rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []
        for scope in scopes:
            for span in scope.get("spans", []):
                here = f"{where} resourceSpans[{i}] span {span.get('spanId', '?')}"
                try:
                    tags = {a["key"]: _otlp_value(a.get("value", {}))
                            for a in span.get("attributes", [])}
                    dest = next((str(tags[k]) for k in _DEST_KEYS if tags.get(k)), "")
                    dest = dest or str(tags.get("peer.service") or "")
                    out.append(InSpan(str(span["traceId"]), str(span["spanId"]),
                                      str(span.get("parentSpanId") or ""), service,
                                      str(span.get("name", "")),
                                      _otlp_kind(span.get("kind", 0), path, here),
                                      int(span["startTimeUnixNano"]) / 1e9,
                                      int(span["endTimeUnixNano"]) / 1e9, dest))
                except (KeyError, TypeError, ValueError) as exc:
                    raise _fail(path, here, f"expected traceId, spanId, startTimeUnixNano "
                                f"and endTimeUnixNano ({type(exc).__name__}: {exc})") from None
    return out


def _jaeger(doc: dict, path) -> list[InSpan]:
    out = []
    for t, trace in enumerate(doc.get("data") or []):
        processes = trace.get("processes") or {}
        for span in trace.get("spans", []):
            here = f"data[{t}] span {span.get('spanID', '?')}"
            try:
                tags = {tag["key"]: tag.get("value") for tag in span.get("tags", [])}
                kind = str(tags.get("span.kind", "internal")).upper()
                if kind not in KINDS:
                    raise ValueError(f"span.kind {kind.lower()!r}")
                refs = span.get("references") or []
                parent = next((r["spanID"] for r in refs
                               if r.get("refType") in ("CHILD_OF", "FOLLOWS_FROM")), "")
                process = processes.get(span.get("processID"), span.get("process") or {})
                dest = next((str(tags[k]) for k in _DEST_KEYS if tags.get(k)), "")
                dest = dest or str(tags.get("peer.service") or "")
                start = span["startTime"]  # µs; the end summed before dividing, so that
                # an end and the next start at the same microsecond are the same float
                out.append(InSpan(str(span["traceID"]), str(span["spanID"]), str(parent),
                                  str(process.get("serviceName") or "unknown_service"),
                                  str(span.get("operationName", "")), kind, start / 1e6,
                                  (start + span["duration"]) / 1e6, dest))
            except (KeyError, TypeError, ValueError) as exc:
                raise _fail(path, here, "expected traceID, spanID, startTime and duration "
                            f"(microseconds) and a known span.kind ({exc})") from None
    return out


def _zipkin(doc: list, path) -> list[InSpan]:
    out = []
    for i, span in enumerate(doc):
        here = f"span [{i}]"
        try:
            kind = str(span.get("kind") or "INTERNAL").upper()
            if kind not in KINDS:
                raise ValueError(f"kind {kind!r}")
            tags = span.get("tags") or {}
            dest = next((str(tags[k]) for k in _DEST_KEYS if tags.get(k)), "")
            remote = (span.get("remoteEndpoint") or {}).get("serviceName", "")
            start = span["timestamp"]  # µs (see _jaeger)
            out.append(InSpan(str(span["traceId"]), str(span["id"]),
                              str(span.get("parentId") or ""),
                              str((span.get("localEndpoint") or {}).get("serviceName")
                                  or "unknown_service"),
                              str(span.get("name", "")), kind, start / 1e6,
                              (start + span.get("duration", 0)) / 1e6, dest or str(remote)))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise _fail(path, here, "expected traceId, id, timestamp and duration "
                        f"(microseconds) and a Zipkin kind ({exc})") from None
    return out


def detect(first: object) -> str:
    """``otlp``, ``jaeger`` or ``zipkin`` from a parsed document, or ``""``."""
    if isinstance(first, dict) and "resourceSpans" in first:
        return "otlp"
    if isinstance(first, dict) and isinstance(first.get("data"), list):
        return "jaeger"
    if isinstance(first, list) and (not first or isinstance(first[0], dict)
                                    and "traceId" in first[0]):
        return "zipkin"
    return ""


def read_spans(path: str | Path) -> tuple[str, list[InSpan]]:
    """The format and the spans of a span file (see the module notes).

    Raises
    ------
    TraceImportError
        The file is missing, not JSON, of no known format, or a span lacks a field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TraceImportError(f"cannot read {path}: {exc}") from None
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise _fail(path, f"line {n}", f"not JSON ({exc.msg}); expected OTLP "
                                "JSON (one export per line), Jaeger JSON or Zipkin v2 JSON") \
                        from None
    fmt = detect(docs[0]) if docs else ""
    if not fmt:
        raise TraceImportError(f"{path}: not a span file: expected OTLP JSON (objects with "
                               "resourceSpans, one per line), Jaeger JSON (an object with "
                               "data) or Zipkin v2 JSON (a list of spans)")
    spans: list[InSpan] = []
    for n, doc in enumerate(docs, 1):
        if detect(doc) != fmt:
            raise _fail(path, f"line {n}", f"expected another {fmt} document like line 1")
        spans += {"otlp": lambda d: _otlp(d, path, f"line {n}"),
                  "jaeger": lambda d: _jaeger(d, path),
                  "zipkin": lambda d: _zipkin(d, path)}[fmt](doc)
    if not spans:
        raise TraceImportError(f"{path}: holds no spans")
    return fmt, spans
