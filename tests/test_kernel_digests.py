"""The kernels bit for bit on configurations the public golden cases do not reach (full size, odd sizes, noise,
narrow/wide widths, every rounding, regularisation, force-traces, output-only learning): digests of every
per-tick record, the tick table, the counters and the end state of a training and a test sample, compared
with tests/data/kernel_digests.json, written by the flat-record kernels before the speed work (issue 13).

Regenerate (only for an intended semantic change): python -m tests.test_kernel_digests --write
"""
import hashlib
import json
import sys

import numpy as np
import pytest

from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.core.host import HostSpec
from reckon_sim.hw.widths import BitWidths

from .conftest import DATA

DIGESTS = DATA / "kernel_digests.json"
N_CASES = 14


def _digest(a) -> str:
    a = np.asarray(a)
    return hashlib.sha256(str(a.shape).encode() + a.astype(np.int64).tobytes()).hexdigest()[:16]


def _case(seed: int):
    """A seeded configuration: cases 0..3 full size, the rest random sizes; widths narrow, wide or the chip's."""
    rng = np.random.default_rng(1000 + seed)
    full = seed < 4
    base = ChipConfig.from_preset("reckon-full" if full else "reckon-tbench").to_dict()
    mode = seed % 3
    widths = (BitWidths(), BitWidths(weight=int(rng.integers(3, 8)), membrane=int(rng.integers(8, 16)),
                                     trace_inp=int(rng.integers(4, 12)), trace_out=int(rng.integers(4, 10)),
                                     rounding=(("membrane", "nearest"), ("trace_rec", "truncate"))),
              BitWidths(weight=12, membrane=20, trace_inp=16, trace_rec=14, trace_out=14,
                        rounding=(("trace_inp", "nearest"),)))[mode]
    d = dict(base, SPI_RST_MODE=int(rng.integers(0, 2)), SPI_NOISE_EN=int(seed % 4 == 1),
             SPI_NOISE_STR=int(rng.integers(0, 16)), SPI_EN_STOCH_ROUND=int(seed % 5 != 3),
             SPI_REGUL_MODE=int(rng.integers(0, 6)) if seed % 7 != 6 else 6,
             SPI_REGRESSION=int(seed % 7 == 6 or seed % 5 == 4), SPI_NO_OUT_ACT=int(seed % 10 == 9), SPI_REGUL_W=int(rng.integers(0, 4)),
             SPI_FORCE_TRACES=int(seed % 6 == 2), SPI_ALPHA_CONF=int(rng.integers(0, 2**62)),
             SPI_KAPPA=int(rng.choice([0x80, 0x79, int(rng.integers(0, 256))])),
             SPI_REGUL_F0=int(rng.integers(0, 400)), SPI_REGUL_K_MUL=int(rng.integers(0, 6)),
             NEUR_INIT_WORDS=int(rng.integers(0, 129)), NEUR_THR=[int(x) for x in rng.integers(-200, 1500, 128)],
             NEUR_ALPHA_LSB=[int(x) for x in rng.choice([0, 0xFEF, 0xFFF, 0x800], 128)],
             DO_EPROP_TRAIN=int([7, 4, 3, 5, 6, 7, 1][seed % 7]), DO_EPROP_TEST=int(seed % 9 == 4) * 7)
    if (d["SPI_REGUL_MODE"] >> 1) == 3:       # every-tick regularisation: targets each tick, no test e-prop
        d["DO_EPROP_TEST"] = 0
    if not full:
        d.update(SPI_NUM_INP_NEUR=int(rng.integers(0, 256)), SPI_NUM_REC_NEUR=int(rng.integers(0, 256)),
                 SPI_NUM_OUT_NEUR=int(rng.integers(0, 16)))
    T = int(rng.integers(30, 70))
    d["TARGET_TICK"] = int(rng.integers(1, T // 2))
    cfg = ChipConfig.from_dict(d)
    w = {k: rng.integers(-128, 128, s).astype(np.int8) for k, s in
         (("winp", (cfg.n_inp, cfg.n_rec)), ("wrec", (cfg.n_rec, cfg.n_rec)), ("wout", (cfg.n_rec, cfg.n_out)))}
    # every-tick regression asks for targets from tick 2 on: the host answers zeros before the marker
    every_tick_regression = bool(d["SPI_REGRESSION"]) and (d["SPI_REGUL_MODE"] >> 1) == 3
    chip = Chip.from_config(cfg, widths=widths, **w)
    if every_tick_regression:
        chip.host = HostSpec(targets="gettar")
    samples = []
    for _ in range(2):
        n_ev = int(rng.integers(50, 40 * T))
        ev = np.stack([rng.integers(0, 256, n_ev), np.sort(rng.integers(0, T, n_ev))], 1).astype(np.int32)
        samples.append(Sample(ev, int(rng.integers(0, cfg.n_out)), T, int(np.sum(ev[:, 1] < cfg.target_tick))))
    return chip, samples


def case_digests(seed: int) -> dict:
    chip, samples = _case(seed)
    targets = np.random.default_rng(seed).integers(-3000, 3000, (samples[0].n_ticks, chip.config.n_out))
    out = {}
    for phase, sample, learn in (("train", samples[0], True), ("test", samples[1], False)):
        tgt = targets[: sample.n_ticks - 1 - chip.config.target_tick] if learn else None
        r = chip.run_sample(sample, learn, dump=True, targets=tgt)
        keys = {f"rec.{k}": v for k, v in r.records._asdict().items()}
        keys.update({f"end.{k}": v for k, v in r.end_state.items()})
        keys.update(tick_table=r.tick_table, votes=r.votes, out_bytes=r.out_bytes,
                    counts=[r.n_spikes, r.n_updates, r.n_sops, r.eprop_ticks, *r.saturations.values()])
        out[phase] = {k: _digest(v) for k, v in sorted(keys.items())}
    return out


@pytest.mark.parametrize("seed", range(N_CASES))
def test_kernels_match_recorded_digests(seed):
    want = json.loads(DIGESTS.read_text())[str(seed)]
    got = case_digests(seed)
    for phase in want:
        bad = [k for k in want[phase] if got[phase].get(k) != want[phase][k]]
        assert not bad, f"case {seed} {phase}: {bad}"


if __name__ == "__main__" and "--write" in sys.argv:
    DIGESTS.write_text(json.dumps({str(s): case_digests(s) for s in range(N_CASES)}, indent=1) + "\n")
