"""Keys and caches from the command line: run prints each cache's hit ratio and each
partitioned queue's busiest partition; check prints the expected hit ratio; a cache
without keyed senders is exit 2 with one line."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
CACHE = str(ROOT / "models" / "cache_read_path.yaml")


def test_run_prints_the_cache_line(capsys):
    assert main(["run", CACHE, "--duration", "10", "--warmup", "2", "--replications",
                 "2"]) == 0
    out = capsys.readouterr().out
    assert "cache cache: hit_ratio " in out and " evictions " in out


def test_check_prints_the_expected_hit_ratio(capsys):
    assert main(["check", CACHE]) == 0
    assert ("cache 'cache': expected hit ratio 0.500 (Che's approximation (lru); misses "
            "during fill ignored); miss path 'db' gets 200/s") in capsys.readouterr().out


def test_run_prints_the_busiest_partition(tmp_path, capsys):
    model = {"name": "parts", "nodes": {
        "c": {"kind": "sender", "rate": 50, "keys": {"count": 20, "popularity": {"zipf": 1}}},
        "q": {"kind": "queue", "partitions": 4},
        "w": {"kind": "service", "servers": 4, "service": 0.001}},
        "edges": [["c", "q"], ["q", "w"]]}
    path = tmp_path / "parts.yaml"
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    assert main(["run", str(path), "--duration", "20"]) == 0
    assert "queue q: 4 partitions; busiest " in capsys.readouterr().out


def test_a_cache_without_keys_is_exit_2(tmp_path, capsys):
    raw = yaml.safe_load(Path(CACHE).read_text(encoding="utf-8"))
    del raw["nodes"]["readers"]["keys"]
    path = tmp_path / "nokeys.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "node 'cache': 'keys' needs requests with keys" in err
