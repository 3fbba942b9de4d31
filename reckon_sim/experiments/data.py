"""What a run starts from: a chip preset, a task preset (tasks.registry), and data (generated from a seed, the
user's local dataset through an adapter, or a ReckOn data folder)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..backend import Sample
from ..config import ChipConfig
from ..errors import InputError
from ..io.data_folder import load_data_dir
from ..io.validate import check_generated, check_run_data
from ..tasks.cue_accumulation import CueAccumulationParams, make_dataset_pair
from ..tasks.generators import params_of
from ..tasks.init_weights import generate_initial_weights
from ..tasks.registry import TaskSpec, check_fits, load_spec

if TYPE_CHECKING:
    from ..core.host import HostSpec


def task_preset(name: str = "cue-accumulation") -> dict:
    """A task preset's TOML tables (by shipped name or path), validated."""
    return load_spec(name).to_dict()


def task_params(task: dict, task_name: str, cfg: ChipConfig) -> CueAccumulationParams:
    """The cue-accumulation preset's [task] table as generator parameters (InputError if it does not fit)."""
    check_fits(load_spec({"generator": "cue-accumulation", **task, "name": task_name}), cfg)
    return params_of(CueAccumulationParams, task.get("task", {}), task_name)


def generated_data(cfg: ChipConfig, params: CueAccumulationParams, seed: int, n_train: int, n_test: int):
    """(train samples, test samples, initial weights) of the cue-accumulation task generated from `seed`."""
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
    task: TaskSpec | None = None          # the task preset (None: a ReckOn data folder alone)
    pattern_targets: dict[int, np.ndarray] | None = None   # regression: label -> targets [TPS, n_out]
    host: HostSpec | None = None          # the host program template of every sample (None: the stock protocol)

    @property
    def regression(self) -> bool:
        return self.pattern_targets is not None


def run_inputs(preset: str | ChipConfig | None, task_name: str, data, seed, ntrain, ntest, epochs=None,
               task: dict | TaskSpec | None = None) -> RunInputs:
    """Chip preset (name, file, a loaded ChipConfig, or None = the task's chip_preset) + task preset (`task`
    already loaded, else read by name): data generated from the seed, read by the task's adapter from the local
    copy `data`, or (generators only) a ReckOn data folder `data`. The task preset's [run] supplies what is None.
    A task that does not fit the chip is refused before any data is read or generated.

    The one set-up path of train, curves, sweep, vectors and every sweep point."""
    spec = load_spec(task if task is not None else task_name)
    run_cfg = spec.run
    cfg = preset if isinstance(preset, ChipConfig) else ChipConfig.from_preset(preset or spec.chip_preset)
    seed = int(run_cfg.get("seed", 1)) if seed is None else seed
    epochs = int(epochs or run_cfg.get("epochs", 10))
    if data and not spec.is_adapter:
        train_set, test_set, weights, targets = load_data_dir(data, cfg, ntrain, ntest)
        return RunInputs(cfg, train_set[:ntrain] if ntrain else train_set, test_set[:ntest] if ntest else test_set,
                         weights, epochs=epochs, targets=targets, seed=seed, task=spec, source=f"data {data}")
    check_fits(spec, cfg)
    n_train = ntrain or int(run_cfg.get("n_train", 0 if spec.is_adapter else 50))
    n_test = ntest or int(run_cfg.get("n_test", 0 if spec.is_adapter else 50))
    made = spec.entry.make(spec.params, seed, n_train, n_test, data)
    if not made.train and not made.test:
        raise InputError(f"task '{spec.name}'", "produced no samples (check task.classes and the data folder)")
    for where, samples in (("generated train", made.train), ("generated test", made.test)):
        check_generated(samples, cfg, where)
    gains = {k: float(v) for k, v in spec.weights.items()}
    try:
        weights = generate_initial_weights(cfg.n_inp, cfg.n_rec, cfg.n_out, seed, **gains)
    except TypeError as e:
        raise InputError(f"task '{spec.name}': weights", f"bad [weights] table ({e}; allowed: gain_inp, "
                                                         "gain_rec, gain_out)") from None
    targets = None
    if made.targets is not None:
        targets = np.concatenate([made.targets[s.label] for s in made.train]) if made.train else None
    check_run_data(cfg, made.train, made.test, targets, {"train": f"task '{spec.name}' (train)",
                                                        "test": f"task '{spec.name}' (test)",
                                                        "targets": f"task '{spec.name}' (targets)"})
    return RunInputs(cfg, made.train, made.test, weights, epochs=epochs, targets=targets, source=made.source,
                     seed=seed, task=spec, pattern_targets=made.targets)


def load_task(task: str = "cue-accumulation", preset: str | ChipConfig | None = None, data=None,
              seed: int | None = None, n_train: int | None = None, n_test: int | None = None,
              epochs: int | None = None) -> RunInputs:
    """The Python API's entry to `run_inputs`: a task preset (name or TOML path) on a chip preset (None: the
    task's chip_preset), with generated data from `seed`, the local dataset `data` (adapters) or a ReckOn data
    folder `data`; None = the task preset's [run] defaults."""
    return run_inputs(preset, task, data, seed, n_train, n_test, epochs)
