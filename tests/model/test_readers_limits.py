"""Inputs whose reading is impossible or pointless are refused with one message.

Nesting deeper than 100, alias expansion beyond 10^6 values, recursive aliases,
files that are not regular files (FIFO, device, directory), larger than the
bound, binary or not UTF-8: each raised as a SimError naming the file (and line
where there is one), and through the command line as exit 2 with one line. The
YAML cases run on both loaders, libyaml's and PyYAML's pure-Python one, which
must give the same data and the same refusals.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.distributions import from_spec
from sim.errors import ExperimentError, ModelError, PlanError
from sim.experiments import load_experiment
from sim.files import MAX_TEXT_BYTES, UnreadableFile, read_text_file
from sim.model import load, validate
from sim.model import readers
from sim.model.readers import read_json, read_yaml
from sim.model.yamldata import MAX_ALIAS_VALUES, MAX_DEPTH
from sim.planner import load_plan

LOADERS = [readers.StrictLoader]
if getattr(yaml, "__with_libyaml__", False):
    LOADERS.append(readers.FastLoader)

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")

SMALL = ("nodes:\n  client: {kind: sender, rate: 1}\n"
         "  worker: {kind: service, service: 0.1}\nedges: [[client, worker]]\n")


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request, monkeypatch):
    """Run the test with each YAML loader in turn."""
    monkeypatch.setattr(readers, "FastLoader", request.param)
    return request.param


def nested(depth: int) -> str:
    """A flow mapping ``depth`` mappings deep (the outer ``a:`` mapping counts)."""
    return "a: " + "{b: " * (depth - 1) + "1" + "}" * (depth - 1) + "\n"


def laughs(levels: int = 9) -> str:
    """A "billion laughs" document: level i is a list of ten aliases of level i - 1,
    so level 9 stands for 10^10 strings while the text is under a kilobyte."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]"
              for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def check_exits_2(capsys, path) -> str:
    """``asyncsim check path`` exits 2 with one line on stderr; that line."""
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ---------------------------------------------------------------- nesting


def test_nesting_up_to_the_bound_loads(loader):
    """100 mappings deep is allowed; the value at the bottom comes out whole."""
    data = read_yaml(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        data = data["a" if "a" in data else "b"]
    assert data == {"b": 1}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 3000, 100_000])
def test_flow_mapping_nested_too_deep_is_refused(loader, depth):
    """3,000 deep gave RecursionError, and libyaml's composer crashes deeper still."""
    with pytest.raises(ModelError, match=r"^model: m.yaml line 1 nests mappings and sequences "
                                         r"more than 100 deep"):
        read_yaml(nested(depth), "m.yaml")


def test_block_nesting_too_deep_names_the_line(loader):
    text = "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v\n"
    with pytest.raises(ModelError, match=r"m.yaml line 101 nests .* more than 100 deep"):
        read_yaml(text, "m.yaml")


def test_alias_counts_as_deep_as_what_it_repeats(loader):
    """60 levels behind an alias used 50 levels down is 110 deep."""
    text = "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 50 + "*a" + "]" * 50 + "\n"
    with pytest.raises(ModelError, match=r"line 2 alias \*a nests .* more than 100 deep"):
        read_yaml(text, "m.yaml")


def test_json_nested_too_deep_is_refused():
    text = '{"a": ' * 2999 + "[1]" + "}" * 2999
    with pytest.raises(ModelError, match=r"m.json nests objects and arrays more than 100 deep"):
        read_json(text, "m.json")
    assert read_json('{"a": ' * (MAX_DEPTH - 1) + "[1]" + "}" * (MAX_DEPTH - 1)) is not None


# ---------------------------------------------------------------- aliases


def test_billion_laughs_is_refused_before_expansion(loader):
    """10^10 strings would never finish; the refusal comes at the alias that crosses
    10^6 repeated values: level 5 repeats 10 * (1 + 10 + ... + 10^4 + 10^5)."""
    with pytest.raises(ModelError, match=r"m.yaml line 6 aliases repeat more than "
                                         r"1,000,000 values \(at alias \*l4\)"):
        read_yaml(laughs(), "m.yaml")


