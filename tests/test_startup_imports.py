"""What the command line imports at start-up: ``check`` and ``--help`` pay for no
package they do not use (pandas, scipy, matplotlib, pyarrow, dask, numba, simpy,
networkx), and a short ``run`` for no table, plotting, fitting or cluster package.

Each command runs as its own process (``python -X importtime -m sim ...``), which lists
every module imported, so a new top-level import anywhere on a command's path fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RR = str(ROOT / "models" / "request_reply.yaml")
LIGHT = ("pandas", "scipy", "matplotlib", "pyarrow", "dask", "distributed", "numba",
         "simpy", "networkx", "tqdm")
RUN_FREE = ("pandas", "pyarrow", "scipy", "matplotlib", "dask", "distributed", "numba",
            "networkx", "tqdm")


def imported(args: list[str]) -> set[str]:
    """Top-level names of every module ``python -m sim ARGS`` imports."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sim", *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "sim" in names  # the profile was read
    return names


@pytest.mark.parametrize("args", [["check", RR], ["--help"], ["--version"]],
                         ids=["check", "--help", "--version"])
def test_check_and_help_import_none_of_the_heavy_packages(args):
    assert sorted(imported(args) & set(LIGHT)) == []


def test_a_short_run_imports_no_frame_plotting_fitting_graph_or_cluster_package():
    args = ["run", RR, "--duration", "2", "--warmup", "0", "--replications", "1"]
    assert sorted(imported(args) & set(RUN_FREE)) == []
