"""The stock-testbench host protocol (spec §16.2, FORMAT §3.3): when each dataset line reaches the chip.

The host walks a sample's lines in order, sending ticks until `curr_tick` reaches a line's time; an event
with time b is therefore delivered after tick max(b, ticks already sent), and the supervision marker after
tick max(TARGET_TICK, ticks already sent). Shared by `run`, `train` and the vector writers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..backend import Sample
from ..errors import InputError

GETTAR_HOST_CYCLES = 21   # GET_TAR wait of the stock bench's AER target handshake (FORMAT §9: host constant)
GETTAR_LABEL_HOST_CYCLES = 4   # GET_TAR answered with one class label by tools/rtl's bench (measured on the RTL)


@dataclass(frozen=True)
class Schedule:
    ev_tick: np.ndarray    # int64 [n]: tick after which the event is delivered (0 = before tick 1)
    ev_chan: np.ndarray    # int64 [n]: AER address
    marker_tick: int       # tick after which label / TARGET_VALID / INFER_ACC are raised
    n_ticks: int


@njit(cache=True)
def _delivery_ticks(ev, marker_index, n_ticks, target_tick):
    """(ev_tick, ev_chan, marker_tick, error): error 1 event time, 2 channel, 3 TARGET_TICK out of range. ev_tick
    is non-decreasing (a running maximum, the marker tick between the two halves), so already in step order."""
    n = ev.shape[0]
    ev_tick, ev_chan = np.empty(n, np.int64), np.empty(n, np.int64)
    bad_time, bad_chan = False, False
    for i in range(n):                           # loops, not .min(): no exception path (its set-up costs ~10 µs)
        bad_time |= (ev[i, 1] < 0) | (ev[i, 1] > n_ticks - 1)
        bad_chan |= (ev[i, 0] < 0) | (ev[i, 0] > 255)
    if bad_time:
        return ev_tick, ev_chan, 0, 1
    if bad_chan:
        return ev_tick, ev_chan, 0, 2
    if not 1 <= target_tick <= n_ticks - 2:
        return ev_tick, ev_chan, 0, 3
    curr = 0
    for i in range(marker_index):
        curr = max(curr, ev[i, 1])
        ev_tick[i] = curr
    marker_tick = max(curr, target_tick)
    curr = marker_tick
    for i in range(marker_index, n):
        curr = max(curr, ev[i, 1])
        ev_tick[i] = curr
    ev_chan[:] = ev[:, 0]
    return ev_tick, ev_chan, marker_tick, 0


def schedule(sample: Sample, target_tick: int) -> Schedule:
    ev = np.ascontiguousarray(np.asarray(sample.events, dtype=np.int64).reshape(-1, 2))
    marker_index = len(range(len(ev))[: sample.marker_index])     # as the slice events[:marker_index] counts
    T = int(sample.n_ticks)
    ev_tick, ev_chan, marker_tick, error = _delivery_ticks(ev, marker_index, T, int(target_tick))
    if error == 1:
        raise InputError("sample", f"event time out of range 0..{T - 1}")
    if error == 2:
        raise InputError("sample", "event channel out of range 0..255")
    if error == 3:
        raise InputError("TARGET_TICK", f"= {target_tick} out of range 1..{T - 2} for T = {T}")
    return Schedule(ev_tick, ev_chan, int(marker_tick), T)
