"""Whether the bench keeps up with local ticks (record 10): between a chip tick's readiness and the next local
tick it must play every host step since (README "Operating modes"), for a local tick does not wait for it.

The bench's cost of a step (reckon_vec_tb.sv do_step, default +clk_half / +sck_half): 7 cycles per AER event or
target transfer (aer_send's four-phase handshake on the released RTL), 4 after the levels, and 129 for the
SPI_EN_CONF = 1 write of a CONFIG visit (64 SCK periods of 2 cycles, 1 to realign). Measured on the released RTL
(small_spec, tick 25's visit, 3 events in step 25): a local tick that comes exactly that many cycles after the
readiness passes, one cycle sooner fails, with SPI_TIMING_MODE = 0 (`TIMING_ERROR_RDY low before tick 26`) and 1
(`local tick 26 came 3259 cycles after tick 25's, expected 3258`).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..io.vector_files import LV_SAMPLE, Step, write_local
from ..core.records import TK
from ..core.tick_period import Schedule

AER_CYCLES, STEP_CYCLES, VISIT_CYCLES = 7, 4, 129


def extended(steps: list[Step], last_host_tick: int) -> list[Step]:
    """The steps up to the host tick the sample ends on: local ticks go on after the host's last (core.early_ticks),
    each after an empty step with SAMPLE low."""
    out = list(steps[:last_host_tick])
    while len(out) < last_host_tick:
        out.append(Step(len(out), out[-1].levels & ~LV_SAMPLE))
    return out


def step_cycles(step: Step) -> int:
    """The bench's cycles to play one step (module docstring)."""
    return AER_CYCLES * (len(step.aer) + len(step.tar)) + STEP_CYCLES + (VISIT_CYCLES if step.config else 0)


def check(steps: list[Step], tk: np.ndarray, host_of: np.ndarray, sched: Schedule, end: int | None = None,
          cuts=()) -> None:
    """InputError when a local tick comes before the bench has played the steps since the last chip tick's
    readiness. sched: the local ticks (core.tick_period.Schedule: after tick k, on later periods too); host_of:
    the host tick of every chip tick (lost ticks left out); end: the tick whose visit writes SPI_LOCAL_TICK := 0
    (the host raises the ticks after it); cuts: the (host tick, offset) of ticks that cut a PROP scan (the busy
    tick was never ready: its steps wait for the cut tick's readiness, core.lost_ticks)."""
    k, cut, since = sched.after, {h for h, _ in cuts}, None
    for i in range(1, len(host_of)):
        h0, h1 = int(host_of[i - 1]), int(host_of[i])
        if h1 in cut:
            since = h0 if since is None else since
            continue
        first, since = (h0 if since is None else since), None
        if h1 <= k or (end is not None and h1 > end):
            continue
        gap = sched.gap(h0, h1 - h0) - int(tk[i - 1, TK.cycles])
        need = sum(step_cycles(steps[j]) for j in range(first, h1))
        if need > gap:
            steps_txt = f"step {first}" if h1 == first + 1 else f"steps {first}..{h1 - 1}"
            raise InputError("host program", f"the local tick that starts tick {h1} comes {gap} cycles after tick "
                                             f"{h0} is ready; the bench needs {need} to play {steps_txt} (7 per "
                                             "AER event, 4 per step): not written (model only; allowed: a "
                                             "SPI_CYCLES_PER_TICK that leaves the host that time)")


def arrivals(sched: Schedule, host_of: np.ndarray, end: int | None = None, halt: tuple | None = None,
             cuts=()) -> list:
    """(host tick j, cycles after the start of the chip tick it lands in) of every local tick (record 10, for the
    replay DUT's expect/local_NNNN.hex): those that start a chip tick, and the lost or cutting ones between (a cut
    tick's successors count from the busy tick, whose row takes the cut one's); up to tick `end`'s
    SPI_LOCAL_TICK := 0 (its successor is the host's), and in the halt tick h, halt = (h, j): ticks h+1 .. j."""
    pairs = [(int(a), int(b)) for a, b in zip(host_of[:-1], host_of[1:])] + ([halt] if halt else [])
    cut, base, out = {h for h, _ in cuts}, 0, []
    for h0, h1 in pairs:
        if h0 < sched.after or (end is not None and h0 > end):
            continue
        last = h1 - 1 if end is not None and h0 == end else h1
        out += [(j, base + sched.gap(h0, j - h0)) for j in range(h0 + 1, last + 1)]
        base = base + sched.gap(h0, h1 - h0) if h1 in cut else 0
    return out


def write(out, add, gidx: int, sched: Schedule, host_of: np.ndarray, end, halt=None, cuts=(), later=()) -> None:
    """expect/local_NNNN.hex of sample gidx (arrivals; add: the manifest's file registration); later: the
    (Schedule, end) of each later SPI_LOCAL_TICK := 1 phase, whose ticks follow the host's in between; halt: as
    arrivals, in the last phase."""
    path = out / "expect" / f"local_{gidx:04d}.hex"
    rows = arrivals(sched, host_of, end, None if later else halt, cuts)
    for i, (s2, end2) in enumerate(later):                  # the halt tick is in the last phase
        rows += arrivals(s2, host_of, end2, halt if i == len(later) - 1 else None, cuts)
    write_local(path, rows)
    add(path, "expected_local_ticks", "local-ticks", gidx=gidx)
