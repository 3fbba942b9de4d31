"""Golden encodings of the chip state (FORMAT §5.3) and of LFSR output buses (FORMAT §5.6)."""
from __future__ import annotations

import numpy as np

from ..config import ChipConfig
from ..hw import memories
from . import lfsr as lfsr_mod


def snapshot(st, cfg: ChipConfig) -> dict[str, np.ndarray]:
    """The golden state keys of a core.state.ChipState; weights as int8, i.e. for the chip's 8-bit weight width."""
    nin, nrec, nout = cfg.n_inp, cfg.n_rec, cfg.n_out
    winp, wrec, wout = (w.astype(np.int8) for w in (st.winp, st.wrec, st.wout))
    neur = st.neurons
    gated = np.where(st.dirty != 0, neur, 0)
    words = memories.neuron_words(neur, st.thr, st.alpha_lsb)
    out = {
        "neur_sram": memories.words_to_bytes(words),
        "neur_dirty": st.dirty.astype(np.uint8),
        "neur_u_raw": st.membrane.astype(np.int16),
        "neur_tinp_raw": st.trace_inp.astype(np.uint16),
        "neur_trec_raw": st.trace_rec.astype(np.uint16),
        "neur_tout_raw": st.trace_out.astype(np.uint16),
        "neur_u": gated[0, :nrec].astype(np.int16),
        "neur_tinp": gated[1, :nrec].astype(np.uint16),
        "neur_trec": gated[2, :nrec].astype(np.uint16),
        "neur_tout": gated[3, :nrec].astype(np.uint16),
        "neur_thr": st.thr.astype(np.int16),
        "neur_alpha_lsb": st.alpha_lsb.astype(np.uint16),
        "winp_sram": memories.weight_image(winp, 4096),
        "wrec_sram": memories.weight_image(wrec, 4096),
        "wout_sram": memories.weight_image(wout, 512),
        "winp": winp[:nin, :nrec],
        "wrec": wrec[:nrec, :nrec],
        "wout": wout[:nrec, :nout],
        "oneur_u": st.oneur.astype(np.int16),
        "cnt_winner": st.votes.astype(np.int64),
    }
    outs = lfsr_outputs(st.lfsr[None, :])
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
