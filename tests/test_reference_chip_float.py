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


# The stock tbench.h configuration (golden stock_3/config.json; its LFSR seeds are unused by the float model).
TBENCH = ChipConfig.from_preset("reckon-tbench")


def small_config(**overrides) -> ChipConfig:
    return TBENCH.with_registers(**{**dict(SPI_NUM_INP_NEUR=5, SPI_NUM_REC_NEUR=7, SPI_NUM_OUT_NEUR=1,
                                           NEUR_INIT_WORDS=4, TARGET_TICK=40, NEUR_THR=300, NEUR_ALPHA_LSB=0xE00,
                                           SPI_KAPPA=110, SPI_REGUL_F0=2), **overrides})


def random_sample(rng, n_in, n_ticks, rate, label):
    t, c = np.nonzero(rng.random((n_ticks, n_in)) < rate)
    return Sample(np.stack([c, t], axis=1).astype(np.int32), label, n_ticks, 0)


def random_weights(rng, n_in, n_rec, n_out):
    return (rng.integers(-40, 60, (n_in, n_rec)), rng.integers(-10, 12, (n_rec, n_rec)),
            rng.integers(-30, 30, (n_rec, n_out)))


def test_register_decoding():
    p = ChipFloatParams.from_config(TBENCH)
    assert (p.n_in, p.n_rec, p.n_out, p.target_tick) == (40, 100, 2, 2100)
    assert np.all(p.rule.alpha == 0x7FEF / 32768) and np.all(p.rule.thr == 614) and p.rule.kappa == 121 / 128
    assert (p.rule.regul_f0, p.rule.k_inp_p, p.rule.fp_trec, p.rule.lr_p[2]) == (160, 10, 4, 14)
    cfg = small_config(SPI_THR_H_0=0xFF6A, SPI_H_0=0b11110, NEUR_THR=[100, 0xFFCE, 300, 400], SPI_ALPHA_CONF=0b10)
    q = ChipFloatParams.from_config(cfg)
    assert q.rule.thr_h[0] == -150 and q.rule.h[0] == -2                # THR_H_0, H_0 read as signed
    np.testing.assert_array_equal(q.rule.thr, [100, 100, -50, -50, 300, 300, 400, 400])
    assert q.rule.alpha[2] == (0x8E00) / 32768 and q.rule.alpha[0] == 0x7E00 / 32768
    assert ChipFloatParams.from_config(cfg.with_registers(SPI_REGUL_MODE=0)).rule.regul_f0 == 0   # unused: 0
    with pytest.raises(InputError, match="membrane noise"):
        ChipFloatParams.from_config(cfg.with_registers(SPI_NOISE_EN=1))
    with pytest.raises(InputError, match="SPI_LR_P_WINP"):               # dicts go through ChipConfig.from_dict
        ChipConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "SPI_LR_P_WINP"})


def test_protocol_votes_eprop_window_and_test_mode():
    rng = np.random.default_rng(1)
    cfg = small_config()
    weights = random_weights(rng, 6, 8, 2)
    sample = random_sample(rng, 6, 60, 0.2, 1)
    chip = ChipFloat.from_config(cfg, *weights, record=True)
    assert isinstance(chip, Backend)
    res = chip.run_sample(sample, learn=False)
    rec = res.records
    assert res.votes.sum() == 60 - 40 and res.n_updates == 0 and res.eprop_ticks == 0
    assert all(np.array_equal(chip.weights()[k], np.asarray(w, float)) for k, w in zip(("winp", "wrec", "wout"),
                                                                                         weights))
    assert not rec["prop_trec"].any() and rec["prop_u"].any()           # DO_EPROP_TEST = 0: no trace increments
    first = sample.event_matrix(6)[0].astype(bool)                       # tick 1: scan of the time-0 events only
    np.testing.assert_array_equal(rec["prop_u"][0], weights[0][first].sum(axis=0) * 8.0)
    assert rec["has_step"][0] == 0 and rec["has_prop"][-1] == 0 and not rec["step_oneur_err"].any()
    trained = chip.run_sample(sample, learn=True)
    err = trained.records["step_oneur_err"]
    assert trained.n_updates > 0 and not err[:40].any() and err[40:].any()
    assert trained.eprop_ticks == 60 - 1 - 40                            # EPROP on ticks TT+1..T-1
    again = ChipFloat.from_config(cfg, *weights).run_sample(sample, learn=True)
    assert again.loss == trained.loss and again.n_updates == trained.n_updates      # deterministic
    assert again.records is None


