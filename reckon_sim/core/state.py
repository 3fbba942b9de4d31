"""ChipState: every register and memory of the chip as integer numpy arrays (spec §2), and its snapshots."""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..config import ChipConfig
from ..hw import memories
from . import lfsr as lfsr_mod


@dataclass
class ChipState:
    neur: np.ndarray       # int64 [4, 256] raw neuron fields u, tinp, trec, tout
    thr: np.ndarray        # int64 [128] threshold field of each word
    alpha_lsb: np.ndarray  # int64 [128] alpha LSB field of each word
    flags: np.ndarray      # uint8 [3, 256] dirty, z, inp_events
    winp: np.ndarray       # int16 [256, 256] (pre, post) = input-weight SRAM (int16 holds any weight width)
    wrec: np.ndarray       # int16 [256, 256] = recurrent-weight SRAM
    wout: np.ndarray       # int16 [256, 16] (pre, k) = output-weight SRAM words 0..255
    oneur: np.ndarray      # int64 [16] output membranes
    votes: np.ndarray      # int64 [16] cnt_winner
    learn: np.ndarray      # int64 [4, 16] learning_signals, neur_h, trace_reg, reg_tar
    lfsr: np.ndarray       # int64 [13] LFSR registers (core.lfsr.INSTANCES order)
    qreg: np.ndarray       # int64 [8] neuron-SRAM output register
    ctl: np.ndarray        # int64 [4] class_label, got_label, TARGET_VALID_sync, INFER_ACC_sync

    @classmethod
    def after_init(cls, cfg: ChipConfig) -> "ChipState":
        """Reset, program every register (seeds load the LFSRs) and the neuron-SRAM words (FORMAT §3.1)."""
        st = cls(neur=np.zeros((4, 256), np.int64), thr=cfg.neur_thr.astype(np.int64).copy(),
                 alpha_lsb=cfg.neur_alpha_lsb.astype(np.int64).copy(), flags=np.zeros((3, 256), np.uint8),
                 winp=np.zeros((256, 256), np.int16), wrec=np.zeros((256, 256), np.int16),
                 wout=np.zeros((256, 16), np.int16), oneur=np.zeros(16, np.int64), votes=np.zeros(16, np.int64),
                 learn=np.zeros((4, 16), np.int64), lfsr=lfsr_mod.seeded_states(cfg.registers),
                 qreg=np.zeros(8, np.int64), ctl=np.zeros(4, np.int64))
        st.flags[0, : 2 * cfg.neur_init_words] = 1    # SPI writes of the programmed words set their dirty flags
        return st

    def copy(self) -> "ChipState":
        return ChipState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

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
        self.flags[:] = 0
        self.oneur[:] = 0
        self.votes[:] = 0
        self.ctl[1:] = 0          # got_label; the host drops TARGET_VALID and INFER_ACC after the sample

    # ---- snapshots (FORMAT §5.3) ----
    def gated(self) -> np.ndarray:
        return np.where(self.flags[0] != 0, self.neur, 0)

    def lfsr_outputs(self) -> dict[str, np.ndarray]:
        return lfsr_outputs(self.lfsr[None, :])

    def snapshot(self, cfg: ChipConfig) -> dict[str, np.ndarray]:
        """The golden state keys (FORMAT §5.3); weights as int8, i.e. for the chip's 8-bit weight width."""
        nin, nrec, nout = cfg.n_inp, cfg.n_rec, cfg.n_out
        winp, wrec, wout = (w.astype(np.int8) for w in (self.winp, self.wrec, self.wout))
        gated = self.gated()
        words = memories.neuron_words(self.neur, self.thr, self.alpha_lsb)
        out = {
            "neur_sram": memories.words_to_bytes(words),
            "neur_dirty": self.flags[0].astype(np.uint8),
            "neur_u_raw": self.neur[0].astype(np.int16),
            "neur_tinp_raw": self.neur[1].astype(np.uint16),
            "neur_trec_raw": self.neur[2].astype(np.uint16),
            "neur_tout_raw": self.neur[3].astype(np.uint16),
            "neur_u": gated[0, :nrec].astype(np.int16),
            "neur_tinp": gated[1, :nrec].astype(np.uint16),
            "neur_trec": gated[2, :nrec].astype(np.uint16),
            "neur_tout": gated[3, :nrec].astype(np.uint16),
            "neur_thr": self.thr.astype(np.int16),
            "neur_alpha_lsb": self.alpha_lsb.astype(np.uint16),
            "winp_sram": memories.weight_image(winp, 4096),
            "wrec_sram": memories.weight_image(wrec, 4096),
            "wout_sram": memories.weight_image(wout, 512),
            "winp": winp[:nin, :nrec],
            "wrec": wrec[:nrec, :nrec],
            "wout": wout[:nrec, :nout],
            "oneur_u": self.oneur.astype(np.int16),
            "cnt_winner": self.votes.astype(np.int64),
        }
        outs = self.lfsr_outputs()
        out.update({k: v[0] for k, v in outs.items()})
        out["lfsr_noise"] = np.int64(outs["lfsr_noise"][0])
        return out


def lfsr_outputs(states: np.ndarray) -> dict[str, np.ndarray]:
    """Output buses for a batch of LFSR state vectors [n, 13] in the golden encodings (FORMAT §5.6)."""
    tb = lfsr_mod.tables()
    states = np.asarray(states, dtype=np.int64)
    small = np.zeros((states.shape[0], 9), dtype=np.int32)
    for i, inst in enumerate(lfsr_mod.INSTANCES[:9]):
        table = tb.oneur_out if inst.kind is lfsr_mod.ONEUR else tb.neur_out
        small[:, i] = table[states[:, i]]
    res = {"lfsr_small": small, "lfsr_noise": tb.noise_out[states[:, lfsr_mod.INDEX["noise_neur"]]].astype(np.int64)}
    for name, lanes_tab, bits in (("winp", tb.wide_lanes, 32), ("wrec", tb.wide_lanes, 32), ("wout", tb.wout_lanes, 28)):
        st = states[:, lfsr_mod.INDEX[name]]
        lanes = np.zeros((states.shape[0], 16), dtype=np.int64)
        for c in range(4):
            lanes ^= lanes_tab[c, (st >> (8 * c)) & 255]
        bitmat = (lanes[:, :, None] >> np.arange(bits)) & 1
        res[f"lfsr_{name}"] = np.packbits(bitmat.reshape(states.shape[0], 16 * bits).astype(np.uint8),
                                          axis=1, bitorder="little")
    return res
