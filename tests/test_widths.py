"""BitWidths: validation, the kernels' view, exact equivalences of rescaled fields, fxpmath formats."""
import numpy as np
import pytest

from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.core.records import NF
from reckon_sim.errors import InputError
from reckon_sim.experiments.data import generated_data, task_params, task_preset
from reckon_sim.core.datapath import convert_weights, datapath, register_overrides
from reckon_sim.hw.fxp import float_to_fixed_weights, fxp_formats
from reckon_sim.hw.widths import RECKON, BitWidths


def test_reckon_widths_are_the_chip():
    cfg = ChipConfig.from_preset("reckon-tbench")
    dp = datapath(RECKON, cfg.registers)
    assert RECKON.is_reckon and dp.w_sh == 0 and (dp.w_min, dp.w_max) == (-128, 127)
    assert dp.t_sh == (0, 0, 0) and dp.t_bits == (12, 12, 10) and dp.m_bits == 16
    assert all(register_overrides(RECKON, cfg.registers)[k] == cfg[k] for k in register_overrides(RECKON, cfg.registers))


@pytest.mark.parametrize("kw,msg", [({"weight": 1}, "width 'weight': = 1 out of range 2..12 (ReckOn: 8)"),
                                    ({"learn_sig": 17}, "out of range 2..16"),
                                    ({"rounding": (("prob", "nearest"),)}, "not supported"),
                                    ({"rounding": (("foo", "nearest"),)}, "unknown field")])
def test_invalid_widths(kw, msg):
    with pytest.raises(InputError) as e:
        BitWidths(**kw)
    assert msg in str(e.value)


def test_weight_conversion_rounds_half_up_and_saturates():
    w8 = np.array([-128, -37, -8, -7, 0, 7, 8, 127])
    assert convert_weights(w8, 4).tolist() == [-8, -2, 0, 0, 0, 0, 1, 7]
    assert convert_weights(w8, 10).tolist() == [-512, -148, -32, -28, 0, 28, 32, 508]
    assert float_to_fixed_weights([-1.6, 0.4, 300.0], 8).tolist() == [-2, 0, 127]


def _stock_like():
    cfg = ChipConfig.from_preset("reckon-tbench")
    params = task_params(task_preset("cue-accumulation"), "cue-accumulation", cfg)
    train, _, w = generated_data(cfg, params, 3, 2, 0)
    return cfg, train, w


def test_narrow_weights_equal_chip_when_weights_are_representable():
    """Weights that are multiples of 16 are exact in 4 bits: with learning off, the 4-bit chip integrates
    exactly the same currents, so every membrane, spike and trace is identical."""
    cfg, train, w = _stock_like()
    w16 = {k: (np.clip(np.round(v / 16.0), -8, 7) * 16).astype(np.int8) for k, v in w.items()}
    ref = Chip.from_config(cfg, **w16).run_sample(train[0], False, dump=True)
    nar = Chip.from_config(cfg, widths=BitWidths(weight=4), **w16).run_sample(train[0], False, dump=True)
    assert np.array_equal(ref.records.step, nar.records.step)
    assert np.array_equal(ref.records.oneur, nar.records.oneur)
    assert ref.inference == nar.inference and ref.n_spikes == nar.n_spikes > 0


def test_wider_membrane_with_trunc_rounding_tracks_the_chip_frame():
    """membrane=18 adds 2 LSBs: thresholds and currents are scaled by 4; with rounding off the extra LSBs only
    hold leak fractions, so spikes stay close to the chip's (same order of magnitude), never wildly off."""
    cfg, train, w = _stock_like()
    ref = Chip.from_config(cfg, **w).run_sample(train[0], False)
    wide = Chip.from_config(cfg, widths=BitWidths(membrane=18), **w).run_sample(train[0], False)
    assert 0.8 * ref.n_spikes <= wide.n_spikes <= 1.25 * ref.n_spikes


def test_narrow_traces_saturate_and_increment_in_their_lsbs():
    cfg, train, w = _stock_like()
    r = Chip.from_config(cfg, widths=BitWidths(trace_inp=6), **w).run_sample(train[0], True, dump=True)
    tinp = r.records.prop[:, NF.trace_inp, :40]
    assert tinp.max() <= 63 and np.all(np.unique(tinp) >= 0)
    assert 1 in np.unique(tinp)                      # 64 >> 6 = 1 LSB per input event


def test_fxp_formats_name_the_lsb():
    f = fxp_formats(BitWidths(weight=6, membrane=12))
    assert f["weight"] == "fxp-s6/-2" and f["membrane"] == "fxp-s12/-4" and f["alpha_frac"] == "fxp-u16/15"


def test_timing_error_prediction_against_a_clock():
    cfg, train, w = _stock_like()
    slow = Chip.from_config(cfg, **w)
    slow.clock_hz = 1e6                              # 1000 cycles per 1 ms tick: EPROP ticks need > 1700
    r = slow.run_sample(train[0], True)
    assert r.timing_errors == int(np.count_nonzero(r.tick_cycles > 1000)) >= 149
    fast = Chip.from_config(cfg, **w)
    fast.clock_hz = 5e6
    assert fast.run_sample(train[0], True).timing_errors == 0
