"""The command line's shape: every user error is exactly one stderr line `reckon-sim CMD: error: ...` with exit
status 2 (no usage banner, no help hint, no traceback), and the command modules import only cli/common.py."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from reckon_sim import presets
from reckon_sim.cli import main

CLI_DIR = Path(__file__).resolve().parents[1] / "reckon_sim" / "cli"


def _invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("args, line", [
    (["train", "--epochs", "0"], "reckon-sim train: error: --epochs: 0 is not in the range x>=1."),
    (["sweep", "--grid", "weight=8", "--jobs", "x"],
     "reckon-sim sweep: error: --jobs: 'x' is not a valid integer range."),
    (["train", "--data", "/no/such/dir"], "reckon-sim train: error: --data: Directory '/no/such/dir' does not exist."),
    (["vectors"], "reckon-sim vectors: error: Missing option '--out'."),
    (["compare", "."], "reckon-sim compare: error: Missing argument 'OUT_DIR'."),
    (["train", "--qqqq"], "reckon-sim train: error: No such option '--qqqq'."),
    (["bogus"], "reckon-sim: error: No such command 'bogus'."),
    (["info", "--widths", "weight"], "reckon-sim info: error: --widths weight: expected FIELD=BITS"),
    (["train", "--preset", "no-such-preset"], "reckon-sim train: error: preset 'no-such-preset': not found (known "
                                              "presets: cue-accumulation, dvs-gesture, nmnist, pattern-generation, "
                                              "reckon-dvs-gesture, reckon-full, reckon-nmnist, reckon-patterngen, "
                                              "reckon-reset, reckon-shd, reckon-ssc, reckon-tbench, shd, ssc)"),
])
def test_usage_and_input_errors_are_one_stderr_line_exit_2(args, line):
    res = _invoke(args)
    assert (res.exit_code, res.stderr, res.stdout) == (2, line + "\n", ""), res.output


def test_malformed_preset_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[registers]\nSPI_NUM_REC_NEUR 3\n")
    with pytest.raises(tomllib.TOMLDecodeError) as why:
        tomllib.loads(bad.read_text())
    res = _invoke(["train", "--preset", bad, "--out", tmp_path / "o"])
    assert res.exit_code == 2 and res.stdout == "", res.output
    assert res.stderr == f"reckon-sim train: error: {bad}: malformed TOML ({why.value})\n"
    assert not (tmp_path / "o").exists()


def test_out_of_range_preset_field_is_one_line(tmp_path):
    p = tmp_path / "wide.toml"
    p.write_text(presets.find("reckon-tbench").read_text().replace("SPI_NUM_OUT_NEUR = 1 ", "SPI_NUM_OUT_NEUR = 16 "))
    res = _invoke(["vectors", "--preset", p, "--out", tmp_path / "o"])
    assert (res.exit_code, res.stderr) == (2, f"reckon-sim vectors: error: {p}: field 'SPI_NUM_OUT_NEUR' = 16 out "
                                              f"of range 0..15 (4-bit unsigned)\n"), res.output


def test_no_arguments_prints_the_help_not_an_error():
    res = _invoke([])
    assert res.exit_code == 2 and res.stderr.startswith("Usage: reckon-sim [OPTIONS] COMMAND") and "train" in res.stderr


def test_python_dash_m_is_the_same_program():
    res = subprocess.run([sys.executable, "-m", "reckon_sim.cli", "curves", "--epochs", "0"], capture_output=True,
                         text=True, timeout=120)
    assert (res.returncode, res.stdout, res.stderr) == (
        2, "", "reckon-sim curves: error: --epochs: 0 is not in the range x>=1.\n")


def test_command_modules_import_only_the_shared_helpers_of_the_cli():
    """No import cycle: group.py imports the command modules, they never import group.py or each other."""
    commands = {p.stem for p in CLI_DIR.glob("*.py")} - {"__init__", "__main__", "group", "common"}
    assert commands == {"train", "run", "compare", "info", "curves", "sweep", "vectors", "inspect", "tasks",
                        "coverage"}
    for name in commands | {"common"}:
        tree = ast.parse((CLI_DIR / f"{name}.py").read_text())
        local = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}
        assert local <= ({"common"} if name != "common" else set()), (name, local)
    assert set(main.commands) == commands


def test_vectors_probe_every_is_host_config_every(tmp_path):
    res = _invoke(["vectors", "--samples", "1", "--probe-every", "7", "--out", tmp_path / "o"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["bench"]["host"]["config_every"] == 7
    visits = [line.split()[:2] for line in (tmp_path / "o" / "expect" / "config_reads.hex").read_text().splitlines()]
    ticks = [int(k, 16) for g, k in visits if g == "0"]
    assert ticks[:3] == [8, 15, 22] and all(k % 7 == 1 for k in ticks)
    res = _invoke(["vectors", "--probe-every", "0", "--out", tmp_path / "p"])
    assert res.exit_code == 2 and "--probe-every: 0 is not in the range 1<=x<=65535." in res.stderr, res.output
