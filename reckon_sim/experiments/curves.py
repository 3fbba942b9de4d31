"""Quantized vs float training curves: several backends, the same data, the same initial weights and seeds."""
from __future__ import annotations

from ..backends import task_backend
from .data import RunInputs
from .train import TrainRun, train

BACKEND_NOTES = {
    "chip": "ReckOn fixed point (bit-exact); loss = 0.5 sum (target - hard sigmoid)^2 over vote ticks",
    "chip_float": "the chip's rule in float, expected-value updates; same loss as chip",
    "eprop": "vanilla e-prop (eprop-PyTorch semantics, Adam); loss = cross-entropy over the recall window",
}


def run_curves(inputs: RunInputs, names, eprop_lr: float = 1e-3, progress=None,
               trained: dict | None = None) -> dict[str, TrainRun]:
    """Train each backend `names` of the registry for `inputs.epochs` (train pass + test pass per epoch) on the
    same samples, every one built from the same inputs (vanilla e-prop draws its own weights from the seed).
    trained: if given, receives {name: (trained backend, its initial weights)}."""
    backends = {name: task_backend(name, inputs, eprop_lr=eprop_lr) for name in names}
    if trained is not None:
        trained.update({name: (b, b.weights()) for name, b in backends.items()})
    return {name: train(b, inputs.train, inputs.test, inputs.epochs,
                        progress_factory=(lambda e, n=name: progress(n, e)) if progress else None)
            for name, b in backends.items()}