def test_billion_laughs_in_node_names_and_edges(loader, tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(laughs() + "nodes: {*l9 : {kind: sender, rate: 1}}\n"
                    "edges: [[*l9, *l9]]\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"aliases repeat more than 1,000,000 values"):
        load(path)
    assert "aliases repeat more than" in check_exits_2(capsys, path)


def test_aliases_within_the_bound_load(loader):
    """Level 4 repeats 10 + 110 + 1,110 + 11,110 = 12,340 values, far below 10^6."""
    data = read_yaml(laughs(levels=4))
    assert len(data["l4"]) == 10 and data["l4"][3][2][1][0] == ["lol"] * 10
    assert MAX_ALIAS_VALUES == 10**6


def test_recursive_alias_is_refused(loader):
    with pytest.raises(ModelError, match=r"line 2 uses alias \*a inside its own anchor &a"):
        read_yaml("x: 1\na: &a [1, *a]\n", "m.yaml")


def test_aliases_and_merge_keys_in_a_model(loader, tmp_path):
    """Aliases and ``<<`` merge keys work as in yaml.SafeLoader: keys written in the
    mapping win over merged ones, and of a list of merged mappings the first wins."""
    text = ("nodes:\n"
            "  client: {kind: sender, rate: 1}\n"
            "  w1: &pool {kind: service, servers: 2, service: &svc {dist: exponential, "
            "mean: 0.1}}\n"
            "  w2: {<<: *pool, servers: 3}\n"
            "  w3:\n    <<: [{servers: 4}, *pool]\n    service: *svc\n"
            "edges: [[client, w1], [w1, w2], [w2, w3]]\n")
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    G = load(path)
    assert G.nodes["w2"] == {"kind": "service", "servers": 3,
                             "service": {"dist": "exponential", "mean": 0.1}}
    assert G.nodes["w3"]["servers"] == 4 and G.nodes["w3"]["kind"] == "service"
    validate(G)
    assert read_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize("text", [
    "x: 0x1F\ny: 010\nz: 1_000\nw: 1:30\nv: -5\nt: .inf\nq: 1.5e+3\np: 1e5\no: 0\n",
    "a: yes\nb: No\nc: ~\ne: 2001-12-14\nf: !!binary aGk=\ng: !!set {a, b}\n"
    "h: !!omap [{a: 1}, {b: 2}]\ni: !!str 12\nj: !!float 3\nk: '1'\n",
    "{a: 1, 1: 2, '1': 3, 1.0: 4}\n", "", "--- 1\n", "a: |\n  two\n  lines\n",
    "<<: {a: 1}\na: 2\n", "a: &x {b: 1}\ny: &y {b: 2}\nd: {<<: *x, <<: *y}\n",
])
def test_same_data_as_safe_loader(loader, text):
    assert read_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize("text, message", [
    ("nodes:\n  a: {kind: queue}\n  a: {kind: queue}\n",
     r"node 'a': is defined twice in m.yaml \(lines 2 and 3\)"),
    ("nodes:\n  a: {kind: queue,\n      kind: service}\n",
     r"node 'a': 'kind' is given twice in m.yaml \(lines 2 and 3\)"),
    ("a: !!python/object/apply:os.system ['true']\n",
     r"m.yaml line 1: .*tags that construct objects are refused"),
    ("a: !!python/tuple [1, 2]\n", r"m.yaml line 1: .*tags that construct objects are refused"),
    ("a: [1, 2\n", r"m.yaml line \d is not valid YAML"),
    ("a: *nowhere\n", r"m.yaml line 1 is not valid YAML: found undefined alias 'nowhere'"),
    ("--- 1\n--- 2\n", r"m.yaml line 2 is not valid YAML: but found another document"),
    ("a: !!int x\n", r"m.yaml line 1 is not valid YAML: 'x' is not a valid !!int"),
])
def test_refusals_on_both_loaders(loader, text, message):
    with pytest.raises(ModelError, match=message):
        read_yaml(text, "m.yaml")


# ---------------------------------------------------------------- files


def test_read_text_file_refusals(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\x00\xff\xfe\x01")
    cases = {tmp_path: "a directory, not a regular file",
             latin: r"not UTF-8 text \(byte 0xe9 on line 1\); save it as UTF-8",
             binary: r"binary data \(a NUL byte at offset 0\), not text",
             tmp_path / "nope": "No such file or directory"}
    for path, reason in cases.items():
        with pytest.raises(UnreadableFile, match=f"^{reason}$"):
            read_text_file(path)
    with pytest.raises(UnreadableFile, match="^11 bytes, over the limit of 4 bytes on a file"):
        read_text_file(latin, limit=4)
    assert MAX_TEXT_BYTES == 256 * 2**20


@needs_fifo
def test_fifo_is_refused_without_waiting(tmp_path):
    """Opening a FIFO for reading waits for a writer unless opened non-blocking."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFile, match=r"^a FIFO \(named pipe\), not a regular file$"):
        read_text_file(fifo)


@pytest.fixture
def bad_files(tmp_path) -> dict[str, tuple[Path, str]]:
    """Files that cannot be a model, each with the reason its message gives."""
    files = {}
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(SMALL.replace("worker", "caf\u00e9").encode("latin-1"))
    files["latin-1"] = (latin, r"cannot read file '.*latin.yaml': not UTF-8 text "
                               r"\(byte 0xe9 on line 3\)")
    binary = tmp_path / "model.yaml"
    binary.write_bytes(b"\x00\xff" * 64)
    files["binary"] = (binary, r"file '.*model.yaml' is not a YAML or JSON model: binary data")
    files["directory"] = (tmp_path, r"cannot read file '.*': a directory, not a regular file")
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:  # sparse: no disk space taken
        handle.truncate(MAX_TEXT_BYTES + 1)
    files["too large"] = (huge, r"cannot read file '.*huge.yaml': 268,435,457 bytes, over the "
                                r"limit of 256 MiB on a file read here")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.yaml"
        os.mkfifo(fifo)
        files["fifo"] = (fifo, r"cannot read file '.*fifo.yaml': a FIFO \(named pipe\), not a "
                               r"regular file")
    if Path("/dev/zero").exists():
        files["/dev/zero"] = (Path("/dev/zero"), r"cannot read file '/dev/zero': a character "
                                                 r"device, not a regular file")
    return files


def test_model_files_that_cannot_be_read(bad_files, capsys):
    for path, message in bad_files.values():
        with pytest.raises(ModelError, match=message):
            load(path)
        assert "asyncsim: error:" in check_exits_2(capsys, path)


@pytest.mark.parametrize("depth", [3000])
def test_check_refuses_deep_nesting_and_json(capsys, tmp_path, depth):
    yaml_path = tmp_path / "deep.yaml"
    yaml_path.write_text(nested(depth), encoding="utf-8")
    assert "line 1 nests mappings and sequences more than 100 deep" in check_exits_2(
        capsys, yaml_path)
    json_path = tmp_path / "deep.json"
    json_path.write_text('{"a": ' * depth + "1" + "}" * depth, encoding="utf-8")
    assert "more than 100 deep" in check_exits_2(capsys, json_path)


def test_empirical_file_must_be_a_bounded_regular_text_file(bad_files):
    for name, (path, _) in bad_files.items():
        reason = {"latin-1": "not UTF-8 text", "binary": "binary data",
                  "directory": "a directory", "too large": "over the limit",
                  "fifo": "a FIFO", "/dev/zero": "a character device"}[name]
        with pytest.raises(ModelError, match=f"node 'worker': 'service.file' must name a "
                                             f"readable text file .*{reason}"):
            from_spec({"dist": "empirical", "file": str(path)}, node="worker", key="service",
                      base_dir=Path("/"))


def test_experiment_and_plan_files_are_read_the_same_way(bad_files, tmp_path):
    for path, _ in bad_files.values():
        with pytest.raises(ExperimentError, match=r"cannot read experiment '.*': "):
            load_experiment(path)
        with pytest.raises(PlanError, match=r"cannot read plan '.*': "):
            load_plan(path)
    deep = tmp_path / "deep_plan.yaml"
    deep.write_text(nested(3000), encoding="utf-8")
    with pytest.raises(PlanError, match=r"deep_plan.yaml' line 1 nests .* more than 100 deep"):
        load_plan(deep)
    bomb = tmp_path / "bomb_experiment.yaml"
    bomb.write_text(laughs(), encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"aliases repeat more than 1,000,000 values"):
        load_experiment(bomb)


def test_sender_trace_file_must_be_a_bounded_regular_text_file(bad_files, tmp_path):
    """A sender's ``trace:`` file goes through the same bounded reader as the model."""
    from sim.model import from_dict, validate

    for name, (path, _) in bad_files.items():
        data = {"nodes": {"client": {"kind": "sender", "trace": str(path)},
                          "worker": {"kind": "service", "service": 0.1}},
                "edges": [["client", "worker"]]}
        with pytest.raises(ModelError, match=r"node 'client': 'trace' must be a readable CSV "
                                             r"file of arrival times"):
            validate(from_dict(data, base_dir=tmp_path))
