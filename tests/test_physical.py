"""Physical units -> register words: quantisation, round trip, the stock preset, precedence, float options."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim import presets
from reckon_sim.backends import CHIP_FLOAT, EPROP, make_backend
from reckon_sim.cli import main
from reckon_sim.config import ChipConfig
from reckon_sim.errors import InputError
from reckon_sim.experiments.data import RunInputs
from reckon_sim.physical import ALL_ONES_128, apply_settings, float_options, quantisation_report, quantise


def test_quantised_values_and_errors():
    q = quantise("tau_mem_ms", 20.0)
    assert q.words == {"NEUR_ALPHA_LSB": 0x9C1, "SPI_ALPHA_CONF": 0}        # alpha 0x79C1 = trunc(e^-1/20 * 2^15)
    assert q.quantised == pytest.approx(-1 / math.log(0x79C1 / 32768), rel=1e-15)
    assert round(q.quantised, 2) == 19.99 and q.rel_error == pytest.approx(q.quantised / 20 - 1)
    assert quantise("tau_mem_ms", 2000.0).words["NEUR_ALPHA_LSB"] == 0xFEF
    assert round(quantise("tau_mem_ms", 2000.0).quantised, 1) == 1927.0
    assert quantise("tau_mem_ms", math.inf).words == {"NEUR_ALPHA_LSB": 0, "SPI_ALPHA_CONF": ALL_ONES_128}
    assert quantise("tau_out_ms", 20.0).words == {"SPI_KAPPA": 0x79}
    assert quantise("thr", 0.6).words == {"NEUR_THR": 614} and quantise("thr", 0.6).quantised == 614 / 1024
    assert quantise("lr_wout", 6.1e-5).words == {"SPI_LR_P_WOUT": 14, "SPI_LR_R_WOUT": 0}
    assert quantise("lr_winp", 2.0 ** -40).words == {"SPI_LR_P_WINP": 0, "SPI_LR_R_WINP": 8}


@pytest.mark.parametrize("key,value", [("tau_mem_ms", 7.6), ("tau_mem_ms", 20.0), ("tau_mem_ms", 1500.0),
                                       ("tau_out_ms", 5.0), ("thr", -1.3), ("thr", 0.6), ("lr_wrec", 3e-9)])
def test_round_trip_of_the_quantised_value_keeps_the_words(key, value):
    q = quantise(key, value)
    again = quantise(key, q.quantised * (1 + 1e-12) if q.quantised > 0 else q.quantised)
    assert again.words == q.words and abs(again.quantised - q.quantised) <= 1e-9 * abs(q.quantised)


def test_preset_written_in_physical_units_equals_the_stock_words(tmp_path):
    text = presets.find("reckon-tbench").read_text()
    for key in ("NEUR_ALPHA_LSB", "SPI_KAPPA", "NEUR_THR", "SPI_LR_P_WINP", "SPI_LR_P_WOUT"):
        text = re.sub(rf"^{key} = .*$", "", text, flags=re.M)
    text += "\n[physical]\ntau_mem_ms = 2000\ntau_out_ms = 20\nthr = 0.6\nlr_winp = 6e-8\nlr_wout = 6e-5\n"
    (tmp_path / "p.toml").write_text(text)
    phys, stock = ChipConfig.from_file(tmp_path / "p.toml"), ChipConfig.from_preset("reckon-tbench")
    assert phys.registers == stock.registers
    np.testing.assert_array_equal(phys.alpha_words(), stock.alpha_words())
    np.testing.assert_array_equal(phys.neur_thr, stock.neur_thr)
    assert float_options(phys) == {"tau_mem": 2.0, "tau_out": 0.02, "thr": 0.6}
    assert [q.key for q in quantisation_report(phys)] == ["tau_mem_ms", "tau_out_ms", "thr", "lr_winp", "lr_wout"]


def test_raw_words_win_in_a_preset_and_set_wins_over_both(tmp_path):
    (tmp_path / "p.toml").write_text(presets.find("reckon-tbench").read_text() + "\n[physical]\ntau_mem_ms = 20\n")
    cfg = ChipConfig.from_file(tmp_path / "p.toml")
    assert cfg.alpha_words()[0] == 0x7FEF                      # NEUR_ALPHA_LSB = 0xFEF is in the file
    short = apply_settings(cfg, ["tau_mem_ms=20", "neuron=alif", "refractory_ms=3"])
    assert short.alpha_words()[0] == 0x79C1 and short.alpha_words()[99] == 0x79C1
    assert float_options(short) == {"tau_mem": 0.02, "refractory": 3, "neuron": "alif"}


def test_backends_read_the_same_description():
    cfg = apply_settings(ChipConfig.from_preset("reckon-tbench"), ["tau_mem_ms=20", "neuron=alif", "lr=0.01",
                                                                   "optimizer=rmsprop", "feedback=adaptive"])
    rng = np.random.default_rng(0)
    weights = {k: rng.integers(-60, 60, s).astype(np.int8) for k, s in
               {"winp": (40, 100), "wrec": (100, 100), "wout": (100, 2)}.items()}
    inputs = RunInputs(cfg, [], [], weights, seed=3)
    net = make_backend(EPROP, inputs, eprop_lr=1e-3)
    assert (net.params.tau_mem, net.params.neuron, net.params.lr, net.params.optimizer, net.params.feedback) == \
        (0.02, "alif", 0.01, "rmsprop", "adaptive")
    assert make_backend(CHIP_FLOAT, inputs).params.rule.alpha[0] == 0x79C1 / 32768


@pytest.mark.parametrize("table,message", [
    ("[physical]\ntau_mem_ms = 5\n", "field 'tau_mem_ms' = 5.0 out of range: alpha 0.8187 < 0.875"),
    ("[physical]\ntau = 5\n", "unknown field 'tau' (allowed: dt_ms, tau_mem_ms"),
    ("[float]\nneuron = 'izh'\n", "field 'neuron' = 'izh' not allowed (allowed: lif, alif)"),
    ("[float]\nbatch_size = 2.5\n", "field 'batch_size' = 2.5 is not an integer"),
    ("[float]\nn_adaptive = 101\n", "field 'n_adaptive' = 101 out of range (must be <= n_rec = 100)")])
def test_invalid_physical_fields_name_file_and_field(tmp_path, table, message):
    (tmp_path / "p.toml").write_text(presets.find("reckon-tbench").read_text() + "\n" + table)
    with pytest.raises(InputError, match=re.escape(message)):
        ChipConfig.from_file(tmp_path / "p.toml")


@pytest.mark.parametrize("args,line", [
    (["curves", "--set", "tau=3"], "reckon-sim curves: error: --set: 'tau=3': expected key=value with key one of "),
    (["train", "--set", "optimizer=lbfgs"], "reckon-sim train: error: --set: field 'optimizer' = 'lbfgs' not "
                                            "allowed (allowed: adam, sgd, nesterov, rmsprop)"),
    (["train", "--backend", "gpu"], "reckon-sim train: error: --backend: unknown backend 'gpu' (allowed: chip, "),
    (["train", "--patience", "2"], "reckon-sim train: error: --patience: needs --validation N"),
    (["train", "--backend", "eprop", "--set", "readout=regression"], "reckon-sim train: error: readout: "
     "'regression' does not fit cue-accumulation (a classification task, no targets)"),
    (["train", "--backend", "eprop", "--task", "pattern-generation", "--set", "readout=classification"],
     "reckon-sim train: error: readout: 'classification' does not fit pattern-generation (a regression task)"),
    (["curves", "--set", "n_adaptive=101"], "reckon-sim curves: error: --set: field 'n_adaptive' = 101 out of "
                                            "range (must be <= n_rec = 100)")])
def test_cli_rejects_bad_settings_in_one_line(args, line):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2
    err = res.stderr if hasattr(res, "stderr") and res.stderr else res.output
    assert err.strip().startswith(line) and len(err.strip().splitlines()) == 1, err


def test_curves_seeds_and_train_backend_reach_the_float_options(tmp_path):
    args = ["curves", "--epochs", "2", "--ntrain", "3", "--ntest", "2", "--backends", "eprop", "--seeds", "2",
            "--set", "tau_mem_ms=20", "--set", "neuron=alif", "--set", "refractory_ms=2", "--out", tmp_path / "c"]
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    assert "tau_mem_ms 20 -> NEUR_ALPHA_LSB 0x9c1, SPI_ALPHA_CONF 0 -> 19.9886 (-0.06 %)" in res.output
    rows = (tmp_path / "c" / "seeds.csv").read_text().splitlines()
    assert rows[0] == "backend,seed,epoch,test_accuracy" and [r.split(",")[:3] for r in rows[1:]] == \
        [["eprop", "1", "1"], ["eprop", "1", "2"], ["eprop", "2", "1"], ["eprop", "2", "2"]]
    assert "eprop      final test accuracy over 2 seeds: " in res.output
    args = ["train", "--backend", "eprop", "--epochs", "3", "--ntrain", "4", "--ntest", "2", "--shuffle",
            "--validation", "2", "--patience", "1", "--set", "lr=0", "--set", "optimizer=sgd", "--out", tmp_path / "t"]
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    assert "early stop after epoch 2 (validation loss)" in res.output


def test_float_follows_raw_words_that_differ_from_the_physical_value():
    stock = ChipConfig.from_preset("reckon-tbench")
    assert float_options(stock) == {}                                   # stock words = eprop-PyTorch's values
    short = stock.with_registers(NEUR_ALPHA_LSB=0x9C1, SPI_KAPPA=0x70, NEUR_THR=512)   # no physical table
    opts = float_options(short)
    assert opts == {"tau_mem": pytest.approx(-1e-3 / math.log(0x79C1 / 32768), rel=1e-15),
                    "tau_out": pytest.approx(-1e-3 / math.log(0x70 / 128), rel=1e-15), "thr": 0.5}
    assert float_options(stock.with_registers(SPI_ALPHA_CONF=ALL_ONES_128, NEUR_ALPHA_LSB=0))["tau_mem"] == math.inf


def test_chip_float_options_reach_the_backend_from_set():
    from reckon_sim.backends import make_backend
    from reckon_sim.experiments.data import run_inputs
    from reckon_sim.physical import apply_settings
    cfg = apply_settings(ChipConfig.from_preset("reckon-tbench"),
                         ["chip_float_rounding=floor", "chip_float_saturate=on"])
    inp = run_inputs(cfg, "cue-accumulation", None, 1, 2, 2, 1)
    net = make_backend("chip_float", inp)
    assert (net.params.rule.integer_rounding, net.params.rule.saturate) == (True, True)
    plain = make_backend("chip_float", run_inputs("reckon-tbench", "cue-accumulation", None, 1, 2, 2, 1))
    assert (plain.params.rule.integer_rounding, plain.params.rule.saturate) == (False, False)
    with pytest.raises(InputError, match="chip_float_saturate"):
        apply_settings(ChipConfig.from_preset("reckon-tbench"), ["chip_float_saturate=maybe"])


def test_train_backend_eprop_learns_a_regression_task_with_alif_from_set(tmp_path):
    args = ["train", "--backend", "eprop", "--task", "pattern-generation", "--epochs", "2", "--ntrain", "2",
            "--ntest", "1", "--set", "neuron=alif", "--out", tmp_path / "pg"]
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    rows = [r.split(",") for r in (tmp_path / "pg" / "curve.csv").read_text().splitlines()[1:]]
    assert [(r[1], int(r[6])) for r in rows] == [("train", 10754), ("test", 0), ("train", 11179), ("test", 0)]
    test_nmse = [float(r[3]) for r in rows if r[1] == "test"]      # 2 samples < batch 5: flushed every epoch
    assert float(rows[0][3]) > test_nmse[0] > test_nmse[1]
