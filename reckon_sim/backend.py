"""The one interface both backends (fixed-point chip model, float references) implement.

A *sample* is what one line group of a ReckOn dataset file describes: input events (channel, tick), the
supervision marker (class label, delivered after tick ``target_tick``) and the sample length ``n_ticks``.
Experiments (train, curves, sweeps) only ever call ``run_sample`` and never ask which backend they hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Sample:
    """One sample in the ReckOn dataset format.

    events:       int32 array (n, 2) of (channel, time) in file order; time = tick index b of the line "a, b".
    label:        class label L of the "-2, L" marker.
    n_ticks:      T of the "-1, T" end marker (ticks 1..T are sent).
    marker_index: number of event lines before the "-2, L" marker (keeps file round trips exact).
    """

    events: np.ndarray
    label: int
    n_ticks: int
    marker_index: int

    def event_matrix(self, n_channels: int = 256) -> np.ndarray:
        """uint8 [n_ticks, n_channels]: row t = channels with an event at time t (duplicates merge)."""
        m = np.zeros((self.n_ticks, n_channels), dtype=np.uint8)
        if len(self.events):
            ev = np.asarray(self.events)
            ok = (ev[:, 0] < n_channels) & (ev[:, 1] < self.n_ticks)
            m[ev[ok, 1], ev[ok, 0]] = 1
        return m


@dataclass
class SampleResult:
    """What every backend reports for one sample (train or test); chip-only fields stay None for float backends."""

    inference: int                 # class answered by the network (OUT_DATA[3:0] for the chip)
    label: int
    loss: float = float("nan")     # backend-specific loss over the target window (nan if not defined)
    n_spikes: int = 0              # recurrent spikes in the sample
    n_updates: int = 0             # weight updates that fired (chip: written bytes that changed or saturated)
    n_sops: int = 0                # synaptic operations (accumulations) in the sample
    tick_cycles: np.ndarray | None = None   # chip: cycles per tick (int32 [T])
    tick_table: np.ndarray | None = None    # chip: int64 [T, len(TICK_COLUMNS)] per-phase cycles (core.records)
    out_bytes: np.ndarray | None = None     # chip: every OUT_DATA byte sent in SEND (uint8)
    votes: np.ndarray | None = None         # inference votes per output (cnt_winner) at the end of the sample
    eprop_ticks: int = 0                    # ticks that ran EPROP
    saturations: dict | None = None         # {"membrane", "trace", "weight"}: saturation events in the sample
    timing_errors: int | None = None        # chip with a clock: ticks that would overrun the tick period
    records: object | None = None           # per-tick records when asked for (chip TickRecords / float dict)
    end_state: dict | None = None           # chip, when dumping: golden state keys after SEND (FORMAT §5.3)
    tick_send: dict | None = None           # chip, SEND_PER_TIMESTEP: per tick "n" items, "data" [T, 32], "cycles"
    config_reads: list | None = None        # chip, CONFIG visits: [(tick, ((cmd, words), ..))] as played
    lost_ticks: tuple = ()                  # chip, fixed-period host: host ticks lost (per-tick rows: chip ticks)
    cut_ticks: tuple = ()                   # ... (host tick, cycles after the busy tick's): ticks that cut a PROP scan

    @property
    def correct(self) -> bool:
        return self.inference == self.label


@runtime_checkable
class Backend(Protocol):
    """run_sample(sample, learn) advances the backend's state (weights, RNG) and returns a SampleResult."""

    def run_sample(self, sample: Sample, learn: bool) -> SampleResult: ...

    def weights(self) -> dict[str, np.ndarray]: ...
