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

import numpy as np

from ..errors import InputError
from .host import HostProgram
from .records import TK
from .tick_period import arrival


def merge(prog: HostProgram, lost: frozenset) -> tuple[HostProgram, np.ndarray]:
    """The program the chip sees: one step per chip tick (the host steps since the last chip tick merged: events
    in order, target bytes in order, the last step's levels and GET_TAR answers); the events before a chip tick
    that loses its successor are dropped (wiped). Returns it and the host tick number of every chip tick."""
    T = prog.n_ticks
    host_of = np.array([h for h in range(1, T + 1) if h not in lost], np.int64)
    first = np.concatenate([[0], host_of[:-1]])          # host steps first..h-1 feed chip tick h
    wiped = np.isin(host_of + 1, list(lost))             # chip tick c loses its successor: its events go
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
        if c == len(host_of) - 1:
            raise InputError(f"host program step {j}: config", f"tick {j + 1} is lost and the next tick, {T}, ends "
                                                               "the sample (SAMPLE low at SDONE): the CONFIG visit is "
                                                               "never played")
        config[c] = (*config.get(c, ()), *txns)
    merged = HostProgram(len(host_of), np.asarray(prog.levels)[host_of - 1], step_of[ev[keep]],
                         np.asarray(prog.ev_chan)[keep], tar, req, prog.tick, config)
    return merged, host_of


def next_lost(tk: np.ndarray, host_of: np.ndarray, period: int, lost: frozenset) -> int | None:
    """The first host tick that arrives while a chip tick is busy and is not counted lost yet (None: none); the
    caller decides what the last host tick arriving early means. InputError if it lands in the PROP scan."""
    for c in range(len(host_of) - 1):                   # the last chip tick has no successor (ticks stop at T)
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
