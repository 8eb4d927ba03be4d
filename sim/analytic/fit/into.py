"""Write fitted keys into a node of a model file, validated and atomically.

The model is read with :func:`sim.model.load` and, with the new keys,
validated before anything is written. Only the node's keys change in the file:
a YAML file is edited in ruamel.yaml's round-trip mode, so its comments, key
order and layout stay as they were; a JSON file keeps its key order. The file
is replaced in one ``os.replace`` of a sibling temporary file, so a reader
never sees half a model and a failure leaves it untouched.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from sim.errors import ModelError, nearest
from sim.files import replace_atomically
from sim.model import load, validate

__all__ = ["write_into", "keys_for"]

Kind = Literal["service", "interarrival", "arrivals"]

# Keys a fitted arrival process replaces: a sender takes one of these arrival keys.
_REPLACED_ARRIVAL_KEYS = ("rate", "trace", "interarrival", "profile", "period")


def keys_for(kind: Kind, law_spec: Any, profile: list | None = None) -> dict:
    """The node keys that a fit of ``kind`` sets: ``service`` or ``interarrival``
    (and ``profile`` for a non-stationary arrival stream)."""
    if kind == "service":
        return {"service": law_spec}
    keys = {"interarrival": law_spec}
    if profile is not None and len(profile) > 1:
        keys["profile"] = profile
    return keys


def _check_node(G, node: str, kind: Kind) -> dict:
    if node not in G.nodes:
        raise ModelError(f"has no node {node!r} (nodes: {', '.join(G.nodes)})",
                         suggestion=nearest(node, list(G.nodes)))
    attrs = G.nodes[node]
    want = "service" if kind == "service" else "sender"
    if attrs.get("kind") != want:
        key = "service" if kind == "service" else "interarrival"
        raise ModelError(f"must be a {want} to take a fitted {key!r}", node=node, key="kind",
                         value=attrs.get("kind"))
    if want == "sender" and "clients" in attrs:
        raise ModelError("is a closed sender ('clients'): a fitted 'interarrival' needs an "
                         "open sender", node=node, key="clients", value=attrs["clients"])
    return attrs


def write_into(path: str | Path, node: str, kind: Kind, keys: Mapping[str, Any]) -> None:
    """Set ``keys`` on ``node`` of the model file at ``path``.

    Parameters
    ----------
    path : str or Path
        A model file (YAML or JSON).
    node : str
        A service for ``kind="service"``; an open sender otherwise, whose
        ``rate``, ``trace``, ``profile`` and ``period`` are replaced by ``keys``.
    kind : {"service", "interarrival", "arrivals"}
        What was fitted.
    keys : mapping
        From :func:`keys_for`.

    Raises
    ------
    ModelError
        The file does not load, the node is missing or of the wrong kind, or the
        model with the new keys does not validate. The file is then unchanged.
    """
    path = Path(path)
    G = load(path)
    attrs = _check_node(G, node, kind)
    if kind != "service":
        for key in _REPLACED_ARRIVAL_KEYS:
            attrs.pop(key, None)
    attrs.update(keys)
    validate(G)
    _edit_file(path, node, kind, keys)


def _set_keys(entry, kind: Kind, keys: Mapping[str, Any]) -> None:
    """The same change as on the graph, on the file's own mapping of the node."""
    if kind != "service":
        for key in _REPLACED_ARRIVAL_KEYS:
            entry.pop(key, None)
    for key, value in keys.items():
        entry[key] = _plain(value)


def _plain(value: Any) -> Any:
    """Tuples as lists, numpy scalars as Python numbers: what YAML and JSON write."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


def _edit_file(path: Path, node: str, kind: Kind, keys: Mapping[str, Any]) -> None:
    """Rewrite only ``node``'s keys of the file at ``path``, atomically."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        _set_keys(data["nodes"][node], kind, keys)
        new = json.dumps(data, indent=2, allow_nan=False) + "\n"
    else:
        new = _splice_yaml(text, node, kind, keys)

    def write(tmp: str) -> None:
        Path(tmp).write_text(new, encoding="utf-8")
        shutil.copymode(path, tmp)

    replace_atomically(path, write)


def _dump(yaml, value: Any) -> str:
    import io

    buf = io.StringIO()
    yaml.dump(value, buf)
    return buf.getvalue()


def _splice_yaml(text: str, node: str, kind: Kind, keys: Mapping[str, Any]) -> str:
    """``text`` with the lines of ``node``'s entry replaced, every other line kept.

    ruamel.yaml's round-trip reader gives the entry's place (line and column of
    its key and value); the entry is written back in its own style (a one-line
    flow mapping, or a block) and spliced in, so comments, blank lines, key
    order and alignment elsewhere stay byte for byte.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    data = yaml.load(text)
    nodes = data["nodes"]
    entry = nodes[node]
    _set_keys(entry, kind, keys)
    lines = text.splitlines(keepends=True)
    first, _ = nodes.lc.key(node)
    value_line, value_col = nodes.lc.value(node)
    last = _entry_end(lines, data, nodes, node)
    head = lines[value_line][:value_col] if value_line == first else lines[first].rstrip()
    indent = nodes.lc.key(node)[1] + 2
    if getattr(entry.fa, "flow_style", lambda: False)():
        yaml.default_flow_style = True
        yaml.width = 1 << 16
        body = _dump(yaml, dict(entry)).strip()
        new = f"{head.rstrip()} {body}\n" if value_line != first else f"{head}{body}\n"
    else:
        block = _dump(yaml, entry)
        body = "".join(" " * indent + line for line in block.splitlines(keepends=True))
        new = f"{head.rstrip()}\n{body}"
    return "".join(lines[:first]) + new + "".join(lines[last:])


def _entry_end(lines: list[str], data, nodes, node: str) -> int:
    """The line after ``node``'s entry (comments and blank lines after it are kept)."""
    names = list(nodes)
    at = names.index(node)
    if at + 1 < len(names):
        end = nodes.lc.key(names[at + 1])[0]
    else:
        tops = list(data)
        following = tops[tops.index("nodes") + 1:]
        end = data.lc.key(following[0])[0] if following else len(lines)
    while end > nodes.lc.key(node)[0] + 1 and (not lines[end - 1].strip()
                                                or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end
