"""The one registry of backends: name -> factory building a Backend from a run's inputs.

Every factory takes (inputs, widths, seed, eprop_lr) and uses what its backend needs: the chip model its
datapath widths, the float e-prop reference its seed and learning rate. Experiments pick backends by name only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .backend import Backend
from .hw.widths import RECKON, BitWidths

if TYPE_CHECKING:
    from .experiments.data import RunInputs

CHIP, CHIP_FLOAT, EPROP = "chip", "chip_float", "eprop"


def _chip(inputs: RunInputs, widths: BitWidths, seed: int | None, eprop_lr: float) -> Backend:
    """The bit-exact fixed-point chip model, from the inputs' 8-bit initial weights."""
    from .core.chip import Chip
    return Chip.from_config(inputs.config, **inputs.weights, widths=widths)


def _chip_float(inputs: RunInputs, widths: BitWidths, seed: int | None, eprop_lr: float) -> Backend:
    """The chip's rule in float (expected-value updates), from the same initial weights."""
    from .reference.chip_float import ChipFloat
    desc = inputs.config.physical                # [float] chip_float_rounding / chip_float_saturate, --set
    return ChipFloat.from_config(inputs.config, **inputs.weights,
                                 integer_rounding=desc.get("chip_float_rounding") == "floor",
                                 saturate=desc.get("chip_float_saturate") == "on")


def _eprop(inputs: RunInputs, widths: BitWidths, seed: int | None, eprop_lr: float) -> Backend:
    """Float e-prop: draws its own float initial weights (eprop-PyTorch's rule) from `seed`; neuron, readout,
    feedback, optimiser, ... and the physical time constants come from the preset ([physical], [float], --set),
    whose `lr` wins over eprop_lr."""
    from .reference.eprop import EpropNetwork
    if seed is None:
        raise ValueError("the eprop backend draws its initial weights from a seed: give one")
    lr = {} if "lr" in inputs.config.physical else {"lr": eprop_lr}
    return EpropNetwork.from_config(inputs.config, seed=seed, **lr)


BACKENDS: dict[str, Callable[..., Backend]] = {CHIP: _chip, CHIP_FLOAT: _chip_float, EPROP: _eprop}


def make_backend(name: str, inputs: RunInputs, *, widths: BitWidths = RECKON, seed: int | None = None,
                 eprop_lr: float = 1e-3) -> Backend:
    """The backend `name` of BACKENDS for `inputs`; seed None = the inputs' seed.

    eprop_lr: Adam learning rate of vanilla e-prop (eprop-PyTorch's 1e-4 needs tens of epochs on 50-sample
    epochs)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    return BACKENDS[name](inputs, widths, inputs.seed if seed is None else seed, eprop_lr)


def task_backend(name: str, inputs: RunInputs, **kw) -> Backend:
    """make_backend for the inputs' task: a regression task's backend gets its targets and NMSE
    (tasks.regression)."""
    from .tasks.regression import RegressionReadout
    backend = make_backend(name, inputs, **kw)
    if name == EPROP:
        _check_readout(backend.params.readout, inputs)
    if inputs.regression:
        return RegressionReadout(backend, inputs.pattern_targets, inputs.config.target_tick, inputs.config.n_out,
                                 name)
    return backend


def _check_readout(readout: str, inputs: RunInputs) -> None:
    """A float readout that the task cannot train (no targets, or targets for a classifier) is an input error."""
    from .errors import InputError
    has_targets = inputs.regression or inputs.targets is not None
    if (readout == "regression") != has_targets:
        task = inputs.task.name if inputs.task is not None else "the data"
        raise InputError("readout", f"'{readout}' does not fit {task} "
                                    f"({'a regression task' if has_targets else 'a classification task, no targets'})")
