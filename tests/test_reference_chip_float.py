"""Float model of the chip's rule: register decoding, protocol, update algebra, RTL golden agreement, learning."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reckon_sim.backend import Backend, Sample
from reckon_sim.config import ChipConfig
from reckon_sim.errors import InputError
from reckon_sim.reference.chip_float import ChipFloat, ChipFloatParams
from reckon_sim.io.reckon_files import read_dataset, read_weights

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLDEN = SHARED / "golden"
DATA = SHARED / "reckon-data"


def small_registers(**overrides) -> dict:
    regs = dict(STOCK)
    regs.update(SPI_NUM_INP_NEUR=5, SPI_NUM_REC_NEUR=7, SPI_NUM_OUT_NEUR=1, NEUR_INIT_WORDS=4, TARGET_TICK=40,
                NEUR_THR=300, NEUR_ALPHA_LSB=0xE00, SPI_KAPPA=110, SPI_REGUL_F0=2)
    regs.update(overrides)
    return regs


# The stock tbench.h configuration (golden stock_3/config.json, seeds omitted: the float model has no LFSRs).
STOCK = dict(SPI_RST_MODE=0, SPI_FP_LOC_WINP=3, SPI_FP_LOC_WREC=3, SPI_FP_LOC_WOUT=3, SPI_FP_LOC_TINP=3,
             SPI_FP_LOC_TREC=4, SPI_FP_LOC_TOUT=6, SPI_LEARN_SIG_SCALE=5, SPI_REGUL_MODE=2, SPI_REGUL_W=3,
             SPI_EN_STOCH_ROUND=1, SPI_REGRESSION=0, SPI_NO_OUT_ACT=0, SPI_NOISE_EN=0, SPI_FORCE_TRACES=0,
             SPI_ALPHA_CONF=0, SPI_KAPPA=121, SPI_THR_H_0=205, SPI_THR_H_1=205, SPI_THR_H_2=205, SPI_THR_H_3=205,
             SPI_H_0=0, SPI_H_1=0, SPI_H_2=0, SPI_H_3=0, SPI_H_4=1, SPI_LR_R_WINP=0, SPI_LR_P_WINP=8,
             SPI_LR_R_WREC=0, SPI_LR_P_WREC=8, SPI_LR_R_WOUT=0, SPI_LR_P_WOUT=14, SPI_NUM_INP_NEUR=39,
             SPI_NUM_REC_NEUR=99, SPI_NUM_OUT_NEUR=1, SPI_REGUL_F0=160, SPI_REGUL_K_INP_R=0, SPI_REGUL_K_INP_P=10,
             SPI_REGUL_K_REC_R=0, SPI_REGUL_K_REC_P=10, SPI_REGUL_K_MUL=0, NEUR_THR=614, NEUR_ALPHA_LSB=4079,
             NEUR_INIT_WORDS=100, DO_EPROP_TRAIN=7, DO_EPROP_TEST=0, TARGET_TICK=2100)


def random_sample(rng, n_in, n_ticks, rate, label):
    t, c = np.nonzero(rng.random((n_ticks, n_in)) < rate)
    return Sample(np.stack([c, t], axis=1).astype(np.int32), label, n_ticks, 0)


def random_weights(rng, n_in, n_rec, n_out):
    return (rng.integers(-40, 60, (n_in, n_rec)), rng.integers(-10, 12, (n_rec, n_rec)),
            rng.integers(-30, 30, (n_rec, n_out)))


def test_register_decoding():
    p = ChipFloatParams.from_registers(STOCK)
    assert (p.n_in, p.n_rec, p.n_out, p.target_tick) == (40, 100, 2, 2100)
    assert np.all(p.alpha == 0x7FEF / 32768) and np.all(p.thr == 614)
    regs = small_registers(SPI_THR_H_0=0xFF6A, SPI_H_0=0b11110, NEUR_THR=[100, 0xFFCE, 300, 400],
                           SPI_ALPHA_CONF=0b10)
    q = ChipFloatParams.from_registers(regs)
    assert q.vector[27] == -150 and q.vector[31] == -2                  # THR_H_0, H_0 read as signed
    np.testing.assert_array_equal(q.thr, [100, 100, -50, -50, 300, 300, 400, 400])
    assert q.alpha[2] == (0x8E00) / 32768 and q.alpha[0] == 0x7E00 / 32768
    with pytest.raises(InputError, match="SPI_KAPPA"):
        ChipFloatParams.from_registers({k: v for k, v in regs.items() if k != "SPI_KAPPA"})


def test_protocol_votes_eprop_window_and_test_mode():
    rng = np.random.default_rng(1)
    regs = small_registers()
    weights = random_weights(rng, 6, 8, 2)
    sample = random_sample(rng, 6, 60, 0.2, 1)
    chip = ChipFloat(regs, *weights, record=True)
    assert isinstance(chip, Backend)
    res = chip.run_sample(sample, learn=False)
    rec = res.extra["record"]
    assert res.extra["cnt_winner"].sum() == 60 - 40 and res.n_updates == 0
    assert all(np.array_equal(chip.weights()[k], np.asarray(w, float)) for k, w in zip(("winp", "wrec", "wout"),
                                                                                         weights))
    assert not rec["prop_trec"].any() and rec["prop_u"].any()           # DO_EPROP_TEST = 0: no trace increments
    first = sample.event_matrix(6)[0].astype(bool)                       # tick 1: scan of the time-0 events only
    np.testing.assert_array_equal(rec["prop_u"][0], weights[0][first].sum(axis=0) * 8.0)
    assert rec["has_step"][0] == 0 and rec["has_prop"][-1] == 0 and not rec["step_oneur_err"].any()
    trained = chip.run_sample(sample, learn=True)
    err = trained.extra["record"]["step_oneur_err"]
    assert trained.n_updates > 0 and not err[:40].any() and err[40:].any()
    again = ChipFloat(regs, *weights).run_sample(sample, learn=True)
    assert again.loss == trained.loss and again.n_updates == trained.n_updates      # deterministic


def expected_updates(regs, rec_row, err, wout_old, n_in):
    """Spec §11 written vectorised (independent of the kernel): expected dWinp, dWrec, dWout of one EPROP."""
    sig = lambda v, b: v - (1 << b) if v >= 1 << (b - 1) else v
    u, tinp, trec, tout = (rec_row[k] for k in ("u", "tinp", "trec", "tout"))
    ti = tinp[:n_in] / 2 ** regs["SPI_FP_LOC_TINP"]
    tr = trec / 2 ** regs["SPI_FP_LOC_TREC"]
    bounds = [sig(regs[f"SPI_THR_H_{s}"], 16) for s in range(4)]
    values = [sig(regs[f"SPI_H_{s}"], 5) for s in range(5)]
    h = np.array([next((values[s] for s in range(4) if x < bounds[s]), values[4]) for x in u])
    L = (wout_old @ err) * 2 ** regs["SPI_LEARN_SIG_SCALE"] / 4096
    treg = np.maximum(0.0, tr - regs["SPI_REGUL_F0"])
    mul = (regs["SPI_REGUL_MODE"] & 1) and regs["SPI_REGUL_W"]
    scale = 16 - np.minimum(16, treg / 2 ** regs["SPI_REGUL_K_MUL"]) if mul else np.full_like(treg, 16.0)
    out = {}
    for name, trace, bit, kname in (("winp", ti, 1, "INP"), ("wrec", tr, 2, "REC")):
        e = np.outer(trace, L * h)
        k = np.where(e < 0, 16 * e, scale[None, :] * e)
        add = (regs["SPI_REGUL_MODE"] & 2) and (regs["SPI_REGUL_W"] & bit)
        reg_a = treg * 2.0 ** (regs[f"SPI_REGUL_K_{kname}_P"] - regs[f"SPI_REGUL_K_{kname}_R"]) if add else 0 * treg
        lr = regs[f"SPI_LR_P_W{kname}"] - regs[f"SPI_LR_R_W{kname}"]
        out[name] = (k / 16 - reg_a[None, :]) * 2.0 ** (lr - 32)
    lr_out = regs["SPI_LR_P_WOUT"] - regs["SPI_LR_R_WOUT"]
    out["wout"] = np.outer(tout / 2 ** regs["SPI_FP_LOC_TOUT"], err) * 2.0 ** (lr_out - 28)
    return out


@pytest.mark.parametrize("regul", [(2, 3, 0), (3, 3, 2), (1, 1, 1), (0, 0, 0)])
def test_single_eprop_tick_equals_spec_formula(regul):
    mode, which, k_mul = regul
    rng = np.random.default_rng(7)
    regs = small_registers(TARGET_TICK=48, SPI_REGUL_MODE=mode, SPI_REGUL_W=which, SPI_REGUL_K_MUL=k_mul,
                           SPI_THR_H_0=0xFF38, SPI_THR_H_1=100, SPI_THR_H_2=250, SPI_THR_H_3=400,
                           SPI_H_0=0, SPI_H_1=0b11111, SPI_H_2=2, SPI_H_3=3, SPI_H_4=1, SPI_LR_R_WINP=2,
                           SPI_REGUL_K_INP_R=3, SPI_REGUL_K_REC_P=6)
    winp, wrec, wout = random_weights(rng, 6, 8, 2)
    np.fill_diagonal(wrec, 0)                             # self-connections: zeroed by the chip, checked apart
    sample = random_sample(rng, 6, 50, 0.25, 0)          # T = 50: one EPROP, at tick 49
    chip = ChipFloat(regs, winp, wrec, wout, record=True)
    rec = chip.run_sample(sample, learn=True).extra["record"]
    row = {k: rec[f"step_{k}"][48] for k in ("u", "tinp", "trec", "tout")}
    err = rec["step_oneur_err"][48]
    assert np.abs(err).max() > 0 and row["trec"].max() > 0
    want = expected_updates(regs, row, err, wout.astype(float), 6)
    np.fill_diagonal(want["wrec"], 0.0)
    for name, w0 in (("winp", winp), ("wrec", wrec), ("wout", wout)):
        assert np.abs(want[name]).max() > 0
        np.testing.assert_allclose(chip.weights()[name] - w0, want[name], rtol=1e-12, atol=1e-13)  # w+dw-w


def _golden_case(name):
    case = GOLDEN / name
    if not (case / "config.json").exists():
        pytest.skip(f"golden case {name} not available")
    return case, json.loads((case / "config.json").read_text()), json.loads((case / "meta_run.json").read_text())


def test_integer_mode_matches_rtl_golden_until_first_update():
    # pub_regul has stochastic rounding off: with floors + saturations the float model is the RTL, until a
    # weight update (expected value vs +-1 LSB) makes them differ; test samples start from the golden weights
    case, regs, meta = _golden_case("pub_regul")
    train = read_dataset(case / meta["files"]["train"])
    test = read_dataset(case / meta["files"]["test"])
    plan = [(train[i], True) for i in range(meta["ntrain"])] + [(test[i], False) for i in range(meta["ntest"])]
    keys = ("step_u", "step_z", "step_tinp", "step_trec", "step_tout", "step_oneur_u", "step_oneur_err",
            "prop_u", "prop_tinp", "prop_trec", "prop_tout", "prop_oneur_u")
    tt = regs["TARGET_TICK"]
    zeros = (np.zeros((24, 40)), np.zeros((40, 40)), np.zeros((40, 2)))
    via_config = ChipFloat(ChipConfig.from_json(case / "config.json"), *zeros)      # a ChipConfig works too
    assert np.array_equal(via_config.params.vector, ChipFloatParams.from_registers(regs).vector)
    start = np.load(case / "init.npz")
    for gidx, (sample, learn) in enumerate(plan):
        golden = np.load(case / f"sample_{gidx:04d}.npz")
        chip = ChipFloat(regs, start["winp"], start["wrec"], start["wout"], integer_rounding=True, saturate=True,
                         record=True)
        res = chip.run_sample(sample, learn)
        rec = res.extra["record"]
        for key in keys:   # training: step rows up to tick TT+1 (before its EPROP), prop rows up to tick TT
            rows = slice(None) if not learn else slice(0, tt + 1 if key.startswith("step") else tt)
            ref = golden[key].astype(float)
            np.testing.assert_array_equal(rec[key][rows, :ref.shape[1]], ref[rows], err_msg=f"{gidx} {key}")
        if not learn:
            assert res.inference == int(golden["inference"])
            np.testing.assert_array_equal(res.extra["cnt_winner"], golden["cnt_winner"][:2])
        start = golden


def test_float_model_learns_stock_cue_accumulation():
    if not (DATA / "dataset_cueAcc_train.dat").exists():
        pytest.skip("stock ReckOn data not available")
    winp = read_weights(DATA / "init_rand_weights_inp_cueAcc.dat", 40, 100)
    wrec = read_weights(DATA / "init_rand_weights_rec_cueAcc.dat", 100, 100)
    wout = read_weights(DATA / "init_rand_weights_out_cueAcc.dat", 100, 2)
    train, test = read_dataset(DATA / "dataset_cueAcc_train.dat"), read_dataset(DATA / "dataset_cueAcc_test.dat")
    chip = ChipFloat(STOCK, winp, wrec, wout)
    before = np.mean([chip.run_sample(s, learn=False).correct for s in test[:20]])
    for s in train[:30]:
        chip.run_sample(s, learn=True)
    after = np.mean([chip.run_sample(s, learn=False).correct for s in test[:20]])
    assert after >= 0.85 and after >= before
