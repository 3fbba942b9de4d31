"""Seeded generator of the e-prop pattern-generation (supervised regression) task (Bellec et al. 2020, Fig. S7).

Each *pattern* is a frozen Poisson input (every (channel, tick) an independent Bernoulli draw at ``rate_hz``)
and, per output neuron, a target that is a sum of ``len(freqs_hz)`` sinusoids with random amplitudes
(uniform 0.5..2) and phases (uniform 0..2 pi), scaled so that its largest magnitude is ``amplitude`` (chip
membrane units, 16-bit signed). The chip learns in regression mode: every learning tick k = target_tick+1 ..
n_ticks-1 of a training sample the host sends the 16-bit targets of tick k (spec §14, FORMAT §9).

A sample's label is its pattern index (the label only places the "-2" marker in regression mode); the training
set cycles through the patterns, the test set holds each pattern once (the task is to reproduce them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import Sample
from ..errors import InputError

__all__ = ["PatternGenerationParams", "PatternSet", "make_patterns"]


@dataclass(frozen=True)
class PatternGenerationParams:
    n_inputs: int = 100
    n_outputs: int = 2
    n_patterns: int = 1
    rate_hz: float = 20.0
    n_ticks: int = 1000
    target_tick: int = 50            # warm-up ticks before the first target (the chip's TARGET_TICK)
    freqs_hz: tuple = (1.0, 2.0, 3.0, 5.0)
    amplitude: int = 1024            # largest |target| in output-membrane units
    tick_ms: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "freqs_hz", tuple(float(f) for f in self.freqs_hz))
        checks = (("n_inputs", 1 <= self.n_inputs <= 256, "1..256"), ("n_outputs", 1 <= self.n_outputs <= 16, "1..16"),
                  ("n_patterns", 1 <= self.n_patterns <= 16, "1..16"),
                  ("rate_hz", 0 <= self.rate_hz * self.tick_ms / 1000 <= 1, f"0..{1000 / self.tick_ms:g}"),
                  ("target_tick", 1 <= self.target_tick <= self.n_ticks - 2, f"1..{self.n_ticks - 2} (n_ticks - 2)"),
                  ("amplitude", 1 <= self.amplitude <= 32767, "1..32767"),
                  ("freqs_hz", len(self.freqs_hz) >= 1, "at least one frequency"))
        for name, ok, allowed in checks:
            if not ok:
                raise InputError(f"task.{name}", f"= {getattr(self, name)} out of range {allowed}")

    @property
    def targets_per_sample(self) -> int:
        """TPS = T - 1 - TARGET_TICK learning ticks per training sample (FORMAT §9)."""
        return self.n_ticks - 1 - self.target_tick


@dataclass(frozen=True)
class PatternSet:
    """The frozen patterns: samples[i] (label i) and targets[i] int16 [TPS, n_outputs] for ticks TT+1..T-1."""

    samples: list[Sample]
    targets: list[np.ndarray]


def _sinusoid_targets(rng: np.random.Generator, p: PatternGenerationParams) -> np.ndarray:
    """int16 [TPS, n_outputs]: row j = targets of tick target_tick + 1 + j (time in ms = tick index)."""
    t_s = np.arange(p.target_tick + 1, p.n_ticks) * p.tick_ms / 1000.0
    out = np.empty((len(t_s), p.n_outputs))
    for k in range(p.n_outputs):
        amps = rng.uniform(0.5, 2.0, len(p.freqs_hz))
        phases = rng.uniform(0.0, 2 * np.pi, len(p.freqs_hz))
        y = sum(a * np.sin(2 * np.pi * f * t_s + ph) for a, f, ph in zip(amps, p.freqs_hz, phases))
        out[:, k] = y / np.max(np.abs(y)) * p.amplitude
    return np.rint(out).astype(np.int16)


def make_patterns(p: PatternGenerationParams, seed: int) -> PatternSet:
    """n_patterns (frozen input, targets) pairs from ``default_rng(seed)``: per pattern the input events first,
    then the targets of output 0, 1, ..."""
    rng = np.random.default_rng(seed)
    samples, targets = [], []
    for i in range(p.n_patterns):
        fired = rng.random((p.n_ticks, p.n_inputs)) < p.rate_hz * p.tick_ms / 1000.0
        events = np.ascontiguousarray(np.argwhere(fired)[:, ::-1], dtype=np.int32).reshape(-1, 2)
        marker = int(np.searchsorted(events[:, 1], p.target_tick, side="left"))
        samples.append(Sample(events=events, label=i, n_ticks=p.n_ticks, marker_index=marker))
        targets.append(_sinusoid_targets(rng, p))
    return PatternSet(samples, targets)
