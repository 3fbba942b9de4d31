"""The testbench protocol as a training loop: epochs of (train pass with learning, test pass without).

Works with any backend (chip model or float reference); the chip's cycle counts feed the energy/latency report.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..backend import Backend, Sample

SOP_ENERGY_J = 5.3e-12        # ReckOn, ISSCC 2022: 5.3 pJ per synaptic operation at 0.5 V


def tick_stats(tc: np.ndarray) -> dict:
    """min / median / max / mean of per-tick cycle counts."""
    return {"min": int(tc.min()), "median": float(np.median(tc)), "max": int(tc.max()), "mean": float(tc.mean())}


@dataclass
class PhaseStats:
    epoch: int
    phase: str
    accuracy: float
    loss: float
    mean_tick_cycles: float
    spikes: int
    weight_updates: int
    sops: int


@dataclass
class TrainRun:
    """Everything a training run produced: per-epoch/phase rows plus the tick-cycle distribution."""

    rows: list[PhaseStats] = field(default_factory=list)
    tick_cycles: list[np.ndarray] = field(default_factory=list)
    ticks: int = 0
    stopped_epoch: int | None = None      # early stopping: the last epoch run

    def accuracy(self, phase: str) -> list[float]:
        return [r.accuracy for r in self.rows if r.phase == phase]

    def report(self, tick_period_s: float = 1e-3) -> dict:
        """Energy and latency estimate from the model's own counts (not a measurement)."""
        sops = int(sum(r.sops for r in self.rows))
        out = {"synaptic_operations": sops, "ticks": int(self.ticks),
               "energy_estimate_J": sops * SOP_ENERGY_J,
               "energy_note": "estimate: synaptic operations x 5.3 pJ/SOP (ReckOn at 0.5 V, ISSCC 2022)"}
        if self.tick_cycles:
            tc = np.concatenate(self.tick_cycles)
            out.update({f"tick_cycles_{k}": v for k, v in tick_stats(tc).items()},
                       min_clock_hz_realtime=float(tc.max() / tick_period_s), tick_period_s=tick_period_s)
        return out


def run_phase(backend: Backend, samples: list[Sample], learn: bool, epoch: int, run: TrainRun,
              targets_for=None, progress=None) -> PhaseStats:
    correct, spikes, updates, sops, cycles, losses = 0, 0, 0, 0, [], []
    for i, s in enumerate(samples):
        kw = {"targets": targets_for(i, s)} if (learn and targets_for is not None) else {}
        res = backend.run_sample(s, learn, **kw)
        correct += int(res.correct)
        spikes += res.n_spikes
        updates += res.n_updates
        sops += res.n_sops
        losses.append(res.loss)
        if res.tick_cycles is not None:
            cycles.append(res.tick_cycles)
            run.tick_cycles.append(res.tick_cycles)
        run.ticks += s.n_ticks
        if progress is not None:
            progress(1)
    flush = getattr(backend, "flush", None)
    if learn and flush is not None:        # the epoch's last partial batch updates before testing (drop_last=False)
        updates += flush()
    loss = float(np.mean(losses)) if losses and not np.all(np.isnan(losses)) else float("nan")
    mean_cyc = float(np.mean(np.concatenate(cycles))) if cycles else float("nan")
    stats = PhaseStats(epoch, "train" if learn else "test", correct / max(1, len(samples)), loss, mean_cyc,
                       spikes, updates, sops)
    run.rows.append(stats)
    return stats


def train(backend: Backend, train_set: list[Sample], test_set: list[Sample], epochs: int,
          on_epoch=None, progress_factory=None, targets_for=None, *, shuffle_seed: int | None = None,
          validation: list[Sample] | None = None, patience: int | None = None) -> TrainRun:
    """`epochs` x (train pass, test pass); weights and RNG state carry over (spec §16.2).

    shuffle_seed: the training order is permuted every epoch by Generator(shuffle_seed) (same seed, same orders);
    validation: samples run without learning after each test pass (rows of phase 'validation'); with patience,
    training stops once the validation loss has not improved for `patience` epochs (TrainRun.stopped_epoch)."""
    run = TrainRun()
    rng = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)
    best, waited = float("inf"), 0
    for epoch in range(epochs):
        order = np.arange(len(train_set)) if rng is None else rng.permutation(len(train_set))
        samples = [train_set[i] for i in order]
        targets = None if targets_for is None else (lambda i, s: targets_for(int(order[i]), s))
        bar = progress_factory(epoch) if progress_factory else None
        tr = run_phase(backend, samples, True, epoch, run, targets, bar.update if bar else None)
        te = run_phase(backend, test_set, False, epoch, run, None, bar.update if bar else None)
        if bar:
            bar.close()
        if on_epoch:
            on_epoch(tr, te)
        if validation:
            va = run_phase(backend, validation, False, epoch, run)
            va.phase = "validation"
            if va.loss < best:
                best, waited = va.loss, 0
            else:
                waited += 1
            if patience is not None and waited >= patience:
                run.stopped_epoch = epoch
                break
    return run
