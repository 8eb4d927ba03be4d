"""What the command line imports at start-up: ``check`` and ``--help`` pay for no
package they do not use (numpy, pandas, scipy, matplotlib, pyarrow, dask, numba,
simpy, networkx), a short ``run`` for no table, plotting, fitting or cluster
package, a plan for no table, plotting, graph or cluster package, and a command for no
other command's module (its parser, built alone,
reads its arguments as the parser of every command does).

Each command runs as its own process, as ``python -m sim ...`` does, and reports
every module in ``sys.modules`` when it exits, so a new top-level import anywhere on
a command's path fails here (``python -X importtime`` would miss a module imported
with ``importlib.import_module``, as the commands and ``sim.analytic``'s names are).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import COMMAND_MODULES, GC_YOUNG, build_parser

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
RR = str(MODELS / "request_reply.yaml")
LIGHT = ("numpy", "pandas", "scipy", "matplotlib", "pyarrow", "dask", "distributed", "numba",
         "simpy", "networkx", "tqdm")
RUN_FREE = ("pandas", "pyarrow", "scipy", "matplotlib", "dask", "distributed", "numba",
            "networkx", "tqdm")

# ``python -m sim ARGS``, then the names in sys.modules on stderr at exit
PROBE = ("import atexit, runpy, sys\n"
         "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sys.modules)"
         " + '\\n'))\n"
         "runpy.run_module('sim', run_name='__main__', alter_sys=True)\n")


def modules(args: list[str]) -> set[str]:
    """Every module ``python -m sim ARGS`` imports (full dotted names)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    names = set(done.stderr.rsplit("\nMODULES ", 1)[1].split())
    assert {"sim", "sim.cli", "argparse"} <= names  # the list was read
    return names


def imported(args: list[str]) -> set[str]:
    """Top-level names of every module ``python -m sim ARGS`` imports."""
    return {name.split(".")[0] for name in modules(args)}


@pytest.mark.parametrize("args", [["check", RR], ["--help"], ["--version"]],
                         ids=["check", "--help", "--version"])
def test_check_and_help_import_none_of_the_heavy_packages(args):
    assert sorted(imported(args) & set(LIGHT)) == []


@pytest.mark.parametrize("model", ["bounded_queue", "connection_pool", "retry_storm",
                                   "sync_calls", "webhook_delivery"])
def test_checking_a_model_without_caches_cycles_or_classes_imports_no_numpy(model):
    assert "numpy" not in imported(["check", str(MODELS / f"{model}.yaml")])


def test_the_probe_sees_a_package_a_command_imports():
    assert {"numpy", "simpy"} <= imported(["run", RR, "--duration", "1", "--warmup", "0",
                                           "--replications", "1"])


def test_a_short_run_imports_no_frame_plotting_fitting_graph_or_cluster_package():
    args = ["run", RR, "--duration", "2", "--warmup", "0", "--replications", "1"]
    assert sorted(imported(args) & set(RUN_FREE)) == []


def test_a_plan_on_the_compiled_kernel_imports_no_frame_plotting_or_cluster_package():
    """A plan that writes no tables needs neither pandas nor scipy.stats (its Student-t
    quantiles come from scipy.special), nor plotting or a cluster, nor networkx (the
    plan reads its model into a ModelGraph, and the analytic solver walks the model's
    own edge lists)."""
    pytest.importorskip("numba")
    names = modules(["plan", str(ROOT / "experiments" / "plan_request_reply.yaml")])
    assert "sim.engine.compiled.kernel" in names
    assert sorted({n.split(".")[0] for n in names}
                  & {"pandas", "pyarrow", "matplotlib", "dask", "distributed", "tqdm",
                     "networkx"}) == []
    assert "scipy.stats" not in names


def test_a_command_imports_no_other_command_module_and_help_imports_them_all():
    commands = {f"sim.cli.cmd_{name}" for name in COMMAND_MODULES}
    assert modules(["check", RR]) & commands == {"sim.cli.cmd_check"}
    assert modules(["--help"]) >= commands


@pytest.mark.parametrize("argv", [
    ["run", RR, "--duration", "2", "--set", "nodes.worker.servers=3", "--format", "json"],
    ["check", RR, "--set", "run.seed=4"],
    ["sweep", "experiments/retry_storm.yaml", "--workers", "2"],
], ids=["run", "check", "sweep"])
def test_a_command_parsed_alone_reads_its_arguments_as_among_every_command(argv):
    assert vars(build_parser(argv[0]).parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("given, expected", [(None, "1"), ("3", "3")])
def test_the_command_line_runs_blas_on_one_thread_unless_told(given, expected):
    """``entry`` sets OPENBLAS_NUM_THREADS before numpy loads, unless it is set."""
    code = ("import os, sys\nsys.argv = ['asyncsim', '--version']\nfrom sim.cli import entry\n"
            "try:\n    entry()\nexcept SystemExit:\n    pass\n"
            "print(os.environ['OPENBLAS_NUM_THREADS'])\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize("argv, code", [(["check", RR], 0), (["check", "nowhere.yaml"], 2)],
                         ids=["ok", "bad-input"])
def test_the_command_line_collects_less_often_and_freezes_what_is_left(argv, code):
    """``entry`` collects the youngest objects every GC_YOUNG allocations, freezes every
    object once the command is done (the exit then skips walking them), and keeps the
    command's exit code."""
    probe = ("import gc, sys\nsys.argv = ['asyncsim', *sys.argv[1:]]\n"
             "from sim.cli import entry\n"
             "try:\n    entry()\nexcept SystemExit as exc:\n"
             "    print('YOUNG', gc.get_threshold()[0], 'FROZEN', gc.get_freeze_count(),"
             " 'CODE', exc.code)\n")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    words = done.stdout.split()
    frozen, exit_code = int(words[words.index("FROZEN") + 1]), int(words[-1])
    assert frozen > 1000 and exit_code == code
    assert int(words[words.index("YOUNG") + 1]) == GC_YOUNG != 700