def expected_updates(regs, rec_row, err, wout_old, n_in):
    """Spec §11 written vectorised (independent of the kernel): expected dWinp, dWrec, dWout of one EPROP.

    regs: decoded register values (ChipConfig.registers: signed registers are signed)."""
    u, tinp, trec, tout = (rec_row[k] for k in ("u", "tinp", "trec", "tout"))
    ti = tinp[:n_in] / 2 ** regs["SPI_FP_LOC_TINP"]
    tr = trec / 2 ** regs["SPI_FP_LOC_TREC"]
    bounds = [regs[f"SPI_THR_H_{s}"] for s in range(4)]
    values = [regs[f"SPI_H_{s}"] for s in range(5)]
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
    cfg = small_config(TARGET_TICK=48, SPI_REGUL_MODE=mode, SPI_REGUL_W=which, SPI_REGUL_K_MUL=k_mul,
                           SPI_THR_H_0=0xFF38, SPI_THR_H_1=100, SPI_THR_H_2=250, SPI_THR_H_3=400,
                           SPI_H_0=0, SPI_H_1=0b11111, SPI_H_2=2, SPI_H_3=3, SPI_H_4=1, SPI_LR_R_WINP=2,
                           SPI_REGUL_K_INP_R=3, SPI_REGUL_K_REC_P=6)
    winp, wrec, wout = random_weights(rng, 6, 8, 2)
    np.fill_diagonal(wrec, 0)                             # self-connections: zeroed by the chip, checked apart
    sample = random_sample(rng, 6, 50, 0.25, 0)          # T = 50: one EPROP, at tick 49
    chip = ChipFloat.from_config(cfg, winp, wrec, wout, record=True)
    rec = chip.run_sample(sample, learn=True).records
    row = {k: rec[f"step_{k}"][48] for k in ("u", "tinp", "trec", "tout")}
    err = rec["step_oneur_err"][48]
    assert np.abs(err).max() > 0 and row["trec"].max() > 0
    want = expected_updates(cfg.registers, row, err, wout.astype(float), 6)
    np.fill_diagonal(want["wrec"], 0.0)
    for name, w0 in (("winp", winp), ("wrec", wrec), ("wout", wout)):
        assert np.abs(want[name]).max() > 0
        np.testing.assert_allclose(chip.weights()[name] - w0, want[name], rtol=1e-12, atol=1e-13)  # w+dw-w


def _golden_case(name):
    case = GOLDEN / name
    if not (case / "config.json").exists():
        pytest.skip(f"golden case {name} not available")
    return case, ChipConfig.from_json(case / "config.json"), json.loads((case / "meta_run.json").read_text())


def test_integer_mode_matches_rtl_golden_until_first_update():
    # pub_regul has stochastic rounding off: with floors + saturations the float model is the RTL, until a
    # weight update (expected value vs +-1 LSB) makes them differ; test samples start from the golden weights
    case, cfg, meta = _golden_case("pub_regul")
    train = read_dataset(case / meta["files"]["train"])
    test = read_dataset(case / meta["files"]["test"])
    plan = [(train[i], True) for i in range(meta["ntrain"])] + [(test[i], False) for i in range(meta["ntest"])]
    keys = ("step_u", "step_z", "step_tinp", "step_trec", "step_tout", "step_oneur_u", "step_oneur_err",
            "prop_u", "prop_tinp", "prop_trec", "prop_tout", "prop_oneur_u")
    tt = cfg.target_tick
    start = np.load(case / "init.npz")
    for gidx, (sample, learn) in enumerate(plan):
        golden = np.load(case / f"sample_{gidx:04d}.npz")
        chip = ChipFloat.from_config(cfg, start["winp"], start["wrec"], start["wout"], integer_rounding=True,
                                     saturate=True, record=True)
        res = chip.run_sample(sample, learn)
        rec = res.records
        for key in keys:   # training: step rows up to tick TT+1 (before its EPROP), prop rows up to tick TT
            rows = slice(None) if not learn else slice(0, tt + 1 if key.startswith("step") else tt)
            ref = golden[key].astype(float)
            np.testing.assert_array_equal(rec[key][rows, :ref.shape[1]], ref[rows], err_msg=f"{gidx} {key}")
        if not learn:
            assert res.inference == int(golden["inference"])
            np.testing.assert_array_equal(res.votes, golden["cnt_winner"][:2])
        start = golden


def test_float_model_learns_stock_cue_accumulation():
    if not (DATA / "dataset_cueAcc_train.dat").exists():
        pytest.skip("stock ReckOn data not available")
    winp = read_weights(DATA / "init_rand_weights_inp_cueAcc.dat", 40, 100)
    wrec = read_weights(DATA / "init_rand_weights_rec_cueAcc.dat", 100, 100)
    wout = read_weights(DATA / "init_rand_weights_out_cueAcc.dat", 100, 2)
    train, test = read_dataset(DATA / "dataset_cueAcc_train.dat"), read_dataset(DATA / "dataset_cueAcc_test.dat")
    chip = ChipFloat.from_preset("reckon-tbench", winp, wrec, wout)
    before = np.mean([chip.run_sample(s, learn=False).correct for s in test[:20]])
    for s in train[:30]:
        chip.run_sample(s, learn=True)
    after = np.mean([chip.run_sample(s, learn=False).correct for s in test[:20]])
    assert after >= 0.85 and after >= before
