"""SPI_LOCAL_TICK := 1 written in a mid-sample CONFIG visit (README "Operating modes", srnn.v time handling).

tick_cnt <= (SPI_LOCAL_TICK && state != IDLE && tick_cnt != SPI_CYCLES_PER_TICK) ? tick_cnt + 1 : 1 and
time_tick = SPI_LOCAL_TICK ? tick_cnt == C : TIME_TICK_new (the TIME_TICK synchroniser then holds). The register
is set at the SCK edge of its data word's last bit; the FSM leaves CONFIG at the first clock edge after the
SPI_EN_CONF = 0 word's, D = 128 + 64 w + 8 r cycles later (w words and r read words after it: the bench's SPI
timing, a host constant like the visit's cycles). tick_cnt counts from the write's edge (1 there), so time_tick
is sampled C - 1 edges after it, then every C edges: the first local tick comes at offset o_e - 1 - D + C - 1 of
the visit's tick (o_e: the first cycle after CONFIG; core.tick_period offsets), then every C cycles, whatever
the host does. A local tick that finds the chip busy sets TIMING_ERROR (judged as a fixed-period host's early
tick): SPI_ERROR_HALT = 1 holds IDLE; = 0 loses it (not modelled here: refused). The sample's last SEND leaves the
chip in IDLE, where tick_cnt is held at 1: the next sample never starts (core.local_tick).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..hw.registers import BY_NAME
from .hang import ChipHang
from .config_visit import CONFIG_BASE_CYCLES, CONFIG_READ_GAP, CONFIG_WORD_CYCLES
from .records import TK
from .tick_period import arrival

LT, CPT = BY_NAME["SPI_LOCAL_TICK"], BY_NAME["SPI_CYCLES_PER_TICK"]


def _word_stream(txns):
    """(register address or None, data word, is a read data word) of every 32-bit word after each command word."""
    for cmd, data in txns:
        yield None, None, False                       # the command word
        reg = cmd & 0xFFFF if not cmd >> 31 and (cmd >> 28) & 7 == 0 else None
        for d in data:
            yield reg, int(d), bool(cmd >> 31)


def write_delay(txns) -> int:
    """D: clock cycles from the edge that first sees SPI_LOCAL_TICK = 1 (its last 0 -> 1 write) to the one that
    first sees SPI_EN_CONF = 0."""
    words = list(_word_stream(txns))
    pos = max(i for i, (reg, d, _) in enumerate(words) if reg == LT.addr and d & 1)
    after = words[pos + 1:]
    return (CONFIG_BASE_CYCLES + CONFIG_WORD_CYCLES * len(after)
            + CONFIG_READ_GAP * sum(1 for _, _, rd in after if rd))


def first_offset(row: np.ndarray, txns) -> int:
    """Offset (from the visit tick's time_tick cycle) of the first local tick, before C is added: o_e - 1 - D - 1."""
    o_e = 1 + int(row[TK.step] + row[TK.sdone] + row[TK.config])
    return o_e - 1 - write_delay(txns) - 1


def check_writes(log, k: int, txns, where: str) -> None:
    """InputError for what is not modelled: SPI_CYCLES_PER_TICK written after SPI_LOCAL_TICK := 1, or
    SPI_LOCAL_TICK / SPI_CYCLES_PER_TICK / SPI_ERROR_HALT in a later visit."""
    regs = [reg for reg, _, _ in _word_stream(txns)]
    lt_at = max(i for i, r in enumerate(regs) if r == LT.addr)
    if any(r == CPT.addr for r in regs[lt_at:]):
        raise InputError(where, "SPI_CYCLES_PER_TICK written after SPI_LOCAL_TICK := 1: tick_cnt already counts: "
                                "not modelled (allowed: write it before SPI_LOCAL_TICK)")
    for k2, before, after in log:
        if k2 > k and any(before[n] != after[n] for n in (LT.name, CPT.name, "SPI_ERROR_HALT")):
            raise InputError(where, f"the CONFIG visit of tick {k2} changes SPI_LOCAL_TICK, SPI_CYCLES_PER_TICK or "
                                    "SPI_ERROR_HALT after the local tick started: not modelled (allowed: no such "
                                    "write after the SPI_LOCAL_TICK := 1 visit)")


def check_local_ticks(tk: np.ndarray, k: int, txns, regs: dict, hang, where: str) -> int:
    """The local ticks from the visit of tick k on against the tick table: ChipHang (SPI_ERROR_HALT = 1) at the
    first that finds the chip busy; returns the offset of tick k+1's start after tick k's (tick k+2.. follow
    every C cycles). InputError with SPI_ERROR_HALT = 0 and a busy chip (lost local ticks: not modelled)."""
    c = int(regs[CPT.name])
    t = start = first_offset(tk[k - 1], txns) + c   # the first local tick, from tick k's time_tick cycle
    for r in range(k - 1, len(tk) - 1):             # the last tick has no successor: SAMPLE is low, SEND -> IDLE
        if t < int(tk[r, TK.cycles]):
            state, cyc, at = arrival(tk[r], r + 1, r + 2, t)
            at = at.replace(f"TIME_TICK {r + 2} arrives", "the local tick arrives")
            if not regs["SPI_ERROR_HALT"]:
                raise InputError(where, f"SPI_LOCAL_TICK := 1 (SPI_CYCLES_PER_TICK = {c}): {at}; with "
                                        "SPI_ERROR_HALT = 0 it is lost and the local ticks run on: not modelled "
                                        "(allowed: SPI_ERROR_HALT = 1, or a period every tick fits in)")
            raise hang("IDLE", r + 1, f"SPI_LOCAL_TICK := 1 in the CONFIG visit of tick {k} (SPI_CYCLES_PER_TICK = "
                                      f"{c}): {at}: TIMING_ERROR is set, the FSM takes one more step and "
                                      f"SPI_ERROR_HALT = 1 then holds IDLE for ever (the {state} phase is cut; the "
                                      "chip's state after the cut is not modelled)", timing_error=True,
                       tick_table=tk[: r + 1].copy(), cut=(state, cyc))
        t = c                                        # tick r+2 starts on that local tick: the next comes C later
    return start


def sample_local_ticks(reg_log, prog, tk, tick_send, config_reads, tick_period: int) -> tuple | None:
    """SPI_LOCAL_TICK := 1 in a visit of the sample (reg_log: [(tick, registers before, after)]): (its tick k,
    tick k+1's start offset, C), or None; ChipHang when a local tick finds the chip busy (SPI_ERROR_HALT = 1)."""
    on = [(k, after) for k, before, after in reg_log if after[LT.name] and not before[LT.name]]
    if not on:
        return None
    k, regs = on[0]
    where = f"host program step {k - 1}: config"
    if tick_period:
        raise InputError(where, f"{LT.name} := 1 with a host tick_period: not modelled (allowed: the ready host)")
    check_writes(reg_log, k, prog.config[k - 1], where)
    c = int(regs["SPI_CYCLES_PER_TICK"])
    try:
        start = check_local_ticks(tk, k, prog.config[k - 1], regs, ChipHang, where)
    except ChipHang as hang:                         # what the ticks before the cut did, for RTL vectors
        hang.tick_send, hang.config_reads = tick_send, config_reads
        hang.local = (k, first_offset(tk[k - 1], prog.config[k - 1]) + c, c)
        raise
    return k, start, c
