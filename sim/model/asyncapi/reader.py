"""AsyncAPI 2.x and 3.0 documents -> channels and operations, version-free.

AsyncAPI 3.0 says what an application does with ``action: send | receive`` on
operations that point at channels (``channel: {$ref: '#/channels/...'}``) and
may carry a ``reply``. AsyncAPI 2.x nests the operations in the channels and
names them from the other side: ``subscribe`` is what the application sends
(others subscribe to it), ``publish`` what it receives. Both come out here as
:class:`Operation` objects (the application, the action, the channel's address,
the reply's channel) and :class:`Channel` objects keyed by address, which is
what several documents share.

The application of an operation is its ``x-application`` extension, else the
document's ``info.x-application``, else the document's ``info.title`` made into
a name (lower case, runs of other characters as ``-``), because one AsyncAPI
document usually describes one application.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sim.model.asyncapi.bindings import ChannelKeys, OperationKeys, channel_keys, operation_keys
from sim.model.asyncapi.document import Document, escape

__all__ = ["Channel", "Operation", "Reading", "read", "node_name"]

ACTIONS = ("send", "receive")


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel: ``address`` (what documents are merged by), ``node`` (its node's
    name), the queue keys of its bindings, and where it is (file and pointer)."""

    address: str
    node: str
    keys: ChannelKeys
    where: str


@dataclass(frozen=True, slots=True)
class Operation:
    """What ``app`` does (``send`` or ``receive``) on the channel at ``address``;
    ``reply`` is the address its reply travels on, when it has one."""

    app: str
    action: str
    address: str
    reply: str | None
    keys: OperationKeys
    where: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One document's channels and operations, its title and description, and notes
    on what it says that the model cannot hold."""

    title: str
    description: str
    channels: tuple[Channel, ...]
    operations: tuple[Operation, ...]
    notes: tuple[str, ...]


def node_name(text: str) -> str:
    """A node name from a title or an address: runs of characters other than letters,
    digits, ``_`` and ``-`` become ``-`` (so ``--set nodes.NAME...`` paths work)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "node"


def read(doc: Document) -> Reading:
    """The channels and operations of one document (AsyncAPI 2.x or 3.0)."""
    version, vw = doc.text(doc.data, "asyncapi", "#")
    if version is None:
        raise doc.error(vw, "is missing: an AsyncAPI document starts with "
                            "'asyncapi: 3.0.0' (or 2.6.0)")
    info, iw = doc.mapping(doc.data, "info", "#")
    title, tw = doc.text(info, "title", iw)
    if not title:
        raise doc.error(tw, "is missing: every AsyncAPI document has info.title")
    default_app, _ = doc.text(info, "x-application", iw)
    app = node_name(default_app or title)
    description, _ = doc.text(info, "description", iw)
    if version.startswith("3.0"):
        channels, ops, notes = _read_3(doc, app)
    elif version.startswith("2."):
        channels, ops, notes = _read_2(doc, app)
    else:
        raise doc.error(vw, f"must be an AsyncAPI version 2.x or 3.0.x (got {version!r})")
    return Reading(title, (description or "").strip(), tuple(channels), tuple(ops),
                   tuple(notes))


def _channel(doc: Document, key: str, item: Mapping, where: str, address: str) -> Channel:
    bindings, bw = doc.mapping(item, "bindings", where)
    return Channel(address, node_name(address), channel_keys(doc, bindings, bw),
                   f"{doc.source} {where}")


def _app(doc: Document, op: Mapping, where: str, default: str) -> str:
    name, _ = doc.text(op, "x-application", where)
    return node_name(name) if name else default


def _read_2(doc: Document, default_app: str) -> tuple[list, list, list]:
    channels, ops = [], []
    items, cw = doc.mapping(doc.data, "channels", "#")
    for address, raw in items.items():
        where = f"{cw}/{escape(address)}"
        item, where = doc.resolve(raw, where)
        if not isinstance(item, Mapping):
            raise doc.error(where, f"must be a channel item mapping (got {item!r})")
        channels.append(_channel(doc, address, item, where, str(address)))
        for verb, action in (("subscribe", "send"), ("publish", "receive")):
            op, ow = doc.mapping(item, verb, where)
            if not op:
                continue
            bindings, bw = doc.mapping(op, "bindings", ow)
            ops.append(Operation(_app(doc, op, ow, default_app), action, str(address), None,
                                 operation_keys(doc, bindings, bw), f"{doc.source} {ow}"))
    return channels, ops, []


def _read_3(doc: Document, default_app: str) -> tuple[list, list, list]:
    channels: dict[str, Channel] = {}
    items, cw = doc.mapping(doc.data, "channels", "#")
    for key, raw in items.items():
        where = f"{cw}/{escape(key)}"
        item, where = doc.resolve(raw, where)
        if not isinstance(item, Mapping):
            raise doc.error(where, f"must be a channel mapping (got {item!r})")
        address, _ = doc.text(item, "address", where)
        channels[str(key)] = _channel(doc, key, item, where, address or str(key))
    ops, notes = [], []
    operations, ow = doc.mapping(doc.data, "operations", "#")
    for key, raw in operations.items():
        where = f"{ow}/{escape(key)}"
        op, where = doc.resolve(raw, where)
        if not isinstance(op, Mapping):
            raise doc.error(where, f"must be an operation mapping (got {op!r})")
        action, aw = doc.text(op, "action", where)
        if action not in ACTIONS:
            raise doc.error(aw, f"must be 'send' or 'receive' (got {action!r})")
        address = _channel_ref(doc, op, where, channels).address
        reply, rw = doc.mapping(op, "reply", where)
        reply_to = None
        if reply:
            if "channel" in reply:
                reply_to = _channel_ref(doc, reply, rw, channels).address
            else:
                notes.append(f"{doc.source} {rw}: the reply names no channel (only a "
                             "runtime address), so the model has no reply path for it")
        bindings, bw = doc.mapping(op, "bindings", where)
        ops.append(Operation(_app(doc, op, where, default_app), action, address, reply_to,
                             operation_keys(doc, bindings, bw), f"{doc.source} {where}"))
    return list(channels.values()), ops, notes


def _channel_ref(doc: Document, parent: Mapping, where: str,
                 channels: Mapping[str, Channel]) -> Channel:
    """The channel that ``parent.channel`` ({$ref: '#/channels/KEY'}) points to."""
    raw, at = parent.get("channel"), f"{where}/channel"
    if raw is None:
        raise doc.error(at, "is missing: an operation names its channel "
                            "({$ref: '#/channels/NAME'})")
    ref = raw.get("$ref") if isinstance(raw, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/channels/"):
        raise doc.error(at, f"must be a reference to a channel of this document, "
                            f"{{$ref: '#/channels/NAME'}} (got {raw!r})")
    key = ref.removeprefix("#/channels/").replace("~1", "/").replace("~0", "~")
    if key not in channels:
        doc.resolve(raw, at)  # names the unresolvable reference
        raise doc.error(f"{at}/$ref", f"{ref!r} does not name a channel of this document")
    return channels[key]
