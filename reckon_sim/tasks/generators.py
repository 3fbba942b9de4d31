"""The seeded task generators of the registry: name -> Maker (shape from the [task] table, samples from a seed)."""
from __future__ import annotations

from ..errors import InputError
from .base import Maker, TaskData, TaskShape
from .cue_accumulation import CueAccumulationParams, make_dataset_pair
from .pattern_generation import PatternGenerationParams, make_patterns


def params_of(cls, params: dict, what: str):
    """The [task] table as `cls` (InputError naming the bad field)."""
    try:
        return cls(**params)
    except TypeError as e:
        raise InputError(f"task '{what}'", f"bad [task] table ({e})") from None


def _cue_shape(params: dict) -> TaskShape:
    p = params_of(CueAccumulationParams, params, "cue-accumulation")
    return TaskShape((p.n_inputs, "task.channels_per_group"), (2, "classes (left / right)"),
                     (p.n_ticks, "task.target_tick + task.t_recall"), (p.target_tick, "task.target_tick"))


def _cue_make(params: dict, seed: int, n_train: int, n_test: int, data=None) -> TaskData:
    train, test = make_dataset_pair(n_train, n_test, seed, params_of(CueAccumulationParams, params, "cue"))
    return TaskData(train, test, source=f"generated cue-accumulation (seed {seed})")


def _pattern_shape(params: dict) -> TaskShape:
    p = params_of(PatternGenerationParams, params, "pattern-generation")
    return TaskShape((p.n_inputs, "task.n_inputs"), (p.n_outputs, "task.n_outputs"), (p.n_ticks, "task.n_ticks"),
                     (p.target_tick, "task.target_tick"))


def _pattern_make(params: dict, seed: int, n_train: int, n_test: int, data=None) -> TaskData:
    """Training samples cycle through the frozen patterns; the test set is every pattern once (n_test ignored
    beyond that: reproducing the patterns is the task)."""
    ps = make_patterns(params_of(PatternGenerationParams, params, "pattern-generation"), seed)
    n = len(ps.samples)
    train = [ps.samples[i % n] for i in range(n_train)]
    test = [ps.samples[i % n] for i in range(min(n_test, n))]
    return TaskData(train, test, dict(enumerate(ps.targets)), source=f"generated pattern-generation (seed {seed})")


GENERATORS: dict[str, Maker] = {
    "cue-accumulation": Maker(_cue_shape, _cue_make,
                              summary="delayed-supervision navigation: 4 x 10 Poisson channels, 2 classes"),
    "pattern-generation": Maker(_pattern_shape, _pattern_make,
                                summary="frozen Poisson input -> sums of sinusoids (regression)"),
}
