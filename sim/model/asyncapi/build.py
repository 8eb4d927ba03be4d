"""Channels and operations of several documents -> one model (plain data).

Channels are merged by address: a queue per address (a broadcast router and a
queue per receiving application for an AMQP fanout exchange). An application
that only sends is a ``sender``; one that receives is a ``service``. A send
edges the application into the channel's queue; a receive edges the queue out
to the application; a receive operation's ``reply`` edges the application into
the reply channel's queue, and a send operation's ``reply`` makes the reply
channel's consumer the application's callback (a service ``APP-callback`` when no
application receives on that channel).

Numbers the documents do not give (arrival rates, service times, pool sizes) are
never invented: they are listed as gaps, for an overlay to supply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.model.asyncapi.bindings import Sourced
from sim.model.asyncapi.document import AsyncApiError
from sim.model.asyncapi.reader import Operation, Reading

__all__ = ["Draft", "assemble"]


@dataclass(frozen=True, slots=True)
class Draft:
    """The model the documents describe: ``nodes`` (name -> keys, in path order),
    ``edges`` ([from, to] in path order) and ``notes`` (what the documents say
    that the model cannot hold, or says in its own way)."""

    nodes: dict
    edges: list
    notes: tuple[str, ...]


def _merge(keys: dict[str, Sourced], key: str, new: Sourced, what: str) -> None:
    """Set ``key``; a different value for it from elsewhere is a conflict."""
    old = keys.get(key)
    if old is not None and old.value != new.value:
        raise AsyncApiError(f"{new.where}: {what} {key!r} is {new.value!r} here but "
                            f"{old.value!r} at {old.where}; make the documents agree")
    keys.setdefault(key, new)


def _set_dotted(attrs: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        attrs = attrs.setdefault(part, {})
    attrs[last] = value


class _Builder:
    """Collects nodes and edges in the order they are met."""

    def __init__(self, readings: Iterable[Reading]) -> None:
        self.readings = list(readings)
        self.channels: dict[str, dict[str, Sourced]] = {}
        self.fanout: dict[str, Sourced] = {}
        self.names: dict[str, str] = {}
        self.ops: list[Operation] = [op for r in self.readings for op in r.operations]
        self.notes: list[str] = [n for r in self.readings for n in r.notes]
        for reading in self.readings:
            for channel in reading.channels:
                keys = self.channels.setdefault(channel.address, {})
                for key, value in channel.keys.keys.items():
                    _merge(keys, key, value, f"channel {channel.address!r}:")
                if channel.keys.fanout is not None:
                    self.fanout[channel.address] = channel.keys.fanout
                self.names.setdefault(channel.address, channel.node)
        self.kinds: dict[str, str] = {}
        for op in self.ops:
            if op.action == "receive":
                self.kinds[op.app] = "service"
            else:
                self.kinds.setdefault(op.app, "sender")

    def receivers(self, address: str) -> list[str]:
        seen = [op.app for op in self.ops if op.action == "receive" and op.address == address]
        for op in self.ops:  # a requester whose reply nobody else receives: its callback
            if op.action == "send" and op.reply == address and not seen:
                seen.append(f"{op.app}-callback")
        return list(dict.fromkeys(seen))

    def senders(self, address: str) -> list[str]:
        apps = [op.app for op in self.ops if (op.action == "send" and op.address == address)
                or (op.action == "receive" and op.reply == address)]
        return list(dict.fromkeys(apps))


def assemble(readings: Iterable[Reading]) -> Draft:
    """The draft model of the documents' ``readings`` (merged by channel address)."""
    b = _Builder(readings)
    nodes: dict[str, dict] = {}
    edges: list[list[str]] = []
    ops_keys: dict[str, dict[str, Sourced]] = {}
    for op in b.ops:
        if op.action != "send":
            continue
        if op.keys.ttl is not None:
            _merge(b.channels.setdefault(op.address, {}), "ttl", op.keys.ttl,
                   f"channel {op.address!r}:")
        if op.keys.priority is not None:
            _merge(b.channels.setdefault(op.address, {}), "discipline",
                   Sourced("priority", op.keys.priority.where), f"channel {op.address!r}:")
            _merge(ops_keys.setdefault(op.app, {}), "priority", op.keys.priority,
                   f"application {op.app!r}:")
    used = list(dict.fromkeys([op.address for op in b.ops] +
                              [op.reply for op in b.ops if op.reply]))
    for address in used:
        _channel_nodes(b, address, nodes, edges)
    for app, kind in b.kinds.items():
        attrs = nodes.setdefault(app, {})
        attrs["kind"] = kind
        for key, value in ops_keys.get(app, {}).items():
            if kind == "sender":
                attrs[key] = value.value
            else:
                b.notes.append(f"{value.where}: a priority on messages a service sends is "
                               f"not modelled (only a sender's requests carry one)")
    for attrs in nodes.values():
        attrs.setdefault("kind", "service")
    for address in b.channels:
        if address not in used:
            b.notes.append(f"channel {address!r}: no operation uses it, so the model has "
                           "no node for it")
    return _ordered(nodes, edges, tuple(b.notes))


def _channel_nodes(b: _Builder, address: str, nodes: dict, edges: list) -> None:
    name = b.names.get(address) or address
    senders, receivers = b.senders(address), b.receivers(address)
    keys = b.channels.get(address, {})
    if not receivers:
        b.notes.append(f"channel {address!r}: no application receives from it")
    if not senders:
        b.notes.append(f"channel {address!r}: no application sends to it (give the "
                       "sending application's document too)")
    if address in b.fanout:
        nodes[name] = {"kind": "router", "routing": "broadcast"}
        queues = []
        for app in receivers:
            queue = f"{name}-{app}"
            queues.append(queue)
            edges.append([name, queue])
            edges.append([queue, app])
    else:
        queues = [name]
        edges.extend([name, app] for app in receivers)
    if "delivery.mode" in keys and "delivery.max_receives" not in keys:
        b.notes.append(f"channel {address!r}: the SQS queue has no redrivePolicy."
                       "maxReceiveCount, so the model's max_receives default (10) applies "
                       "(SQS itself redelivers until the retention period ends)")
    for queue in queues:
        attrs = nodes.setdefault(queue, {"kind": "queue"})
        for key, value in keys.items():
            _set_dotted(attrs, key, value.value)
    edges.extend([app, name] for app in senders)
    for app in receivers:
        nodes.setdefault(app, {"kind": "service"})


def _ordered(nodes: dict, edges: list, notes: tuple[str, ...]) -> Draft:
    """Nodes and edges in the order a message meets them: breadth first from the
    senders (then whatever no sender reaches), each edge listed once."""
    unique = list(dict.fromkeys(tuple(e) for e in edges))
    outs: dict[str, list[str]] = {}
    for u, v in unique:
        outs.setdefault(u, []).append(v)
    order: list[str] = []
    starts = [n for n, a in nodes.items() if a["kind"] == "sender"] + list(nodes)
    for start in starts:
        todo = [start]
        while todo:
            node = todo.pop(0)
            if node in order:
                continue
            order.append(node)
            todo.extend(outs.get(node, []))
    rank = {n: i for i, n in enumerate(order)}
    sorted_edges = sorted(unique, key=lambda e: (rank[e[0]], rank[e[1]]))
    return Draft({n: nodes[n] for n in order}, [list(e) for e in sorted_edges], notes)
