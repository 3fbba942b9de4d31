"""Where a run's samples and initial weights come from: a ReckOn data folder, or the seeded generators."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import presets
from ..config import ChipConfig
from ..errors import InputError

DATA_NAMES = {"train": ("dataset_cueAcc_train.dat", "train.dat"), "test": ("dataset_cueAcc_test.dat", "test.dat"),
              "winp": ("init_rand_weights_inp_cueAcc.dat", "winp.dat"),
              "wrec": ("init_rand_weights_rec_cueAcc.dat", "wrec.dat"),
              "wout": ("init_rand_weights_out_cueAcc.dat", "wout.dat")}


def task_preset(name: str = "cue-accumulation") -> dict:
    p = presets.find(name, "task preset")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(p), f"malformed TOML ({e})") from None


def load_data_dir(folder, cfg: ChipConfig):
    """Datasets and initial weights from a folder with the stock ReckOn names or the golden-case names."""
    from ..tasks.reckon_files import read_dataset, read_weights
    folder = Path(folder)
    paths = {}
    for key, names in DATA_NAMES.items():
        found = [folder / n for n in names if (folder / n).exists()]
        if not found:
            raise InputError(str(folder), f"no {key} file (expected one of {', '.join(names)})")
        paths[key] = found[0]
    return (read_dataset(paths["train"]), read_dataset(paths["test"]),
            {"winp": read_weights(paths["winp"], cfg.n_inp, cfg.n_rec),
             "wrec": read_weights(paths["wrec"], cfg.n_rec, cfg.n_rec),
             "wout": read_weights(paths["wout"], cfg.n_rec, cfg.n_out)})


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
