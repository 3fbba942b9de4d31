"""`reckon-sim run`: a golden case's protocol on the chip model, writing the golden output files."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..core.records import STATE_CODES, STATE_PROP, TICK_COLUMNS, TK
from ..core import config_regs
from ..core.chip import Chip, ChipHang
from ..io.npz import save_npz
from ..io.golden import Case, tick_arrays, write_inferences, write_summary
from .train import tick_stats


def sample_summary(result, meta: dict) -> dict:
    tk = result.tick_table
    tc = tk[:, TK.cycles]
    eprop = tk[:, TK.eprop] > 0
    noeprop = (tk[:, TK.end] == STATE_PROP) & ~eprop
    d = dict(meta, inference=int(result.inference), label=int(result.label), correct=int(result.correct),
             ticks=int(len(tc)), sum_tick_cycles=int(tc.sum()),
             **{f"tick_cycles_{k}": v for k, v in tick_stats(tc).items()}, eprop_ticks=int(eprop.sum()))
    if eprop.any():
        d["eprop_tick_cycles_median"] = float(np.median(tc[eprop]))
        d["noeprop_tick_cycles_median"] = float(np.median(tc[noeprop])) if noeprop.any() else 0.0
    if meta.get("all_bytes"):
        d["out_bytes"] = [int(b) for b in result.out_bytes]
    d.pop("all_bytes", None)
    return d


def send_arrays(tick_send: dict, n_items: int) -> dict[str, np.ndarray]:
    """Golden keys of the per-tick SEND (SEND_PER_TIMESTEP): items per tick, the items, the SEND cycles."""
    return {"tick_send_n": tick_send["n"].astype(np.int32),
            "tick_send_data": tick_send["data"][:, :n_items].astype(np.uint8),
            "tick_send_cycles": tick_send["cycles"].astype(np.int32)}


def config_read_array(visits) -> np.ndarray:
    """int64 [N, 4]: (tick, SPI code, address, word) of every word read in a CONFIG visit, in order."""
    rows = [(k, (cmd >> 28) & 7, (cmd & 0xFFFF) + i, w) for k, txns in visits for cmd, words in txns
            if cmd >> 31 for i, w in enumerate(words)]
    return np.array(rows, np.int64).reshape(-1, 4)


# golden keys of a halted sample (README "Operating modes"): the halt or hang (IDLE, EPROP, GET_TAR, PROP), and
# where the early tick cut the FSM (an EPROP hang: where SAMPLE fell)
HALT_FIELDS = ("halt_tick", "halt_state", "timing_error", "cut_state", "cut_cycle")


def halt_record(hang: ChipHang, n_ticks: int) -> dict[str, np.ndarray]:
    """The sample in which the chip is held in IDLE or waits for ever: tick and state of the halt, TIMING_ERROR,
    the state and the cycle in it where the early tick landed (-1: none), and the cycle table of the ticks finished
    before it (with the lost / cut ticks and the CONFIG words read before it, when there are any)."""
    tk = hang.tick_table[:-1] if hang.tick_table is not None else np.zeros((0, len(TICK_COLUMNS)), np.int64)
    cut_state, cut_cycle = (STATE_CODES[hang.cut[0]], hang.cut[1]) if hang.cut else (-1, -1)
    extra = {"free_run": np.int64(1)} if hang.free_run else {}   # never ready again (core.local_tick)
    if hang.lost_ticks:                              # host ticks lost before it (SPI_ERROR_HALT = 0)
        extra["lost_ticks"] = np.array(hang.lost_ticks, np.int64)
    if hang.cut_ticks:                               # host ticks that cut a PROP scan before it
        extra["cut_ticks"] = np.array(hang.cut_ticks, np.int64).reshape(-1, 2)
    if hang.config_reads:                            # words read in the visits before it
        extra["config_read"] = config_read_array(hang.config_reads)
    return {"halt_tick": np.int64(hang.tick), "halt_state": np.int64(STATE_CODES[hang.state]),
            "timing_error": np.int64(hang.timing_error), "cut_state": np.int64(cut_state),
            "cut_cycle": np.int64(cut_cycle), "ticks": np.int64(n_ticks), "tk_table": tk.astype(np.int64), **extra}


def run_case(case: Case, out_dir, dump_level: int | None = None, progress=None, host=None) -> list[dict]:
    """Run every epoch/phase/sample of `case`; write init.npz, sample_NNNN.npz, inferences.txt, summary.json
    into out_dir (the CLI hands it a temporary folder that is moved into place only on success).
    host: a core.host.HostSpec (default: the stock protocol; a non-stock one is recorded in summary.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dump = case.dump_level if dump_level is None else dump_level
    cfg = case.config
    chip = Chip.from_config(cfg, case.winp, case.wrec, case.wout)
    if host is not None:
        chip.host = host
    save_npz(out / "init.npz", chip.state.snapshot(cfg))
    rows, all_cycles = [], []
    gidx, halted = 0, None
    for epoch in range(case.epochs):
        for phase in ("train", "test"):
            for idx, sample in enumerate(case.phase_samples(phase) if halted is None else ()):
                learn = phase == "train"
                targets = case.sample_targets(idx, sample.n_ticks) if learn else None
                sized = config_regs.record_sizes(chip.config, [chip.host.config_txns])   # sizes a visit may grow
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    res = chip.run_sample(sample, learn, dump=True, targets=targets)
                except ChipHang as hang:             # held in IDLE / hung in a state: nothing more runs until a reset
                    halt = halt_record(hang, sample.n_ticks)
                    save_npz(out / f"sample_{gidx:04d}.npz", {**halt, "gidx": np.int64(gidx),
                                                              "epoch": np.int64(epoch), "sample": np.int64(idx),
                                                              "is_test": np.int64(not learn)})
                    halted = dict(gidx=gidx, epoch=epoch, phase=phase, sample=idx, why=str(hang),
                                  **{k: int(halt[k]) for k in HALT_FIELDS})
                    break
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                tk = res.tick_table
                arrays = dict(res.end_state)
                if dump >= 1:
                    arrays.update(tick_arrays(res, sized))
                else:
                    arrays["tk_table"] = tk.astype(np.int64)
                scalars = dict(gidx=gidx, epoch=epoch, sample=idx, is_test=int(not learn),
                               inference=res.inference, label=res.label, ticks=len(tk),
                               sample_cycles=int(tk[:, TK.cycles].sum()))
                arrays.update({k: np.int64(v) for k, v in scalars.items()})
                now = chip.config                    # registers as a CONFIG visit may have left them
                all_bytes = bool(now["SPI_REGRESSION"] or not now["SPI_SEND_LABEL_ONLY"])
                if all_bytes:                        # every OUT_DATA byte of SEND (FORMAT §9)
                    arrays["out_bytes"] = res.out_bytes.astype(np.uint8)
                if res.tick_send is not None:        # SEND_PER_TIMESTEP: each tick's OUT_DATA (FORMAT §5.4 ext.)
                    arrays.update(send_arrays(res.tick_send, len(res.out_bytes)))
                if res.config_reads is not None:     # CONFIG visits: every read word (FORMAT §5.4 ext.)
                    arrays["config_read"] = config_read_array(res.config_reads)
                if res.lost_ticks:                   # host ticks lost (per-tick rows are the chip's ticks)
                    arrays["lost_ticks"] = np.array(res.lost_ticks, np.int64)
                if res.cut_ticks:                    # host ticks that cut a PROP scan: (tick, cycles after the busy one's)
                    arrays["cut_ticks"] = np.array(res.cut_ticks, np.int64).reshape(-1, 2)
                save_npz(out / f"sample_{gidx:04d}.npz", arrays)
                meta = dict(gidx=gidx, epoch=epoch, phase=phase, sample=idx, all_bytes=all_bytes)
                row = sample_summary(res, meta)
                if res.lost_ticks:
                    row["lost_ticks"] = list(res.lost_ticks)
                if res.cut_ticks:
                    row["cut_ticks"] = [list(c) for c in res.cut_ticks]
                row.update(sample_cycles=int(tk[:, TK.cycles].sum()), wall_s=round(wall, 4), cpu_s=round(cpu, 4))
                rows.append(row)
                all_cycles.append(tk[:, TK.cycles])
                gidx += 1
                if progress is not None:
                    progress(1)
    write_inferences(out / "inferences.txt", rows)
    cyc = np.concatenate(all_cycles) if all_cycles else np.zeros(1)
    tick_all = tick_stats(cyc)
    tick_all.update({f"p{q}": float(np.percentile(cyc, q)) for q in (5, 25, 75, 95, 99)})
    meta = {"name": case.name, "sim": "reckon-sim", "epochs": case.epochs, "ntrain": case.ntrain,
            "ntest": case.ntest, "dump_level": dump, "config": cfg.to_dict(), "files": case.files}
    if not chip.host.stock:
        meta["host"] = chip.host.to_dict()
    write_summary(out / "summary.json", meta, rows + ([halted] if halted else []), tick_all)
    return rows + ([halted] if halted else [])
