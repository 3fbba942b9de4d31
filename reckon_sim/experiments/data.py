"""Where a run's samples and initial weights come from: a ReckOn data folder, or the seeded generators."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import MODELS_DIR, ChipConfig
from ..errors import InputError
from ..io.data_folder import load_data_dir


def task_preset(name: str = "cue-accumulation") -> dict:
    p = Path(name) if Path(name).exists() else MODELS_DIR / f"{name}.toml"
    try:
        return tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise InputError(str(p), "task preset not found") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(p), f"malformed TOML ({e})") from None


def generated_data(cfg: ChipConfig, task: dict, seed: int, n_train: int, n_test: int):
    from ..tasks.cue_accumulation import CueAccumulationParams, make_dataset_pair
    from ..tasks.init_weights import generate_initial_weights
    params = CueAccumulationParams(**task.get("task", {}))
    if params.target_tick != cfg.target_tick:
        raise InputError("task.target_tick", f"= {params.target_tick} differs from the chip's TARGET_TICK "
                                             f"{cfg.target_tick}")
    train_set, test_set = make_dataset_pair(n_train, n_test, seed, params)
    return train_set, test_set, generate_initial_weights(cfg.n_inp, cfg.n_rec, cfg.n_out, seed)


@dataclass
class RunInputs:
    """Everything a training-style command starts from."""

    config: ChipConfig
    train: list
    test: list
    weights: dict
    seed: int
    run: dict          # the task preset's [run] table (epochs, n_train, n_test, seed)


def run_inputs(preset: str | ChipConfig, task_name: str, data, seed, ntrain, ntest) -> RunInputs:
    """Chip preset (name, file or a loaded ChipConfig) + (ReckOn data folder | seeded generated task) with the
    task preset's defaults."""
    task = task_preset(task_name)
    run_cfg = task.get("run", {})
    cfg = preset if isinstance(preset, ChipConfig) else ChipConfig.from_preset(preset)
    seed = int(run_cfg.get("seed", 1)) if seed is None else seed
    if data:
        train_set, test_set, weights = load_data_dir(data, cfg)
    else:
        train_set, test_set, weights = generated_data(cfg, task, seed, ntrain or int(run_cfg.get("n_train", 50)),
                                                      ntest or int(run_cfg.get("n_test", 50)))
    return RunInputs(cfg, train_set[:ntrain] if ntrain else train_set, test_set[:ntest] if ntest else test_set,
                     weights, seed, run_cfg)
