"""ChipFloat in regression mode (SPI_REGRESSION = 1): equal to the fixed-point chip where the chip is
deterministic, and learning pattern generation (NMSE per epoch, exact for seed 1)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.backends import task_backend
from reckon_sim.cli import main
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.core.records import AT_EPROP, AT_STEP, NF
from reckon_sim.errors import InputError
from reckon_sim.experiments.data import run_inputs
from reckon_sim.experiments.train import train
from reckon_sim.reference import ChipFloat
from reckon_sim.tasks.pattern_generation import PatternGenerationParams, make_patterns

T, TT = 60, 20


def _deterministic_config() -> ChipConfig:
    """reckon-patterngen with stochastic rounding off and every weight update certain: learning rates at their
    cap (LR_P 31, LR_R 0: any non-zero probability of an output update, and any |prob| >= 2 of an input or
    recurrent one, reaches 2^W - 1) and STE values 0 / 2 (so |prob| = |L h trace| is never 1); no regulariser."""
    cfg = ChipConfig.from_preset("reckon-patterngen").with_registers(
        SPI_EN_STOCH_ROUND=0, SPI_H_4=2, SPI_REGUL_MODE=0, SPI_LR_P_WINP=31, SPI_LR_P_WREC=31, SPI_LR_P_WOUT=31)
    return replace(cfg, target_tick=TT)


def _pattern(cfg: ChipConfig, seed: int = 3):
    p = PatternGenerationParams(n_inputs=cfg.n_inp, n_outputs=cfg.n_out, n_ticks=T, target_tick=TT,
                                rate_hz=60.0, amplitude=1500)
    ps = make_patterns(p, seed)
    return ps.samples[0], ps.targets[0]


def _weights(cfg: ChipConfig) -> dict:
    rng = np.random.default_rng(7)
    return {"winp": rng.integers(-40, 60, (cfg.n_inp, cfg.n_rec)),
            "wrec": rng.integers(-30, 30, (cfg.n_rec, cfg.n_rec)),
            "wout": rng.integers(-60, 60, (cfg.n_rec, cfg.n_out))}


def _compare_ticks(rec, frec, cfg: ChipConfig, rows: int, prop_rows: int | None = None) -> None:
    """Rows 0..rows-1 of the STEP snapshots (and 0..prop_rows-1 of the PROP ones) equal, tolerance 0."""
    prop_rows = rows if prop_rows is None else prop_rows
    for f, name in zip(NF, ("u", "tinp", "trec", "tout")):
        assert np.array_equal(rec.step[:rows, f], frec[f"step_{name}"][:rows, :cfg.n_rec]), name
        assert np.array_equal(rec.prop[:prop_rows, f], frec[f"prop_{name}"][:prop_rows, :cfg.n_rec]), name
    assert np.array_equal(rec.z[:rows], frec["step_z"][:rows])
    assert np.array_equal(rec.oneur[:rows, AT_STEP, :cfg.n_out], frec["step_oneur_u"][:rows])


def test_chip_float_equals_chip_on_a_regression_sample_when_every_update_is_certain():
    """Floor rounding + the chip's saturations on a deterministic chip: the float rule reproduces the whole
    training sample (every tick's membranes, spikes, traces, output membranes and errors after GET_TAR), the
    weights after it, and the next (test) sample, tolerance 0 -- although nearly every synapse steps every tick."""
    cfg = _deterministic_config()
    sample, targets = _pattern(cfg)
    w = _weights(cfg)
    chip = Chip.from_config(cfg, **w)
    flt = ChipFloat.from_config(cfg, **w, integer_rounding=True, saturate=True, record=True)
    r_chip = chip.run_sample(sample, True, dump=True, targets=targets)
    r_flt = flt.run_sample(sample, True, targets=targets)
    rec, frec = r_chip.records, r_flt.records
    _compare_ticks(rec, frec, cfg, T)
    learning = slice(TT, T - 1)                        # rows of ticks TT+1..T-1: EPROP after GET_TAR
    err = rec.err[learning, AT_EPROP, :cfg.n_out]
    assert np.array_equal(err, frec["step_oneur_err"][learning])
    assert np.array_equal(err, targets[:T - 1 - TT] - rec.oneur[learning, AT_STEP, :cfg.n_out])   # NO_OUT_ACT
    assert r_chip.eprop_ticks == r_flt.eprop_ticks == T - 1 - TT
    assert r_flt.votes.tolist() == r_chip.votes[:cfg.n_out].tolist() == [T - TT, 0]   # regression: output 0
    changed = {k: int(np.sum(v != w[k])) for k, v in chip.weights().items()}
    assert min(changed.values()) > 0 and r_chip.n_updates > 1000          # learning really happened
    for name, wc in chip.weights().items():
        assert np.array_equal(wc, flt.weights()[name]), name
    r_chip2 = chip.run_sample(sample, False, dump=True)                   # the learnt weights, no learning
    _compare_ticks(r_chip2.records, flt.run_sample(sample, False).records, cfg, T)


def test_chip_float_first_regression_update_is_the_expectation_of_the_chips():
    """The stock learning rates (stochastic +-1 LSB steps, whose expectation ChipFloat takes), one EPROP tick
    (T = TT + 2): identical up to it, equal errors after GET_TAR, and per weight type the chip's number of
    fired steps within 3 standard deviations of ChipFloat's expected number (sum of |dw|, each dw <= 1)."""
    cfg = replace(ChipConfig.from_preset("reckon-patterngen").with_registers(SPI_EN_STOCH_ROUND=0), target_tick=TT)
    sample, targets = _pattern(cfg)
    sample = replace(sample, n_ticks=TT + 2, events=sample.events[sample.events[:, 1] < TT + 1])
    w = _weights(cfg)
    chip = Chip.from_config(cfg, **w)
    flt = ChipFloat.from_config(cfg, **w, integer_rounding=True, saturate=True, record=True)
    r_chip = chip.run_sample(sample, True, dump=True, targets=targets[:1])
    r_flt = flt.run_sample(sample, True, targets=targets[:1])
    rec, frec = r_chip.records, r_flt.records
    _compare_ticks(rec, frec, cfg, TT + 1, TT)           # the PROP of tick TT+1 follows the update
    err = rec.err[TT, AT_EPROP, :cfg.n_out]
    assert np.array_equal(err, frec["step_oneur_err"][TT]) and np.all(err != 0)
    assert err.tolist() == (targets[0] - rec.oneur[TT, AT_STEP, :cfg.n_out]).tolist()
    assert r_chip.eprop_ticks == r_flt.eprop_ticks == 1
    fired = {k: int(np.abs(v.astype(np.int64) - w[k]).sum()) for k, v in chip.weights().items()}
    expected = {k: float(np.abs(v - w[k]).sum()) for k, v in flt.weights().items()}
    assert fired == {"winp": 16, "wrec": 212, "wout": 160}                   # expected 19.9, 194.0, 157.0
    for k in fired:
        assert abs(fired[k] - expected[k]) <= 3 * np.sqrt(expected[k]), k


def test_chip_float_refuses_targets_of_the_wrong_shape_or_range():
    cfg = _deterministic_config()
    sample, targets = _pattern(cfg)
    flt = ChipFloat.from_config(cfg, **_weights(cfg))
    with pytest.raises(InputError, match=r"targets: shape \(40, 2\): expected at most \(39, 2\)"):
        flt.run_sample(sample, True, targets=np.zeros((40, 2)))
    bad = np.zeros((39, 2))
    bad[5, 1] = -40000
    with pytest.raises(InputError) as e:
        flt.run_sample(sample, True, targets=bad)
    assert str(e.value) == "targets: values -40000.0..0.0 outside the 16-bit range -32768..32767"
    with pytest.raises(InputError, match=r"SPI_NOISE_EN: = 1: ChipFloat does not model membrane noise"):
        ChipFloat.from_config(cfg.with_registers(SPI_NOISE_EN=1), **_weights(cfg))


# test NMSE per epoch of `reckon-sim train --task pattern-generation --backend chip_float` (seed 1)
CHIP_FLOAT_TEST_NMSE = [0.3230102152, 0.2450459204, 0.1852733534]


def test_pattern_generation_learns_with_chip_float():
    inp = run_inputs(None, "pattern-generation", None, None, None, None, 3)
    net = task_backend("chip_float", inp)
    run = train(net, inp.train, inp.test, inp.epochs)
    test_nmse = [r.loss for r in run.rows if r.phase == "test"]
    assert test_nmse == pytest.approx(CHIP_FLOAT_TEST_NMSE, abs=1e-9)
    assert [r.accuracy for r in run.rows] == [0.0] * 6 and net.last_outputs.shape == (949, 2)
    again = task_backend("chip_float", inp)
    assert [r.loss for r in train(again, inp.train, inp.test, 1).rows] == [r.loss for r in run.rows[:2]]


def test_train_cli_chip_float_regression(tmp_path):
    res = CliRunner().invoke(main, ["train", "--task", "pattern-generation", "--backend", "chip_float",
                                    "--epochs", "1", "--ntrain", "1", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "chip_float reckon-patterngen" in res.output and "test NMSE" in res.output
    assert (tmp_path / "curve.png").stat().st_size > 10_000 and (tmp_path / "inspect_chip_float.png").exists()
