"""SAMPLE falling N cycles into tick k (HostProgram.fall_cycle, README "Operating modes"): what the chip does.

srnn.v global FSM (L710-L740): SAMPLE_sync is looked at in IDLE (IDLE -> PROP), SDONE (!SAMPLE_sync -> SEND),
at the end of EPROP (eprop_done && SEND_PER_TIMESTEP -> SEND; eprop_done && SAMPLE_sync -> PROP; else EPROP
again) and at the end of SEND (send_done && SEND_PER_TIMESTEP && SAMPLE_sync -> PROP; send_done -> IDLE); CONFIG
and GET_TAR do not look. SAMPLE and TIME_TICK cross equal 2-flop synchronisers, so a fall N clock edges after
the TIME_TICK rise is seen from offset N of the tick (core.tick_period.state_at). core.host.played ends the sample
in tick k when it is seen at SDONE; core.sample_kernel._fall_ends decides at EPROP's end (hang) and SEND's end.
While the chip waits in EPROP its e-prop counters run on (srnn.v L768-L783: the post-block counter wraps and
the updates repeat), so the state after the hang is not modelled.
"""
from __future__ import annotations

import numpy as np

from .records import TK
from .tick_period import state_at


def where(row: np.ndarray, tick: int, cycle: int) -> str:
    """The sentence saying in which state and cycle of the tick SAMPLE_sync goes low."""
    state, c = state_at(row, cycle)
    return f"SAMPLE falls {cycle} cycles after TIME_TICK {tick}, in {state} cycle {c} of tick {tick}"


def eprop_hang(hang_cls, row: np.ndarray, tick: int, cycle: int, then: str = ""):
    """The ChipHang of a fall before EPROP's last cycle without SEND_PER_TIMESTEP (row: the tick's cycles up to
    the cycle EPROP would have left; then: what the later ticks do, appended)."""
    state, c = state_at(row, cycle)
    last = int(row[TK.cycles]) - 1
    return hang_cls("EPROP", tick, f"{where(row, tick, cycle)}; SAMPLE is low at EPROP's last cycle ({last}) and "
                                   "SEND_PER_TIMESTEP = 0, so EPROP waits for SAMPLE for ever (srnn.v L734-L735; its "
                                   f"counters cycle on: the state after is not modelled){then}", cut=(state, c))
