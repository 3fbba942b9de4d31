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
from ..io.reckon_files import MAX_TICKS
from ..io.validate import check_generated, check_run_data
from ..tasks.cue_accumulation import CueAccumulationParams, make_dataset_pair
from ..tasks.init_weights import generate_initial_weights

MAX_SEED = 2**32 - 1          # seeds of the generated data and weights (the CLI's --seed range)
MAX_SAMPLES = 1_000_000       # samples per phase and epochs a task preset may ask for


TASK_KEYS = {"name", "description", "task", "run", "generator", "adapter", "kind", "weights"}   # as in models/*.toml
RUN_KEYS = {"chip_preset": str, "epochs": int, "n_train": int, "n_test": int, "seed": int}


def task_preset(name: str = "cue-accumulation") -> dict:
    p = presets.find(name, "task preset")
    try:
        task = tomllib.loads(p.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(str(p), f"malformed TOML ({str(e)[:120]})") from None
    except OSError as e:
        raise InputError(str(p), f"cannot read file ({e.strerror or e})") from None
    _check_task_preset(task, str(p))
    return task


def _check_task_preset(task: dict, where: str) -> None:
    """InputError for a chip preset given as a task, unknown keys and wrong-typed or out-of-range [run] values."""
    if "task" not in task and "run" not in task:
        raise InputError(where, "not a task preset (no [task] or [run] table; a chip preset goes to --preset)")
    unknown = sorted(set(task) - TASK_KEYS)
    if unknown:
        raise InputError(where, f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(TASK_KEYS))})")
    for table in ("task", "run"):
        if not isinstance(task.get(table, {}), dict):
            raise InputError(where, f"'{table}' is not a table")
    for key, value in task.get("run", {}).items():
        if key not in RUN_KEYS:
            raise InputError(where, f"unknown key 'run.{key}' (allowed: {', '.join(RUN_KEYS)})")
        if RUN_KEYS[key] is str:
            if not isinstance(value, str):
                raise InputError(where, f"field 'run.{key}' = {str(value)[:40]!r} is not a string")
            continue
        lo, hi = (0, MAX_SEED) if key == "seed" else (1, MAX_SAMPLES)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise InputError(where, f"field 'run.{key}' = {str(value)[:40]!r} out of range {lo}..{hi} (an integer)")


def task_params(task: dict, task_name: str, cfg: ChipConfig) -> CueAccumulationParams:
    """The task preset's [task] table as generator parameters (InputError if malformed or off the chip's tick)."""
    try:
        params = CueAccumulationParams(**task.get("task", {}))
    except (TypeError, ValueError) as e:
        raise InputError(f"task '{task_name}'", f"bad [task] table ({e})") from None
    if not isinstance(params.t_recall, int) or params.target_tick + params.t_recall > MAX_TICKS:
        raise InputError("task.t_recall", f"= {params.t_recall} out of range 0..{MAX_TICKS - params.target_tick} "
                                          f"(T = target_tick + t_recall <= {MAX_TICKS})")
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
    targets = None
    if data:
        train_set, test_set, weights, targets = load_data_dir(data, cfg, ntrain, ntest)
    else:
        train_set, test_set, weights = generated_data(cfg, task_params(task, task_name, cfg), seed,
                                                      ntrain or int(run_cfg.get("n_train", 50)),
                                                      ntest or int(run_cfg.get("n_test", 50)))
        for where, samples in (("generated train", train_set), ("generated test", test_set)):
            check_generated(samples, cfg, where)
        check_run_data(cfg, train_set, test_set, None, {"train": "generated data", "test": "generated data"})
    return RunInputs(cfg, train_set[:ntrain] if ntrain else train_set, test_set[:ntest] if ntest else test_set,
                     weights, epochs=int(epochs or run_cfg.get("epochs", 10)), targets=targets, seed=seed)


def load_task(task: str = "cue-accumulation", preset: str | ChipConfig = "reckon-tbench", data=None,
              seed: int | None = None, n_train: int | None = None, n_test: int | None = None,
              epochs: int | None = None) -> RunInputs:
    """The Python API's entry to `run_inputs`: a task preset (name or TOML path) on a chip preset, with generated
    data from `seed` or a ReckOn data folder `data`; None = the task preset's [run] defaults."""
    return run_inputs(preset, task, data, seed, n_train, n_test, epochs)
