"""Fuzzing the core over random configurations, widths and event streams: the documented invariants hold
(cycle-count formulas of spec §7, field ranges, weight bounds) and nothing crashes."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.hw.widths import BitWidths

BASE = ChipConfig.from_preset("reckon-tbench").to_dict()


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_random_configurations_keep_invariants(seed, narrow):
    rng = np.random.default_rng(seed)
    d = dict(BASE, SPI_NUM_INP_NEUR=int(rng.integers(0, 256)), SPI_NUM_REC_NEUR=int(rng.integers(0, 256)),
             SPI_NUM_OUT_NEUR=int(rng.integers(0, 16)), SPI_RST_MODE=int(rng.integers(0, 2)),
             SPI_NOISE_EN=int(rng.integers(0, 2)), SPI_NOISE_STR=int(rng.integers(0, 16)),
             SPI_EN_STOCH_ROUND=int(rng.integers(0, 2)), SPI_REGUL_MODE=int(rng.integers(0, 4)),
             SPI_REGUL_W=int(rng.integers(0, 4)), SPI_FORCE_TRACES=int(rng.integers(0, 2)),
             SPI_ALPHA_CONF=int(rng.integers(0, 2**62)), SPI_KAPPA=int(rng.integers(0, 256)),
             NEUR_INIT_WORDS=128, NEUR_THR=[int(x) for x in rng.integers(-500, 3000, 128)],
             NEUR_ALPHA_LSB=[int(x) for x in rng.integers(0, 4096, 128)], DO_EPROP_TRAIN=int(rng.integers(1, 8)))
    T = int(rng.integers(4, 40))
    d["TARGET_TICK"] = int(rng.integers(1, T - 1))
    cfg = ChipConfig.from_dict(d)
    widths = BitWidths(weight=int(rng.integers(2, 13)), membrane=int(rng.integers(6, 21)),
                       trace_inp=int(rng.integers(3, 17))) if narrow else BitWidths()
    w = {k: rng.integers(-128, 128, s).astype(np.int8) for k, s in
         (("winp", (cfg.n_inp, cfg.n_rec)), ("wrec", (cfg.n_rec, cfg.n_rec)), ("wout", (cfg.n_rec, cfg.n_out)))}
    chip = Chip.from_config(cfg, widths=widths, **w)
    ev = np.stack([rng.integers(0, 256, 300), np.sort(rng.integers(0, T, 300))], 1).astype(np.int32)
    sample = Sample(ev, int(rng.integers(0, cfg.n_out)), T, int(np.sum(ev[:, 1] < cfg.target_tick)))
    r = chip.run_sample(sample, True, dump=True)
    tk = r.tick_table
    nn, nr, nro = cfg.num_neur, cfg["SPI_NUM_REC_NEUR"], cfg.num_recout
    assert np.array_equal(tk[:, 1], tk[:, 2:8].sum(1) + 1)
    assert tk[0, 2] == 0 and np.all(tk[1:, 2] == nro + 1) and np.all(tk[1:, 3] == 1)
    assert tk[-1, 7] == 0 and tk[-1, 8] == 7 and np.all(tk[:-1, 8] == 1)
    e = ((nr >> 4) + 1) * (32 + 2 * (nn + 1)) if cfg.do_eprop_train != 4 else 2 * (nr + 1)
    assert set(np.unique(tk[:, 4])) <= {0, e}
    assert np.count_nonzero(tk[:, 4]) == T - 1 - cfg.target_tick   # EPROP on ticks TT+1..T-1
    scan = tk[:-1, 7] - (nn + 1)
    assert np.all(scan >= 0) and np.all(scan % 2 == 0)   # n_pass·((NUM_REC|1)+1) + 2·n_supp
    st_ = chip.state
    wmin, wmax = -(1 << (widths.weight - 1)), (1 << (widths.weight - 1)) - 1
    for m in (st_.winp, st_.wrec, st_.wout):
        assert m.min() >= wmin and m.max() <= wmax
    rec = r.records
    assert rec.step[:, 1].max() < (1 << widths.trace_inp) and rec.step[:, 3].max() < (1 << widths.trace_out)
    assert np.abs(rec.step[:, 0]).max() <= (1 << (widths.membrane - 1))
    assert sum(r.votes) == T - cfg.target_tick     # one vote per tick TT+1..T
    assert np.all(chip.state.votes == 0) and not chip.state.dirty.any() and not chip.state.z.any() and not chip.state.inp.any()   # cleared on entering IDLE
    assert 0 <= r.inference <= cfg["SPI_NUM_OUT_NEUR"]
