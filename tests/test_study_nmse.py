"""The precision study on a regression task: NMSE (lower is better) replaces accuracy in the paired
statistics, the minimum-width decision (paired NMSE difference <= +δ at 95 % confidence), results.csv,
summary.json, the printed tables and `curves --seeds`. Constructed results with a known answer, then a short
real sweep and curves run on pattern-generation through the CLI."""
from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.experiments import study
from reckon_sim.experiments.grid import WIDTH_FIELDS, parse_grid
from reckon_sim.hw.widths import SPEC

BASE = {f: SPEC[f].chip for f in WIDTH_FIELDS}
RECKON_NMSE = {1: 0.40, 2: 0.55, 3: 0.30, 4: 0.70, 5: 0.45, 6: 0.60}      # wide seed-to-seed spread


def nmse_row(seed, nmse, backend="chip", **widths):
    return {**BASE, **widths, "seed": seed, "backend": backend, "final_test_nmse": nmse}


def test_decide_with_lower_is_better_uses_the_upper_end_against_plus_delta():
    iv = study.Interval
    assert study.decide(iv(0.005, 0.0, 0.009, 10), 0.01, lower_is_better=True) == study.WITHIN
    assert study.decide(iv(0.01, 0.01, 0.01, 10), 0.01, lower_is_better=True) == study.WITHIN    # on +δ
    assert study.decide(iv(0.05, 0.02, 0.07, 10), 0.01, lower_is_better=True) == study.OUTSIDE
    assert study.decide(iv(0.0, -0.03, 0.03, 10), 0.01, lower_is_better=True) == study.UNDECIDED
    assert study.decide(iv(-0.05, -0.07, -0.02, 10), 0.01, lower_is_better=True) == study.WITHIN  # NMSE fell
    # mirror image of test_study's case: mean 0.02 below +δ, upper half-width 0.03 -> n' = 10 * 2.25 -> 13 more
    assert study.extra_seeds(iv(-0.01, -0.04, 0.02, 10), 0.01, lower_is_better=True) == 13
    assert study.extra_seeds(iv(0.01, -0.01, 0.03, 10), 0.01, lower_is_better=True) is None      # mean on +δ


def test_paired_nmse_statistics_and_minimum_width_on_constructed_results():
    # weight=7: NMSE +0.005 on every seed; weight=6: +0.02 on every seed; weight=5: +0.2 (far outside)
    rows = [nmse_row(s, v) for s, v in RECKON_NMSE.items()]
    rows += [nmse_row(s, v + 0.005, weight=7) for s, v in RECKON_NMSE.items()]
    rows += [nmse_row(s, v + 0.02, weight=6) for s, v in RECKON_NMSE.items()]
    rows += [nmse_row(s, v + 0.2, weight=5) for s, v in RECKON_NMSE.items()]
    rows += [nmse_row(s, v - 0.1, backend="chip_float") for s, v in RECKON_NMSE.items()]
    stats = study.point_stats(rows, 0.01, study.NMSE)
    key = lambda w: tuple({**BASE, "weight": w}[f] for f in WIDTH_FIELDS)        # noqa: E731
    d7, d6 = stats[key(7)]["diff_reckon"], stats[key(6)]["diff_reckon"]
    assert (d7.lo, d7.hi) == pytest.approx((0.005, 0.005)) and stats[key(7)]["status"] == study.WITHIN
    assert (d6.lo, d6.hi) == pytest.approx((0.02, 0.02)) and stats[key(6)]["status"] == study.OUTSIDE
    assert stats[key(8)]["diff_reference"].mean == pytest.approx(0.1)
    assert stats[key(7)]["value"].hi - stats[key(7)]["value"].lo > 0.1        # unpaired interval: wide
    axis = parse_grid("weight=5..7")[0]
    m = study.minimum_width(axis, stats)
    assert (m["min_width"], m["status"]) == (7, "decided")
    assert study.minimum_width(axis, study.point_stats(rows, 0.05, study.NMSE))["min_width"] == 6
    # read as accuracy (higher is better) the same numbers would call every narrower width within
    acc_rows = [{**r, "final_test_accuracy": r["final_test_nmse"]} for r in rows]
    assert study.minimum_width(axis, study.point_stats(acc_rows, 0.01))["min_width"] == 5
    recs = {json.dumps(r["widths"]): r for r in study.point_table(stats, study.NMSE)}
    assert recs['{"weight": 6}']["diff_reckon_nmse"] == {"mean": 0.02, "lo": 0.02, "hi": 0.02, "n": 6}
    assert "accuracy_pct" not in recs['{"weight": 6}'] and recs["{}"]["nmse"]["n"] == 6


def test_pareto_front_with_lower_is_better():
    entries = [{"sram_kB": 53.0, "mean": 0.9}, {"sram_kB": 87.0, "mean": 0.5}, {"sram_kB": 104.0, "mean": 0.6},
               {"sram_kB": 138.0, "mean": 0.4}]
    assert study.pareto_front(entries, lower_is_better=True) == [True, True, False, True]
    assert study.pareto_front(entries) == [True, False, False, False]


