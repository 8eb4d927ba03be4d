"""Plain data from a YAML event stream, in one pass, with the limits a model needs.

PyYAML builds data in two steps: a composer turns parser events into a tree of
nodes, then a constructor turns the nodes into Python objects. Both steps are
recursive Python (the C composer of libyaml's binding recurses in C, and crashes
the process on deep enough nesting), and together they cost most of the time
of loading a large model. :func:`build` does both in one iterative loop over the
events, which come from libyaml when it is installed (``yaml.CSafeLoader``) and
from PyYAML's pure-Python parser otherwise, and it checks as it goes:

* a mapping key given twice is refused with both line numbers;
* nesting deeper than :data:`MAX_DEPTH` collections is refused, naming the line
  (an alias counts as deep as the collection it repeats; an alias inside its own
  anchor nests without end and is refused too);
* aliases that together would repeat more than :data:`MAX_ALIAS_VALUES` values
  (a "billion laughs" document) are refused at the alias that crosses the bound,
  before anything is expanded;
* tags that construct objects are refused, as by ``yaml.SafeLoader``; merge
  keys (``<<``) and the safe tags (``!!str``, ``!!int``, ``!!set``, ``!!binary``,
  ...) work as they do there.

Every refusal is a :class:`LimitError` or one of PyYAML's own errors (with the
line in its ``problem_mark``); :mod:`sim.model.readers` words them for the user.
"""

from __future__ import annotations

import gc
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import ScalarNode

__all__ = ["MAX_DEPTH", "MAX_ALIAS_VALUES", "LimitError", "DuplicateKey", "build"]

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted (a model nests about 6 deep)."""

MAX_ALIAS_VALUES = 1_000_000
"""Most values that aliases may repeat in one document (each alias counts the
values of what it names: a node, its keys and their values, recursively)."""

_P = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = _P + "str", _P + "seq", _P + "map", _P + "merge"
_NULL, _BOOL, _INT, _FLOAT = _P + "null", _P + "bool", _P + "int", _P + "float"
_SET, _OMAP, _PAIRS = _P + "set", _P + "omap", _P + "pairs"
_DIGITS = frozenset("0123456789")
_FLOAT_CHARS = frozenset("0123456789.eE+-")


class LimitError(yaml.YAMLError):
    """The document exceeds a limit; ``line`` (1-based) is where it was found."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class DuplicateKey(yaml.YAMLError):
    """A mapping key given twice: ``path`` (keys from the root), ``key``, both lines."""

    def __init__(self, path: list, key: Any, first: int, second: int) -> None:
        super().__init__(f"key {key!r} given twice (lines {first} and {second})")
        self.path, self.key, self.first, self.second = path, key, first, second


class _Collection:
    """An open mapping or sequence while its events are read."""

    __slots__ = ("is_map", "data", "tag", "anchor", "mark", "size", "height", "key",
                 "items", "seen", "merges")

    def __init__(self, is_map: bool, tag: str, anchor: str | None, mark: Any) -> None:
        self.is_map, self.tag, self.anchor, self.mark = is_map, tag, anchor, mark
        self.data: Any = {} if is_map else []
        self.size = 1            # values below and including this one, aliases expanded
        self.height = 1          # collections on the longest path down, this one included
        self.key: Any = _NO_KEY  # a mapping's key waiting for its value
        self.items: list = []    # a mapping's (key, value) pairs, in order
        self.seen: dict = {}     # (tag, text) of each plain key -> its line
        self.merges: list = []   # values of '<<' keys, in order


_NO_KEY = object()


class _Anchor:
    """What an alias repeats: the value, its size and height; ``ident`` for a scalar."""

    __slots__ = ("value", "size", "height", "ident", "open")

    def __init__(self, value: Any, size: int, height: int, ident: Any, open_: bool) -> None:
        self.value, self.size, self.height, self.ident, self.open = (
            value, size, height, ident, open_)


