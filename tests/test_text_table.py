"""The run's node table, laid out without pandas, is the text pandas gives."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli.format import _NODE_COLUMNS, fmt, node_table, text_table

ROOT = Path(__file__).resolve().parents[1]


def pandas_table(result) -> str:
    """What format_table printed before: pandas' own layout."""
    frame = result.nodes_frame()
    cols = [c for c in _NODE_COLUMNS if c in frame.columns]
    return frame[cols].rename(columns=_NODE_COLUMNS).map(fmt).to_string()


@pytest.mark.parametrize("model", ["request_reply", "cache_read_path", "connection_pool", "sync_calls"])
def test_node_table_is_the_text_pandas_gives(model):
    path = ROOT / "models" / f"{model}.yaml"
    if not path.exists():
        pytest.skip(f"no {path.name}")
    result = sim.simulate(sim.load(path), duration=5, warmup=0, replications=2)
    assert node_table(result) == pandas_table(result)


@pytest.mark.parametrize("seed", range(30))
def test_text_table_lays_out_strings_as_pandas_to_string(seed):
    rng = random.Random(seed)
    def word() -> str:  # non-empty, no edge spaces: node names and fmt() texts
        inner = "".join(rng.choice("abcXY.-_ 1") for _ in range(rng.randint(0, 10)))
        return rng.choice("abc1") + inner.strip() + rng.choice(["", "Z", "9"])

    labels = list(dict.fromkeys(word() for _ in range(rng.randint(1, 6))))
    headers = list(dict.fromkeys(word() for _ in range(rng.randint(1, 5))))
    rows = [[word() for _ in headers] for _ in labels]
    frame = pd.DataFrame(rows, index=pd.Index(labels, name="node"), columns=headers)
    assert text_table("node", labels, headers, rows) == frame.to_string()


def test_a_label_pandas_would_escape_is_left_to_pandas():
    result = sim.simulate(sim.load(ROOT / "models" / "request_reply.yaml"), duration=2,
                          warmup=0, replications=1)
    result._dict["nodes"] = {"a\tb": result._dict["nodes"]["worker"], " c": {"kind": "queue"}}
    assert node_table(result) == pandas_table(result)
