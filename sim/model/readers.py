"""Reading model text safely: YAML without object-constructing tags, strict JSON.

Both readers refuse a key given twice in one mapping (a node defined twice is the
usual case) and nesting deeper than any model needs, and turn every parse error
into a :class:`~sim.errors.ModelError` naming the file and line, never a parser
traceback. YAML is read by :mod:`sim.model.yamldata` (libyaml's parser when
installed), which also refuses alias expansion beyond a bound. Files are read
through :func:`sim.files.read_text_file`: regular files of bounded size, UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ModelError
from sim.files import UnreadableFile, read_text_file
from sim.model.yamldata import MAX_DEPTH, DuplicateKey, LimitError, build

__all__ = ["StrictLoader", "FastLoader", "read_yaml", "read_json", "read_spec_file"]


class _Strict:
    """Loader mixin: ``get_single_data`` through :func:`sim.model.yamldata.build`, which
    refuses a key given twice, nesting or alias expansion beyond a model's needs and
    object-constructing tags; ``source`` names the text in errors."""

    source = "<string>"

    def get_single_data(self) -> Any:
        return build(self)


class StrictLoader(_Strict, yaml.SafeLoader):
    """The pure-Python strict loader (PyYAML's parser)."""


#: The loader :func:`read_yaml` uses: libyaml's parser when the C binding is
#: installed (several times faster), else PyYAML's own; both give the same data.
FastLoader: type = (type("StrictCLoader", (_Strict, yaml.CSafeLoader),
                         {"__doc__": "The strict loader on libyaml's C parser."})
                    if getattr(yaml, "__with_libyaml__", False) else StrictLoader)


def _duplicate(path: Sequence[Any], key: Any, where: str) -> ModelError:
    """The error for ``key`` given twice in the mapping at ``path`` (a list of keys)."""
    if list(path) == ["nodes"]:
        return ModelError(f"is defined twice{where}", node=str(key))
    if len(path) >= 2 and path[0] == "nodes":
        dotted = ".".join(str(p) for p in (*path[2:], key))
        return ModelError(f"is given twice{where}", node=str(path[1]), key=dotted)
    return ModelError(f"is given twice{where}", key=".".join(str(p) for p in (*path, key)))


def _yaml_error(exc: yaml.YAMLError, source: str) -> ModelError:
    if isinstance(exc, DuplicateKey):
        return _duplicate(exc.path, exc.key,
                          f" in {source} (lines {exc.first} and {exc.second})")
    if isinstance(exc, LimitError):
        return ModelError(f"{source} line {exc.line} {exc.message}")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    at = f" line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        return ModelError(f"{source}{at}: {problem}: YAML tags that construct objects are "
                          "refused; a model holds only plain data")
    return ModelError(f"{source}{at} is not valid YAML: {problem}")


def read_yaml(text: str, source: str = "<string>") -> Any:
    """Plain data from YAML ``text`` (``source`` names it in errors)."""
    loader = FastLoader(text)
    loader.source = source
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    finally:
        loader.dispose()


class _Duplicates(dict):
    """A JSON object with a key given twice; remembers the first such key."""

    duplicate: Any = None


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            dup = _Duplicates(result)
            dup.duplicate = key
            return dup
        result[key] = value
    return result


def _find_duplicate(data: Any, source: str) -> None:
    """Refuse the first object with a key given twice, and nesting beyond
    :data:`~sim.model.yamldata.MAX_DEPTH` (walked without recursion)."""
    todo: list[tuple[Any, list]] = [(data, [])]
    while todo:
        value, path = todo.pop()
        if isinstance(value, _Duplicates):
            raise _duplicate(path, value.duplicate, f" in {source}")
        items = value.items() if isinstance(value, dict) else (
            enumerate(value) if isinstance(value, list) else ())
        for key, item in items:
            if isinstance(item, (dict, list)):
                if len(path) >= MAX_DEPTH - 1:
                    raise _too_deep(source)
                todo.append((item, [*path, key]))


def _too_deep(source: str) -> ModelError:
    return ModelError(f"{source} nests objects and arrays more than {MAX_DEPTH} deep (a model "
                      "needs about 6)")


def _constant_error(name: str, source: str) -> ModelError:
    return ModelError(f"{source} holds {name}, but strict JSON has no {name}: write a number, "
                      "or \"inf\" where unbounded is allowed (servers, capacity)")


def read_json(text: str, source: str = "<string>") -> Any:
    """Plain data from strict JSON ``text``: no NaN or Infinity, no key given twice."""
    def refuse(name: str) -> Any:
        raise _constant_error(name, source)

    try:
        data = json.loads(text, parse_constant=refuse, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source} line {exc.lineno} column {exc.colno} is not valid JSON: "
                         f"{exc.msg}") from None
    except RecursionError:
        raise _too_deep(source) from None
    _find_duplicate(data, source)
    return data


def read_spec_file(source, base_dir, what: str, error: type, expected: str
                   ) -> tuple[dict, Path, str, str]:
    """Read an experiment or plan file (YAML), or take a mapping given directly.

    Returns (data, base folder for relative paths, label for messages such as
    ``plan 'p.yaml'``, default name). Every problem is raised as ``error`` (the
    caller's exception class) with one message; ``expected`` says what the top
    level must hold.
    """
    if isinstance(source, Mapping):
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        return dict(source), base.resolve(), what, what
    path = Path(source)
    label = f"{what} '{path}'"
    try:
        data = read_yaml(read_text_file(path), label)
    except UnreadableFile as exc:
        raise error(f"cannot read {label}: {exc}") from None
    except ModelError as exc:
        raise error(str(exc).removeprefix("model: ")) from None
    if not isinstance(data, Mapping):
        raise error(f"{label}: must be a mapping with {expected} (got {type(data).__name__})")
    return dict(data), path.resolve().parent, label, path.stem
