"""ChipState: every register and memory of the chip as named integer numpy arrays (spec §2).

A NamedTuple of arrays, so the kernels take it as one Numba record (the arrays are mutated in place).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..config import ChipConfig
from . import lfsr as lfsr_mod

# control-register index in ChipState.ctl (the kernels mutate these scalars, so they live in one array);
# READBACK: srnn.v's SRNN_READBACK word (no reset: -1 until the first SPI read), only CONFIG visits use it
CLASS_LABEL, GOT_LABEL, TARGET_VALID, INFER_ACC, READBACK = range(5)


class ChipState(NamedTuple):
    membrane: np.ndarray   # int64 [256] raw membrane u of each neuron (neuron-SRAM field)
    trace_inp: np.ndarray  # int64 [256] raw input trace
    trace_rec: np.ndarray  # int64 [256] raw recurrent trace
    trace_out: np.ndarray  # int64 [256] raw output trace
    thr: np.ndarray        # int64 [128] threshold field of each word
    alpha_lsb: np.ndarray  # int64 [128] alpha LSB field of each word
    dirty: np.ndarray      # uint8 [256] neur_dirty: the word was written since IDLE (else it reads as 0)
    z: np.ndarray          # uint8 [256] spike of the last STEP
    inp: np.ndarray        # uint8 [256] input events latched for this tick
    winp: np.ndarray       # int16 [256, 256] (pre, post) = input-weight SRAM (int16 holds any weight width)
    wrec: np.ndarray       # int16 [256, 256] = recurrent-weight SRAM
    wout: np.ndarray       # int16 [256, 16] (pre, k) = output-weight SRAM words 0..255
    oneur: np.ndarray      # int64 [16] output membranes
    votes: np.ndarray      # int64 [16] cnt_winner
    learn_sig: np.ndarray  # int64 [16] learning signal of each lane of the current block
    ste: np.ndarray        # int64 [16] neur_h: surrogate derivative of each lane
    trace_reg: np.ndarray  # int64 [16] regularisation trace of each lane
    target: np.ndarray     # int64 [16] reg_tar: regression targets of the current tick
    lfsr: np.ndarray       # int64 [13] LFSR registers (core.lfsr.INSTANCES order)
    qreg: np.ndarray       # int64 [2, 4] neuron-SRAM output register [slot, records.NF field]
    ctl: np.ndarray        # int64 [5] CLASS_LABEL, GOT_LABEL, TARGET_VALID (sync), INFER_ACC (sync), READBACK
    work: np.ndarray       # int64 [8, 256] the kernels' scratch rows (no chip state: set per sample or phase)

    @classmethod
    def after_init(cls, cfg: ChipConfig) -> "ChipState":
        """Reset, program every register (seeds load the LFSRs) and the neuron-SRAM words (FORMAT §3.1)."""
        n256 = [np.zeros(256, np.int64) for _ in range(4)]
        flags = [np.zeros(256, np.uint8) for _ in range(3)]
        lanes = [np.zeros(16, np.int64) for _ in range(4)]
        st = cls(*n256, thr=cfg.neur_thr.astype(np.int64).copy(), alpha_lsb=cfg.neur_alpha_lsb.astype(np.int64).copy(),
                 dirty=flags[0], z=flags[1], inp=flags[2], winp=np.zeros((256, 256), np.int16),
                 wrec=np.zeros((256, 256), np.int16), wout=np.zeros((256, 16), np.int16),
                 oneur=np.zeros(16, np.int64), votes=np.zeros(16, np.int64), learn_sig=lanes[0], ste=lanes[1],
                 trace_reg=lanes[2], target=lanes[3], lfsr=lfsr_mod.seeded_states(cfg.registers),
                 qreg=np.zeros((2, 4), np.int64), ctl=np.array([0, 0, 0, 0, -1], np.int64),
                 work=np.zeros((8, 256), np.int64))
        st.dirty[: 2 * cfg.neur_init_words] = 1    # SPI writes of the programmed words set their dirty flags
        return st

    def copy(self) -> "ChipState":
        return ChipState(*(a.copy() for a in self))

    def restore(self, saved: "ChipState") -> None:
        """Every array back to `saved`'s values, in place (a re-run of a sample: core.lost_ticks)."""
        for dst, src in zip(self, saved):
            dst[...] = src

    @property
    def neurons(self) -> np.ndarray:
        """int64 [4, 256] raw neuron fields, rows as records.NF."""
        return np.stack([self.membrane, self.trace_inp, self.trace_rec, self.trace_out])

    def program_weights(self, cfg: ChipConfig, winp: np.ndarray, wrec: np.ndarray, wout: np.ndarray) -> None:
        """The SRAM bytes the testbench writes: posts padded to a multiple of 4 with zeros (FORMAT §3.1)."""
        nin, nrec, nout = cfg.n_inp, cfg.n_rec, cfg.n_out
        pad_rec, pad_out = 4 * -(-nrec // 4), 4 * -(-nout // 4)
        self.winp[:nin, :pad_rec] = 0
        self.winp[:nin, :nrec] = winp[:nin, :nrec]
        self.wrec[:nrec, :pad_rec] = 0
        self.wrec[:nrec, :nrec] = wrec[:nrec, :nrec]
        self.wout[:nrec, :pad_out] = 0
        self.wout[:nrec, :nout] = wout[:nrec, :nout]

    def enter_idle(self) -> None:
        """End of sample: dirty/spike/event flags, output membranes, votes and got_label clear (spec §15)."""
        for flags in (self.dirty, self.z, self.inp, self.oneur, self.votes):
            flags[:] = 0
        self.ctl[GOT_LABEL:READBACK] = 0   # got_label; the host drops TARGET_VALID and INFER_ACC after the sample

    def snapshot(self, cfg: ChipConfig) -> dict[str, np.ndarray]:
        """The golden state keys (FORMAT §5.3), see core.snapshot."""
        from .snapshot import snapshot
        return snapshot(self, cfg)
