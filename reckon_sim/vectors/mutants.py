"""Mutated models: the chip with one realistic RTL bug, for checking that a vector suite catches it (issue 12).

A mutant writes the vector folder a buggy RTL would match; replaying it (tools/rtl/reckon_replay.sv
+replay_vec=DIR) against the correct folder must FAIL. `first_divergence` names the first tick at which the
mutant's per-tick records leave the correct model's.

  ste_boundary   the STE segment test `u <= THR_H_k` instead of `u < THR_H_k` (a membrane on a boundary takes
                 the lower segment), i.e. the correct chip with every THR_H_k one higher
  vote_tie_high  the inference vote's comparator chain keeps the highest index on a tie (SDONE and SEND)
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

from ..core import chip as chip_mod
from ..core.protocol import schedule
from ..core.records import AT_STEP
from ..experiments.data import RunInputs
from . import writer
from .suite import model_runs

MUTANTS = ("ste_boundary", "vote_tie_high")


def _winner_high(values, n) -> int:
    """Index of the largest of values[:n], ties to the highest index."""
    v = np.asarray(values[:n])
    return int(n - 1 - np.argmax(v[::-1]))


class SteBoundaryChip(chip_mod.Chip):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        reg = self._params.reg
        self._params = self._params._replace(reg=reg._replace(thr_h=tuple(t + 1 for t in reg.thr_h)))


class VoteTieHighChip(chip_mod.Chip):
    """Recounts the SDONE votes with the mutant comparator from the per-tick output membranes."""

    def run_sample(self, sample, learn, dump=False, targets=None, program=None):
        res = super().run_sample(sample, learn, dump=True, targets=targets, program=program)
        cfg = self.config
        if cfg["SPI_REGRESSION"] or res.lost_ticks or res.cut_ticks:    # lost ticks move the vote window: left unmutated
            return res
        votes = np.zeros(16, np.int64)
        start = max(1, schedule(sample, cfg.target_tick).marker_tick)   # ticks k >= 2 after the marker vote
        for r in range(start, sample.n_ticks):
            votes[_winner_high(res.records.oneur[r, AT_STEP], cfg.n_out)] += 1
        res.votes = votes
        if cfg["SPI_SEND_LABEL_ONLY"]:
            res.inference = _winner_high(votes, cfg.n_out)
            res.out_bytes = np.array([res.inference], np.uint8)
        return res


CHIPS = {"ste_boundary": SteBoundaryChip, "vote_tie_high": VoteTieHighChip}


@contextmanager
def _model(name: str):
    with mock.patch.object(writer, "Chip", CHIPS[name]):
        yield


def write_mutant(out: Path, inputs: RunInputs, name: str) -> dict:
    """The vector folder of `inputs` as the mutant `name` would respond."""
    with _model(name):
        return writer.write_vectors(out, inputs)


def _runs(inputs: RunInputs, chip_cls):
    return model_runs(inputs, chip_cls.from_config(inputs.config, **inputs.weights), dump=True)


def first_divergence(inputs: RunInputs, name: str) -> tuple[int, int, str] | None:
    """(sample gidx, tick 1..T, what) of the first tick where the mutant leaves the correct model, None if never:
    the first per-tick record that differs, (vote_tie_high) the first vote tick decided by the tie-break, or the
    last tick ("send") when only the OUT_DATA of SEND differs."""
    samples = [*inputs.train, *inputs.test] * inputs.epochs
    for gidx, (a, b) in enumerate(zip(_runs(inputs, chip_mod.Chip), _runs(inputs, CHIPS[name]))):
        ra, rb = a.records, b.records
        ticks = [(int(np.flatnonzero(np.any((getattr(ra, f) != getattr(rb, f)).reshape(len(ra.z), -1), axis=1))[0]),
                  f) for f in ra._fields if not np.array_equal(getattr(ra, f), getattr(rb, f))]
        if name == "vote_tie_high" and not inputs.config["SPI_REGRESSION"]:
            start = max(1, schedule(samples[gidx], inputs.config.target_tick).marker_tick)
            oneur = ra.oneur[:, AT_STEP, : inputs.config.n_out]
            ticks += [(r, "vote") for r in range(start, len(oneur))
                      if int(np.argmax(oneur[r])) != _winner_high(oneur[r], len(oneur[r]))][:1]
        if not np.array_equal(a.out_bytes, b.out_bytes):
            ticks.append((len(ra.z) - 1, "send"))      # only the SEND comparator (tied vote counters) differs
        if ticks:
            r, what = min(ticks)
            return gidx, r + 1, what
    return None
