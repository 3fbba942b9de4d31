"""What a run starts from: a chip preset, a task preset, and data (a ReckOn data folder or the seeded generators)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import presets
from ..backend import Sample
from ..config import ChipConfig
from ..errors import InputError
from ..io.data_folder import load_data_dir
from ..tasks.cue_accumulation import CueAccumulationParams, make_dataset_pair
from ..tasks.init_weights import generate_initial_weights


def task_preset(name: str = "cue-accumulation") -> dict:
    p = presets.find(name, "task preset")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(p), f"malformed TOML ({e})") from None


def task_params(task: dict, task_name: str, cfg: ChipConfig) -> CueAccumulationParams:
    """The task preset's [task] table as generator parameters (InputError if malformed or off the chip's tick)."""
    try:
        params = CueAccumulationParams(**task.get("task", {}))
    except TypeError as e:
        raise InputError(f"task '{task_name}'", f"bad [task] table ({e})") from None
    if params.target_tick != cfg.target_tick:
        raise InputError("task.target_tick", f"= {params.target_tick} differs from the chip's TARGET_TICK "
                                             f"{cfg.target_tick}")
    return params


def generated_data(cfg: ChipConfig, params: CueAccumulationParams, seed: int, n_train: int, n_test: int):
    """(train samples, test samples, initial weights) generated from `seed`."""
    train_set, test_set = make_dataset_pair(n_train, n_test, seed, params)
    return train_set, test_set, generate_initial_weights(cfg.n_inp, cfg.n_rec, cfg.n_out, seed)


@dataclass
class RunInputs:
    """Everything a run starts from: configuration, samples, initial weights [pre, post], run shape, provenance."""

    config: ChipConfig
    train: list[Sample]
    test: list[Sample]
    weights: dict[str, np.ndarray]
    epochs: int = 1
    targets: np.ndarray | None = None     # regression targets (FORMAT §9), lines per training sample
    source: str = ""                      # where the inputs came from, for manifests
    seed: int | None = None               # seed of the generated data and weights (and of float e-prop)


def run_inputs(preset: str | ChipConfig, task_name: str, data, seed, ntrain, ntest, epochs=None,
               task: dict | None = None) -> RunInputs:
    """Chip preset (name, file or a loaded ChipConfig) + (ReckOn data folder | seeded generated task), with the
    task preset's [run] defaults for what is None; `task` = the task preset already loaded (else read by name).

    The one set-up path of train, curves, vectors and every sweep point."""
    task = task_preset(task_name) if task is None else task
    run_cfg = task.get("run", {})
    cfg = preset if isinstance(preset, ChipConfig) else ChipConfig.from_preset(preset)
    seed = int(run_cfg.get("seed", 1)) if seed is None else seed
    if data:
        train_set, test_set, weights = load_data_dir(data, cfg)
    else:
        train_set, test_set, weights = generated_data(cfg, task_params(task, task_name, cfg), seed,
                                                      ntrain or int(run_cfg.get("n_train", 50)),
                                                      ntest or int(run_cfg.get("n_test", 50)))
    return RunInputs(cfg, train_set[:ntrain] if ntrain else train_set, test_set[:ntest] if ntest else test_set,
                     weights, epochs=int(epochs or run_cfg.get("epochs", 10)), seed=seed)


def load_task(task: str = "cue-accumulation", preset: str | ChipConfig = "reckon-tbench", data=None,
              seed: int | None = None, n_train: int | None = None, n_test: int | None = None,
              epochs: int | None = None) -> RunInputs:
    """The Python API's entry to `run_inputs`: a task preset (name or TOML path) on a chip preset, with generated
    data from `seed` or a ReckOn data folder `data`; None = the task preset's [run] defaults."""
    return run_inputs(preset, task, data, seed, n_train, n_test, epochs)
