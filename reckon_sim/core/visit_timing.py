"""When a CONFIG visit's register writes take effect, in its tick's time_tick-cycle offsets (README "Operating
modes"): a register is set at the SCK edge of its data word's last bit, first seen by the clock edge D cycles
before the one that leaves CONFIG (D from the words after it: the bench's SPI timing, core.config_visit)."""
from __future__ import annotations

import numpy as np

from .config_visit import CONFIG_BASE_CYCLES, CONFIG_READ_GAP, CONFIG_WORD_CYCLES
from .records import TK


def _word_stream(txns):
    """(register address or None, data word, is a read data word) of every 32-bit word after each command word."""
    for cmd, data in txns:
        yield None, None, False                       # the command word
        reg = cmd & 0xFFFF if not cmd >> 31 and (cmd >> 28) & 7 == 0 else None
        for d in data:
            yield reg, int(d), bool(cmd >> 31)


def reg_writes(txns) -> list[tuple[int, int, int]]:
    """(D, register address, data word) of every register write of a visit, in order; D: clock cycles from the
    edge that first sees the write to the one that first sees SPI_EN_CONF = 0."""
    words = list(_word_stream(txns))
    out = []
    for i, (reg, d, rd) in enumerate(words):
        if reg is None or rd:
            continue
        after = words[i + 1:]
        out.append((CONFIG_BASE_CYCLES + CONFIG_WORD_CYCLES * len(after)
                    + CONFIG_READ_GAP * sum(1 for _, _, r in after if r), reg, d))
    return out


def exit_edge(row: np.ndarray) -> int:
    """The offset of the edge that leaves CONFIG (o_e - 1) in tick row's time_tick-cycle offsets."""
    return int(row[TK.step] + row[TK.sdone] + row[TK.config])


def write_edges(row: np.ndarray, txns, addr: int) -> list[tuple[int, int]]:
    """(offset of the first edge that sees it, data word) of each write of register `addr` in a visit, in order."""
    x = exit_edge(row)
    return [(x - d, v & 0xFFFFFFFF) for d, a, v in reg_writes(txns or ()) if a == addr]
