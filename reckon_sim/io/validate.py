"""The one validation path of a run's data against its configuration, shared by run, train, curves, vectors
and every sweep point: non-empty sample sets, labels within the output neurons, T >= TARGET_TICK + 2,
regression targets present and long enough, and a warning for events on input channels the chip lacks."""
from __future__ import annotations

import warnings

import numpy as np

from ..backend import Sample
from ..config import ChipConfig
from ..errors import InputError, InputWarning
from .reckon_files import MAX_LABEL


def dataset_limits(cfg: ChipConfig) -> dict:
    """read_dataset keyword arguments that enforce `cfg` at the offending line: labels 0..n_out-1 (class
    labels; any 4-bit label with regression) and T >= TARGET_TICK + 2."""
    n_labels = MAX_LABEL + 1 if cfg["SPI_REGRESSION"] else cfg.n_out
    return {"n_labels": n_labels, "min_ticks": cfg.target_tick + 2}


def check_generated(samples: list[Sample], cfg: ChipConfig, where: str) -> None:
    """The dataset_limits rules for samples that were not read from a file (generated data)."""
    lim = dataset_limits(cfg)
    for i, s in enumerate(samples):
        if not 0 <= s.label < lim["n_labels"]:
            raise InputError(f"{where} sample {i}", f"field 'label' = {s.label} out of range "
                                                    f"0..{lim['n_labels'] - 1} (one per output neuron)")
        if s.n_ticks < lim["min_ticks"]:
            raise InputError(f"{where} sample {i}", f"field 'n_ticks' = {s.n_ticks} out of range "
                                                    f">= {lim['min_ticks']} (TARGET_TICK + 2)")


def check_run_data(cfg: ChipConfig, train: list[Sample], test: list[Sample], targets: np.ndarray | None,
                   where: dict, need_train: bool = True, need_test: bool = True) -> None:
    """InputError unless the run can go through; `where` names the train/test/targets sources for messages."""
    for phase, samples, needed in (("train", train, need_train), ("test", test, need_test)):
        if needed and not samples:
            raise InputError(where[phase], "field 'n_samples' = 0 out of range >= 1 (no samples to "
                                           f"{'train on' if phase == 'train' else 'test'})")
    if cfg["SPI_REGRESSION"]:
        if targets is None:
            raise InputError("SPI_REGRESSION", "= 1 needs regression targets: a targets.txt (FORMAT §9) beside "
                                               "the data")
        need = max(((i + 1) * (s.n_ticks - 1 - cfg.target_tick) for i, s in enumerate(train)), default=0)
        if len(targets) < need:
            raise InputError(where["targets"], f"field 'n_lines' = {len(targets)} out of range >= {need} (the "
                                               f"{len(train)} training sample(s) need T - 1 - TARGET_TICK lines "
                                               f"each)")
    top = max((int(s.events[:, 0].max()) for s in (*train, *test) if len(s.events)), default=-1)
    if top >= cfg.n_inp:
        n = sum(int(np.count_nonzero(s.events[:, 0] >= cfg.n_inp)) for s in (*train, *test))
        warnings.warn(InputWarning(f"{where['train']}: {n} event(s) on input channels {cfg.n_inp}..{top}, "
                                   f"beyond the configuration's {cfg.n_inp} input neurons (SPI_NUM_INP_NEUR = "
                                   f"{cfg.n_inp - 1})"), stacklevel=2)
