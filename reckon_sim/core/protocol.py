"""The stock-testbench host protocol (spec §16.2, FORMAT §3.3): when each dataset line reaches the chip.

The host walks a sample's lines in order, sending ticks until `curr_tick` reaches a line's time; an event
with time b is therefore delivered after tick max(b, ticks already sent), and the supervision marker after
tick max(TARGET_TICK, ticks already sent). Shared by `run`, `train` and the vector writers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def schedule(sample: Sample, target_tick: int) -> Schedule:
    ev = np.asarray(sample.events, dtype=np.int64).reshape(-1, 2)
    times = ev[:, 1]
    if len(times) and (times.min() < 0 or times.max() > sample.n_ticks - 1):
        raise InputError("sample", f"event time out of range 0..{sample.n_ticks - 1}")
    if np.any(ev[:, 0] < 0) or np.any(ev[:, 0] > 255):
        raise InputError("sample", "event channel out of range 0..255")
    if not 1 <= target_tick <= sample.n_ticks - 2:
        raise InputError("TARGET_TICK", f"= {target_tick} out of range 1..{sample.n_ticks - 2} for T = {sample.n_ticks}")
    before = np.maximum.accumulate(times[: sample.marker_index]) if sample.marker_index else times[:0]
    curr = int(before[-1]) if len(before) else 0
    marker_tick = max(curr, target_tick)
    after = np.maximum.accumulate(np.maximum(times[sample.marker_index:], marker_tick))
    ev_tick = np.concatenate([before, after]).astype(np.int64)
    return Schedule(ev_tick, ev[:, 0].copy(), int(marker_tick), int(sample.n_ticks))
