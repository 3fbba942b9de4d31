"""Lost ticks: a fixed-period host (HostSpec.tick_period) with SPI_ERROR_HALT = 0 (README "Operating modes").

srnn.v: a time_tick in STEP, SDONE, CONFIG, GET_TAR, EPROP or SEND sets TIMING_ERROR and is otherwise ignored by
the FSM, but it still latches inp_events <= inp_events_next. The host's step k only follows tick k's readiness,
so inp_events_next is empty then: the events latched for the busy tick are wiped before its PROP scan. The
ticks that arrive while a tick is busy are lost; the host plays their steps after it is ready (a lost tick's
CONFIG visit too: its SPI_EN_CONF = 1 is seen at the next chip tick's SDONE), and the next TIME_TICK that finds
the chip waiting in PROP starts the chip's next tick. Host tick h+m arrives m periods after
host tick h. Lost ticks are found by re-running the sample on the merged program (one run per lost group).
An early tick in the PROP scan cuts it (PROP -> STEP while the scan runs on): that scan runs on the cycle model
(core.cycle.cut); the cut tick finds no host step played since the busy tick (it was never ready), so those
steps follow the cut tick.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..io.vector_files import LV_SAMPLE
from .host import HostProgram
from .host import played as host_played
from . import error_halt, sample_fall
from .tick_period import Schedule


def _step_of(T: int, host_of: np.ndarray, cuts: frozenset) -> np.ndarray:
    """The chip step index of every host step j (after chip tick step_of[j]); the steps before a cut tick h wait
    for its readiness (core.cycle.cut: the busy tick was never ready, so the host played none of them)."""
    step_of = np.searchsorted(host_of, np.arange(T), side="right")
    for h in sorted(cuts):
        step_of[step_of == step_of[h - 1]] += 1
    return step_of


def merge(prog: HostProgram, lost: frozenset, sched: Schedule | int = 0,
          cuts: frozenset = frozenset()) -> tuple[HostProgram, np.ndarray]:
    """The program the chip sees: one step per chip tick (the host steps since the last chip tick merged: events
    in order, target bytes in order, the last step's levels and GET_TAR answers); the events before a chip tick
    that loses its successor are dropped (wiped); a mid-tick SAMPLE fall N cycles after host tick j, which
    arrives m periods after chip tick c's, is a fall N + sched.gap(c's host tick, m) cycles into chip tick c. A cut host tick
    (`cuts`: it starts a chip tick while the last one's scan runs, core.cycle.cut) finds no step played since the
    last chip tick: those steps follow it. Returns the program and the host tick number of every chip tick."""
    T = prog.n_ticks
    host_of = np.array([h for h in range(1, T + 1) if h not in lost], np.int64)
    n = len(host_of)
    step_of = _step_of(T, host_of, cuts)
    # chip tick c loses its successor: its events go; steps after the last chip tick feed no tick
    wiped = np.append(np.isin(host_of + 1, list(lost)), True)
    ev = np.asarray(prog.ev_step)
    keep = ~wiped[step_of[ev]] if ev.size else np.zeros(0, bool)
    last = np.full(n + 1, -1, np.int64)                  # the last host step of each chip step (-1: none)
    last[step_of] = np.arange(T)
    last = np.maximum.accumulate(last)[:n]               # an empty step keeps the levels of the one before
    tar, req = {}, {}
    for j in range(T):
        c = int(step_of[j])
        if prog.tar.get(j) and c < n:
            tar[c] = (*tar.get(c, ()), *prog.tar[j])
        if j in prog.req and c < n and last[c] == j:
            req[c] = prog.req[j]
    config = {}
    for j, txns in sorted(prog.config.items()):          # SPI_EN_CONF set in step j: the next chip tick's SDONE
        c = int(step_of[j])                              # enters CONFIG; visits of merged steps are played in order
        config[c] = (*config.get(c, ()), *txns)
    fall = prog.fall_cycle
    if fall >= 0:                                        # chip tick c: the last with a host tick <= j
        j = prog.fall_step
        h0 = int(host_of[np.searchsorted(host_of, j, side="right") - 1])
        fall += Schedule.of(sched).gap(h0, j - h0) if j > h0 else 0
    merged = HostProgram(n, np.asarray(prog.levels)[last], step_of[ev[keep]],
                         np.asarray(prog.ev_chan)[keep], tar, req, prog.tick, config, fall)
    return merged, host_of


def with_empty_step(prog: HostProgram) -> HostProgram:
    """The program with one more tick after its last, whose step is empty with SAMPLE low."""
    lv = np.asarray(prog.levels)
    return replace(prog, n_ticks=prog.n_ticks + 1, levels=np.append(lv, lv[-1] & ~LV_SAMPLE))


def played(prog: HostProgram, lost: frozenset, sched: Schedule | int, num_recout: int,
           cuts: frozenset = frozenset()) -> tuple[HostProgram, np.ndarray, int]:
    """What the chip runs with these ticks lost (and cut): the merged program up to the sample's end
    (core.host.played), the host tick of every chip tick and the chip tick whose mid-tick SAMPLE fall the kernel
    decides (0: none). prog: the host's played program (its last tick ends the sample). When that last tick is
    lost, the merged program ends with a phantom step (SAMPLE low) for the tick that never comes: the caller
    reports the chip waiting in PROP if the kernel gets there (a SAMPLE fall may end the sample in the busy tick
    first)."""
    merged, host_of = merge(prog, lost, sched, cuts)
    if prog.n_ticks in lost:
        merged = with_empty_step(merged)
    run, fall_tick = host_played(merged, num_recout)
    step_of = _step_of(prog.n_ticks, host_of, cuts)
    late = [j for j in sorted(prog.config) if step_of[j] >= run.n_ticks - 1]
    if late:                                             # SPI_EN_CONF set, but that SDONE sees SAMPLE low: SEND
        raise InputError(f"host program step {late[0]}: config", f"tick {late[0] + 1} is lost and the next tick "
                                                                 "ends the sample (SAMPLE low at SDONE): the CONFIG "
                                                                 "visit is never played")
    return run, host_of, fall_tick


def host_numbered(hang, host_of: np.ndarray, fall_cycle: int, lost: frozenset, hang_cls, then: str = ""):
    """The EPROP hang of a SAMPLE fall (chip tick numbers) in host tick numbers; the chip's ticks before it, their
    CONFIG visits (by host tick) and the lost ticks ride along. No TIME_TICK follows: the host ends there (then:
    what local ticks do instead, sample_fall.eprop_hang)."""
    k = hang.tick
    out = sample_fall.eprop_hang(hang_cls, hang.tick_table[-1], int(host_of[k - 1]), fall_cycle, then)
    out.tick_table, out.tick_send, out.lost_ticks = hang.tick_table, hang.tick_send, tuple(sorted(lost))
    out.config_reads = error_halt.host_visits(hang.config_reads, host_of)
    return out


def eprop_lost_after(hang, host_of: np.ndarray, fall_cycle: int, lost: frozenset, h: int, n_ticks: int, hang_cls):
    """The EPROP hang of a SAMPLE fall with local ticks and SPI_ERROR_HALT = 0: local tick h lands in it, sets
    TIMING_ERROR and is lost, as every later one (host ticks h..n_ticks in record 8)."""
    hang.tick_table[-1] = hang.uncut_row          # the row up to the cycle EPROP would have left (record 9)
    out = host_numbered(hang, host_of, fall_cycle, lost | frozenset(range(h, n_ticks + 1)), hang_cls,
                        f"; the local tick {h} arrives in it and sets TIMING_ERROR, it and every later one are lost "
                        "(SPI_ERROR_HALT = 0)")
    out.timing_error = True
    return out
