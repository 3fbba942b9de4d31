"""SPI_ERROR_HALT written in a mid-sample CONFIG visit with a fixed-period host (README "Operating modes").

srnn.v: `else if (SPI_ERROR_HALT && TIMING_ERROR) state <= IDLE` every cycle, TIMING_ERROR set by an early
time_tick and cleared only by reset; registers feed the core directly. So an early tick is judged by the value
it meets: the one before the visit of its chip tick when it lands in STEP / SDONE, the one after when it lands
after CONFIG (GET_TAR .. PROP scan); one landing in the visit that changes the value meets the value at the next
edge (the write's edge from the visit's SPI word timing: halt_in_visit). SPI_ERROR_HALT := 1
while TIMING_ERROR is already set (a lost tick before the write) forces IDLE during the visit itself: a halt in CONFIG.
"""
from __future__ import annotations

import numpy as np

from ..hw.registers import BY_NAME
from .visit_timing import write_edges

EH = "SPI_ERROR_HALT"
_BEFORE_CONFIG = ("STEP", "SDONE")


def value_at(initial: dict, log, tick: int, state: str, row=None, txns=None, offset: int = 0) -> int:
    """SPI_ERROR_HALT met by an early host or local tick landing in `state` of chip tick `tick`, offset
    cycles into tick row, whose visit plays txns; log: [(tick, registers before, after)] of the sample's
    register-writing visits, in order; initial: the registers at its start."""
    eh = int(initial[EH])
    for k, before, after in log:
        if k > tick:
            break
        if k == tick and state == "CONFIG" and txns is not None:   # inside the visit: the writes seen by then decide
            return halt_in_visit(int(before[EH]), row, txns, offset)
        if k < tick or state not in _BEFORE_CONFIG:
            eh = int(after[EH])
    return eh


def halt_in_visit(before: int, row: np.ndarray, txns, offset: int) -> int:
    """SPI_ERROR_HALT met by an early tick `offset` cycles into tick row, inside its visit that changes it: the
    value at the edge after the tick's (TIMING_ERROR is set at the tick's edge, `SPI_ERROR_HALT && TIMING_ERROR`
    is judged at the next), i.e. the last EH write seen by then. When that is 0, a later SPI_ERROR_HALT := 1 write
    of the visit halts the chip at its edge (the sticky TIMING_ERROR: check_sticky)."""
    eh = before
    for edge, v in write_edges(row, txns, BY_NAME[EH].addr):
        if edge <= offset + 1:
            eh = v & 1
    return eh


def _set_before(arrivals, k: int, edge: int) -> list:
    """The arrivals (chip tick, state, offset) that set TIMING_ERROR before edge `edge` of the visit of chip tick
    k: in an earlier tick, before its CONFIG, or in its CONFIG before that edge."""
    return [(c, s) for c, s, o in arrivals
            if c < k or (c == k and (s in _BEFORE_CONFIG or (s == "CONFIG" and o + 1 < edge)))]


def check_sticky(arrivals, early, run, host_of: np.ndarray, hang, prior: bool = False) -> None:
    """ChipHang when a visit writes SPI_ERROR_HALT := 1 while TIMING_ERROR is set (prior: set in an earlier
    sample; arrivals: [(chip tick, state, offset)] of the lost ticks and cuts so far, each met SPI_ERROR_HALT = 0)
    before the next early tick `early` (a tick_period.first_early tuple, or None) comes; run: the _simulate tuple
    (tick table, .., CONFIG visits by chip tick)."""
    tk = run[0]
    for k, txns in run[4] or ():
        for edge, v in write_edges(tk[k - 1], txns, BY_NAME[EH].addr):
            if not v & 1:
                continue
            lost = _set_before(arrivals, k, edge)
            if not (prior or lost):
                continue
            if early is not None and _set_before([(early[0] + 1, early[4], early[3])], k, edge):
                return                               # the next early tick comes first
            tick = int(host_of[k - 1])
            why = "an earlier sample's lost tick"
            if lost:
                c, st = lost[0]
                why = f"the tick {'that cut the PROP scan of' if st == 'PROP' else 'lost in'} tick {int(host_of[c - 1])}"
            h = hang("IDLE", tick, f"{EH} := 1 in the CONFIG visit of tick {tick} while TIMING_ERROR is set ({why}):"
                                   f" {EH} && TIMING_ERROR forces IDLE from the write on (the visit is cut; the "
                                   "chip's state after the cut is not modelled)", timing_error=True,
                     tick_table=tk[:k].copy(), cut=("CONFIG", -1))
            h.tick_send, h.config_reads = run[3], host_visits(run[4], host_of)
            raise h


def host_visits(visits, host_of: np.ndarray) -> list:
    """CONFIG visits [(chip tick, txns)] by host tick number."""
    return [(int(host_of[k - 1]), txns) for k, txns in visits or ()]
