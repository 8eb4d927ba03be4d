"""Experiment files (docs/sweeps.md): read, check the structure, describe the design.

An experiment is YAML (or a dict of the same shape)::

    name: pool-sizing                       # default: the file's stem
    description: ...
    model: ../models/request_reply.yaml     # relative to the experiment file
    run: {duration: 300, warmup: 30, replications: 3, seed: 1}
    set: {nodes.requests.capacity: 500}     # fixed overrides of every point
    grid:                                   # cartesian product ...
      nodes.client.rate: [40, 80]
      nodes.worker.servers: [4, 8]
    samples:                                # ... or a Latin hypercube (not both)
      count: 20
      seed: 7
      params:
        nodes.client.rate: {low: 20, high: 90}
        nodes.worker.servers: {low: 2, high: 16, integer: true}
        nodes.requests.overflow: {choices: [reject, drop_oldest]}
    metrics: [requests.latency.p99, "nodes.*.utilization"]   # default: all
    out: results/pool-sizing                # relative to the file; default results/<name>

This module checks the shape of the file; :mod:`sim.experiments.build` checks
the overrides against the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ExperimentError, describe, nearest
from sim.experiments.design import (Choices, DesignTooLarge, GridDesign, Range, SampleDesign,
                                   SingleDesign)
from sim.model.readers import read_spec_file
from sim.model.settings import RUN_KEYS

__all__ = ["TOP_KEYS", "RUN_KEYS", "read_source", "parse_design", "check_top",
           "check_mapping", "fail"]

TOP_KEYS = ("name", "description", "model", "run", "scenario", "set", "grid", "samples",
            "metrics", "out")
SAMPLE_KEYS = ("count", "seed", "params")
RANGE_KEYS = ("low", "high", "integer", "log", "choices")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def fail(source: str, message: str, *, key: str | None = None,
         suggestion: str | None = None) -> ExperimentError:
    """An ExperimentError ``"<source>: '<key>' <message> (did you mean ...?)"``."""
    return ExperimentError(describe(source, message, key, suggestion))


def read_source(source: str | Path | Mapping,
                base_dir: str | Path | None) -> tuple[dict, Path, str, str]:
    """(data, base folder, label for messages, default name) of an experiment."""
    return read_spec_file(source, base_dir, "experiment", ExperimentError,
                          "at least 'model' and 'grid' or 'samples'")


def check_mapping(value: Any, label: str, key: str, *, allowed: tuple[str, ...] = (),
                  empty_ok: bool = True) -> dict:
    """``value`` as a dict with string keys (``None`` is empty); only ``allowed`` keys."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise fail(label, f"must be a mapping (got {value!r})", key=key)
    if not value and not empty_ok:
        raise fail(label, "must not be empty", key=key)
    for name in value:
        if not isinstance(name, str) or not name:
            raise fail(label, f"keys must be non-empty strings (got {name!r})", key=key)
        if allowed and name not in allowed:
            raise fail(label, f"has an unknown key {name!r}", key=key,
                       suggestion=nearest(name, allowed))
    return dict(value)


def check_top(data: dict, label: str, default_name: str) -> str:
    """Refuse unknown top-level keys and a bad name; return the experiment's name."""
    for key in data:
        if key not in TOP_KEYS:
            raise fail(label, f"unknown key {key!r}", suggestion=nearest(str(key), TOP_KEYS))
    if "model" not in data:
        raise fail(label, "needs 'model': the path of a model file (relative to the "
                   "experiment file) or a model as a mapping")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail(label, "must be letters, digits, '_', '-' or '.' (it names the output "
                   f"folder) (got {name!r})", key="name")
    for key in ("description", "out"):
        if key in data and not isinstance(data[key], str):
            raise fail(label, f"must be a string (got {data[key]!r})", key=key)
    return name


def parse_design(data: dict, label: str):
    """The lazy design (points computed on demand) of the ``grid`` or ``samples`` section;
    its ``kind`` and ``params`` (the swept keys, in file order)."""
    has_grid, has_samples = data.get("grid") is not None, data.get("samples") is not None
    if has_grid and has_samples:
        raise fail(label, "has both 'grid' and 'samples': a sweep is either a grid (cartesian "
                   "product) or a Latin hypercube; split it into two experiments")
    try:
        if has_grid:
            return GridDesign(_grid(data["grid"], label))
        if has_samples:
            params, count, seed = _samples(data["samples"], label)
            return SampleDesign(params, count, seed)
    except DesignTooLarge as exc:
        raise fail(label, str(exc), key="grid" if has_grid else "samples.count") from None
    return SingleDesign()


def _grid(value: Any, label: str) -> dict[str, list]:
    grid = check_mapping(value, label, "grid", empty_ok=False)
    for key, values in grid.items():
        if not isinstance(values, list):
            raise fail(label, f"must be a list of values, e.g. [{values!r}] (got {values!r})",
                       key=f"grid.{key}")
        if not values:
            raise fail(label, "is an empty list: give at least one value", key=f"grid.{key}")
    return grid


def _samples(value: Any, label: str) -> tuple[dict[str, Range | Choices], int, int]:
    samples = check_mapping(value, label, "samples", allowed=SAMPLE_KEYS, empty_ok=False)
    count = samples.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise fail(label, f"must be a positive integer (got {count!r})", key="samples.count")
    seed = samples.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise fail(label, f"must be a non-negative integer (got {seed!r})", key="samples.seed")
    raw = check_mapping(samples.get("params"), label, "samples.params", empty_ok=False)
    params = {key: _dimension(spec, label, f"samples.params.{key}")
              for key, spec in raw.items()}
    return params, count, seed


def _dimension(spec: Any, label: str, key: str) -> Range | Choices:
    spec = check_mapping(spec, label, key, allowed=RANGE_KEYS, empty_ok=False)
    if "choices" in spec:
        if set(spec) != {"choices"}:
            raise fail(label, "takes either 'choices' or 'low'/'high', not both", key=key)
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise fail(label, f"must be a non-empty list (got {choices!r})",
                       key=f"{key}.choices")
        return Choices(tuple(choices))
    for bound in ("low", "high"):
        v = spec.get(bound)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise fail(label, f"must be a finite number (got {v!r})", key=f"{key}.{bound}")
    for flag in ("integer", "log"):
        if not isinstance(spec.get(flag, False), bool):
            raise fail(label, f"must be true or false (got {spec[flag]!r})",
                       key=f"{key}.{flag}")
    low, high = spec["low"], spec["high"]
    if low >= high:
        raise fail(label, f"needs low < high (got low={low!r}, high={high!r})", key=key)
    if spec.get("log") and low <= 0:
        raise fail(label, f"needs low > 0 on a log scale (got low={low!r})", key=key)
    integer = spec.get("integer", False)
    if integer and (low != int(low) or high != int(high)):
        raise fail(label, f"needs whole-number bounds with integer: true (got low={low!r}, "
                   f"high={high!r})", key=key)
    return Range(low, high, integer, spec.get("log", False))
