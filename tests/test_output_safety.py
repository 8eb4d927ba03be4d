"""Files the project writes are safe to open: CSV cells a spreadsheet would evaluate
are quoted, report.md has no live link from a node name, result files have the
ordinary mode 0644, and ``--format csv`` tells the request aggregate from a node
named ``requests``."""

from __future__ import annotations

import csv
import io
import os
import re
import stat

import pandas as pd
import pytest

from sim.cli import main
from sim.engine import simulate
from sim.files import FORMULA_STARTS, safe_cell, unsafe_cell, write_text
from sim.model import from_dict, save, validate

FORMULAS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]
LINK = "[x](javascript:alert(1))"


def _model(names=FORMULAS):
    """A sender feeding a chain of services named by ``names``."""
    nodes = {"client": {"kind": "sender", "rate": 20}}
    edges, prev = [], "client"
    for name in names:
        nodes[name] = {"kind": "service", "servers": 2,
                       "service": {"dist": "exponential", "mean": 0.01}}
        edges.append([prev, name])
        prev = name
    return validate(from_dict({"name": "formulas", "nodes": nodes, "edges": edges}))


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_no_formula(text: str) -> None:
    bad = [c for c in _cells(text) if c.startswith(FORMULA_STARTS)
           and not _is_number(c)]
    assert not bad, bad


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", FORMULAS + ["'=x", "''+y", "plain", "'quoted"])
def test_safe_cell_round_trips(text):
    assert unsafe_cell(safe_cell(text)) == text
    assert not str(safe_cell(text)).startswith(FORMULA_STARTS)


def test_numbers_are_left_alone():
    assert safe_cell(-2.5) == -2.5 and safe_cell(3) == 3


def test_run_outputs_quote_formula_cells(tmp_path, capsys):
    """nodes.csv, replications.csv, timeseries.csv and --format csv."""
    model = _model()
    path = tmp_path / "m.yaml"
    save(model.graph, path)
    out = tmp_path / "out"
    assert main(["run", str(path), "--duration", "20", "--replications", "2",
                 "--out", str(out), "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    _assert_no_formula(printed)
    for name in ("nodes.csv", "replications.csv", "timeseries.csv"):
        text = (out / name).read_bytes().decode("utf-8")
        _assert_no_formula(text)
    assert "'=1+1" in (out / "nodes.csv").read_text(encoding="utf-8")
    assert "'=1+1" in (out / "timeseries.csv").read_text(encoding="utf-8")


def test_sweep_tables_quote_formula_cells(tmp_path):
    from sim.experiments import sweep
    from sim.model import to_dict

    exp = {"name": "formulas", "model": to_dict(_model(["=1+1"]).graph),
           "run": {"duration": 10, "replications": 2, "seed": 1},
           "grid": {"nodes.client.rate": [5, 10]}}
    sweep(exp, workers=1, out=tmp_path)
    for name in ("runs.csv", "summary.csv"):
        _assert_no_formula((tmp_path / name).read_bytes().decode("utf-8"))


def test_csv_format_tells_the_aggregate_from_a_node_named_requests():
    model = validate(from_dict({"name": "m", "nodes": {
        "client": {"kind": "sender", "rate": 10},
        "requests": {"kind": "service", "service": {"dist": "exponential", "mean": 0.01}}},
        "edges": [["client", "requests"]]}))
    frame = pd.read_csv(io.StringIO(simulate(model, duration=10).to_csv()),
                        keep_default_na=False)
    rows = list(zip(frame["scope"], frame["node"]))
    assert rows[0] == ("requests", "")
    assert ("node", "requests") in rows and ("node", "client") in rows
    assert rows.count(("requests", "")) == 1


def test_markdown_report_has_no_live_link_from_a_node_name(tmp_path):
    from sim.cli.outputs import write_run_outputs

    model = _model([LINK, "<b>bold</b>", "see http://evil.example"])
    result = simulate(model, duration=10, seed=1)
    write_run_outputs(result, model, tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert LINK not in md and "\\[x\\](javascript:alert(1))" in md
    assert not re.search(r"(?<!\\)\]\(javascript", md) and "http://evil" not in md
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<a " not in rendered and "<b>" not in rendered and LINK in rendered
    assert "<b>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'href="javascript' not in html and "<b>bold" not in html


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_result_files_have_the_ordinary_mode(tmp_path, umask, mode):
    """0666 less the umask, as ``open()`` gives (mkstemp alone gives 0600)."""
    old = os.umask(umask)
    try:
        path = write_text(tmp_path / "result.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_run_out_files_match_model_yaml_mode(tmp_path):
    model = _model(["worker"])
    from sim.cli.outputs import write_run_outputs

    files = write_run_outputs(simulate(model, duration=5), model, tmp_path, report=False)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
    assert len(set(modes.values())) == 1, modes


def test_trace_csv_quotes_formula_cells(tmp_path):
    """The trace names every node a sampled request visits: quoted like every CSV."""
    trace = tmp_path / "trace.csv"
    simulate(_model(), duration=20, replications=1, trace=trace, trace_sample=1.0)
    text = trace.read_text(encoding="utf-8")
    _assert_no_formula(text)
    assert "'=1+1" in text
