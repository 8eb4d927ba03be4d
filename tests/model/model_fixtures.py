"""Helpers for the model-layer tests: a small model as plain data, and refusals.

Kept out of conftest so that test modules can import it by name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sim.errors import ModelError
from sim.model import from_dict, validate


def request_reply() -> dict:
    """The request-reply example model, trimmed to what every check needs."""
    return {
        "name": "request-reply",
        "run": {"duration": 100, "seed": 3},
        "nodes": {
            "client": {"kind": "sender", "rate": 80},
            "requests": {"kind": "queue", "capacity": 100},
            "worker": {"kind": "service", "servers": 8,
                       "service": {"dist": "exponential", "mean": 0.08}},
            "responses": {"kind": "queue"},
            "callback": {"kind": "service", "service": 0.005},
        },
        "edges": [["client", "requests"], ["requests", "worker"], ["worker", "responses"],
                  ["responses", "callback"]],
    }


def put(data: dict, path: str, value: Any) -> dict:
    """Set ``data[k0][k1]...`` by dotted path (integers index lists); return ``data``."""
    *parents, last = path.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


def refused(data: dict, *fragments: str) -> ModelError:
    """Validate ``data`` and expect a ModelError whose message holds every fragment."""
    pattern = "".join(f"(?=.*{re.escape(f)})" for f in fragments)
    with pytest.raises(ModelError, match=pattern) as info:
        validate(from_dict(data))
    return info.value
