"""A GET_TAR no transfer answers, with a fixed-period host (HostSpec.tick_period, README "Operating modes").

The chip waits in GET_TAR for ever, but the host's TIME_TICKs go on: the next one sets TIMING_ERROR (srnn.v
L762: a time_tick outside IDLE / PROP), so with SPI_ERROR_HALT = 1 (the value it meets, core.error_halt) the FSM
is held in IDLE from there (a halt: tick_period.halt), and with 0 every later tick is lost and the chip still
waits in GET_TAR, now with TIMING_ERROR set. A later host step that sends target bytes would end that GET_TAR
late: not modelled. The local ticks of an SPI_LOCAL_TICK := 1 visit do the same (core.local_tick_write.into_hang);
the host, waiting for readiness, then plays no later step.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from . import error_halt
from .records import TK
from .tick_period import Schedule, state_at


def next_tick(tk: np.ndarray, host_of: np.ndarray, sched: Schedule, n_host_ticks: int, lost=frozenset(),
              state: str = "GET_TAR") -> tuple | None:
    """Where the next TIME_TICK (or local tick) not lost yet lands in the hung tick (the last row of tk), as
    tick_period.first_early (chip row, its host tick, that tick, offset, state); the row's GET_TAR (state
    "EPROP": its EPROP, a SAMPLE fall's hang with local ticks) then reaches past it. None: the hung tick is the
    host's last, or no tick follows it."""
    c = len(tk) - 1
    h0, s = int(host_of[c]), Schedule.of(sched)
    p = s.phase(h0)
    if h0 >= n_host_ticks and not s.after or h0 < p.after or p.stop_tick and h0 >= p.stop_tick:
        return None                                  # no tick follows: the host's last, or the phase stopped
    m = next(m for m in range(1, len(lost) + 2) if h0 + m not in lost)
    row, gap, col = tk[c], s.gap(h0, m), TK.eprop if state == "EPROP" else TK.gettar
    entry = 1 + int(row[TK.step]) + int(row[TK.sdone]) + int(row[TK.config])
    entry += int(row[TK.gettar]) if col == TK.eprop else 0
    row[col] = max(gap - entry + 1, int(row[col]), 1)   # the hung state as far as that tick: it never ends
    row[TK.cycles] = entry + row[col]
    return c, h0, h0 + m, gap, state_at(row, gap)[0]


def lost_after(prog, hang, h0: int, host_of: np.ndarray, lost: frozenset, hang_cls, local: bool = False):
    """The GET_TAR hang of host tick h0 with SPI_ERROR_HALT = 0: TIMING_ERROR set, the host's later ticks lost
    (local: the local ticks of an SPI_LOCAL_TICK := 1 visit, which go on while the host waits for readiness, so
    it plays no later step)."""
    T = prog.n_ticks
    sends = [j for j in range(h0, T) if prog.tar.get(j) or prog.req.get(j)]
    if sends and not local:
        raise InputError(f"host program step {sends[0]}: tar", f"target bytes after tick {h0}, whose GET_TAR no "
                         "transfer answers, with a tick_period and SPI_ERROR_HALT = 0: they would end that GET_TAR "
                         "late: not modelled (allowed: no target bytes after the hung tick, or SPI_ERROR_HALT = 1)")
    later = frozenset(range(h0 + 1, T + 1))
    ticks = (f"the local tick {h0 + 1} arrives in it and sets TIMING_ERROR, it and every later one are lost "
             "(SPI_ERROR_HALT = 0; the host, waiting for readiness, plays no later step)" if local else
             f"TIME_TICK {h0 + 1} arrives in it and sets TIMING_ERROR, it and the host's later ticks up to {T} are "
             "lost (SPI_ERROR_HALT = 0)")
    out = hang_cls("GET_TAR", h0, f"no target transfer answers its request; {ticks}", timing_error=True,
                   tick_table=hang.tick_table, lost_ticks=tuple(sorted(lost | later)))
    return _carry(out, hang, host_of)


def host_numbered(hang, host_of: np.ndarray, lost: frozenset, hang_cls):
    """A GET_TAR hang (chip tick numbers) in host tick numbers, with the ticks lost before it."""
    h = int(host_of[hang.tick - 1])
    out = hang_cls("GET_TAR", h, str(hang).split(": ", 2)[2], hang.timing_error, hang.tick_table,
                   lost_ticks=tuple(sorted(lost)))
    return _carry(out, hang, host_of)


def _carry(out, hang, host_of: np.ndarray):
    """The hung sample's per-tick SEND and CONFIG visits (by host tick number) ride along on `out`."""
    out.tick_send, out.config_reads = hang.tick_send, error_halt.host_visits(hang.config_reads, host_of)
    return out
