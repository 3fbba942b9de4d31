"""The backend registry (reckon_sim.backends): every name builds its backend from one RunInputs."""
import numpy as np
import pytest

from reckon_sim.backends import BACKENDS, CHIP, CHIP_FLOAT, EPROP, make_backend
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.experiments.data import RunInputs
from reckon_sim.hw.widths import RECKON
from reckon_sim.reference import ChipFloat, EpropNetwork


def _inputs(seed=3) -> RunInputs:
    cfg = ChipConfig.from_preset("reckon-tbench")
    rng = np.random.default_rng(0)
    shapes = {"winp": (cfg.n_inp, cfg.n_rec), "wrec": (cfg.n_rec, cfg.n_rec), "wout": (cfg.n_rec, cfg.n_out)}
    weights = {k: rng.integers(-60, 60, shape).astype(np.int8) for k, shape in shapes.items()}
    return RunInputs(cfg, [], [], weights, seed=seed)


def test_each_name_builds_its_backend_from_the_inputs():
    inputs = _inputs()
    assert list(BACKENDS) == [CHIP, CHIP_FLOAT, EPROP]
    chip = make_backend(CHIP, inputs)
    assert isinstance(chip, Chip) and chip.widths == RECKON
    assert all(np.array_equal(chip.weights()[k], w) for k, w in inputs.weights.items())
    assert make_backend(CHIP, inputs, widths=RECKON.with_(weight=6)).widths.weight == 6
    flt = make_backend(CHIP_FLOAT, inputs)
    assert isinstance(flt, ChipFloat) and all(np.array_equal(flt.weights()[k], w) for k, w in inputs.weights.items())
    own, explicit = make_backend(EPROP, inputs), make_backend(EPROP, inputs, seed=3)     # the inputs' seed
    assert isinstance(own, EpropNetwork)
    assert all(np.array_equal(own.weights()[k], explicit.weights()[k]) for k in own.weights())


def test_unknown_name_and_unseeded_eprop_are_refused():
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        make_backend("gpu", _inputs())
    with pytest.raises(ValueError, match="seed"):
        make_backend(EPROP, _inputs(seed=None))
