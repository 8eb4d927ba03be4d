"""Request classes in the engine, for models that name classes (``Model.classed``).

Everything here is chosen at build time, so a model without classes runs the very
same code as before (benchmarks/throughput.py, W1): its messages never get a
``cls``, its nodes no per-class figures. In a model with classes:

* a sender's ``send`` stamps each message with its class (:func:`stamp`);
* a node whose out-edges restrict classes or give a ``p`` by class routes each
  class over the edges it may take, with its own shares (:func:`class_send`);
* an edge with ``switch`` changes the class as the message takes it
  (:class:`SwitchEdge`);
* every node keeps :class:`ClassFigures` per class: arrivals, and on buffers
  (queues and services' own buffers) the wait, through instance wrappers
  (:func:`tap_buffer`); on services the sojourn (:class:`ByClass`,
  :class:`ByClassCalls`) and, with ``by_class``, the service time of the class
  (:class:`ClassDraws`).
"""

from __future__ import annotations

from sim.engine.events import Call
from sim.engine.routing import make_send
from sim.metrics.stats import SampleStats

__all__ = ["ClassFigures", "figures_for", "stamp", "class_send", "SwitchEdge", "tap_buffer",
           "tap_arrive", "ByClass", "ByClassCalls", "ClassDraws"]


class ClassFigures:
    """One class's figures at one node: ``arrivals``, ``completed`` (served, or taken
    from a queue), ``wait`` and ``sojourn`` samples (s)."""

    __slots__ = ("arrivals", "completed", "wait", "sojourn", "wait_buf", "sojourn_buf")

    def __init__(self) -> None:
        self.wait, self.sojourn = SampleStats(), SampleStats()
        self.wait_buf, self.sojourn_buf = self.wait.buf, self.sojourn.buf
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self.arrivals = self.completed = 0
        self.wait.reset()
        self.sojourn.reset()

    def close(self, now: float) -> None:
        self.wait.flush()
        self.sojourn.flush()


def figures_for(classes) -> dict:
    """``{class: ClassFigures}`` for the classes that can reach a node."""
    return {cls: ClassFigures() for cls in classes}


def stamp(send, cls: str):
    """A sender's ``send`` that gives each message its class first."""
    def stamped(msg, producer=None):
        msg.cls = cls
        return send(msg, producer)

    return stamped


def class_send(spec, edges, targets, classes, u):
    """``send`` of a node whose out-edges treat classes apart: each class in
    ``classes`` is routed by ``spec.routing`` over the edges it may take, with its own
    ``p`` (an equal split where it has none)."""
    sends = {}
    for cls in classes:
        mine = [i for i, e in enumerate(edges) if e.takes(cls)]
        given = [edges[i].p_for(cls) for i in mine]
        probs = given if mine and None not in given else [1.0 / max(len(mine), 1)] * len(mine)
        sends[cls] = make_send(spec.routing, [targets[i] for i in mine], probs, u,
                               f"node {spec.name!r}, class {cls!r}")

    def send(msg, producer=None):
        return sends[msg.cls](msg, producer)

    return send


class SwitchEdge:
    """An edge with ``switch``: the message's class changes as it takes the edge."""

    def __init__(self, target, table) -> None:
        self.target, self.table = target, dict(table)

    def load(self) -> int:
        return self.target.load()

    def arrive(self, msg, producer=None) -> bool:
        msg.cls = self.table.get(msg.cls, msg.cls)
        return self.target.arrive(msg, producer)


def tap_buffer(env, buf, figures: dict, taken: bool = True) -> None:
    """Count arrivals and record waits per class on ``buf`` (a queue or a service's own
    buffer), by wrapping its ``put``, ``arrive``, ``take`` and hand-over on the
    instance, so the buffer's class (delivery, partitions, broker delay) is untouched.
    Call before anything binds those methods (build time). ``taken`` counts the
    messages taken as ``completed`` (a queue's; a service counts its own served)."""
    put, take, hand = buf.put, buf.take, buf._hand_over

    def tapped_put(msg, producer=None, *rest):
        figures[msg.cls].arrivals += 1
        return put(msg, producer, *rest)

    def tapped_take():
        msg = take()
        if msg is not None:
            f = figures[msg.cls]
            f.completed += taken
            f.wait_buf.append(env._now - msg.t)
        return msg

    def tapped_hand(msg, consumer):
        f = figures[msg.cls]
        f.completed += taken
        f.wait_buf.append(env._now - msg.t)
        hand(msg, consumer)

    buf.put = buf.arrive = tapped_put
    buf.take, buf._hand_over = tapped_take, tapped_hand


def tap_arrive(node, figures: dict) -> None:
    """Count arrivals per class at a node that only passes messages on (a router), and
    those it passed on (not refused by its rate limit: ``dropped`` unchanged)."""
    arrive = node.arrive

    def tapped(msg, producer=None):
        f = figures[msg.cls]
        f.arrivals += 1
        dropped = node.dropped
        held = arrive(msg, producer)
        f.completed += node.dropped == dropped
        return held

    node.arrive = tapped


class ByClass:
    """Mixin for a service in a model with classes: per-class arrivals from queues (its
    own buffer counts its own, :func:`tap_buffer`), waits of 0 for them, and the
    sojourn of each execution by the class it served. ``by_class`` holds the
    :class:`ClassFigures`."""

    by_class: dict = {}

    def begin(self, msg, source) -> None:
        if source is not self.own:
            f = self.by_class[msg.cls]
            f.arrivals += 1
            f.wait_buf.append(0.0)
        super().begin(msg, source)

    def _continue(self, msg, take, now: float) -> None:
        if take is not self._own_take:
            f = self.by_class[msg.cls]
            f.arrivals += 1
            f.wait_buf.append(0.0)
        super()._continue(msg, take, now)

    def _served(self, msg) -> None:
        f = self.by_class[msg.cls]
        f.completed += 1
        f.sojourn_buf.append(self.env._now - msg.t)

    def _done(self, event) -> None:
        self._served(event._value)
        super()._done(event)


class ByClassCalls(ByClass):
    """:class:`ByClass` for a service that calls or is called: an execution ends after
    its sync calls (``_end``) or when one fails (``abandon``)."""

    def _done(self, event) -> None:
        super(ByClass, self)._done(event)

    def _end(self, msg) -> None:
        self._served(msg)
        super()._end(msg)

    def abandon(self, ex, cause: str) -> None:
        self._served(ex.msg)
        super().abandon(ex, cause)


class ClassDraws:
    """Mixin for a service with ``by_class``: the service time of each message is drawn
    from its class's law (``draws``: class -> draw; ``draw`` serves the others).
    Placed next to :class:`~sim.engine.service.Service` in the bases, so a mixin that
    defers the work (pools) still reaches :meth:`_work`."""

    draws: dict = {}

    def _work(self, msg) -> None:
        work = self.draws.get(msg.cls, self.draw)()
        msg.work += work
        Call(self.env, work, self._done_cb, msg)

    def begin(self, msg, source) -> None:
        self._take_server(msg, source)
        self._work(msg)

    def _continue(self, msg, take, now: float) -> None:
        if take is not self._own_take:
            self.arrivals += 1
            msg.t = now
            self._wait_buf.append(0.0)
        self._work(msg)
