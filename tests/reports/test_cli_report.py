"""``asyncsim report DIR`` and the reports written by ``run --out``."""

from __future__ import annotations

import subprocess
import sys

from sim.cli import main
from tests.planner.conftest import REPO


def test_report_rebuilds_from_the_folder_without_simulating(run_folder, capsys, monkeypatch):
    (run_folder / "report.html").unlink()
    import sim.engine.run as engine_run

    def refuse(*args, **kwargs):
        raise AssertionError("report must not simulate")

    monkeypatch.setattr(engine_run, "run_replication", refuse)
    assert main(["report", str(run_folder)]) == 0
    assert "report.html" in capsys.readouterr().out
    assert (run_folder / "report.html").is_file()


def test_report_on_a_folder_without_results_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no result to report on" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2


def test_run_out_writes_the_report(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(REPO / "models" / "request_reply.yaml"), "--duration", "20",
                 "--warmup", "2", "--replications", "2", "--out", str(out),
                 "--format", "json"]) == 0
    for name in ("report.html", "report.md", "report-topology.png", "result.json"):
        assert (out / name).is_file(), name


def test_import_sim_does_not_import_matplotlib():
    code = ("import sys, sim, sim.planner, sim.cli, sim.experiments; "
            "assert not [m for m in sys.modules if m.startswith('matplotlib')]")
    subprocess.run([sys.executable, "-c", code], check=True)
