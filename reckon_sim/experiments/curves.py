"""Quantized vs float training curves: several backends, the same data, the same initial weights and seeds."""
from __future__ import annotations

from ..backend import Backend, Sample
from .train import TrainRun, train

BACKEND_NOTES = {
    "chip": "ReckOn fixed point (bit-exact); loss = 0.5 sum (target - hard sigmoid)^2 over vote ticks",
    "chip_float": "the chip's rule in float, expected-value updates; same loss as chip",
    "eprop": "vanilla e-prop (eprop-PyTorch semantics, Adam); loss = cross-entropy over the recall window",
}


def make_backends(cfg, weights: dict, seed: int, names=("chip", "chip_float", "eprop"),
                  eprop_lr: float = 1e-3) -> dict[str, Backend]:
    """The backends of a comparison, built from one ChipConfig and one set of 8-bit initial weights.

    Vanilla e-prop draws its own float initial weights (eprop-PyTorch's rule) from `seed`; its Adam learning
    rate defaults to 1e-3 (eprop-PyTorch's 1e-4 needs tens of epochs on 50-sample epochs)."""
    from ..core.chip import Chip
    from ..reference import ChipFloat, EpropNetwork
    out: dict[str, Backend] = {}
    for name in names:
        if name == "chip":
            out[name] = Chip.from_config(cfg, **weights)
        elif name == "chip_float":
            out[name] = ChipFloat(cfg, weights["winp"], weights["wrec"], weights["wout"])
        elif name == "eprop":
            out[name] = EpropNetwork.from_config(seed=seed, n_in=cfg.n_inp, n_rec=cfg.n_rec, n_out=cfg.n_out,
                                                 target_tick=cfg.target_tick, lr=eprop_lr)
        else:
            raise ValueError(name)
    return out


def run_curves(backends: dict[str, Backend], train_set: list[Sample], test_set: list[Sample], epochs: int,
               progress=None) -> dict[str, TrainRun]:
    """Train each backend for `epochs` (train pass + test pass per epoch) on the same samples."""
    return {name: train(b, train_set, test_set, epochs,
                        progress_factory=(lambda e, n=name: progress(n, e)) if progress else None)
            for name, b in backends.items()}

