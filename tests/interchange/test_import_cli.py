"""``asyncsim import traces`` from the command line: a model that ``check`` accepts,
notes on stderr, and exit 2 with one line for bad input."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.model import load, validate


@pytest.fixture(scope="module")
def otlp(tmp_path_factory):
    path = tmp_path_factory.mktemp("imp") / "calls.otlp.json"
    assert main(["run", "models/sync_calls.yaml", "--duration", "10", "--warmup", "0",
                 "--replications", "1", "--quiet", "--trace", str(path)]) == 0
    return path


def test_import_writes_a_model_check_accepts(otlp, tmp_path, capsys):
    out = tmp_path / "m.yaml"
    assert main(["import", "traces", str(otlp), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "clock skew" in err and "sampling" in err and f"wrote {out}" in err
    text = out.read_text()
    assert text.startswith("# Imported by asyncsim import traces from otlp spans")
    model = validate(load(out))
    assert {n.name for n in model.nodes} == {"client", "api", "db", "audit", "responses",
                                            "callback"}
    assert main(["check", str(out)]) == 0


def test_sampled_fraction_divides_the_rate(otlp, capsys):
    assert main(["import", "traces", str(otlp)]) == 0
    full = capsys.readouterr().out
    assert main(["import", "traces", str(otlp), "--sampled", "0.5"]) == 0
    half = capsys.readouterr().out

    def rate(text):
        line = next(x for x in text.splitlines() if x.strip().startswith("client:"))
        return float(line.split("rate:")[1].strip(" }"))

    assert rate(half) == pytest.approx(2 * rate(full), rel=1e-4)


@pytest.mark.parametrize("content, message", [
    ("not json at all", "line 1: not JSON"),
    ('{"something": 1}', "not a span file"),
    (json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "1"}]}]}]}),
     "span 1: expected traceId"),
    (json.dumps([{"traceId": "a", "id": "b", "timestamp": 1, "kind": "SIDEWAYS"}]),
     "span \\[0\\]: expected .* Zipkin kind"),
    (json.dumps({"data": [{"spans": [{"spanID": "x"}]}]}), "data\\[0\\] span x"),
    ("[]", "holds no spans"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["import", "traces", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert pytest.importorskip("re").search(message, err)


def test_missing_file_and_bad_fraction_exit_2(tmp_path, otlp, capsys):
    assert main(["import", "traces", str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["import", "traces", str(otlp), "--sampled", "2"]) == 2
    assert "--sampled must be a fraction" in capsys.readouterr().err
