"""Lost ticks: a fixed-period host (HostSpec.tick_period) with SPI_ERROR_HALT = 0 (README "Operating modes").

srnn.v: a time_tick in STEP, SDONE, CONFIG, GET_TAR, EPROP or SEND sets TIMING_ERROR and is otherwise ignored by
the FSM, but it still latches inp_events <= inp_events_next. The host's step k only follows tick k's readiness,
so inp_events_next is empty then: the events latched for the busy tick are wiped before its PROP scan. The
ticks that arrive while a tick is busy are lost; the host plays their steps after it is ready (a lost tick's
CONFIG visit too: its SPI_EN_CONF = 1 is seen at the next chip tick's SDONE), and the next TIME_TICK that finds
the chip waiting in PROP starts the chip's next tick. Host tick h+m arrives m periods after
host tick h. Lost ticks are found by re-running the sample on the merged program (one run per lost group);
an early tick in the PROP scan (PROP -> STEP while the scan runs on) is not modelled.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..io.vector_files import LV_SAMPLE
from .host import HostProgram
from .host import played as host_played
from . import sample_fall
from .records import TK
from .tick_period import arrival


def merge(prog: HostProgram, lost: frozenset, period: int = 0) -> tuple[HostProgram, np.ndarray]:
    """The program the chip sees: one step per chip tick (the host steps since the last chip tick merged: events
    in order, target bytes in order, the last step's levels and GET_TAR answers); the events before a chip tick
    that loses its successor are dropped (wiped); a mid-tick SAMPLE fall N cycles after host tick j, which
    arrives m periods after chip tick c's, is a fall N + m * period cycles into chip tick c. Returns it and the
    host tick number of every chip tick."""
    T = prog.n_ticks
    host_of = np.array([h for h in range(1, T + 1) if h not in lost], np.int64)
    first = np.concatenate([[0], host_of[:-1]])          # host steps first..h-1 feed chip tick h
    wiped = np.isin(host_of + 1, list(lost))             # chip tick c loses its successor: its events go
    wiped = np.append(wiped, True)                       # steps after the last chip tick feed no tick
    step_of = np.searchsorted(host_of, np.arange(T), side="right")    # host step j -> chip step index
    ev = np.asarray(prog.ev_step)
    keep = ~wiped[step_of[ev]] if ev.size else np.zeros(0, bool)
    tar, req = {}, {}
    for c, (a, h) in enumerate(zip(first.tolist(), host_of.tolist())):
        data = tuple(b for j in range(a, h) for b in prog.tar.get(j, ()))
        if data:
            tar[c] = data
        if h - 1 in prog.req:
            req[c] = prog.req[h - 1]
    config = {}
    for j, txns in sorted(prog.config.items()):          # SPI_EN_CONF set in step j: the next chip tick's SDONE
        c = int(step_of[j])                              # enters CONFIG; visits of merged steps are played in order
        config[c] = (*config.get(c, ()), *txns)
    fall = prog.fall_cycle
    if fall >= 0:                                        # chip tick c: the last with a host tick <= j
        j = prog.fall_step
        fall += (j - int(host_of[np.searchsorted(host_of, j, side="right") - 1])) * period
    merged = HostProgram(len(host_of), np.asarray(prog.levels)[host_of - 1], step_of[ev[keep]],
                         np.asarray(prog.ev_chan)[keep], tar, req, prog.tick, config, fall)
    return merged, host_of


def played(prog: HostProgram, lost: frozenset, period: int, num_recout: int) -> tuple[HostProgram, np.ndarray, int]:
    """What the chip runs with these ticks lost: the merged program up to the sample's end (core.host.played),
    the host tick of every chip tick and the chip tick whose mid-tick SAMPLE fall the kernel decides (0: none).
    prog: the host's played program (its last tick ends the sample). When that last tick is lost, the merged
    program ends with a phantom step (SAMPLE low) for the tick that never comes: the caller reports the chip
    waiting in PROP if the kernel gets there (a SAMPLE fall may end the sample in the busy tick first)."""
    merged, host_of = merge(prog, lost, period)
    if prog.n_ticks in lost:
        lv = np.asarray(merged.levels)
        merged = replace(merged, n_ticks=merged.n_ticks + 1, levels=np.append(lv, lv[-1] & ~LV_SAMPLE))
    run, fall_tick = host_played(merged, num_recout)
    step_of = np.searchsorted(host_of, np.arange(prog.n_ticks), side="right")
    late = [j for j in sorted(prog.config) if step_of[j] >= run.n_ticks - 1]
    if late:                                             # SPI_EN_CONF set, but that SDONE sees SAMPLE low: SEND
        raise InputError(f"host program step {late[0]}: config", f"tick {late[0] + 1} is lost and the next tick "
                                                                 "ends the sample (SAMPLE low at SDONE): the CONFIG "
                                                                 "visit is never played")
    return run, host_of, fall_tick


def next_lost(tk: np.ndarray, host_of: np.ndarray, period: int, lost: frozenset) -> int | None:
    """The first host tick that arrives while a chip tick is busy and is not counted lost yet (None: none); the
    caller decides what the last host tick arriving early means. InputError if it lands in the PROP scan."""
    for c in range(min(len(tk), len(host_of)) - 1):     # the last chip tick has no successor (ticks stop there)
        busy, h0 = int(tk[c, TK.cycles]), int(host_of[c])
        m = 1
        while m * period < busy:
            if h0 + m not in lost:
                state, _, where = arrival(tk[c], h0, h0 + m, m * period)
                if state == "PROP":
                    raise InputError("host: tick_period", f"= {period}: {where}; with SPI_ERROR_HALT = 0 it cuts "
                                     "the PROP scan short (PROP -> STEP on any tick): not modelled (allowed: a "
                                     "period that lets every PROP scan finish, or SPI_ERROR_HALT = 1)")
                return h0 + m
            m += 1
    return None


def host_numbered(hang, host_of: np.ndarray, fall_cycle: int, lost: frozenset, hang_cls):
    """The EPROP hang of a SAMPLE fall (chip tick numbers) in host tick numbers; the chip's ticks before it, their
    CONFIG visits (by host tick) and the lost ticks ride along. No TIME_TICK follows: the host ends there."""
    k = hang.tick
    out = sample_fall.eprop_hang(hang_cls, hang.tick_table[-1], int(host_of[k - 1]), fall_cycle)
    out.tick_table, out.tick_send, out.lost_ticks = hang.tick_table, hang.tick_send, tuple(sorted(lost))
    out.config_reads = [(int(host_of[c - 1]), txns) for c, txns in hang.config_reads or ()]
    return out
