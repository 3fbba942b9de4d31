"""Ticks that arrive while a chip tick is busy: a sample re-run until every one is accounted for (README
"Operating modes").

The ticks come on a tick_period.Schedule: a fixed-period host (HostSpec.tick_period), or the local ticks of an
SPI_LOCAL_TICK := 1 visit (core.local_tick_write), which arrive as a fixed-period host's from that visit on and
go on after the host's last tick: when that one is lost or cuts a scan, the next local tick (an empty host step,
SAMPLE low) ends the sample. Each early tick is judged by the SPI_ERROR_HALT it meets (core.error_halt): 1 halts
the chip in IDLE (tick_period.halt), 0 loses it (core.lost_ticks: the sample re-runs on the merged program) or,
in the PROP scan, cuts the scan (core.cycle.cut: the cut tick starts beside it). The chip's state is restored before each re-run.
"""
from __future__ import annotations

import numpy as np

from . import error_halt, gettar_hang, local_tick_write, lost_ticks, tick_period
from .cycle import cut
from .hang import ChipHang


def _local_halt(halt: ChipHang, sched: tick_period.Schedule, h: int) -> ChipHang:
    """A local tick's halt in the words and fields of core.local_tick_write (record 10 rides along)."""
    why = str(halt).split(": ", 2)[2].replace(f"TIME_TICK {h} arrives", f"the local tick {h} arrives")
    out = ChipHang(halt.state, halt.tick, f"SPI_LOCAL_TICK := 1 in the CONFIG visit of tick {sched.after} "
                                          f"(SPI_CYCLES_PER_TICK = {sched.period}): {why}", halt.timing_error,
                   halt.tick_table, halt.cut)
    out.local = (sched.after, sched.first, sched.period)
    return out


def _early(chip, prog, run, hang, host_of, sched, lost, cuts, arrivals, cut_at):
    """The next early tick of a finished run (tick_period.first_early, or the one that lands in a GET_TAR hang, or
    in a SAMPLE fall's EPROP hang with local ticks),
    after the sticky TIMING_ERROR check (core.error_halt); (early tuple or None, into_hang)."""
    early = tick_period.first_early(run[0], host_of, sched, lost | frozenset(cuts))
    try:
        error_halt.check_sticky(arrivals, early, run, host_of, ChipHang, chip._timing_error)
    except ChipHang as sticky:
        sticky.lost_ticks, sticky.cut_ticks = tuple(sorted(lost)), tuple(sorted(cuts.items()))
        raise
    into_hang = (early is None and hang is not None and not (hang.tick >= 2 and cut_at[hang.tick - 2] > 0)
                 and (hang.state == "GET_TAR" or hang.state == "EPROP" and sched.after > 0))
    if into_hang:                                # the ticks go on while the chip waits for targets (local: SAMPLE)
        hang.uncut_row = run[0][-1].copy()       # next_tick lengthens the hung row up to the tick
        early = gettar_hang.next_tick(run[0], host_of, sched, prog.n_ticks, lost | frozenset(cuts), hang.state)
    return early, into_hang


def run_losing_ticks(chip, prog, sample, do_eprop: int, dump: bool, sched: tick_period.Schedule):
    """Chip._simulate's tuple, the lost host ticks, the cuts ((host tick, offset), ..) and the schedule as the last
    run met it (local ticks: with their later SPI_CYCLES_PER_TICK writes and SPI_LOCAL_TICK := 0) of a sample whose
    ticks come on `sched`; ChipHang for a halt or a hang (host tick numbers)."""
    num_recout, period = chip.config.num_recout, sched.period
    saved = chip._saved()                        # a visit's register writes are undone too
    lost, cuts, arrivals = frozenset(), {}, []   # cuts: host tick -> cycles after the busy chip tick's;
    #                                              arrivals: (chip tick, state, offset) of each lost tick / cut
    chip._cut_period = period
    while True:
        run_prog, host_of, chip._fall_tick = lost_ticks.played(prog, lost, sched, num_recout, frozenset(cuts))
        cut_at = np.zeros(run_prog.n_ticks, np.int64)
        for hc, off in cuts.items():             # the chip tick before cut tick hc stops before its PROP
            cut_at[int(np.searchsorted(host_of, hc)) - 1] = off
        try:
            run, hang = _simulate_cut(chip, run_prog, sample, do_eprop, dump, host_of, sched, cut_at), None
        except ChipHang as e:                    # an EPROP hang (a SAMPLE fall) or a GET_TAR no transfer
            if e.state not in ("EPROP", "GET_TAR") or e.tick_table is None:   # answers: the ticks before count
                raise
            run, hang = (e.tick_table, None, None, e.tick_send, e.config_reads), e
        if len(run) == 3:                        # a Recut found in a cut window: (host tick, offset, "PROP")
            h, offset, where = run
        else:
            if sched.after:                      # later SPI_CYCLES_PER_TICK writes, where this run plays them
                sched = local_tick_write.with_writes(sched, run[0], host_of, run[4])
            early, into_hang = _early(chip, prog, run, hang, host_of, sched, lost, cuts, arrivals, cut_at)
            if early is None:
                break
            c, h0, h, offset, where = early
            if error_halt.value_at(saved[1].registers, chip._reg_log, c + 1, where, row=run[0][c],
                                   txns=dict(run[4] or ()).get(c + 1), offset=offset):
                halt = tick_period.halt(run[0], c, h0, h, offset, ChipHang)
                halt = _local_halt(halt, sched, h) if sched.after else halt
                halt.tick_send, halt.config_reads = run[3], error_halt.host_visits(run[4], host_of)
                halt.lost_ticks, halt.cut_ticks = tuple(sorted(lost)), tuple(sorted(cuts.items()))
                raise halt
            if into_hang and hang.state == "EPROP":
                raise lost_ticks.eprop_lost_after(hang, host_of, run_prog.fall_cycle, lost, h, prog.n_ticks, ChipHang)
            if into_hang:
                raise gettar_hang.lost_after(prog, hang, h0, host_of, lost, ChipHang, sched.phase(h0).after > 0)
        if where == "PROP":                      # it cuts the scan (core.cycle.cut)
            if not sched.after:
                cut.check_cut(prog, h, host_of)
            elif sched.changes:                  # the cut window counts one period after the cut
                raise cut.local_changes(h, sched)
            cuts[h] = offset
            arrivals = [*arrivals, (int(np.searchsorted(host_of, h)), "PROP", offset)]
        else:
            lost, arrivals = lost | {h}, [*arrivals, (c + 1, where, offset)]
        if sched.after and h == prog.n_ticks:    # local ticks go on after the host's last: the next one ends it
            prog = lost_ticks.with_empty_step(prog)
        chip._restore(saved)
    return (*_finish(chip, prog, run, hang, host_of, run_prog, lost, cuts), sched)


