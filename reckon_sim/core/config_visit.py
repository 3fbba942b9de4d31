"""A host's SPI visit while the chip waits in CONFIG mid-sample (spec §6, srnn.v L719-L731, L1260, L1390).

The host sets SPI_EN_CONF = 1 between ticks; SDONE of the next tick then enters CONFIG (SPI_RDY high), the host
plays its transactions and clears SPI_EN_CONF, and the tick goes on (GET_TAR / EPROP / SEND / PROP as from
SDONE). Reads return the live SRAM words (raw, not dirty-gated) and output membranes ({16'd0, oneur_u});
a neuron-SRAM read also leaves that word in the SRAM's output register, which EPROP reads when TARGET_VALID
is low. Writes of the weight SRAMs and output membranes take effect at once.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..hw import memories

CODE_REG, CODE_NEUR, CODE_ONEUR, CODE_WINP, CODE_WREC, CODE_WOUT = range(6)
# host cycles of a visit with tools/rtl's bench (SCK 25 MHz: 64 clock cycles per 32-bit word, 8 more before each
# read word; SPI_RDY rises with CONFIG and falls when the SPI_EN_CONF = 0 write ends): a host constant
CONFIG_BASE_CYCLES, CONFIG_WORD_CYCLES, CONFIG_READ_GAP = 128, 64, 8


def visit_cycles(txns) -> int:
    """Cycles in CONFIG for these transactions (a host constant: the bench measures and excludes them)."""
    words = sum(1 + len(data) for _, data in txns)
    reads = sum(len(data) for cmd, data in txns if cmd >> 31)
    return CONFIG_BASE_CYCLES + CONFIG_WORD_CYCLES * words + CONFIG_READ_GAP * reads


def _weight_word(w: np.ndarray, word: int, q: int, wout: bool) -> int:
    """Data word q of weight-SRAM word `word` ({pre, post[7:4]}; output weights: word = pre)."""
    if wout:
        row = w[word] if word < w.shape[0] else np.zeros(16, w.dtype)
        lanes = row[4 * q: 4 * q + 4]
    else:
        pre, base = word >> 4, 16 * (word & 15) + 4 * q
        lanes = w[pre, base: base + 4]
    return int.from_bytes(bytes(int(v) & 0xFF for v in lanes), "little")


def _read(st, code: int, addr: int, neur_words) -> int:
    word, q = addr >> 2, addr & 3
    if code == CODE_NEUR:
        word &= 127
        for slot in range(2):                     # the SRAM output register now holds this word
            j = 2 * word + slot
            st.qreg[slot, :] = (st.membrane[j], st.trace_inp[j], st.trace_rec[j], st.trace_out[j])
        return (neur_words[word] >> (32 * q)) & 0xFFFFFFFF
    if code == CODE_ONEUR:
        return int(st.oneur[addr & 15]) & 0xFFFF
    w = {CODE_WINP: st.winp, CODE_WREC: st.wrec, CODE_WOUT: st.wout}[code]
    return _weight_word(w, word & (511 if code == CODE_WOUT else 4095), q, code == CODE_WOUT)


def _write(st, code: int, addr: int, data: int, where: str) -> None:
    if code == CODE_ONEUR:
        v = data & 0xFFFF
        st.oneur[addr & 15] = v - 0x10000 if v >= 0x8000 else v
        return
    if code not in (CODE_WINP, CODE_WREC, CODE_WOUT):
        raise InputError(where, f"SPI writes of code {code} in CONFIG are not modelled yet (allowed: codes 2-5)")
    word, q = addr >> 2, addr & 3
    lanes = [(data >> (8 * b)) & 0xFF for b in range(4)]
    lanes = [v - 256 if v >= 128 else v for v in lanes]
    if code == CODE_WOUT:
        if word < 256:
            st.wout[word, 4 * q: 4 * q + 4] = lanes
    else:
        w = st.winp if code == CODE_WINP else st.wrec
        pre, base = (word & 4095) >> 4, 16 * (word & 15) + 4 * q
        w[pre, base: base + 4] = lanes


def play(st, txns, where: str) -> list[tuple[int, tuple]]:
    """Play one visit's transactions [(cmd, data)] on the ChipState; returns them with the read words filled in.
    Memory addresses auto-increment per data word (FORMAT: SPI transactions)."""
    out = []
    neur_words = None
    for cmd, data in txns:
        code, addr, read = (cmd >> 28) & 7, cmd & 0xFFFF, bool(cmd >> 31)
        if code == CODE_REG or code > CODE_WOUT:
            raise InputError(where, f"command 0x{cmd:08x}: only memory transactions (codes 1-5) in a CONFIG visit")
        if read:
            if code == CODE_NEUR and neur_words is None:
                neur_words = memories.neuron_words(st.neurons, st.thr, st.alpha_lsb)
            words = tuple(_read(st, code, addr + i, neur_words) for i in range(len(data)))
        else:
            for i, d in enumerate(data):
                _write(st, code, addr + i, int(d), where)
            words = tuple(int(d) for d in data)
        out.append((cmd, words))
    return out


def probe_transactions(cfg) -> list[tuple[int, tuple]]:
    """The reads of a state probe: every neuron word up to NUM_REC (4 data words each), then the outputs."""
    n_words = (cfg.n_rec + 1) // 2
    neur = ((1 << 31) | (CODE_NEUR << 28) | ((4 * n_words) << 16), (0,) * (4 * n_words))
    oneur = ((1 << 31) | (CODE_ONEUR << 28) | (cfg.n_out << 16), (0,) * cfg.n_out)
    return [neur, oneur]