@pytest.fixture(scope="module")
def nmse_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    res = CliRunner().invoke(main, ["sweep", "--task", "pattern-generation", "--grid", "weight=7", "--seeds", "3",
                                    "--epochs", "2", "--ntrain", "1", "--ntest", "1", "--jobs", "1", "--threads",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.stdout.splitlines()                    # the progress bar goes to stderr


def test_regression_sweep_reports_nmse_in_table_summary_and_results(nmse_sweep):
    out, lines = nmse_sweep
    head = next(i for i, line in enumerate(lines) if line.startswith("paired statistics"))
    assert lines[head] == ("paired statistics over seeds: final test NMSE (NMSE, lower is better), Δ = paired "
                           "difference (NMSE), mean [95 % bootstrap CI]; δ = 0.01 NMSE")
    assert lines[head + 1].split()[:4] == ["point", "seeds", "NMSE", "Δ"]
    assert re.match(r"  weight=7 +3  \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] +[+-]\d\.\d{3} \[", lines[head + 2])
    assert re.match(r"  ReckOn +3  \d\.\d{3} .*\+0\.000 \[\+0\.000, \+0\.000\]", lines[head + 3])
    assert lines[head + 4] == ("minimum widths (smallest width whose paired Δ final test NMSE to ReckOn and every "
                               "wider width's is <= +0.01 NMSE at 95 % confidence):")
    assert re.match(r"  float reference \(ChipFloat\): final test NMSE \d\.\d{3} \[", lines[head + 6])
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["metric"], summary["metric_label"], summary["lower_is_better"]) == (
        "final_test_nmse", "final test NMSE", True)
    assert summary["tolerance_nmse"] == 0.01 and "tolerance_pp" not in summary
    assert summary["float_reference_nmse"]["n"] == 3 and "float_reference_pct" not in summary
    by_widths = {json.dumps(p["widths"]): p for p in summary["points"]}
    assert by_widths["{}"]["diff_reckon_nmse"] == {"mean": 0.0, "lo": 0.0, "hi": 0.0, "n": 3}
    assert by_widths['{"weight": 7}']["nmse"]["n"] == 3 and "accuracy_pct" not in by_widths["{}"]
    assert summary["minimum_widths"][0]["field"] == "weight"
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9                                          # 2 points x 3 seeds + 3 float references
    for r in rows:
        assert r["task"] == "pattern-generation"
        nmse = [float(r[f"test_nmse_e{e}"]) for e in (1, 2)]
        assert nmse == [float(r[f"test_loss_e{e}"]) for e in (1, 2)] and float(r["train_nmse_e1"]) > 0
        assert float(r["final_test_nmse"]) == pytest.approx(nmse[-1], abs=1e-9)   # stored rounded to 1e-9
    assert (out / "sweep.png").stat().st_size > 0


def test_regression_curves_seeds_report_nmse(tmp_path):
    res = CliRunner().invoke(main, ["curves", "--task", "pattern-generation", "--backends", "chip", "--epochs",
                                    "1", "--ntrain", "1", "--ntest", "1", "--seeds", "2", "--no-inspect",
                                    "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    lines = [line.split("\r")[-1].strip() for line in res.output.strip().splitlines()]
    assert re.fullmatch(r"chip       final test NMSE over 2 seeds: \d\.\d{3} ± \d\.\d{3} "
                        r"\(min \d\.\d{3}, max \d\.\d{3}\)", lines[-2]), lines
    table = (tmp_path / "c" / "seeds.csv").read_text().splitlines()
    assert table[0] == "backend,seed,epoch,test_nmse" and len(table) == 3
    per_epoch = float(lines[-3].split()[-1])
    assert round(float(table[1].split(",")[-1]), 3) == per_epoch     # the first seed's printed NMSE


def test_sweep_and_curves_accept_a_dataset_adapter_task(tmp_path):
    """`sweep` and `curves` run a dataset-adapter task (a synthetic SHD-layout HDF5 file) end to end."""
    from reckon_sim.config import ChipConfig
    from tests.test_tasks_datasets import _task, _write_shd
    import numpy as np
    rng = np.random.default_rng(0)
    _write_shd(tmp_path / "shd_train.h5", rng)
    _write_shd(tmp_path / "shd_test.h5", rng, 10)
    task = _task(tmp_path, "shd-small", "spike-hdf5",
                 "classes = [3, 0, 7]\nchannel_bin = 4\nn_ticks = 100\ntarget_tick = 60\nmax_train = 0\n")
    cfg = ChipConfig.from_preset("reckon-shd").with_registers(TARGET_TICK=60, SPI_NUM_OUT_NEUR=3)
    (tmp_path / "chip.json").write_text(json.dumps(cfg.to_dict()))
    common = ["--task", task, "--data", str(tmp_path), "--preset", str(tmp_path / "chip.json"), "--epochs", "1",
              "--ntrain", "2", "--ntest", "2"]
    res = CliRunner().invoke(main, ["sweep", "--grid", "weight=7", "--jobs", "1", "--threads", *common,
                                    "--out", str(tmp_path / "sw")])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "sw" / "summary.json").read_text())
    assert summary["metric"] == "final_test_accuracy" and len(summary["points"]) == 2
    res = CliRunner().invoke(main, ["curves", "--backends", "chip,chip_float", "--no-inspect", *common,
                                    "--out", str(tmp_path / "cu")])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-3].startswith("chip       test accuracy per epoch:")


def test_vectors_accepts_the_regression_task(tmp_path):
    """`vectors --task pattern-generation` writes a vector folder for the regression chip preset."""
    res = CliRunner().invoke(main, ["vectors", "--task", "pattern-generation", "--samples", "1",
                                    "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert manifest["config"]["SPI_REGRESSION"] == 1 and manifest["config"]["SPI_NUM_INP_NEUR"] == 99
    assert len(manifest["samples"]) == 2                               # 1 train + 1 test
