"""Seeded generator of the delayed-supervision navigation / cue-accumulation task (e-prop, Bellec et al. 2020).

The stock ReckOn testbench dataset (``dataset_cueAcc_{train,test}.dat``, spec §16.3) is one instance of this task;
the defaults reproduce its structure, which was checked against the 100 stock samples (see
``tests/test_cue_accumulation.py``, which repeats these checks on the stock files):

* 4 input groups of ``channels_per_group`` = 10 channels, in this order: **left cues 0-9, right cues 10-19,
  recall 20-29, background noise 30-39**.
* Cue k (k = 0..n_cues-1) fires its side's group during ticks ``[k*t_interval + t_silence, (k+1)*t_interval)``
  with ``t_silence = t_interval - t_cue`` (stock: cue events only at tick mod 150 in 50..149, last one at 1049).
  This is the e-prop reference code's layout (``d_silence`` before each cue).
* After the cues, a silent wait until ``target_tick`` (stock 2100), then the recall group fires during
  ``[target_tick, target_tick + t_recall)`` (stock 2100..2249); ``n_ticks = target_tick + t_recall`` (2250).
* Background noise fires on the noise group during the whole sample at ``f0/4`` (stock: 9.6-10.1 Hz in every
  250-tick bin); cues and recall fire at ``f0`` = 40 Hz (stock: 40.4 Hz and 39.5 Hz measured).
* Every (channel, tick) is an independent Bernoulli draw with probability ``rate_hz * tick_ms / 1000`` (the
  e-prop reference draws ``rand < p`` per ms), so there are never duplicate (channel, tick) events.
* **Label = side with more cues: 0 = left, 1 = right** (all 100 stock samples satisfy label == (n_right > n_left);
  with an even n_cues a tie gives 0, as the e-prop code's ``sum(cues) > int(n_cues/2)``).
* **p_group** follows the e-prop code: per sample a *preferred* side is drawn uniformly, then each cue
  independently goes to the other (minority) side with probability ``p_group`` = 0.3. The stock data's
  minority-count histogram (0/1/2/3 minority cues: 7/20/41/32 of 100) fits this (expected 8/25/34/32) and
  rejects fair coins per cue (expected 2/11/33/55). Labels are therefore balanced in expectation.

Events are sorted by (time, channel), as in the stock files, and the ``-2`` marker follows every event with
time < target_tick (``marker_index`` = their count), as the testbench expects.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reckon_sim.backend import Sample
from reckon_sim.errors import InputError

__all__ = ["CueAccumulationParams", "generate", "make_dataset_pair", "count_cues",
           "LEFT", "RIGHT", "RECALL", "NOISE"]

# Input groups, in channel order (group g = channels g*channels_per_group ... (g+1)*channels_per_group - 1).
LEFT, RIGHT, RECALL, NOISE = 0, 1, 2, 3
N_GROUPS = 4


@dataclass(frozen=True)
class CueAccumulationParams:
    """Task parameters; the defaults reproduce the stock ReckOn dataset (T = 2250, target tick 2100).

    Rates are in Hz with one tick = ``tick_ms`` milliseconds. ``f_noise_hz`` / ``f_recall_hz`` default
    (None) to ``f0_hz / 4`` and ``f0_hz``.
    """

    n_cues: int = 7
    t_cue: int = 100                 # ticks a cue lasts (at the end of its slot)
    t_interval: int = 150            # ticks per cue slot (cue onset period)
    f0_hz: float = 40.0              # cue rate
    f_noise_hz: float | None = None  # background noise rate on the noise group (None: f0/4)
    f_recall_hz: float | None = None  # recall-group rate during the recall window (None: f0)
    p_group: float = 0.3             # probability that a cue is on the sample's minority side
    target_tick: int = 2100          # recall window (and supervision marker) start
    t_recall: int = 150              # recall window length
    channels_per_group: int = 10
    tick_ms: float = 1.0

    def __post_init__(self) -> None:
        where = "CueAccumulationParams"

        def need(ok: bool, field: str, value, allowed: str) -> None:
            if not ok:
                raise InputError(where, f"field '{field}' = {value} out of range {allowed}")

        need(self.n_cues >= 1, "n_cues", self.n_cues, ">= 1")
        need(1 <= self.t_interval, "t_interval", self.t_interval, ">= 1")
        need(1 <= self.t_cue <= self.t_interval, "t_cue", self.t_cue, f"1..{self.t_interval} (t_interval)")
        need(self.n_cues * self.t_interval <= self.target_tick, "target_tick", self.target_tick,
             f">= {self.n_cues * self.t_interval} (n_cues * t_interval, the end of the cue period)")
        need(self.t_recall >= 1, "t_recall", self.t_recall, ">= 1")
        need(1 <= self.channels_per_group and N_GROUPS * self.channels_per_group <= 256, "channels_per_group",
             self.channels_per_group, "1..64 (4 groups in 256 input channels)")
        need(0.0 <= self.p_group <= 1.0, "p_group", self.p_group, "0..1")
        need(self.tick_ms > 0, "tick_ms", self.tick_ms, "> 0")
        for name in ("f0_hz", "f_noise_hz", "f_recall_hz"):
            rate = getattr(self, name)
            if rate is not None:
                need(0.0 <= rate * self.tick_ms / 1000.0 <= 1.0, name, rate,
                     f"0..{1000.0 / self.tick_ms:g} (at most one event per tick)")

    # ---- derived quantities
    @property
    def n_ticks(self) -> int:
        """T of the '-1, T' end marker."""
        return self.target_tick + self.t_recall

    @property
    def n_inputs(self) -> int:
        return N_GROUPS * self.channels_per_group

    @property
    def t_silence(self) -> int:
        """Silent ticks at the start of each cue slot, before the cue."""
        return self.t_interval - self.t_cue

    @property
    def t_wait(self) -> int:
        """Silent ticks between the end of the last cue slot and the recall window."""
        return self.target_tick - self.n_cues * self.t_interval

    def group_channels(self, group: int) -> range:
        """Input channels of a group (LEFT, RIGHT, RECALL or NOISE)."""
        return range(group * self.channels_per_group, (group + 1) * self.channels_per_group)

    def cue_window(self, k: int) -> tuple[int, int]:
        """[start, stop) ticks of cue k."""
        return k * self.t_interval + self.t_silence, (k + 1) * self.t_interval

    def spike_prob(self, rate_hz: float | None, default_hz: float) -> float:
        """Per-tick event probability of one channel firing at ``rate_hz`` (None -> default_hz)."""
        return (default_hz if rate_hz is None else rate_hz) * self.tick_ms / 1000.0


def _generate_one(rng: np.random.Generator, params: CueAccumulationParams) -> Sample:
    """One sample. RNG use, in order: preferred side (integers(2)), n_cues uniforms (minority draws),
    one [n_ticks, n_inputs] block of uniforms (Bernoulli events)."""
    preferred = int(rng.integers(2))
    minority = rng.random(params.n_cues) < params.p_group
    sides = np.where(minority, 1 - preferred, preferred)          # LEFT = 0 / RIGHT = 1 per cue
    label = int(sides.sum() > params.n_cues // 2)                  # majority side; a tie (even n_cues) -> LEFT

    prob = np.zeros((params.n_ticks, params.n_inputs))
    cpg = params.channels_per_group
    for k, side in enumerate(sides):
        start, stop = params.cue_window(k)
        prob[start:stop, side * cpg:(side + 1) * cpg] = params.spike_prob(None, params.f0_hz)
    prob[params.target_tick:, RECALL * cpg:(RECALL + 1) * cpg] = params.spike_prob(params.f_recall_hz, params.f0_hz)
    prob[:, NOISE * cpg:(NOISE + 1) * cpg] = params.spike_prob(params.f_noise_hz, params.f0_hz / 4.0)
    fired = rng.random(prob.shape) < prob

    # argwhere walks the [time, channel] matrix in C order, i.e. sorted by (time, channel), without duplicates.
    time_channel = np.argwhere(fired)
    events = np.ascontiguousarray(time_channel[:, ::-1], dtype=np.int32).reshape(-1, 2)
    marker_index = int(np.searchsorted(events[:, 1], params.target_tick, side="left"))
    return Sample(events=events, label=label, n_ticks=params.n_ticks, marker_index=marker_index)


def generate(n_samples: int, seed: int | np.random.SeedSequence,
             params: CueAccumulationParams = CueAccumulationParams()) -> list[Sample]:
    """``n_samples`` task samples drawn from ``numpy.random.default_rng(seed)`` only (same seed, same samples)."""
    if n_samples < 0:
        raise InputError("cue_accumulation", f"field 'n_samples' = {n_samples} out of range >= 0")
    rng = np.random.default_rng(seed)
    return [_generate_one(rng, params) for _ in range(n_samples)]


def make_dataset_pair(n_train: int, n_test: int, seed: int | np.random.SeedSequence,
                      params: CueAccumulationParams = CueAccumulationParams()) -> tuple[list[Sample], list[Sample]]:
    """(train, test) drawn from one ``default_rng(seed)`` stream, train first: the training set equals
    ``generate(n_train, seed, params)`` and the test samples are the next ``n_test`` of that stream (disjoint
    draws, so no test sample reuses a training sample's randomness)."""
    if n_train < 0 or n_test < 0:
        raise InputError("cue_accumulation", f"field 'n_train'/'n_test' = {n_train}/{n_test} out of range >= 0")
    rng = np.random.default_rng(seed)
    train = [_generate_one(rng, params) for _ in range(n_train)]
    test = [_generate_one(rng, params) for _ in range(n_test)]
    return train, test


def count_cues(sample: Sample, params: CueAccumulationParams = CueAccumulationParams()) -> tuple[int, int]:
    """(n_left, n_right) cues of a sample, recovered from its events: each cue window is assigned to the cue
    group (left or right) with more events in it; windows without cue events count for neither side.

    Works on stock and generated samples alike (it is how the label convention was verified)."""
    ev = np.asarray(sample.events)
    group = ev[:, 0] // params.channels_per_group
    n_left = n_right = 0
    for k in range(params.n_cues):
        start, stop = params.cue_window(k)
        in_window = (ev[:, 1] >= start) & (ev[:, 1] < stop)
        left, right = int(np.sum(in_window & (group == LEFT))), int(np.sum(in_window & (group == RIGHT)))
        if left > right:
            n_left += 1
        elif right > left:
            n_right += 1
    return n_left, n_right
