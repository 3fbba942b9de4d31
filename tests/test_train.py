"""`reckon-sim train`: the main job reproduces the ReckOn testbench, learns, reports, and rejects bad files."""
import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.cli import main
from reckon_sim.io.reckon_files import read_weights

from .conftest import GOLDEN, RECKON_DATA, need_shared


def test_train_on_reckon_data_reproduces_stock_golden(tmp_path):
    """3 training + 3 test samples with the testbench's data: final weights = RTL's after sample 5."""
    need_shared(RECKON_DATA)
    stock = need_shared(GOLDEN / "stock_3")
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["train", "--data", str(RECKON_DATA), "--epochs", "1", "--ntrain", "3",
                                    "--ntest", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    last = np.load(stock / "sample_0005.npz")
    assert np.array_equal(read_weights(out / "winp_final.dat", 40, 100), last["winp"])
    assert np.array_equal(read_weights(out / "wrec_final.dat", 100, 100), last["wrec"])
    assert np.array_equal(read_weights(out / "wout_final.dat", 100, 2), last["wout"])
    rows = list(csv.DictReader(open(out / "curve.csv")))
    exp = [line.split() for line in (stock / "inferences.txt").read_text().splitlines()[1:]]
    assert float(rows[0]["accuracy"]) == pytest.approx(sum(int(r[6]) for r in exp[:3]) / 3)
    assert float(rows[1]["accuracy"]) == pytest.approx(sum(int(r[6]) for r in exp[3:]) / 3)
    golden_cycles = np.concatenate([np.load(stock / f"sample_{i:04d}.npz")["tick_cycles"] for i in range(6)])
    assert float(rows[0]["mean_tick_cycles"]) == pytest.approx(golden_cycles[:3 * 2250].mean())
    report = json.loads((out / "report.json").read_text())
    assert report["tick_cycles_max"] == int(golden_cycles.max())
    assert report["tick_cycles_min"] == int(golden_cycles.min())


def test_train_generated_default_learns_above_chance(tmp_path):
    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["train", "--epochs", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(out / "curve.csv")))
    assert [r["phase"] for r in rows] == ["train", "test"] * 3
    assert list(rows[0]) == ["epoch", "phase", "accuracy", "loss", "mean_tick_cycles", "spikes",
                             "weight_updates", "sops"]
    test_acc = [float(r["accuracy"]) for r in rows if r["phase"] == "test"]
    assert test_acc[-1] >= 0.8                     # chance is 0.5 (measured: 0.96 with seed 1)
    for f in ("curve.png", "curve.svg", "report.json", "winp_final.dat", "wrec_final.dat", "wout_final.dat"):
        assert (out / f).stat().st_size > 0
    rep = json.loads((out / "report.json").read_text())
    assert rep["energy_estimate_J"] == pytest.approx(rep["synaptic_operations"] * 5.3e-12)
    assert rep["min_clock_hz_realtime"] == pytest.approx(rep["tick_cycles_max"] * 1e3)
    assert "estimate" in rep["energy_note"]


def test_same_seed_same_run(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        assert runner.invoke(main, ["train", "--epochs", "1", "--ntrain", "4", "--ntest", "4", "--seed", "7",
                                    "--out", str(tmp_path / name)]).exit_code == 0
    for f in ("curve.csv", "winp_final.dat", "wrec_final.dat", "wout_final.dat"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


@pytest.mark.parametrize("fname,content,msg", [
    ("dataset_cueAcc_train.dat", "1\n3, 0\n-2, 1\n300, 5\n-1, 2250\n",
     "dataset_cueAcc_train.dat:4: field 'channel' = 300 out of range 0..255"),
    ("dataset_cueAcc_test.dat", "2\n3, 0\n-2, 1\n-1, 2250\n", "dataset_cueAcc_test.dat"),
    ("init_rand_weights_out_cueAcc.dat", "1\n2\n", "init_rand_weights_out_cueAcc.dat"),
    ("init_rand_weights_inp_cueAcc.dat", "\n".join(["500"] + ["1"] * 3999) + "\n",
     "init_rand_weights_inp_cueAcc.dat:1: field"),
])
def test_malformed_files_one_line_exit_2(tmp_path, fname, content, msg):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("dataset_cueAcc_train.dat", "dataset_cueAcc_test.dat"):
        (data / name).write_text("1\n3, 0\n-2, 1\n-1, 2250\n")
    for name, n in (("inp", 4000), ("rec", 10000), ("out", 200)):
        (data / f"init_rand_weights_{name}_cueAcc.dat").write_text("0\n" * n)
    (data / fname).write_text(content)
    res = CliRunner().invoke(main, ["train", "--data", str(data), "--epochs", "1", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    err_lines = [line for line in res.output.splitlines() if line.startswith("reckon-sim train: error: ")]
    assert len(err_lines) == 1 and msg in err_lines[0], res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_bad_preset_field_exit_2(tmp_path):
    from reckon_sim.presets import find
    p = tmp_path / "bad.toml"
    p.write_text(find("reckon-tbench").read_text().replace("SPI_NUM_OUT_NEUR = 1 ", "SPI_NUM_OUT_NEUR = 16 "))
    res = CliRunner().invoke(main, ["train", "--preset", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "field 'SPI_NUM_OUT_NEUR' = 16 out of range 0..15 (4-bit unsigned)" in res.output


@pytest.mark.slow
def test_full_testbench_run_learns(tmp_path):
    """The full 10-epoch ReckOn testbench run (1000 samples): test accuracy >= 94 % in every epoch from the 2nd."""
    need_shared(RECKON_DATA)
    res = CliRunner().invoke(main, ["train", "--data", str(RECKON_DATA), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(tmp_path / "o" / "curve.csv")))
    test_acc = [float(r["accuracy"]) for r in rows if r["phase"] == "test"]
    assert len(test_acc) == 10 and min(test_acc[1:]) >= 0.94 and test_acc[-1] == 0.98
