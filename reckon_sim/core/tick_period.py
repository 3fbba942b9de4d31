"""A host that raises TIME_TICK every `tick_period` clock cycles (HostSpec.tick_period, README "Operating modes").

srnn.v: TIMING_ERROR <= 1 on time_tick when state is neither IDLE nor PROP, or is PROP with state_evt != WAIT
(cleared only by reset); SPI_ERROR_HALT && TIMING_ERROR forces state <= IDLE every cycle; PROP goes to STEP on
any time_tick. Within PROP, state_evt == WAIT is exactly TIMING_ERROR_RDY (TIMING_MODE = 0): nextstate_evt
leaves WAIT only on the edge into PROP. So tick k+1 is early iff it arrives before the cycle in which tick k's
TIMING_ERROR_RDY rises, i.e. iff tick_period < tk[k, cycles] (the tick table counts from the time_tick cycle to
that ready cycle: +1 time_tick cycle, then STEP .. PROP scan; the SV bench measures it). The period is counted
between time_tick cycles (the TIME_TICK synchroniser delays every tick alike); ticks stop after tick T.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import InputError
from .records import TK

# the phases of a tick in FSM order after the time_tick cycle (SEND: SEND_PER_TIMESTEP, in the cycles total only)
_PHASES = (("STEP", TK.step), ("SDONE", TK.sdone), ("CONFIG", TK.config), ("GET_TAR", TK.gettar),
           ("EPROP", TK.eprop), ("SEND", None), ("PROP", TK.prop))


def state_at(row: np.ndarray, offset: int) -> tuple[str, int]:
    """The global state `offset` (>= 1) cycles after tick row's time_tick cycle, and the cycle within it (0-based),
    while the tick is busy (offset < row[TK.cycles])."""
    fixed = sum(int(row[c]) for _, c in _PHASES if c is not None)
    lengths = [int(row[c]) if c is not None else int(row[TK.cycles]) - 1 - fixed for _, c in _PHASES]
    d = offset - 1
    for (name, _), n in zip(_PHASES, lengths):
        if d < n:
            return name, d
        d -= n
    raise ValueError(f"offset {offset} is past the tick's {int(row[TK.cycles])} cycles")


def arrival(row: np.ndarray, tick: int, early: int, offset: int) -> tuple[str, int, str]:
    """Where TIME_TICK `early`, `offset` cycles after tick `tick`'s, lands (row: tick's table row): the state,
    the cycle in it and the sentence saying so."""
    state, c = state_at(row, offset)
    return state, c, (f"TIME_TICK {early} arrives {offset} cycles after tick {tick}'s, in {state} cycle {c} of "
                      f"tick {tick} ({int(row[TK.cycles])} cycles)")


def halt(tk: np.ndarray, c: int, tick: int, early: int, offset: int, hang):
    """The ChipHang of SPI_ERROR_HALT = 1 when TIME_TICK `early` lands `offset` cycles into chip tick row c (host
    tick `tick`): the chip is held in IDLE. hang: the ChipHang class (state, tick, why, timing_error, tick_table,
    cut)."""
    state, cyc, where = arrival(tk[c], tick, early, offset)
    return hang("IDLE", tick, f"{where}: TIMING_ERROR is set, the FSM takes one more step and "
                              f"SPI_ERROR_HALT = 1 then holds IDLE for ever (the {state} phase is cut; the chip's state after the cut is not "
                              "modelled)", timing_error=True, tick_table=tk[: c + 1].copy(), cut=(state, cyc))


def next_tick(base: int, c: int, changes, where: str) -> tuple[int, int]:
    """The offset of the next local time_tick edge and the C in force then: tick_cnt = e - base before edge e;
    changes: [(edge offset, new C)] in order (core.local_tick_write). InputError when a new C is below the count
    (it counts through 2^32)."""
    for e, c2 in changes:
        if base + c < e:                             # the tick comes before this write's edge
            break
        if e - base > c2:
            raise InputError(where, f"SPI_CYCLES_PER_TICK := {c2} when tick_cnt is already {e - base}: it counts "
                                    "through 2^32 before the next local tick: not modelled (allowed: a value not "
                                    "below the cycles since the last local tick, or the LT write's edge)")
        c = c2
    return base + c, c


class Schedule(NamedTuple):
    """When the ticks after a busy chip tick arrive: every `period` cycles, from host tick 1 on (a fixed-period
    host), or, with `after` = k > 0, the local ticks of an SPI_LOCAL_TICK := 1 visit in tick k: tick k+1 `first`
    cycles after tick k's, then every period (ticks up to k follow the chip's readiness: never early), a C
    written in a later visit taking over as next_tick says (`changes`: (host tick h0 of the chip tick whose visit
    writes it, its edge offset there, C); for h0 = k only writes after `first`). A fixed-period host's ticks
    from `stop_at` cycles into tick `stop_tick` on are ignored (its SPI_LOCAL_TICK := 1 write's edge: the local
    ticks take over, core.local_tick_write). `later`: the Schedules of later SPI_LOCAL_TICK := 1 phases (each
    from its own tick `after` on; the ready host's ticks in between are never early)."""
    period: int
    after: int = 0
    first: int = 0
    stop_tick: int = 0
    stop_at: int = 0
    changes: tuple = ()
    where: str = "host program"
    later: tuple = ()

    def at(self, h0: int) -> "Schedule":
        """The phase whose ticks follow host tick h0's (self before the first later phase)."""
        return next((p for p in reversed(self.later) if p.after <= h0), self)

    def phase(self, h0: int) -> "Schedule":
        """at(h0) as a one-phase Schedule (no `later`), whose gap and period_at are that phase's own."""
        return self.at(h0)._replace(later=())

    def gap(self, h0: int, m: int) -> int:
        """Cycles from host tick h0's time_tick to host tick h0 + m's (h0 >= after)."""
        if self.later:
            return self.phase(h0).gap(h0, m)
        own = h0 == self.after and self.after
        if not self.changes:
            return self.first + (m - 1) * self.period if own else m * self.period
        c = self.period_at(h0)
        writes = [(e, v) for h, e, v in self.changes if h == h0]
        t, n = (self.first, 1) if own else (0, 0)
        while n < m:
            t, c = next_tick(t, c, [(e, v) for e, v in writes if e > t], self.where)
            n += 1
        return t

    def period_at(self, h0: int) -> int:
        """The C in force at host tick h0's time_tick (after tick `after`'s first local tick)."""
        if self.later:
            return self.phase(h0).period_at(h0)
        c = self.period
        for h, _, v in self.changes:
            if h < h0:
                c = v
        return c

    def ended_before(self, h: int) -> int:
        """The tick whose visit stops the last phase (its SPI_LOCAL_TICK := 0) when tick h comes after it, else 0
        (a halt in tick h is then the resumed host's, not a local tick's)."""
        final = self.later[-1] if self.later else self
        return final.stop_tick if final.stop_tick and h > final.stop_tick else 0

    @classmethod
    def of(cls, sched: "Schedule | int") -> "Schedule":
        return sched if isinstance(sched, Schedule) else cls(int(sched))


def first_early(tk: np.ndarray, host_of: np.ndarray, sched: "Schedule | int", lost: frozenset) -> tuple | None:
    """The first host tick arriving while a chip tick is busy and not counted lost yet: (chip tick row c, host
    tick of row c, the early host tick, its offset in cycles, the state it lands in); None: none."""
    sched = Schedule.of(sched)
    for c in range(min(len(tk), len(host_of)) - 1):     # the last chip tick has no successor (ticks stop there)
        busy, h0 = int(tk[c, TK.cycles]), int(host_of[c])
        s = sched.phase(h0)                              # the phase of h0's successor
        if h0 < s.after:                                 # its successor follows readiness
            continue
        if s.stop_tick and h0 >= s.stop_tick:            # the host's TIME_TICK is ignored from the LT edge on
            busy = min(busy, s.stop_at) if h0 == s.stop_tick else 0
        m = 1
        while s.gap(h0, m) < busy:
            if h0 + m not in lost:
                return c, h0, h0 + m, s.gap(h0, m), state_at(tk[c], s.gap(h0, m))[0]
            m += 1
    return None
