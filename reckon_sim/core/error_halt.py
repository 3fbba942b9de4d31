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

from ..errors import InputError
from ..hw.registers import BY_NAME
from .visit_timing import write_edges

EH = "SPI_ERROR_HALT"
_BEFORE_CONFIG = ("STEP", "SDONE")


def value_at(initial: dict, log, tick: int, state: str, where: str, what: str = "an early TIME_TICK", row=None,
             txns=None, offset: int = 0) -> int:
    """SPI_ERROR_HALT met by `what` (an early host or local tick) landing in `state` of chip tick `tick`, offset
    cycles into tick row, whose visit plays txns; log: [(tick, registers before, after)] of the sample's
    register-writing visits, in order; initial: the registers at its start."""
    eh = int(initial[EH])
    for k, before, after in log:
        if k > tick:
            break
        if k == tick and state == "CONFIG" and before[EH] != after[EH]:   # where the write completes decides
            return halt_in_visit(int(before[EH]), int(after[EH]), row, txns, offset, what, where)
        if k < tick or state not in _BEFORE_CONFIG:
            eh = int(after[EH])
    return eh


def halt_in_visit(before: int, after: int, row: np.ndarray, txns, offset: int, what: str, where: str) -> int:
    """SPI_ERROR_HALT met by an early tick `offset` cycles into tick row, inside its visit that changes it: the
    value at the edge after the tick's (TIMING_ERROR is set at the tick's edge, `SPI_ERROR_HALT && TIMING_ERROR`
    is judged at the next), i.e. the last EH write seen by then. InputError when that is 0 and a later write in
    the visit sets 1 (the sticky TIMING_ERROR then halts at that write: not modelled)."""
    eh = before
    for edge, v in write_edges(row, txns, BY_NAME[EH].addr):
        if edge <= offset + 1:
            eh = v & 1
    if not eh and after:
        raise InputError(where, f"{what} lands in a CONFIG visit before its SPI_ERROR_HALT := 1 write (the sticky "
                                "TIMING_ERROR then halts the chip at the write): not modelled (allowed: a tick that "
                                "lands outside that visit or after the write)")
    return eh


def check_sticky(log, arrivals, early, run, host_of: np.ndarray, hang, prior: bool = False) -> None:
    """ChipHang when a visit writes SPI_ERROR_HALT := 1 while TIMING_ERROR is set (prior: set in an earlier
    sample; arrivals: [(chip tick, state)] of the lost ticks so far) before the next early tick `early` (a
    tick_period.first_early tuple, or None) comes; run: the _simulate tuple (tick table, .., CONFIG reads)."""
    for k, before, after in log:
        if before[EH] or not after[EH]:
            continue
        lost = [c for c, s in arrivals if c < k or (c == k and s in _BEFORE_CONFIG)]
        if not (prior or lost):
            continue
        if early is not None and (early[0] + 1 < k or (early[0] + 1 == k and early[4] in _BEFORE_CONFIG)):
            return                                   # the next early tick comes first
        tick = int(host_of[k - 1])
        why = f"the tick lost in tick {int(host_of[lost[0] - 1])}" if lost else "an earlier sample's lost tick"
        h = hang("IDLE", tick, f"{EH} := 1 in the CONFIG visit of tick {tick} while TIMING_ERROR is set ({why}): "
                               f"{EH} && TIMING_ERROR forces IDLE from the write on (the visit is cut; the chip's "
                               "state after the cut is not modelled)", timing_error=True,
                 tick_table=run[0][:k].copy(), cut=("CONFIG", -1))
        h.tick_send, h.config_reads = run[3], host_visits(run[4], host_of)
        raise h


def host_visits(visits, host_of: np.ndarray) -> list:
    """CONFIG visits [(chip tick, txns)] by host tick number."""
    return [(int(host_of[k - 1]), txns) for k, txns in visits or ()]
