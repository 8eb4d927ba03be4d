"""AsyncAPI 2.x / 3.0 documents (and an overlay of numbers) -> a model.

:func:`import_asyncapi` reads the documents safely (:mod:`sim.model.readers`),
follows their local ``$ref``s, maps channels, operations, replies and the Kafka,
SQS and AMQP bindings to nodes, edges and keys (:mod:`.bindings` has the table),
merges several documents by channel address, then lays an overlay over the result
(a partial model whose nodes are merged by name, key by key). Every part it
cannot read is an :class:`AsyncApiError` naming the file and the JSON pointer.

The documents say how messages travel, not how fast they come or how long they
take: an arrival rate, a service time or a pool size that neither the documents
nor the overlay give is a *gap*, listed by :attr:`Imported.gaps`, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.errors import nearest
from sim.model.asyncapi.build import Draft, assemble
from sim.model.asyncapi.document import AsyncApiError, escape, pointer, read_document
from sim.model.asyncapi.reader import node_name, read

__all__ = ["Imported", "import_asyncapi", "AsyncApiError", "OVERLAY_KEYS", "to_yaml"]

#: Top-level keys an overlay may give (edges come from the documents only).
OVERLAY_KEYS = ("name", "description", "run", "nodes", "scenario", "slo")

#: Keys whose absence is a gap: (kind, keys of which one is needed, what it is).
#: ``servers`` has a default in the model format (1), but a pool size the documents
#: do not give is a number nobody chose, so it is listed too.
NEEDED = (("sender", ("rate", "interarrival", "clients", "trace"), "the arrival rate"),
          ("service", ("service",), "the service time"),
          ("service", ("servers",), "the pool size"))


@dataclass(frozen=True, slots=True)
class Imported:
    """The model (plain data, as a model file holds it), the ``gaps`` (what the
    documents and overlay do not say and a run needs), and ``notes`` (what the
    documents say that the model cannot hold)."""

    model: dict
    gaps: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when nothing a run needs is missing."""
        return not self.gaps

    def validate(self, base_dir: str | Path | None = None):
        """The model validated (:func:`sim.model.validate.validate`): a ModelError
        names what the documents and overlay together got wrong."""
        from sim.model.load import from_dict
        from sim.model.validate import validate

        return validate(from_dict(self.model, base_dir, source="the imported model"))


def import_asyncapi(documents: Sequence[str | Path], overlay: str | Path | None = None,
                    ) -> Imported:
    """Read AsyncAPI ``documents`` (merged by channel address) and an optional
    ``overlay`` file into a model; raise :class:`AsyncApiError` naming the pointer of
    any part that cannot be read."""
    if not documents:
        raise AsyncApiError("no AsyncAPI document given")
    readings = [read(read_document(path)) for path in documents]
    draft = assemble(readings)
    first = readings[0]
    model = {"name": node_name(first.title), "description": first.description,
             "nodes": draft.nodes, "edges": draft.edges}
    if not model["description"]:
        del model["description"]
    if overlay is not None:
        _lay_over(model, overlay)
    return Imported(model, _gaps(model["nodes"]), draft.notes,
                    tuple(str(p) for p in documents))


def _lay_over(model: dict, path: str | Path) -> None:
    """Merge the overlay at ``path`` into ``model``: top-level keys replace, nodes are
    matched by name and their keys replace the documents' keys."""
    doc = read_document(path)
    for key in doc.data:
        if key not in OVERLAY_KEYS:
            hint = nearest(str(key), OVERLAY_KEYS)
            raise doc.error(pointer(key), "is not an overlay key: an overlay gives "
                            f"{', '.join(OVERLAY_KEYS)} (edges come from the documents)"
                            + (f" (did you mean {hint!r}?)" if hint else ""))
    for key in OVERLAY_KEYS:
        if key in doc.data and key != "nodes":
            model[key] = doc.data[key]
    nodes, where = doc.mapping(doc.data, "nodes", "#")
    for name, keys in nodes.items():
        at = f"{where}/{escape(name)}"
        if name not in model["nodes"]:
            hint = nearest(str(name), model["nodes"])
            raise doc.error(at, f"names no node of the documents (nodes: "
                            f"{', '.join(model['nodes'])})"
                            + (f" (did you mean {hint!r}?)" if hint else ""))
        if not isinstance(keys, Mapping):
            raise doc.error(at, f"must be a mapping of the node's keys (got {keys!r})")
        model["nodes"][name].update(keys)
        _known_keys(doc, at, model["nodes"][name], keys)


def _known_keys(doc, at: str, attrs: Mapping, given: Mapping) -> None:
    """Refuse an overlay key the node's kind does not take, here where its pointer is
    known (a misspelt ``sevrers`` would otherwise leave ``servers`` listed as missing)."""
    from sim.model.kinds import KINDS

    kind = KINDS.get(attrs.get("kind"))
    if kind is None:
        return  # an unknown kind is refused, with the nearest, when the model is validated
    for key in given:
        if key not in kind.key_names:
            hint = nearest(str(key), kind.key_names)
            raise doc.error(f"{at}/{key}", f"is not a key of a {kind.name}"
                            + (f" (did you mean {hint!r}?)" if hint else ""))


def _gaps(nodes: Mapping) -> tuple[str, ...]:
    gaps = []
    for name, attrs in nodes.items():
        for kind, keys, what in NEEDED:
            if attrs.get("kind") == kind and not any(k in attrs for k in keys):
                gaps.append(f"nodes.{name}.{keys[0]}: {what}"
                            + (f" ({' or '.join(keys)})" if len(keys) > 1 else ""))
    return tuple(gaps)


def to_yaml(imported: Imported) -> str:
    """The model as YAML, headed by comments naming the documents and any gaps."""
    lines = ["# Imported from AsyncAPI: " + ", ".join(imported.sources) + "."]
    if imported.gaps:
        lines.append("# Incomplete: the documents and the overlay do not give:")
        lines += [f"#   {gap}" for gap in imported.gaps]
    body = yaml.safe_dump(_order(imported.model), sort_keys=False, default_flow_style=None,
                          width=100)
    return "\n".join(lines) + "\n" + body


def _order(model: dict) -> dict:
    keys = ("name", "description", "run", "nodes", "edges", "scenario", "slo")
    return {k: model[k] for k in keys if k in model}
