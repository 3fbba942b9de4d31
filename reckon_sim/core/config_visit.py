"""A host's SPI visit while the chip waits in CONFIG mid-sample (spec §6, srnn.v L719-L731, L1260, L1390).

The host sets SPI_EN_CONF = 1 between ticks; SDONE of the next tick then enters CONFIG (SPI_RDY high), the host
plays its transactions and clears SPI_EN_CONF, and the tick goes on (GET_TAR / EPROP / SEND / PROP as from
SDONE). Reads return the live SRAM words (raw, not dirty-gated) and output membranes ({16'd0, oneur_u});
a neuron-SRAM read also leaves that word in the SRAM's output register, which EPROP reads when TARGET_VALID
is low. Writes of the weight SRAMs, output membranes and neuron SRAM take effect at once; a neuron-SRAM write
(32-bit quarter addr[1:0] of word addr[8:2], full mask) sets both neurons' neur_dirty and leaves the word's old
value in the output register (read-before-write SRAM); with addr[9] it also sets neur_z / neur_dirty of neuron
addr[7:0] to data bits 0 / 1 (srnn.v L1120-L1131, L1260-L1264). Register writes (code 0; every data word writes
the command's address, no auto-increment: spi_slave.v) are collected for the chip to apply (core.config_regs).
A code-0 read raises no READ_* pulse, so every data word shows SRNN_READBACK as the last read left it (srnn.v
L1389-L1399: no reset, so a code-0 read before any read since reset returns UNDEFINED_WORD words: X in 4-state
simulation, a build-dependent value in Verilator; the vectors and `compare` treat them as don't-care).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..hw import memories
from ..io.vector_files import UNDEFINED_WORD
from .state import READBACK

CODE_REG, CODE_NEUR, CODE_ONEUR, CODE_WINP, CODE_WREC, CODE_WOUT = range(6)
# host cycles of a visit with tools/rtl's bench (SCK 25 MHz: 64 clock cycles per 32-bit word, 8 more before each
# read word; SPI_RDY rises with CONFIG and falls when the SPI_EN_CONF = 0 write ends): a host constant
CONFIG_BASE_CYCLES, CONFIG_WORD_CYCLES, CONFIG_READ_GAP = 128, 64, 8


def visit_cycles(txns) -> int:
    """Cycles in CONFIG for these transactions (a host constant: the bench measures and excludes them)."""
    words = sum(1 + len(data) for _, data in txns)
    reads = sum(len(data) for cmd, data in txns if cmd >> 31)
    return CONFIG_BASE_CYCLES + CONFIG_WORD_CYCLES * words + CONFIG_READ_GAP * reads


def writes(txns, code: int, addr: int | None = None) -> bool:
    """True when a visit writes SPI target `code` (at command address `addr`, if given)."""
    return any(not cmd >> 31 and (cmd >> 28) & 7 == code and data and (addr is None or cmd & 0xFFFF == addr)
               for cmd, data in txns)


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


def _write(st, code: int, addr: int, data: int) -> None:
    if code == CODE_ONEUR:
        v = data & 0xFFFF
        st.oneur[addr & 15] = v - 0x10000 if v >= 0x8000 else v
        return
    if code == CODE_NEUR:
        _write_neuron(st, addr, data)
        return
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


def _write_neuron(st, addr: int, data: int) -> None:
    """PROG_NEUR: quarter addr[1:0] of word addr[8:2] := data; the old word stays in the output register."""
    word, q = (addr >> 2) & 127, addr & 3
    old = memories.neuron_word(st.neurons, st.thr, st.alpha_lsb, word)
    new = old & ~(0xFFFFFFFF << (32 * q)) | (data & 0xFFFFFFFF) << (32 * q)
    slots, st.thr[word], st.alpha_lsb[word] = memories.unpack_neuron_word(new)
    for slot in range(2):
        j = 2 * word + slot
        st.qreg[slot, :] = (st.membrane[j], st.trace_inp[j], st.trace_rec[j], st.trace_out[j])
        st.membrane[j], st.trace_inp[j], st.trace_rec[j], st.trace_out[j] = slots[slot]
        st.dirty[j] = 1                       # neur_cs & neur_we on the word
    if addr >> 9 & 1:                         # debug path: neur_z / neur_dirty of neuron addr[7:0] (priority)
        st.z[addr & 255], st.dirty[addr & 255] = data & 1, data >> 1 & 1


def play(st, txns, where: str, reg_writes: list | None = None) -> list[tuple[int, tuple]]:
    """Play one visit's transactions [(cmd, data)] on the ChipState; returns them with the read words filled in.
    Memory addresses auto-increment per data word (FORMAT: SPI transactions); register writes (code 0) are
    appended to reg_writes as (address, data word) in order (None: refused)."""
    out = []
    neur_words = None
    for cmd, data in txns:
        code, addr, read = (cmd >> 28) & 7, cmd & 0xFFFF, bool(cmd >> 31)
        if code > CODE_WOUT:
            raise InputError(where, f"command 0x{cmd:08x}: code {code} is no SPI target (allowed: codes 0-5)")
        if (cmd >> 16) & 0xFFF != len(data):
            raise InputError(where, f"command 0x{cmd:08x}: {len(data)} data words for count cmd[27:16] = "
                                    f"{(cmd >> 16) & 0xFFF} (allowed: as many as the count)")
        if code == CODE_REG and read:
            words = (_stale_word(st),) * len(data)
        elif code == CODE_REG:
            _check_reg(cmd, addr, reg_writes, where)
            reg_writes.extend((addr, int(d) & 0xFFFFFFFF) for d in data)
            words = tuple(int(d) for d in data)
        elif read:
            if code == CODE_NEUR and neur_words is None:
                neur_words = memories.neuron_words(st.neurons, st.thr, st.alpha_lsb)
            words = tuple(_read(st, code, addr + i, neur_words) for i in range(len(data)))
            st.ctl[READBACK] = words[-1] if words else st.ctl[READBACK]
        else:
            for i, d in enumerate(data):
                _write(st, code, addr + i, int(d))
            neur_words = None if code == CODE_NEUR else neur_words
            words = tuple(int(d) for d in data)
        out.append((cmd, words))
    return out


def _stale_word(st) -> int:
    """A code-0 read's word: SRNN_READBACK as the last SPI read left it (UNDEFINED_WORD before any since reset)."""
    return int(st.ctl[READBACK]) if st.ctl[READBACK] >= 0 else UNDEFINED_WORD


def _check_reg(cmd: int, addr: int, reg_writes, where: str) -> None:
    """InputError for a code-0 write no host can play in a CONFIG visit."""
    if addr == 0:
        raise InputError(where, f"command 0x{cmd:08x}: SPI_EN_CONF is written by the host to end the visit "
                                "(allowed: register addresses 1..65535)")
    if reg_writes is None:
        raise InputError(where, f"command 0x{cmd:08x}: register writes need a Chip to apply them")


def probe_transactions(cfg) -> list[tuple[int, tuple]]:
    """The reads of a state probe: every neuron word up to NUM_REC (4 data words each), then the outputs."""
    n_words = (cfg.n_rec + 1) // 2
    neur = ((1 << 31) | (CODE_NEUR << 28) | ((4 * n_words) << 16), (0,) * (4 * n_words))
    oneur = ((1 << 31) | (CODE_ONEUR << 28) | (cfg.n_out << 16), (0,) * cfg.n_out)
    return [neur, oneur]