def build(loader: Any) -> Any:
    """The single document of ``loader``'s event stream as plain data (None if empty).

    ``loader`` is a ``yaml.SafeLoader`` or ``yaml.CSafeLoader`` over the text; its
    parser gives the events, its resolver the implicit tags, and its constructor
    the values of the less common scalar tags. The cyclic garbage collector is
    paused meanwhile: the data holds no cycles, and a collection pass every few
    hundred new objects made loading a large model several times slower.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Builder(loader).run()
    finally:
        if enabled:
            gc.enable()


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.stack: list[_Collection] = []
        self.anchors: dict[str, _Anchor] = {}
        self.aliased = 0
        self.tags: dict[tuple, str] = {}

    def run(self) -> Any:
        get = self.loader.get_event
        get()  # StreamStartEvent
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        self.root: Any = None
        event = self._document(get)
        if not isinstance(event, yaml.StreamEndEvent):
            raise yaml.composer.ComposerError("expected a single document in the stream",
                                              None, "but found another document",
                                              event.start_mark)
        return self.root

    def _document(self, get) -> Any:
        """Read one document's events (after its DocumentStartEvent); the next event."""
        stack = self.stack
        scalar_cls, start_map, start_seq = (yaml.ScalarEvent, yaml.MappingStartEvent,
                                            yaml.SequenceStartEvent)
        end_cls, alias_cls = (yaml.MappingEndEvent, yaml.SequenceEndEvent), yaml.AliasEvent
        while True:
            event = get()
            cls = event.__class__
            if cls is scalar_cls:
                value, ident = self._scalar(event)
                if event.anchor is not None:
                    self._anchor(event, _Anchor(value, 1, 0, ident, False))
                self._add(value, 1, 0, ident, event.start_mark)
            elif cls is start_map or cls is start_seq:
                self._open(event, cls is start_map)
            elif cls in end_cls:
                self._close(stack.pop())
            elif cls is alias_cls:
                self._alias(event)
            else:  # DocumentEndEvent
                return get()

    # -- values ---------------------------------------------------------------

    def _scalar(self, event: Any) -> tuple[Any, tuple]:
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            implicit = event.implicit
            found = self.tags.get((text, implicit))
            if found is None:
                found = self.tags[(text, implicit)] = self.loader.resolve(
                    ScalarNode, text, implicit)
            tag = found
        ident = (tag, text)
        if tag == _STR:
            return text, ident
        if tag == _MERGE and self._wants_key():
            return _MERGE_KEY, ident
        try:
            if tag == _INT and _DIGITS.issuperset(text) and text[:1] != "0" and text:
                return int(text), ident
            if tag == _FLOAT and _FLOAT_CHARS.issuperset(text) and text[:1] not in ".":
                return float(text), ident
            if tag == _NULL:
                return None, ident
            if tag == _BOOL and text.lower() in self.loader.bool_values:
                return self.loader.bool_values[text.lower()], ident
            node = ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
            return self.loader.construct_object(node, deep=True), ident
        except (ValueError, TypeError, OverflowError, IndexError) as exc:
            raise ConstructorError(None, None, f"{text!r} is not a valid {_short(tag)} "
                                   f"({exc})", event.start_mark) from None

    def _open(self, event: Any, is_map: bool) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _MAP if is_map else _SEQ
        elif tag not in self.loader.yaml_constructors:
            raise ConstructorError(None, None, f"could not determine a constructor for the "
                                   f"tag {tag!r}", event.start_mark)
        frame = _Collection(is_map, tag, event.anchor, event.start_mark)
        self.stack.append(frame)
        if len(self.stack) > MAX_DEPTH:
            raise LimitError(f"nests mappings and sequences more than {MAX_DEPTH} deep (a "
                             "model needs about 6)",
                             event.start_mark.line + 1)
        if event.anchor is not None:
            self._anchor(event, _Anchor(frame.data, 1, 1, None, True))

    def _close(self, frame: _Collection) -> None:
        value = self._finish(frame)
        if frame.anchor is not None:
            anchor = self.anchors[frame.anchor]
            anchor.value, anchor.size, anchor.height, anchor.open = (
                value, frame.size, frame.height, False)
        self._add(value, frame.size, frame.height, None, frame.mark)

    def _finish(self, frame: _Collection) -> Any:
        """The Python value of a closed collection, by its tag (as SafeConstructor)."""
        tag, mark = frame.tag, frame.mark
        if frame.is_map:
            data = frame.data
            if frame.merges:
                for merged in _merged(frame.merges):
                    data.update(merged)
            data.update(frame.items)
            if tag == _MAP:
                return data
            if tag == _SET:
                return set(data)
            raise ConstructorError(None, None, f"{_short(tag)} cannot be a mapping", mark)
        if tag == _SEQ:
            return frame.data
        if tag in (_OMAP, _PAIRS):
            pairs = []
            for item in frame.data:
                if not (isinstance(item, dict) and len(item) == 1):
                    raise ConstructorError(None, None, f"{_short(tag)} needs a sequence of "
                                           "mappings of one key each", mark)
                pairs.extend(item.items())
            return pairs
        raise ConstructorError(None, None, f"{_short(tag)} cannot be a sequence", mark)

    def _anchor(self, event: Any, anchor: _Anchor) -> None:
        name = event.anchor
        if name in self.anchors:
            raise yaml.composer.ComposerError(f"found duplicate anchor {name!r}", None,
                                              "second occurrence", event.start_mark)
        self.anchors[name] = anchor

    def _alias(self, event: Any) -> None:
        line = event.start_mark.line + 1
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise yaml.composer.ComposerError(None, None,
                                              f"found undefined alias {event.anchor!r}",
                                              event.start_mark)
        if anchor.open:
            raise LimitError(f"uses alias *{event.anchor} inside its own anchor "
                             f"&{event.anchor}: that nests without end", line)
        if len(self.stack) + anchor.height > MAX_DEPTH:
            raise LimitError(f"alias *{event.anchor} nests mappings and sequences more than "
                             f"{MAX_DEPTH} deep", line)
        self.aliased += anchor.size
        if self.aliased > MAX_ALIAS_VALUES:
            raise LimitError(f"aliases repeat more than {MAX_ALIAS_VALUES:,} values (at alias "
                             f"*{event.anchor}); a model needs far fewer: write the values "
                             "out, or use fewer aliases", line)
        self._add(anchor.value, anchor.size, anchor.height, anchor.ident, event.start_mark)

    def _wants_key(self) -> bool:
        """Whether the next value is a key of the innermost open mapping."""
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].key is _NO_KEY

    def _add(self, value: Any, size: int, height: int, ident: Any, mark: Any) -> None:
        """Put a finished value into the open collection (or make it the document)."""
        if value is _MERGE_KEY and not self._wants_key():
            raise ConstructorError(None, None, "a merge key '<<' can only be a mapping's key",
                                   mark)
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        if height >= frame.height:
            frame.height = height + 1
        if not frame.is_map:
            frame.data.append(value)
            return
        if frame.key is _NO_KEY:
            self._key(frame, value, ident, mark)
            return
        key, frame.key = frame.key, _NO_KEY
        if key is _MERGE_KEY:
            frame.merges.append((value, mark))
        else:
            frame.items.append((key, value))

    def _key(self, frame: _Collection, key: Any, ident: Any, mark: Any) -> None:
        line = mark.line + 1
        if key is _MERGE_KEY:
            frame.key = _MERGE_KEY
            return
        if ident is not None:
            first = frame.seen.get(ident)
            if first is not None:
                raise DuplicateKey(self._path(), ident[1], first, line)
            frame.seen[ident] = line
        try:
            hash(key)
        except TypeError:
            raise ConstructorError("while constructing a mapping", frame.mark,
                                   "found unhashable key", mark) from None
        frame.key = key

    def _path(self) -> list:
        """The keys leading to the innermost open collection (indexes in sequences)."""
        path = []
        for parent in self.stack[:-1]:
            if parent.is_map:
                path.append(parent.key)
            else:
                path.append(len(parent.data))
        return path


_MERGE_KEY = object()


def _short(tag: str) -> str:
    """``!!int`` for ``tag:yaml.org,2002:int`` (words without "tag", which the reader
    keeps for tags that construct objects)."""
    return tag.replace(_P, "!!")


def _merged(merges: list) -> list[dict]:
    """The mappings that ``<<`` keys merge, in the order to apply them (later wins).

    As in SafeConstructor: of a list of mappings the first wins; of several ``<<``
    keys the last wins; keys written in the mapping itself win over all of them.
    """
    found: list[dict] = []
    for value, mark in merges:
        if isinstance(value, dict):
            found.append(value)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            found.extend(value[::-1])
        else:
            raise ConstructorError("while constructing a mapping", None,
                                   "expected a mapping or list of mappings for merging", mark)
    return found
