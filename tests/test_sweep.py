"""Tests of the precision sweep (`reckon-sim sweep`): grid parsing and every validation error, the ReckOn point
reproducing `reckon-sim train`, the resumable store (skip; SIGKILL of a worker and of the whole sweep, then a
restart), bit-identical results in-process / joblib-loky / Dask, and the written results.csv + sweep.png."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.errors import InputError
from reckon_sim.experiments import grid as grid_mod
from reckon_sim.experiments import sweep as sweep_mod
from reckon_sim.experiments.grid import grid_widths, parse_grid
from reckon_sim.experiments.sweep import point_key
from reckon_sim.hw.widths import SPEC

GRID = "weight=6..8"
SMALL = ["--grid", GRID, "--seeds", "2", "--epochs", "2", "--ntrain", "8", "--ntest", "8", "--no-reference"]
N_RUNS = 3 * 2
VOLATILE = ("wall_time_s",)        # the only column allowed to differ between backends / runs


def invoke(*args):
    return CliRunner().invoke(main, ["sweep", *map(str, args)], catch_exceptions=False)


def results(out: Path) -> dict[str, dict]:
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len({r["key"] for r in rows}) == len(rows), "duplicated point in results.csv"
    return {r["key"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in rows}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict]:
    """SMALL run in this process (jobs = 1): the rows every other backend / restart must reproduce exactly."""
    out = tmp_path_factory.mktemp("sweep_ref")
    res = invoke(*SMALL, "--jobs", 1, "--out", out)
    assert res.exit_code == 0, res.output
    rows = results(out)
    assert len(rows) == N_RUNS
    return rows


# ------------------------------------------------------------------------------------------------ grid
def test_parse_grid_ranges_lists_alias_and_union():
    axes = parse_grid("weight=2..10 trace=6..12 ste=1,3,5 membrane=8..9,16 weight=12")
    by = {a.label: a for a in axes}
    assert by["weight"].values == (2, 3, 4, 5, 6, 7, 8, 9, 10, 12)      # repeated terms merge
    assert by["trace"].fields == ("trace_inp", "trace_rec") and by["trace"].values == tuple(range(6, 13))
    assert by["ste"].values == (1, 3, 5) and by["membrane"].values == (8, 9, 16)
    widths = grid_widths(parse_grid("weight=2..10 trace=6..12"))
    assert len(widths) == 9 + 7 - 1                                      # the ReckOn point once
    assert all(w["trace_inp"] == w["trace_rec"] for w in widths)
    assert sum(w["weight"] != 8 for w in widths) == 8 and all(
        w["trace_inp"] == 12 for w in widths if w["weight"] != 8)          # one field varied at a time
    assert len(grid_widths(parse_grid("weight=2..10 trace=6..12", True), True)) == 9 * 7


def test_product_rejects_a_field_swept_twice():
    with pytest.raises(InputError, match="trace_inp"):
        parse_grid("trace=6..8 trace_inp=4", product=True)
    assert len(grid_widths(parse_grid("trace=6..8 trace_inp=4"))) == 4     # fine as separate 1-D sweeps


@pytest.mark.parametrize("args, fragment", [
    (["--grid", "bogus=3..4"], "unknown field 'bogus'"),
    (["--grid", "weight=1..8"], "width 1 of 'weight' out of the supported range 2..12"),
    (["--grid", "weight=13"], "out of the supported range 2..12"),
    (["--grid", "trace=2..6"], "width 2 of 'trace_inp'"),
    (["--grid", "prob=33"], "'prob' out of the supported range 4..32"),
    (["--grid", "weight=8..3"], "empty range 8..3"),
    (["--grid", "weight"], "expected FIELD=VALUES"),
    (["--grid", "weight=x..4"], "'x..4' is not an integer"),
    (["--grid", "   "], "grid: empty"),
    (["--grid", "trace=6 trace_rec=4", "--product"], "each field may be swept by one term only"),
    (["--grid", "weight=6", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:1"], "give one of them"),
    (["--grid", "weight=6", "--preset", "no-such-preset"], "preset 'no-such-preset': not found"),
    (["--grid", "weight=6", "--task", "no-such-task"], "task preset 'no-such-task': not found"),
    (["--grid", "weight=6", "--scheduler", "localhost:8786"], "expected an address like tcp://HOST:PORT"),
])
def test_bad_input_is_one_line_exit_2_before_any_work(tmp_path, args, fragment):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["sweep", *args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("reckon-sim sweep: error: ") and fragment in lines[0], res.output
    assert not out.exists()                                               # nothing started, nothing written


def test_data_folder_refuses_several_seeds_and_its_hint_needs_none(tmp_path):
    from reckon_sim.config import ChipConfig
    from reckon_sim.experiments.data import run_inputs
    from reckon_sim.io.reckon_files import write_dataset, write_weights
    cfg = ChipConfig.from_preset("reckon-tbench")
    inputs = run_inputs(cfg, "cue-accumulation", None, 3, 2, 2)
    tr, te, w = inputs.train, inputs.test, inputs.weights
    write_dataset(tmp_path / "train.dat", tr)
    write_dataset(tmp_path / "test.dat", te)
    for name, m in w.items():
        write_weights(tmp_path / f"{name}.dat", m)
    res = CliRunner().invoke(main, ["sweep", "--grid", "weight=6", "--data", str(tmp_path), "--seeds", "2",
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and res.output.startswith("reckon-sim sweep: error: --seeds: = 2 with --data"), res.output
    res = CliRunner().invoke(main, ["sweep", "--grid", "weight=7", "--data", str(tmp_path), "--epochs", "1",
                                    "--jobs", "1", "--threads", "--no-reference", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    [line] = [ln for ln in res.stdout.splitlines() if ln.startswith("  weight     ReckOn  8:")]
    assert line == "  weight     ReckOn  8: UNDECIDED: width 8 needs ~2 more seeds (--data allows 1 seed: sweep " \
                   "generated data to add seeds)"          # not --until-decided, which --data refuses


# ------------------------------------------------------------------------------------------ one point
def test_reckon_point_reproduces_train_exactly(tmp_path):
    res = CliRunner().invoke(main, ["train", "--epochs", "2", "--ntrain", "8", "--ntest", "8",
                                    "--out", str(tmp_path / "train")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with open(tmp_path / "train" / "curve.csv", newline="") as f:
        curve = list(csv.DictReader(f))
    template, _ = sweep_mod.base_point("reckon-tbench", "cue-accumulation", None, 2, 8, 8)
    [point] = sweep_mod.make_points(template, [dict(w) for w in grid_widths(parse_grid("weight=8"))], [1])
    row = sweep_mod.run_point(point)
    for r in curve:
        e = int(r["epoch"]) + 1
        assert float(r["accuracy"]) == row[f"{r['phase']}_acc_e{e}"]
        if r["phase"] == "train":
            assert int(r["weight_updates"]) == row[f"weight_updates_e{e}"]
    assert json.loads(res.output.strip().splitlines()[-1])["final_test_accuracy"] == row["final_test_accuracy"]


def test_run_point_builds_the_chip_with_the_point_widths(monkeypatch):
    from reckon_sim.core.chip import Chip
    seen = []
    original = Chip.from_config.__func__

    def spy(cls, config, *a, **kw):
        seen.append(kw.get("widths"))
        return original(cls, config, *a, **kw)

    monkeypatch.setattr(Chip, "from_config", classmethod(spy))
    template, _ = sweep_mod.base_point("reckon-tbench", "cue-accumulation", None, 1, 2, 2)
    [point] = sweep_mod.make_points(template, grid_widths(parse_grid("trace=7")), [5])
    row = sweep_mod.run_point(point)
    assert seen[0].trace_inp == seen[0].trace_rec == 7 and seen[0].weight == 8
    assert (row["trace_inp"], row["trace_rec"], row["seed"]) == (7, 7, 5)
    assert row["key"] == point_key(point)
    if row["saturations"] is not None:                 # the chip reports extra['saturations'] per sample
        assert row["saturations"] == sum(v for k, v in row.items() if k.startswith("saturations_"))


def test_panel_series_union_and_product():
    def row(weight, trace, seed, acc):
        w = {f: SPEC[f].chip for f in grid_mod.WIDTH_FIELDS}
        return {**w, "weight": weight, "trace_inp": trace, "trace_rec": trace, "seed": seed, "backend": "chip",
                "final_test_accuracy": acc}

    union = [row(6, 12, 1, 0.5), row(6, 12, 2, 0.7), row(8, 12, 1, 0.9), row(8, 10, 1, 0.6)]
    panels = grid_mod.panel_series(parse_grid("weight=6,8 trace=10,12"), union)
    assert panels["weight"] == [{"name": "others at ReckOn", "points": [(6, [0.5, 0.7]), (8, [0.9])], "reckon": True}]
    assert panels["trace"][0]["points"] == [(10, [0.6]), (12, [0.9])]
    product = union + [row(6, 10, 1, 0.4)]
    panels = grid_mod.panel_series(parse_grid("weight=6,8 trace=10,12", True), product, product=True)
    assert [(e["name"], e["reckon"]) for e in panels["weight"]] == [("trace=10", False), ("trace=12", True)]
    assert panels["weight"][0]["points"] == [(6, [0.4]), (8, [0.6])]
    pooled = grid_mod.panel_series(parse_grid("weight=6,8 trace=10,12", True), product, product=True, max_series=1)
    assert pooled["weight"] == [{"name": "mean over other fields", "points": [(6, [0.4, 0.5, 0.7]),
                                                                             (8, [0.6, 0.9])], "reckon": False}]


# ------------------------------------------------------------------------------------------- backends
def test_outputs_written(reference, tmp_path):
    res = invoke(*SMALL, "--jobs", 1, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    for name in ("results.csv", "sweep.png", "sweep.svg"):
        assert (tmp_path / name).stat().st_size > 0
    assert results(tmp_path) == reference
    with open(tmp_path / "results.csv", newline="") as f:
        header = next(csv.reader(f))
    for col in ("weight", "trace_inp", "seed", "train_acc_e1", "test_acc_e2", "final_test_accuracy",
                "weight_updates", "saturations", "wall_time_s"):
        assert col in header


def test_joblib_workers_bit_identical(reference, tmp_path):
    res = invoke(*SMALL, "--jobs", 2, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert results(tmp_path) == reference


def test_dask_local_cluster_bit_identical(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        res = invoke(*SMALL, "--scheduler", cluster.scheduler_address, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert "Dask cluster" in res.output
    assert results(tmp_path) == reference


def test_float_reference_line_or_note(tmp_path, monkeypatch):
    args = ["--grid", "weight=8", "--epochs", 1, "--ntrain", 3, "--ntest", 3, "--jobs", 1]
    res = invoke(*args, "--out", tmp_path / "a")
    assert res.exit_code == 0, res.output
    assert "float reference (ChipFloat):" in res.output or "float reference skipped" in res.output
    import reckon_sim.reference.chip_float as chip_float

    def broken(*a, **kw):
        raise RuntimeError("not ready")

    monkeypatch.setattr(chip_float.ChipFloat, "from_config", broken)
    res = invoke(*args, "--out", tmp_path / "b")
    assert res.exit_code == 0 and "float reference skipped, no line in the plot: RuntimeError: not ready" in res.output
    assert (tmp_path / "b" / "sweep.png").exists() and len(results(tmp_path / "b")) == 1


def test_a_failing_point_is_reported_not_stored_and_the_others_are(tmp_path, monkeypatch):
    real = sweep_mod.run_point

    def flaky(point):
        if point["widths"]["weight"] == 7:
            raise RuntimeError("boom")
        return real(point)

    monkeypatch.setattr(sweep_mod, "run_point", flaky)
    res = invoke("--grid", "weight=6..8", "--epochs", 1, "--ntrain", 3, "--ntest", 3, "--jobs", 1, "--no-reference",
                 "--out", tmp_path)
    assert res.exit_code == 1 and "1 point(s) failed" in res.output and "RuntimeError: boom" in res.output
    assert sorted(r["weight"] for r in results(tmp_path).values()) == ["6", "8"]
    monkeypatch.setattr(sweep_mod, "run_point", real)
    res = invoke("--grid", "weight=6..8", "--epochs", 1, "--ntrain", 3, "--ntest", 3, "--jobs", 1, "--no-reference",
                 "--out", tmp_path)
    assert res.exit_code == 0 and "2 already in" in res.output and "1 to run" in res.output


# --------------------------------------------------------------------------------------------- resume
def test_rerun_skips_stored_points(reference, tmp_path, monkeypatch):
    assert invoke(*SMALL, "--jobs", 1, "--out", tmp_path).exit_code == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "points").iterdir()}
    monkeypatch.setattr(sweep_mod, "run_point", lambda point: pytest.fail("a stored point ran again"))
    res = invoke(*SMALL, "--jobs", 1, "--out", tmp_path)
    assert res.exit_code == 0 and f"{N_RUNS} already in" in res.output and "0 to run" in res.output
    assert stamps == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "points").iterdir()}
    assert results(tmp_path) == reference


def _start_sweep(out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from reckon_sim.cli import main; main()", "sweep", *SMALL, "--jobs", "2",
           "--out", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_stored(proc: subprocess.Popen, out: Path, timeout: float = 60.0) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        n = len(list((out / "points").glob("*.json"))) if (out / "points").is_dir() else 0
        if n:
            return n
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    pytest.fail("no point stored in time")


def _assert_complete_after_restart(reference, out: Path):
    stored_before = {p.stem for p in (out / "points").glob("*.json")}
    assert 0 < len(stored_before) < N_RUNS, "the kill did not land mid-sweep"
    res = invoke(*SMALL, "--jobs", 1, "--out", out)
    assert res.exit_code == 0, res.output
    assert f"{len(stored_before)} already in" in res.output
    files = sorted(p.stem for p in (out / "points").glob("*.json"))
    assert files == sorted(reference) and len(files) == N_RUNS                  # none lost, none duplicated
    assert results(out) == reference
    for p in (out / "points").glob("*.json"):
        assert json.loads(p.read_text())["key"] == p.stem


def test_sigkill_of_a_worker_then_restart(reference, tmp_path):
    psutil = pytest.importorskip("psutil")
    proc = _start_sweep(tmp_path)
    try:
        _wait_for_stored(proc, tmp_path)
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "popen_loky_posix" in " ".join(c.cmdline())]
        assert workers, "no loky worker found"
        os.kill(workers[0].pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1 and b"worker process died" in err, err.decode()[-2000:]
    _assert_complete_after_restart(reference, tmp_path)


def test_sigkill_of_the_whole_sweep_then_restart(reference, tmp_path):
    proc = _start_sweep(tmp_path)
    try:
        _wait_for_stored(proc, tmp_path)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)        # the sweep process and its workers (own session)
        proc.wait()
    _assert_complete_after_restart(reference, tmp_path)


# ------------------------------------------------------------------------------------- precision study
TINY = ["--epochs", 1, "--ntrain", 3, "--ntest", 3, "--jobs", 1, "--no-reference"]


def test_summary_tables_and_memory_columns(reference, tmp_path):
    res = invoke(*SMALL, "--jobs", 1, "--out", tmp_path, "--tolerance", 2)
    assert res.exit_code == 0, res.output
    assert "paired statistics over seeds" in res.output and "minimum widths" in res.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["tolerance_pp"] == 2 and summary["reckon_memory"]["sram_kB"] == 138.0
    assert [m["field"] for m in summary["minimum_widths"]] == ["weight"]
    points = {json.dumps(p["widths"]): p for p in summary["points"]}
    assert set(points) == {'{"weight": 6}', '{"weight": 7}', "{}"} and points["{}"]["reckon"]
    assert points["{}"]["diff_reckon_pp"] == {"mean": 0.0, "lo": 0.0, "hi": 0.0, "n": 2}
    assert points['{"weight": 6}']["status"] == "undecided"          # 2 seeds never decide (MIN_SEEDS = 3)
    with open(tmp_path / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    kb = {r["weight"]: float(r["sram_kB"]) for r in rows}
    assert kb == {"6": 2 + 136 * 6 / 8, "7": 2 + 136 * 7 / 8, "8": 138.0}   # neuron SRAM + weight macros
    assert all(r["task"] == "cue-accumulation" and r["test_loss_e2"] for r in rows)
    first = (tmp_path / "summary.json").read_bytes()
    assert invoke(*SMALL, "--jobs", 1, "--out", tmp_path, "--tolerance", 2).exit_code == 0
    assert (tmp_path / "summary.json").read_bytes() == first              # same store -> same bytes


def test_reckon_point_is_always_run(tmp_path):
    res = invoke("--grid", "weight=7", "--seeds", 1, *TINY, "--out", tmp_path)
    assert res.exit_code == 0 and "2 width points" in res.output, res.output
    assert sorted(r["weight"] for r in results(tmp_path).values()) == ["7", "8"]


def test_until_decided_adds_seeds_then_resumes(tmp_path):
    args = ["--grid", "weight=3", "--seeds", 3, "--epochs", 1, "--ntrain", 4, "--ntest", 6, "--jobs", 1,
            "--no-reference", "--until-decided", "--max-seeds", 5, "--out", tmp_path]
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    assert "--until-decided: 4 more run(s) for undecided points" in res.output      # weight=3 and ReckOn: 3 -> 5
    summary = json.loads((tmp_path / "summary.json").read_text())
    seeds = {json.dumps(p["widths"]): p["seeds"] for p in summary["points"]}
    assert seeds == {'{"weight": 3}': 5, "{}": 5}                                   # stopped at --max-seeds
    [m] = summary["minimum_widths"]
    assert m["status"] == "undecided" and m["min_width"] == 8 and m["blocking"][0]["width"] == 3
    assert len(list((tmp_path / "points").glob("*.json"))) == 10
    again = invoke(*args)
    assert again.exit_code == 0                                                     # same rounds, from the store
    assert [ln for ln in again.output.splitlines() if "to run" in ln] == [
        f"  {n} already in {tmp_path / 'points'}, 0 to run on 1 local worker(s)" for n in (6, 4)]
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    bad = CliRunner().invoke(main, ["sweep", *map(str, args[:-1]), str(tmp_path / "x"), "--max-seeds", "2"])
    assert bad.exit_code == 2 and "--max-seeds: = 2 is below --seeds 3" in bad.output


def test_product_grid_writes_the_pareto_front(tmp_path):
    res = invoke("--grid", "weight=7,8 membrane=14,16", "--product", *TINY, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    with open(tmp_path / "pareto.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and [r["point"] for r in rows if r["reckon"] == "1"] == ["ReckOn"]
    kb = {r["point"]: float(r["sram_kB"]) for r in rows}
    assert kb["weight=7 membrane=14"] == pytest.approx((128 * (3 * 14 + 12 + 2 * 34) + 8704 * 16 * 7) / 8192, abs=1e-4)
    assert any(r["pareto_front"] == "1" for r in rows)
    for name in ("pareto.png", "pareto.svg"):
        assert (tmp_path / name).stat().st_size > 1000


def test_points_of_one_seed_share_their_inputs_without_changing_results():
    template, _ = sweep_mod.base_point("reckon-tbench", "cue-accumulation", None, 1, 3, 3)
    p6, p8 = sweep_mod.make_points(template, grid_widths(parse_grid("weight=6,8")), [4])
    sweep_mod._inputs_memo.clear()
    fresh = sweep_mod.run_point(p8)
    assert sweep_mod.point_inputs(p6) is sweep_mod.point_inputs(p8)            # one data set per seed
    sweep_mod.run_point(p6)
    after = sweep_mod.run_point(p8)
    assert {k: v for k, v in after.items() if k not in VOLATILE} == {k: v for k, v in fresh.items() if k not in VOLATILE}


def test_thread_workers_bit_identical(reference, tmp_path):
    res = invoke(*SMALL, "--jobs", 2, "--threads", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert "to run on 2 local thread(s)" in res.output
    assert results(tmp_path) == reference


def test_threads_with_a_scheduler_is_refused(tmp_path):
    res = invoke(*SMALL, "--threads", "--scheduler", "tcp://127.0.0.1:1", "--out", tmp_path)
    assert res.exit_code == 2
    assert "--threads/--scheduler: give one of them (local threads or a Dask cluster)" in res.output
