"""`reckon-sim inspect` and the end-of-run figures: written for every backend and for regression, the CSV behind
the figure equals the model's records (exactly for the chip), real units on known values, byte-identical figures."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.backend import Sample
from reckon_sim.cli.group import main
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.experiments.data import run_inputs
from reckon_sim.experiments.inspect import chip_record_fields, chip_scales, chosen_neurons, gather
from reckon_sim.hw.widths import RECKON
from reckon_sim.io.reckon_files import read_weights
from reckon_sim.plots.inspect import inspect_figure
from reckon_sim.plots.sweep import saturation_series

from .conftest import GOLDEN, need_shared

REGUL = GOLDEN / "pub_regul"
REGRESSION = GOLDEN / "pub_regression"


def _case(case):
    need_shared(case)
    return ["--preset", str(case / "config.json"), "--data", str(case)]


def _invoke(args):
    res = CliRunner().invoke(main, args)
    return res.exit_code, res.output          # stdout and stderr, as the user sees them


def _read_csv(path) -> dict[str, np.ndarray]:
    with open(path) as fh:
        rows = list(csv.reader(fh))
    return {name: np.array([float(r[i]) for r in rows[1:]]) for i, name in enumerate(rows[0])}


@pytest.mark.parametrize("backend", ["chip", "chip_float", "eprop"])
def test_figure_for_each_backend(tmp_path, backend):
    code, out = _invoke(["inspect", *_case(REGUL), "--backend", backend, "--sample", "1", "--neurons", "0,3",
                         "--out", str(tmp_path / "o")])
    assert code == 0, out
    for name in ("inspect.png", "inspect.svg", "inspect.csv", "inspect.npz"):
        assert (tmp_path / "o" / name).stat().st_size > 1000
    cols = _read_csv(tmp_path / "o" / "inspect.csv")
    assert {"u_0", "u_3", "h_3", "L_0", "vo_1", "err_1", "target_0"} <= set(cols)
    assert len(cols["tick"]) == 360 and cols["learning"].sum() > 0
    assert f"{backend:10s} label" in out


def _regul_sample(i=1):
    inp = run_inputs(str(REGUL / "config.json"), "cue-accumulation", str(need_shared(REGUL)), None, None, None, 1)
    return inp, inp.train[i]


def test_chip_csv_equals_records_exactly(tmp_path):
    inp, sample = _regul_sample()
    code, out = _invoke(["inspect", *_case(REGUL), "--sample", "1", "--neurons", "0,7", "--out", str(tmp_path)])
    assert code == 0, out
    chip = Chip.from_config(inp.config, **inp.weights)
    res = chip.run_sample(sample, True, dump=True)
    f = chip_record_fields(res.records)
    cols = _read_csv(tmp_path / "inspect.csv")
    for j in (0, 7):
        assert np.array_equal(cols[f"u_{j}"] * 2048, f["u_prop"][:, j])       # 1.0 = 2048 LSB, exact
        assert np.array_equal(cols[f"z_{j}"], f["z"][:, j])
        per_event = 8 << inp.config["SPI_FP_LOC_TREC"]                         # trace LSBs of one event
        assert np.array_equal(cols[f"trec_{j}"] * per_event, f["trec"][:, j])
    for k in range(2):
        assert np.array_equal(cols[f"vo_{k}"] * 2048, f["vo_step"][:, k])
        assert np.array_equal(cols[f"err_{k}"] * 2048, f["err_eprop"][:, k])
    assert cols["learning"].sum() == res.eprop_ticks
    assert np.array_equal(cols["input_events"], f["inp"].sum(axis=1))
    npz = np.load(tmp_path / "inspect.npz")
    assert np.array_equal(npz["z"], f["z"][:, :inp.config.n_rec])
    lsb = 2.0 ** inp.config["SPI_FP_LOC_WOUT"] / 2048
    assert np.array_equal(npz["after_wout"] / lsb, chip.weights()["wout"])


def test_chip_thresholds_are_per_word_on_a_256_neuron_chip():
    """Neurons 2w and 2w+1 share neuron-SRAM word w's threshold (kernels); all 256 are drawn, none indexed past."""
    d = ChipConfig.from_preset("reckon-nmnist").to_dict()
    d["NEUR_THR"] = [300 + w for w in range(128)]
    cfg = ChipConfig.from_dict(d)
    sample = Sample(events=np.array([[0, 1], [1, 2]], np.int32), label=0, n_ticks=cfg.target_tick + 3,
                    marker_index=2)
    tab = gather("chip", Chip.from_config(cfg), sample, False)
    assert tab.thr.shape == (256,) and np.array_equal(tab.thr * 2048, 300 + np.arange(256) // 2)


def test_chip_float_table_equals_its_records():
    from reckon_sim.reference.chip_float import ChipFloat
    inp, sample = _regul_sample()
    net = ChipFloat.from_config(inp.config, **inp.weights, record=True)
    rec = net.run_sample(sample, True).records
    tab = gather("chip_float", ChipFloat.from_config(inp.config, **inp.weights), sample, True)
    assert np.array_equal(tab.u * 2048, rec["prop_u"])
    assert np.array_equal(tab.z, rec["step_z"])
    assert np.array_equal(tab.vo * 2048, rec["step_oneur_u"])


def test_regression_case_shows_targets(tmp_path):
    code, out = _invoke(["inspect", *_case(REGRESSION), "--out", str(tmp_path)])
    assert code == 0, out
    assert (tmp_path / "inspect.png").exists() and (tmp_path / "inspect.svg").exists()
    targets = np.loadtxt(REGRESSION / "targets.txt", dtype=np.int64)[:79]
    cols = _read_csv(tmp_path / "inspect.csv")
    for k in range(2):
        assert np.array_equal(cols[f"target_{k}"][120:199] * 2048, targets[:, k])   # ticks 121..199
        assert np.isnan(cols[f"target_{k}"][:120]).all()
    assert set(cols["vote"][120:]) == {0.0}                                        # regression votes index 0


def test_inspect_prints_a_regression_samples_nmse_as_training_reports_it(tmp_path):
    """A regression task's sample: its NMSE (not label / inference), equal to the training run's for the same
    sample and weights; the pattern's targets are sent while learning and drawn (1 = 2048 LSB)."""
    from reckon_sim.backends import task_backend
    code, out = _invoke(["inspect", "--task", "pattern-generation", "--compare", "chip,chip_float",
                         "--out", str(tmp_path / "o")])
    assert code == 0, out
    inp = run_inputs(None, "pattern-generation", None, None, None, None, 1)
    sample = inp.train[0]
    for line, name in zip(out.splitlines(), ("chip", "chip_float")):
        nmse = task_backend(name, inp).run_sample(sample, True).loss
        assert line.startswith(f"{name:10s} regression NMSE {nmse:.4f} on ticks 51..999; ") and "label" not in line
    targets = inp.pattern_targets[sample.label]
    for name in ("chip", "chip_float"):
        cols = _read_csv(tmp_path / "o" / f"inspect_{name}.csv")
        assert np.array_equal(cols["target_1"][50:999] * 2048, targets[:, 1]) and np.isnan(cols["target_1"][:50]).all()
    code, out = _invoke(["inspect", "--task", "pattern-generation", "--no-learn", "--out", str(tmp_path / "n")])
    nmse = task_backend("chip", inp).run_sample(sample, False).loss
    assert code == 0 and out.startswith(f"chip       regression NMSE {nmse:.4f} on ticks 51..999; "), out


def test_real_units_on_known_values():
    cfg = ChipConfig.from_preset("reckon-tbench")
    s = chip_scales(cfg, RECKON)
    assert 127 * s["winp"] == 127 * 8 / 2048 == 0.49609375                    # FP_LOC_WINP = 3
    assert 2048 * s["membrane"] == 1.0 and 64 * s["tinp"] == 1.0             # 8 << FP_LOC_TINP = 64 LSB / event
    narrow = chip_scales(cfg, RECKON.with_(membrane=12, weight=6))
    assert 128 * narrow["membrane"] == 1.0                                   # a 12-bit LSB = 16 LSBs of 16 bits
    assert 32 * narrow["winp"] == 32 * 4 * 8 / 2048                          # a 6-bit weight LSB = 4 8-bit LSBs


def _tiny_tables():
    inp, sample = _regul_sample()
    short = Sample(sample.events[sample.events[:, 1] < 300], sample.label, 300, sample.marker_index)
    return [gather(name, cls.from_config(inp.config, **inp.weights), short, True, "tiny run, train sample 1")
            for name, cls in (("chip", Chip), ("chip_float", __import__(
                "reckon_sim.reference.chip_float", fromlist=["ChipFloat"]).ChipFloat))]


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_compare_figure_same_bytes(tmp_path, ext):
    tables = _tiny_tables()
    neurons = chosen_neurons(tables[0])
    inspect_figure(tables, neurons, tmp_path / f"a.{ext}", [("left", 0, 12)])
    inspect_figure(tables, neurons, tmp_path / f"b.{ext}", [("left", 0, 12)])
    assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


def test_train_writes_end_figures_and_run_dir_inspects(tmp_path):
    args = ["train", *_case(REGUL), "--epochs", "1", "--ntrain", "1", "--ntest", "1"]
    code, out = _invoke([*args, "--out", str(tmp_path / "run")])
    assert code == 0, out
    run = tmp_path / "run"
    for name in ("weights_chip.png", "weights_chip.svg", "inspect_chip.png", "inspect_chip.svg", "inspect_chip.csv"):
        assert (run / name).exists(), name
    hist = list(csv.DictReader(open(run / "weights_chip.csv")))
    n_winp = sum(int(r["after"]) for r in hist if r["matrix"] == "winp")
    assert n_winp == 24 * 40 == sum(int(r["before"]) for r in hist if r["matrix"] == "winp")
    assert all(float(r["bin_hi"]) - float(r["bin_lo"]) == 1.0 for r in hist)      # plain numbers, one per LSB
    assert json.loads((run / "report.json").read_text())["task"] == "cue-accumulation"
    code, out = _invoke([*args, "--no-inspect", "--out", str(tmp_path / "bare")])
    assert code == 0 and not list((tmp_path / "bare").glob("inspect*")) and not list((tmp_path / "bare").glob("weights*"))
    code, out = _invoke(["inspect", str(run), "--split", "test", "--no-learn", "--out", str(tmp_path / "i")])
    assert code == 0, out
    npz = np.load(tmp_path / "i" / "inspect.npz")
    lsb = 2.0 ** ChipConfig.from_file(REGUL / "config.json")["SPI_FP_LOC_WOUT"] / 2048
    assert np.array_equal(npz["before_wout"] / lsb, read_weights(run / "wout_final.dat", 40, 2))
    assert "0 weights changed" in out


def test_user_errors_are_one_line(tmp_path):
    code, out = _invoke(["inspect", *_case(REGUL), "--sample", "9", "--out", str(tmp_path)])
    assert code == 2 and out.strip() == "reckon-sim inspect: error: --sample: = 9 out of range 0..3 (train set)"
    code, out = _invoke(["inspect", *_case(REGUL), "--compare", "chip,gpu", "--out", str(tmp_path)])
    assert code == 2 and "unknown backend 'gpu'" in out and len(out.strip().splitlines()) == 1
    code, out = _invoke(["inspect", str(tmp_path), "--out", str(tmp_path / "x")])
    assert code == 2 and "no report.json" in out


def test_saturation_series_per_field():
    from reckon_sim.experiments.grid import parse_grid
    axes = parse_grid("membrane=8,16", False)
    base = {f: s for f, s in RECKON.as_dict().items()}
    rows = [{"backend": "chip", **base, "membrane": m, "saturations_membrane": n, "saturations_trace": 1,
             "saturations_weight": 0} for m, n in ((8, 100), (8, 50), (16, 0))]
    rows.append({"backend": "chip", **base, "membrane": 8, "weight": 4, "saturations_membrane": 999})
    series = saturation_series(axes, rows)
    assert series["membrane"]["membrane"] == [(8, [100, 50]), (16, [0])]
    assert series["membrane"]["trace"] == [(8, [1, 1]), (16, [1])]


def test_a_task_alone_inspects_on_its_own_chip_preset(tmp_path):
    """--task without --preset takes the task's chip_preset (100 input channels fit reckon-patterngen, not the
    40 of reckon-tbench), as train does; the title names that preset."""
    code, out = _invoke(["inspect", "--task", "pattern-generation", "--out", str(tmp_path / "o")])
    assert code == 0, out
    cols = _read_csv(tmp_path / "o" / "inspect.csv")
    assert len(cols["tick"]) == 1000 and {"target_0", "target_1"} <= set(cols)
    assert b"preset reckon-patterngen: train sample 0" in (tmp_path / "o" / "inspect.svg").read_bytes()
