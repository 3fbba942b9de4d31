"""Bad input and bad paths through the real CLI (issue 10): one stderr line naming the file/field and the
allowed range, exit 2 (1 for "compare: differs"), no traceback, and the output folder untouched or complete."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim import presets
from reckon_sim.cli import main

from .conftest import DATA

CASE = DATA / "golden" / "pub_regression"          # 16/24/2 neurons, regression, 4 samples: runs in ~1 s
SMALL = ["--epochs", "1", "--ntrain", "1", "--ntest", "1"]


def _cli(args, cwd=None):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output and (res.exc_info is None or res.exc_info[0] is SystemExit), res.exc_info
    return res


def _one_line(res, code: int, command: str, *parts: str) -> str:
    assert res.exit_code == code, res.output
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(f"reckon-sim {command}: error: "), res.stderr
    for part in parts:
        assert part in res.stderr, (part, res.stderr)
    return res.stderr


def _stock_data(tmp_path: Path, name: str = "data") -> Path:
    """A ReckOn data folder (stock names) with 2 + 2 short samples of 40 channels, T = 2250, TARGET_TICK 2100."""
    d = tmp_path / name
    d.mkdir()
    sample = "3, 0\r\n-2, 1\r\n9, 2200\r\n-1, 2250\r\n"
    for f in ("train", "test"):
        (d / f"dataset_cueAcc_{f}.dat").write_bytes(("2\r\n" + sample * 2).encode())
    for kind, n in (("inp", 40 * 100), ("rec", 100 * 100), ("out", 100 * 2)):
        (d / f"init_rand_weights_{kind}_cueAcc.dat").write_bytes(b"0\r\n" * n)
    return d


def _preset(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = presets.find("reckon-tbench").read_text()
    assert old in text
    p = tmp_path / name
    p.write_text(text.replace(old, new))
    return p


# ------------------------------------------------------------------------------------------ presets and tasks
def test_preset_files_that_are_not_presets(tmp_path):
    (tmp_path / "bin.toml").write_bytes(b"\x7fELF\xd0\x00\xff" * 20)
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "bad.yaml").write_text("{oops")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    wrong = _preset(tmp_path, "wrong.toml", "SPI_KAPPA = ", "SPI_KAPPA = 'x' #")
    for path, parts in ((tmp_path / "bin.toml", ["bin.toml: not UTF-8 text", "TOML"]),
                        (tmp_path / "dir.toml", ["dir.toml: cannot read: a folder"]),
                        (tmp_path / "bad.yaml", ["bad.yaml:1: malformed JSON"]),
                        (tmp_path / "deep.json", ["deep.json: malformed JSON (nested too deeply)"]),
                        (wrong, ["wrong.toml: field 'SPI_KAPPA' = 'x' is not an integer"])):
        _one_line(_cli(["train", "--preset", path, "--out", tmp_path / "o"]), 2, "train", *parts)
    _one_line(_cli(["train", "--preset", _preset(tmp_path, "rst.toml", "SPI_RST_MODE = 0", "SPI_RST_MODE = 5"),
                    "--out", tmp_path / "o"]), 2, "train", "field 'SPI_RST_MODE' = 5 out of range 0..1 (1-bit")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text, parts", [
    ("[run]\nbogus = 1\n", ["unknown key 'run.bogus'", "allowed: chip_preset, epochs"]),
    ("[run]\nepochs = 'x'\n", ["field 'run.epochs' = 'x' out of range 1..1000000"]),
    ("[run]\nseed = -1\n", ["field 'run.seed' = '-1' out of range 0..4294967295"]),
    ("[task]\nn_cues = 'x'\n", ["task 'cue-accumulation': bad [task] table"]),
    ("colour = 1\n[run]\n", ["unknown key 'colour'"]),
    ("a = [\n", ["malformed TOML"]),
])
def test_bad_task_presets(tmp_path, text, parts):
    (tmp_path / "t.toml").write_text('generator = "cue-accumulation"\n' + text)
    named = [] if "[task]" in text else ["t.toml"]     # a bad [task] value is named by the task's generator
    _one_line(_cli(["train", "--task", tmp_path / "t.toml", "--out", tmp_path / "o"]), 2, "train", *named, *parts)
    assert not (tmp_path / "o").exists()


def test_chip_preset_given_as_task():
    _one_line(_cli(["train", "--task", "reckon-tbench"]), 2, "train", "reckon-tbench.toml: not a task preset")


@pytest.mark.parametrize("command", ["train", "curves", "vectors"])
def test_negative_seed(command, tmp_path):
    _one_line(_cli([command, "--seed", "-1", "--out", tmp_path / "o"]), 2, command,
              "--seed: -1 is not in the range 0<=x<=4294967295.")


# ------------------------------------------------------------------------------------------ data vs config
@pytest.mark.parametrize("edit, parts", [
    (("train", "2\r\n", "0\r\n", "3, 0\r\n-2, 1\r\n9, 2200\r\n-1, 2250\r\n"), ["train.dat: field 'n_samples' = 0 "
                                                                              "out of range >= 1"]),
    (("train", "-2, 1", "-2, 5", None), ["train.dat:3: field 'label' = 5 out of range 0..1"]),
    (("train", "-1, 2250", "-1, 50", None), ["train.dat:5: field 'n_ticks' = 50 out of range 2102..1000000 "
                                             "(TARGET_TICK + 2 = 2102)"]),
    (("test", "-1, 2250", "-1, 2000000000", None), ["test.dat:5: field 'n_ticks' = 2000000000 out of range"]),
    (("train", "\r\n", "\r", None), ["train.dat:1: line holds a bare CR (CR-only line endings?)"]),
    (("train", "2\r\n", "2" + " 1" * 200 + "\r\n", None), ["train.dat:1: line longer than 200 characters"]),
    (("train", "-1, 2250\r\n3, 0", "3, 0", None), ["train.dat:5: field 'time' = 0 out of range 2200..T-1",
                                                   "is the '-1, T' line of sample 0 (from line 2) missing?"]),
])
def test_dataset_errors_name_file_line_and_range(tmp_path, edit, parts):
    data = _stock_data(tmp_path)
    phase, old, new, body = edit
    p = data / f"dataset_cueAcc_{phase}.dat"
    text = p.read_bytes().decode()
    if body is not None:
        text = text.replace(body, "")
    p.write_bytes(text.replace(old, new, 1 if body is None and old != "\r\n" else -1).encode())
    res = _cli(["train", "--data", data, "--epochs", "1", "--out", tmp_path / "o"])
    line = _one_line(res, 2, "train", str(p), *parts)
    assert len(line) < 300 and not (tmp_path / "o").exists()


def test_fifo_dataset_is_refused_not_read(tmp_path):
    data = _stock_data(tmp_path)
    (data / "dataset_cueAcc_test.dat").unlink()
    os.mkfifo(data / "dataset_cueAcc_test.dat")
    _one_line(_cli(["train", "--data", data, "--out", tmp_path / "o"]), 2, "train",
              "dataset_cueAcc_test.dat: cannot read: not a regular file (a FIFO")


def test_channels_beyond_the_configuration_warn_with_the_count(tmp_path):
    p = _preset(tmp_path, "inp8.toml", "SPI_NUM_INP_NEUR = 39", "SPI_NUM_INP_NEUR = 7")
    data = tmp_path / "d8"
    shutil.copytree(_stock_data(tmp_path), data)
    (data / "init_rand_weights_inp_cueAcc.dat").write_bytes(b"0\r\n" * 800)
    res = _cli(["train", "--preset", p, "--data", data, "--epochs", "1", "--out", tmp_path / "o"])
    assert res.exit_code == 0, res.output
    warning = [line for line in res.stderr.splitlines() if "warning" in line]
    assert warning == [f"reckon-sim train: warning: {data / 'dataset_cueAcc_train.dat'}: 4 event(s) on input "
                       f"channels 8..9, beyond the configuration's 8 input neurons (SPI_NUM_INP_NEUR = 7)"]


def test_regression_needs_targets_in_every_command(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    (case / "targets.txt").unlink()
    meta = json.loads((case / "meta_run.json").read_text())
    del meta["files"]["targets"]
    (case / "meta_run.json").write_text(json.dumps(meta))
    _one_line(_cli(["run", case, "--out", tmp_path / "o"]), 2, "run", "SPI_REGRESSION: = 1 needs regression targets")
    regr = tmp_path / "regr.json"
    shutil.copy(CASE / "config.json", regr)
    _one_line(_cli(["train", "--preset", regr, "--data", case, "--out", tmp_path / "o"]), 2, "train",
              "SPI_REGRESSION: = 1 needs regression targets")
    few = tmp_path / "few"
    shutil.copytree(CASE, few)
    (few / "targets.txt").write_text("".join((CASE / "targets.txt").read_text().splitlines(True)[:20]))
    for args in (["vectors", "--preset", regr, "--data", few, "--samples", "3"], ["run", few]):
        _one_line(_cli(args + ["--out", tmp_path / "o"]), 2, args[0],
                  f"{few / 'targets.txt'}: field 'n_lines' = 20 out of range >= 237")
    assert not (tmp_path / "o").exists()


def test_malformed_meta_run_json(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    (case / "meta_run.json").write_text("{bad")
    _one_line(_cli(["run", case, "--out", tmp_path / "o"]), 2, "run", "meta_run.json: malformed JSON")
    (case / "meta_run.json").write_text('{"epochs": "two"}')
    _one_line(_cli(["run", case, "--out", tmp_path / "o"]), 2, "run",
              "meta_run.json: field 'epochs' = 'two' out of range 1..1000000")


# ------------------------------------------------------------------------------------------ grids and scheduler
@pytest.mark.parametrize("grid, part", [
    ("weight=\uff12..4", "'\uff12..4' is not an integer, a range a..b or a list a,b,c (ASCII digits)"),
    ("weight=2..2000000000", "width 2000000000 of 'weight' out of the supported range 2..12 (ReckOn: 8)"),
    ("trace=4..30000000", "width 30000000 of 'trace_inp' out of the supported range"),
])
def test_grid_bounds_checked_before_expanding(tmp_path, grid, part):
    _one_line(_cli(["sweep", "--grid", grid, "--out", tmp_path / "o"]), 2, "sweep", part)
    assert not (tmp_path / "o").exists()


def test_unreachable_scheduler_fails_fast_and_says_what_it_waited_for(tmp_path):
    import time
    t0 = time.monotonic()
    res = _cli(["sweep", "--grid", "weight=8", "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "o"])
    _one_line(res, 2, "sweep", "no Dask scheduler answers at 127.0.0.1:9 (waited up to 3 s")
    assert time.monotonic() - t0 < 10


# ------------------------------------------------------------------------------------------ output folders
def test_out_is_checked_before_any_work(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    for out, part in (("", "--out: empty path"), (tmp_path / "afile" / "x", "--out: cannot write"),
                      (tmp_path / "afile", "is a file."),
                      (tmp_path / "mine", "holds 'notes.txt', not an output of this command")):
        _one_line(_cli(["train", *SMALL, "--out", out]), 2, "train", part)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    data = _stock_data(tmp_path)
    _one_line(_cli(["train", "--data", data, "--out", data]), 2, "train", "is (or contains) the input")
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    before = sorted(p.name for p in case.iterdir())
    for out in (case, tmp_path):
        _one_line(_cli(["run", case, "--out", out]), 2, "run", "is (or contains) the input")
    assert sorted(p.name for p in case.iterdir()) == before


def test_out_replaced_whole_and_through_a_symlink(tmp_path):
    out = tmp_path / "o"
    assert _cli(["run", CASE, "--out", out]).exit_code == 0
    (out / "sample_0009.npz").write_bytes(b"old run")                  # a previous, longer run's file
    first = (out / "summary.json").read_bytes()
    assert _cli(["run", CASE, "--out", out, "--ntrain", "1", "--ntest", "1"]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["inferences.txt", "init.npz", "sample_0000.npz",
                                                      "sample_0001.npz", "summary.json"]
    assert (out / "summary.json").read_bytes() != first
    real = tmp_path / "elsewhere" / "target"
    real.mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    assert _cli(["run", CASE, "--out", tmp_path / "link", "--ntrain", "1", "--ntest", "0"]).exit_code == 0
    assert (tmp_path / "link").is_symlink() and (real / "summary.json").exists()
    assert oct(real.stat().st_mode & 0o777) == oct(0o777 & ~_umask())
    assert not [p for p in tmp_path.rglob(".*") if "reckon-sim-tmp" in p.name]


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_stale_temp_folders_of_dead_runs_are_cleaned(tmp_path):
    import socket
    stale = tmp_path / f".o.reckon-sim-tmp.{socket.gethostname()}.999999999.abc"
    alive = tmp_path / f".o.reckon-sim-tmp.{socket.gethostname()}.{os.getpid()}.abc"
    other = tmp_path / ".o.someone-else"
    for d in (stale, alive, other):
        d.mkdir()
    assert _cli(["run", CASE, "--out", tmp_path / "o", "--ntrain", "1", "--ntest", "0"]).exit_code == 0
    assert not stale.exists() and alive.exists() and other.exists()


# ------------------------------------------------------------------------------------------ compare
def test_compare_cannot_read_is_2_differs_is_1(tmp_path):
    ref = tmp_path / "ref"
    assert _cli(["run", CASE, "--out", ref]).exit_code == 0
    cases = {"empty": ("init.npz", b""), "trunc": ("sample_0001.npz", None), "json": ("summary.json", b'{"s'),
             "shape": ("summary.json", b'{"samples": 3}')}
    for name, (f, content) in cases.items():
        bad = tmp_path / name
        shutil.copytree(ref, bad)
        (bad / f).write_bytes(content if content is not None else (ref / f).read_bytes()[:3000])
        _one_line(_cli(["compare", ref, bad]), 2, "compare", f"{bad / f}: cannot read")
    miss = tmp_path / "miss"
    shutil.copytree(ref, miss)
    (miss / "sample_0002.npz").unlink()
    res = _cli(["compare", ref, miss])
    assert (res.exit_code, res.stdout) == (1, "first divergence: sample 2: sample_0002.npz is missing from OUT_DIR\n")
    z = dict(np.load(ref / "sample_0000.npz"))
    assert _cli(["compare", ref, ref]).stdout.startswith("identical: 4 samples")
    assert z["ticks"] > 0


def test_same_seed_every_output_file_byte_identical_and_salt_not_global(tmp_path):
    import matplotlib
    salt = matplotlib.rcParams["svg.hashsalt"]
    for name in ("a", "b"):
        assert _cli(["train", *SMALL, "--seed", "3", "--out", tmp_path / name]).exit_code == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "curve.svg" in files and files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert matplotlib.rcParams["svg.hashsalt"] == salt
