"""One AsyncAPI document as plain data, read through JSON pointers.

Every value the importer takes from a document is reached by a JSON pointer
(RFC 6901, written ``#/channels/orders/bindings/kafka/partitions``), so every
refusal can name the exact place in the file: a wrong type, a bound broken, a
``$ref`` that points nowhere or outside the document. Only local references
(``#/...``, usually ``#/components/...``) are followed; a reference to another
file or a URL is refused rather than fetched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import SimError
from sim.files import UnreadableFile, read_text_file
from sim.model.readers import read_yaml

__all__ = ["AsyncApiError", "Document", "read_document", "pointer", "escape"]

#: How many ``$ref`` hops one value may take before it is called a loop.
MAX_REF_HOPS = 32


class AsyncApiError(SimError):
    """A part of an AsyncAPI document (or overlay) that cannot be read; the message
    names the file and the JSON pointer of the part."""


def escape(token: Any) -> str:
    """One JSON-pointer token (RFC 6901: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: Any) -> str:
    """``#/a/b`` from tokens ``a``, ``b``."""
    return "#" + "".join("/" + escape(t) for t in tokens)


def _tokens(ref: str) -> list[str]:
    body = ref[2:] if ref.startswith("#/") else ""
    return [t.replace("~1", "/").replace("~0", "~") for t in body.split("/")] if body else []


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: ``data`` (plain dicts and lists) and ``source`` (the file,
    named in messages)."""

    data: Mapping
    source: str

    def error(self, where: str, message: str) -> AsyncApiError:
        """The error for the part at pointer ``where``."""
        return AsyncApiError(f"{self.source} {where}: {message}")

    def resolve(self, value: Any, where: str) -> tuple[Any, str]:
        """``value`` with local ``$ref``s followed; returns (value, its pointer).

        A mapping holding ``$ref`` is replaced by the part it points to (its
        siblings are ignored, as JSON Reference says).
        """
        hops = 0
        while isinstance(value, Mapping) and "$ref" in value:
            ref, at = value["$ref"], f"{where}/$ref"
            if not isinstance(ref, str):
                raise self.error(at, f"must be a string (got {ref!r})")
            if not ref.startswith("#/"):
                raise self.error(at, f"{ref!r} is not a local reference: only '#/...' "
                                     "references inside the document are read; copy the "
                                     "part into the document (for example under components)")
            hops += 1
            if hops > MAX_REF_HOPS:
                raise self.error(at, f"{ref!r} is part of a loop of references")
            value, where = self._target(ref, at), ref
        return value, where

    def _target(self, ref: str, at: str) -> Any:
        value: Any = self.data
        for token in _tokens(ref):
            if isinstance(value, Mapping) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                raise self.error(at, f"{ref!r} cannot be resolved: the document has no "
                                     f"{token!r} there")
        return value

    def get(self, parent: Any, key: str, where: str) -> tuple[Any, str]:
        """``parent[key]`` resolved, with its pointer; (None, pointer) when absent."""
        at = f"{where}/{escape(key)}"
        if not isinstance(parent, Mapping) or key not in parent:
            return None, at
        return self.resolve(parent[key], at)

    def mapping(self, parent: Any, key: str, where: str) -> tuple[Mapping, str]:
        """``parent[key]`` as a mapping (empty when absent), refused when not one."""
        value, at = self.get(parent, key, where)
        if value is None:
            return {}, at
        if not isinstance(value, Mapping):
            raise self.error(at, f"must be a mapping (got {type(value).__name__} {value!r})")
        return value, at

    def number(self, parent: Any, key: str, where: str, *, integer: bool = False,
               positive: bool = False) -> tuple[float | int | None, str]:
        """``parent[key]`` as a finite number >= 0 (> 0 with ``positive``), or None."""
        value, at = self.get(parent, key, where)
        if value is None:
            return None, at
        wanted = "an integer" if integer else "a number"
        bound = "> 0" if positive else ">= 0"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                integer and not float(value).is_integer()) or not math.isfinite(value):
            raise self.error(at, f"must be {wanted} {bound} (got {value!r})")
        if value < 0 or (positive and value == 0):
            raise self.error(at, f"must be {wanted} {bound} (got {value!r})")
        return (int(value) if integer else value), at

    def text(self, parent: Any, key: str, where: str) -> tuple[str | None, str]:
        """``parent[key]`` as a string, or None when absent."""
        value, at = self.get(parent, key, where)
        if value is None:
            return None, at
        if not isinstance(value, str):
            raise self.error(at, f"must be a string (got {value!r})")
        return value, at


def read_document(path: str | Path) -> Document:
    """Read an AsyncAPI document (YAML or JSON, which YAML reads) safely and boundedly."""
    path = Path(path)
    source = f"file '{path}'"
    try:
        text = read_text_file(path)
    except UnreadableFile as exc:
        raise AsyncApiError(f"cannot read {source}: {exc}") from None
    try:
        data = read_yaml(text, source)
    except SimError as exc:
        raise AsyncApiError(str(exc).removeprefix("model: ")) from None
    if not isinstance(data, Mapping):
        raise AsyncApiError(f"{source} #: must be a mapping, an AsyncAPI document "
                            f"(got {type(data).__name__})")
    return Document(data, source)