def period_schedule(chip, prog, sample, do_eprop: int, period: int, saved) -> tick_period.Schedule:
    """A fixed-period host's schedule; with an SPI_LOCAL_TICK := 1 visit (saved: the chip before the sample) its
    ticks stop at that write's edge and resume after a later := 0 (local_tick_write.host_resumed), found on one
    run without early ticks (the chip is restored after it)."""
    sched = tick_period.Schedule(period)
    if saved is None:
        return sched
    first = chip._simulate(prog, sample, do_eprop, False)[0]
    sched = local_tick_write.host_stopped(sched, chip._reg_log, prog, first)
    sched = local_tick_write.host_resumed(sched, chip._reg_log, prog, first)
    chip._restore(saved)
    return sched


def rerun_lost_local(chip, prog, sample, do_eprop: int, dump: bool, busy, saved):
    """run_losing_ticks on the local ticks of a local_tick_write.LostLocalTicks, from the chip before the sample;
    any hang carries record 10."""
    chip._restore(saved)
    s = busy.schedule
    try:
        return run_losing_ticks(chip, prog, sample, do_eprop, dump, s)
    except ChipHang as hang:
        hang.local = hang.local or (s.after, s.first, s.period)
        raise


def _finish(chip, prog, run, hang, host_of, run_prog, lost, cuts):
    """The hangs of the last run in host tick numbers, or its tuple with the lost ticks and cuts."""
    if hang is not None:                         # GET_TAR in the host's last tick (no TIME_TICK follows), or EPROP
        out = (gettar_hang.host_numbered(hang, host_of, lost, ChipHang) if hang.state == "GET_TAR" else
               lost_ticks.host_numbered(hang, host_of, run_prog.fall_cycle, lost, ChipHang))
        out.cut_ticks = tuple(sorted(cuts.items()))   # the hung tick's own cut too (a cut tick asking for targets)
        raise out
    if prog.n_ticks in lost and len(run[0]) > len(host_of):   # the phantom tick: SAMPLE falls, no tick comes
        h = ChipHang("PROP", int(host_of[-1]), f"TIME_TICK {prog.n_ticks}, the host's last, arrives while "
                                               f"tick {int(host_of[-1])} is busy and is lost (SPI_ERROR_HALT = "
                                               "0); the chip then waits in PROP for a tick that never comes",
                     timing_error=True, lost_ticks=tuple(sorted(lost)), tick_table=run[0][:len(host_of)].copy())
        h.config_reads = error_halt.host_visits(run[4], host_of)
        h.tick_send = None if run[3] is None else {key: v[:len(host_of)] for key, v in run[3].items()}
        raise h
    if run[4]:                                   # CONFIG visits by host tick number
        run = (*run[:4], error_halt.host_visits(run[4], host_of))
    chip._timing_error |= bool(lost or cuts)     # TIMING_ERROR is cleared only by reset
    return (*run, lost, tuple(sorted(cuts.items())))


def _simulate_cut(chip, prog, sample, do_eprop, dump, host_of, sched, cut_at):
    """Chip._simulate, or (host tick, offset, "PROP") when a tick cuts a cut tick's PROP that the program does not
    list as cut yet (core.cycle.cut.Recut: the host tick whose offset on sched it is)."""
    try:
        return chip._simulate(prog, sample, do_eprop, dump, cut_at)
    except cut.Recut as rc:
        h0, m = int(host_of[rc.tick - 1]), 1
        while sched.gap(h0, m) < rc.offset:
            m += 1
        return h0 + m, rc.offset, "PROP"
