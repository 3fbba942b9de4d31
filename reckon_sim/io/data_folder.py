"""A ReckOn data folder: the two datasets and three initial-weight files, under stock or golden-case names.

`DATA_FILES` is the one name map of these files: the released testbench's names (``src/data/``) and the names
inside a golden case folder (golden FORMAT.md §1).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..config import ChipConfig
from ..errors import InputError
from .reckon_files import read_dataset, read_targets, read_weights
from .validate import check_run_data, dataset_limits


@dataclass(frozen=True)
class DataFile:
    """The two names one data file goes by."""

    stock: str      # in the released ReckOn testbench (and its drop-in folder)
    case: str       # in a golden case folder


DATA_FILES = {"train": DataFile("dataset_cueAcc_train.dat", "train.dat"),
              "test": DataFile("dataset_cueAcc_test.dat", "test.dat"),
              "winp": DataFile("init_rand_weights_inp_cueAcc.dat", "winp.dat"),
              "wrec": DataFile("init_rand_weights_rec_cueAcc.dat", "wrec.dat"),
              "wout": DataFile("init_rand_weights_out_cueAcc.dat", "wout.dat")}


def data_paths(folder) -> dict[str, Path]:
    """Per key the file of `folder`: its stock name if present, else its case name (InputError if neither)."""
    folder = Path(folder)
    paths = {}
    for key, names in DATA_FILES.items():
        found = [folder / n for n in (names.stock, names.case) if (folder / n).exists()]
        if not found:
            raise InputError(str(folder), f"no {key} file (expected one of {names.stock}, {names.case})")
        paths[key] = found[0]
    return paths


def load_data_dir(folder, cfg: ChipConfig, n_train: int | None = None, n_test: int | None = None):
    """(train samples, test samples, initial weights {winp, wrec, wout}, regression targets or None) of a data
    folder, sized and checked by `cfg` (io.validate); only the first n_train / n_test samples are read."""
    paths = data_paths(folder)
    lim = dataset_limits(cfg)
    train, test = read_dataset(paths["train"], limit=n_train, **lim), read_dataset(paths["test"], limit=n_test, **lim)
    weights = {"winp": read_weights(paths["winp"], cfg.n_inp, cfg.n_rec),
               "wrec": read_weights(paths["wrec"], cfg.n_rec, cfg.n_rec),
               "wout": read_weights(paths["wout"], cfg.n_rec, cfg.n_out)}
    tpath = Path(folder) / "targets.txt"
    targets = read_targets(tpath, cfg.n_out) if cfg["SPI_REGRESSION"] and tpath.exists() else None
    check_run_data(cfg, train, test, targets, {"train": str(paths["train"]), "test": str(paths["test"]),
                                               "targets": str(tpath)})
    return train, test, weights, targets


def data_digest(folder) -> str:
    """sha256 over the files `load_data_dir` reads (keys + contents): what a sweep point's result depends on."""
    h = hashlib.sha256()
    for key, path in data_paths(folder).items():
        h.update(key.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
