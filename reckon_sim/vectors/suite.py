"""`vectors --suite`: a regression suite of small constrained-random vector sets chosen greedily to cover every
reachable coverage bin (hw.coverage) within a tick budget (issue 12).

Candidates are random configurations (every register drawn from a range the modelled host protocol supports,
biased towards corners: boundaries at 0, alpha = 1.0, extreme weights, tied output columns ...) with random
weights, events and host templates (GET_TAR labels, per-tick SEND, state probes, tick periods, local tick).
Each is run on the model with coverage on; the greedy set cover then keeps the candidate
with the most new bins per simulated tick until every bin any candidate hit is covered or the budget is spent.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..backend import Sample
from ..config import ChipConfig
from ..core.chip import Chip, ChipHang
from ..core.coverage import Coverage, collect
from ..core.host import HostSpec
from ..errors import InputError
from ..experiments.data import RunInputs
from ..hw.coverage import BINS, REACHABLE
from ..io.reckon_files import sample_targets
from . import model_only, spi
from .stimulus import check_protocol

# RTL cost of one set beyond its ticks (Verilator start, SPI programming, read-backs), in tick equivalents
SET_OVERHEAD_TICKS = 60
DEFAULT_BUDGET_TICKS = 6000
DEFAULT_CANDIDATES = 300


def _thr_h(rng) -> list[int]:
    """Ascending STE boundaries with one of them at 0 (silent and reset neurons sit exactly on it)."""
    k = int(rng.integers(0, 5))
    lo = sorted(int(v) for v in rng.integers(-900, -1, k))
    hi = sorted(int(v) for v in rng.integers(1, 900, 3 - k)) if k < 4 else []
    vals = lo + [0] + hi if k < 4 else sorted(int(v) for v in rng.integers(-900, 900, 4))
    return vals[:4]


def random_config(rng) -> ChipConfig:
    """One constrained-random configuration the tick-stream protocol can drive."""
    d = ChipConfig.from_preset("reckon-tbench").to_dict()
    c = lambda *v: v[int(rng.integers(len(v)))]          # noqa: E731 - one of the listed values
    u = lambda n: sum(int(rng.integers(0, 1 << min(16, n - b))) << b for b in range(0, n, 16))  # noqa: E731
    nrec = c(3, 7, 11, 15, 19)
    ninp = c(nrec, max(1, nrec // 2), nrec + 4)
    nout = c(0, 1, 2, 3)
    regression = rng.random() < 0.25
    rm = c(0, 1, 2, 3, 4, 5, 6, 7) if regression else c(0, 1, 2, 3, 4, 5)
    d.update(SPI_NUM_INP_NEUR=ninp, SPI_NUM_REC_NEUR=nrec, SPI_NUM_OUT_NEUR=nout, SPI_RST_MODE=u(1),
             SPI_DO_EPROP=u(3), SPI_ERROR_HALT=u(1), SPI_RO_STAGE_SEL=c(0, u(9)), SPI_GET_CLKINT_OUT=u(1),
             SPI_GET_TAR_REQ_OUT=u(1), SPI_SRAM_SPEEDMODE=c(0, u(8)),
             SPI_CYCLES_PER_TICK=c(0, u(16)), SPI_REGRESSION=int(regression),
             SPI_SINGLE_LABEL=u(1) if regression else 1, SPI_NO_OUT_ACT=u(1), SPI_SEND_LABEL_ONLY=u(1),
             SPI_NOISE_EN=u(1), SPI_NOISE_STR=u(4), SPI_FORCE_TRACES=u(1), SPI_EN_STOCH_ROUND=u(1),
             SPI_ALPHA_CONF=c(0, u(128), (1 << 128) - 1), SPI_KAPPA=c(0x7A, 0x80, 0x90, u(8)),
             SPI_REGUL_MODE=rm, SPI_REGUL_W=u(2), SPI_REGUL_F0=c(0, u(4), u(8)), SPI_REGUL_K_MUL=u(5),
             SPI_LEARN_SIG_SCALE=u(4))
    for x in ("WINP", "WREC", "WOUT", "TINP", "TREC", "TOUT"):
        d[f"SPI_FP_LOC_{x}"] = c(0, u(3))
    for x in ("INP", "REC"):
        d[f"SPI_REGUL_K_{x}_R"], d[f"SPI_REGUL_K_{x}_P"] = c(0, u(5)), c(0, u(5))
    for x in ("WINP", "WREC", "WOUT"):
        d[f"SPI_LR_R_{x}"], d[f"SPI_LR_P_{x}"] = c(0, u(5)), c(8, 14, u(5))
    for k, v in enumerate(_thr_h(rng)):
        d[f"SPI_THR_H_{k}"] = v
    for k in range(5):
        d[f"SPI_H_{k}"] = int(rng.integers(-16, 16))
    for name in ("INP", "REC", "OUT", "STRND_NEUR", "STRND_ONEUR", "STRND_TINP", "STRND_TREC", "STRND_TOUT",
                 "NOISE_NEUR"):
        d[f"SPI_SEED_{name}"] = int(rng.integers(1, 1 << 15))
    words = (max(ninp, nrec) >> 1) + 1
    d.update(NEUR_INIT_WORDS=c(words, max(1, words // 2)), NEUR_THR=c(int(rng.integers(20, 900)), 300),
             NEUR_ALPHA_LSB=[c(0, 0xFEF, u(12)) for _ in range(words)],
             DO_EPROP_TRAIN=c(7, 7, 3, 1, 2, 4, 5, 6), DO_EPROP_TEST=0 if rm >> 1 == 3 else c(0, 0, 7))
    return ChipConfig.from_dict(d)


def random_host(rng, cfg: ChipConfig) -> tuple[ChipConfig, HostSpec]:
    """A host template for a configuration (most draws the stock one) and the registers it goes with: labels
    answered at every GET_TAR, per-tick SEND, state probes, a fixed tick period, the local tick generator."""
    d, host = cfg.to_dict(), {}
    c = lambda *v: v[int(rng.integers(len(v)))]          # noqa: E731 - one of the listed values
    if not d["SPI_REGRESSION"] and rng.random() < 0.25:
        host["label"] = "gettar"                         # GET_TAR waits for a label: SINGLE_LABEL = 0 possible
        d.update(SPI_SINGLE_LABEL=c(0, 1), SPI_REGUL_MODE=c(d["SPI_REGUL_MODE"], 6, 7))
    if d["SPI_REGRESSION"] and rng.random() < 0.3:
        host["targets"] = "gettar"
    if rng.random() < 0.2:
        d["SPI_SEND_PER_TIMESTEP"] = 1
    if rng.random() < 0.2:
        host["config_every"] = int(rng.integers(3, 13))
    # the replay DUT shows no REQ_TAR but in a hang; with TIMING_MODE = 1 the bench would await it (README)
    asks = (d["SPI_REGRESSION"] or host.get("label") == "gettar") and d["SPI_GET_TAR_REQ_OUT"]
    if rng.random() < 0.2:
        host["tick_period"] = int(rng.integers(150, 3500))
        d["SPI_TIMING_MODE"] = 0 if asks else c(0, 1)
    elif not asks and rng.random() < 0.1:
        d["SPI_TIMING_MODE"] = 1                         # the ready host: ticks paced by the expected cycles
    elif rng.random() < 0.03:
        d.update(SPI_LOCAL_TICK=1, SPI_CYCLES_PER_TICK=c(1, 2, int(rng.integers(3, 1 << 16))),
                 SPI_TIMING_MODE=c(0, 1))
    return ChipConfig.from_dict(d), HostSpec(**host)


def _weights(rng, shape, spread) -> np.ndarray:
    w = rng.integers(-spread, spread + 1, shape)
    corner = rng.random(shape) < 0.08                    # some weights at the bounds: saturating updates
    w[corner] = rng.choice([-128, 127], int(corner.sum()))
    return w.astype(np.int8)


def random_case(rng, name: str) -> RunInputs:
    """A random configuration with weights, 1-2 training samples and 1 test sample of 16-40 ticks."""
    cfg, host = random_host(rng, random_config(rng))
    nin, nrec, nout = cfg.n_inp, cfg.n_rec, cfg.n_out
    wout = _weights(rng, (nrec, nout), int(rng.integers(4, 128)))
    if nout > 1 and rng.random() < 0.4:
        wout[:, 1:] = wout[:, :1]                        # tied output columns: tied inference votes
    weights = {"winp": _weights(rng, (nin, nrec), int(rng.integers(4, 128))),
               "wrec": _weights(rng, (nrec, nrec), int(rng.integers(4, 128))), "wout": wout}
    T = int(rng.integers(16, 41))
    every_tick = cfg["SPI_REGRESSION"] and (cfg["SPI_REGUL_MODE"] >> 1) == 3 and host.targets != "gettar"
    # every-tick targets: the stock host sends them from tick 1; after a later TARGET_TICK the chip hangs in GET_TAR
    tt = 1 if every_tick and rng.random() < 0.8 else int(rng.integers(2, T - 3))
    d = cfg.to_dict()
    d["TARGET_TICK"] = tt
    cfg = ChipConfig.from_dict(d)

    def sample() -> Sample:
        n = int(rng.integers(T // 2, T * max(2, nin // 2)))
        times = np.sort(rng.integers(0, T, n))
        ev = np.stack([rng.integers(0, nin, n), times], axis=1).astype(np.int32)
        return Sample(ev, int(rng.integers(0, nout)), T, int(np.sum(times < tt)))

    train = [sample() for _ in range(int(rng.integers(1, 3)))]
    targets = None
    if cfg["SPI_REGRESSION"]:
        span = int(rng.choice([3000, 32767]))
        targets = rng.integers(-span, span + 1, (len(train) * (T - 1 - tt), nout)).astype(np.int64)
    return RunInputs(cfg, train, [sample()], weights, 1, targets=targets, source=f"suite candidate {name}",
                     host=host)


def model_runs(inputs: RunInputs, chip: Chip, dump: bool = False):
    """The results of the runs `vectors` writes for `inputs` on `chip` (its host: inputs.host), in order; a
    halt in IDLE or a hang in EPROP, GET_TAR or PROP ends them, as it ends the vectors (vectors.writer)."""
    cfg = inputs.config
    chip.host = inputs.host or HostSpec()
    chip.state.dirty[: 2 * spi.program_dirty_words(cfg)] = 1
    regression = inputs.targets is not None and cfg["SPI_REGRESSION"]
    runs = [(s, True, index) for index, s in enumerate(inputs.train)] + [(s, False, 0) for s in inputs.test]
    for _ in range(inputs.epochs):
        for s, learn, index in runs:
            tg = sample_targets(inputs.targets, index, s.n_ticks, cfg.target_tick) if learn and regression else None
            try:
                yield chip.run_sample(s, learn, dump=dump, targets=tg)
            except ChipHang as hang:                  # held in IDLE / hung in EPROP, GET_TAR or PROP, as in vectors.writer
                if hang.state not in ("IDLE", "EPROP", "GET_TAR", "PROP") and not hang.free_run:
                    raise
                model_only.check_halt(hang)           # InputError for a halt the vectors do not write
                return


def run_coverage(inputs: RunInputs) -> Coverage:
    """The coverage of writing `inputs` as vectors (the same runs as vectors.writer.write_vectors)."""
    chip = Chip.from_config(inputs.config, **inputs.weights)
    cov = chip.enable_coverage()
    for _ in model_runs(inputs, chip):
        pass
    return cov


def ticks(inputs: RunInputs) -> int:
    return inputs.epochs * sum(s.n_ticks for s in (*inputs.train, *inputs.test))


def choose(candidates: list[tuple[RunInputs, Coverage]], budget_ticks: int, depth: int = 5) -> list[int]:
    """Greedy set cover: indices of the chosen candidates, most new reachable bins per RTL tick first. Once every
    bin any candidate hits is covered, a new round covers them again with other candidates (a bug is then met
    in up to `depth` different configurations), while the budget lasts."""
    reach = set(REACHABLE)
    hits = [c.hit() & reach for _, c in candidates]
    cost = [ticks(i) + SET_OVERHEAD_TICKS for i, _ in candidates]
    chosen: list[int] = []
    spent = 0
    for _ in range(depth):
        covered: set[str] = set()
        while True:
            best, best_rate = -1, 0.0
            for j, h in enumerate(hits):
                gain = len(h - covered)
                if j in chosen or gain == 0 or spent + cost[j] > budget_ticks:
                    continue
                if gain / cost[j] > best_rate:
                    best, best_rate = j, gain / cost[j]
            if best < 0:
                break
            chosen.append(best)
            covered |= hits[best]
            spent += cost[best]
    return chosen


def generate(seed: int, budget_ticks: int = DEFAULT_BUDGET_TICKS, n_candidates: int = DEFAULT_CANDIDATES,
             progress=None) -> list[tuple[str, RunInputs, Coverage]]:
    """The suite: (name, inputs, coverage) of each chosen set, in the order chosen."""
    rng = np.random.default_rng(seed)
    candidates = []
    while len(candidates) < n_candidates:
        inputs = random_case(rng, f"c{len(candidates):03d}")
        try:
            check_protocol(inputs.config, inputs.host)
            candidates.append((inputs, run_coverage(inputs)))
        except InputError:
            continue                                  # a draw the protocol cannot drive: drawn again
        if progress is not None:
            progress(1)
    chosen = choose(candidates, budget_ticks)
    return [(f"set_{k:02d}", candidates[j][0], candidates[j][1]) for k, j in enumerate(chosen)]


def verilator_unsafe(cfg: ChipConfig) -> str | None:
    """Why Verilator 5.006 cannot run this set (tools/rtl/README.md: it sign-fills the logical >> of srnn.v
    L893-894), or None. Static test: the additive term can reach bit 31 (K_x_P >= 20) and is shifted back."""
    hit = [x for k, x in enumerate(("INP", "REC")) if cfg["SPI_REGUL_MODE"] & 2 and (cfg["SPI_REGUL_W"] >> k) & 1
           and cfg[f"SPI_REGUL_K_{x}_R"] and cfg[f"SPI_REGUL_K_{x}_P"] >= 20]
    return (f"SPI_REGUL_K_{hit[0]}_P = {cfg[f'SPI_REGUL_K_{hit[0]}_P']} with K_{hit[0]}_R != 0: Verilator 5.006 "
            "mis-simulates srnn.v L893-894 (tools/rtl/README.md); run this set with SIM=icarus") if hit else None


def write_suite(out: Path, suite, seed: int, budget_ticks: int, write_set) -> dict:
    """Write every set (write_set(folder, inputs) -> vector manifest), the merged coverage and suite.json."""
    out = Path(out)
    merged = Coverage()
    sets, seen = [], set()
    for name, inputs, _ in suite:
        with collect() as cov:                        # the coverage of the vectors actually written
            write_set(out / name, inputs)
        merged = merged.merge(cov)
        new = sorted((cov.hit() & set(REACHABLE)) - seen)
        seen |= cov.hit()
        cov.write(out / name / "coverage.json")
        cfg = inputs.config
        sets.append({"name": name, "ticks": ticks(inputs), "samples": len(inputs.train) + len(inputs.test),
                     "neurons": [cfg.n_inp, cfg.n_rec, cfg.n_out], "new_bins": new})
        if (why := verilator_unsafe(cfg)) is not None:   # tools/rtl/run_suite.sh skips it on Verilator
            (out / name / "verilator_skip.txt").write_text(why + "\n", encoding="ascii")
            sets[-1]["verilator_skip"] = why
    merged.write(out / "coverage.json")
    manifest = {"format": "reckon-sim-vector-suite", "format_version": 1, "seed": seed,
                "budget_ticks": budget_ticks, "ticks": sum(s["ticks"] for s in sets), "sets": sets,
                "coverage": merged.summary(),
                "unreachable": {b.name: b.reason for b in BINS if not b.reachable}}
    (out / "suite.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="ascii")
    return manifest, merged
