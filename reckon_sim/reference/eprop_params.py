"""EpropParams: every hyper-parameter of the float e-prop/BPTT references (defaults: eprop-PyTorch's cue
accumulation), and the general network's kernel rule built from them (:mod:`.alif`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import LifParams, LifWeights
from .alif import AlifRule
from .optim import OPTIMIZERS

NEURONS = ("lif", "alif")
READOUTS = ("classification", "regression")
FEEDBACKS = ("symmetric", "random", "adaptive")


@dataclass(frozen=True)
class EpropParams:
    """Hyper-parameters; defaults are eprop-PyTorch's main.py/setup.py values for cue accumulation."""

    n_in: int = 40
    n_rec: int = 100
    n_out: int = 2
    thr: float = 0.6
    tau_mem: float = 2.0              # s (--tau-mem 2000e-3)
    tau_out: float = 0.02             # s (--tau-out 20e-3)
    dt: float = 1e-3
    gamma: float = 0.3                # pseudo-derivative height (--gamma)
    bias_out: float = 0.0
    w_init_gain: tuple = (0.5, 0.1, 0.5)
    optimizer: str = "adam"           # 'adam' | 'sgd' | 'nesterov' | 'rmsprop' (torch.optim formulas)
    lr: float = 1e-4
    momentum: float = 0.9             # Nesterov momentum
    lr_layer: tuple = (0.05, 0.05, 1.0)   # gradient factors for (input, recurrent, output) weights
    batch_size: int = 5               # samples whose gradients are summed per optimiser step
    target_tick: int = 2100           # loss/learning window: t >= target_tick (eprop-PyTorch: last 150 of 2250)
    feedback: str = "symmetric"       # 'symmetric' (B = wout) | 'random' (fixed B) | 'adaptive' (B learnt as wout)
    pytorch_compat: bool = False      # reproduce eprop-PyTorch's input-trace lead and diagonal gradients
    no_self_connections: bool = True  # eprop-PyTorch zeroes diag(w_rec) before every forward pass
    smooth_beta: float = 0.0          # > 0: logistic spikes of this width (exact-gradient tests only)
    seed: int = 0
    dtype: str = "float64"            # 'float64' | 'float32' (float32: vanilla LIF classification only)
    neuron: str = "lif"               # 'lif' | 'alif' (LSNN: the last n_adaptive neurons adapt)
    n_adaptive: int = -1              # ALIF neurons of an 'alif' network (-1: all; TU Graz mixes LIF + ALIF)
    tau_adapt: float = 2.0            # s, adaptation time constant of the ALIF population
    beta_adapt: float = 30.0          # adaptation strength: a spike raises the threshold by beta (1-rho) = 0.015
    refractory: int = 0               # ticks without spikes after a spike
    readout: str = "classification"   # 'classification' (softmax CE) | 'regression' (squared error)
    target_scale: float = 1.0 / 2048  # regression targets given as chip integers (2048 = 1.0) are scaled by this
    reg_rate: float = 0.0             # firing-rate regulariser c_reg (0: off)
    reg_target_hz: float = 10.0       # its target rate f0 (Hz at dt)

    def __post_init__(self):
        for name, value, allowed in (("neuron", self.neuron, NEURONS), ("readout", self.readout, READOUTS),
                                     ("feedback", self.feedback, FEEDBACKS),
                                     ("optimizer", self.optimizer.lower(), OPTIMIZERS)):
            if value not in allowed:
                raise ValueError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
        if self.refractory < 0 or not -1 <= self.n_adaptive <= self.n_rec:
            raise ValueError("refractory must be >= 0 and n_adaptive in -1..n_rec")
        if self.general and (self.pytorch_compat or self.dtype != "float64"):
            raise ValueError("ALIF, refractoriness, regression and regularisation run in float64 without "
                             "pytorch_compat")

    @property
    def alpha(self) -> float:
        return float(np.exp(-self.dt / self.tau_mem))

    @property
    def kappa(self) -> float:
        return float(np.exp(-self.dt / self.tau_out))

    @property
    def general(self) -> bool:
        """True when the general kernel (:mod:`.alif`) is needed; vanilla LIF classification keeps its own."""
        return (self.neuron != "lif" or self.refractory > 0 or self.readout != "classification"
                or self.reg_rate != 0.0)

    def lif(self, dtype) -> LifParams:
        """The network scalars cast to the kernel's dtype."""
        cast = np.dtype(dtype).type
        return LifParams(cast(self.alpha), cast(self.kappa), cast(self.thr), cast(self.gamma),
                         cast(self.smooth_beta), int(self.target_tick))

    def adaptive_mask(self) -> np.ndarray:
        """bool [n_rec]: the ALIF neurons (the last n_adaptive, as TU Graz's n_regular + n_adaptive)."""
        mask = np.zeros(self.n_rec, bool)
        if self.neuron == "alif":
            n = self.n_rec if self.n_adaptive < 0 else self.n_adaptive
            mask[self.n_rec - n:] = True
        return mask

    def alif_rule(self, signal_given: bool) -> AlifRule:
        adaptive = self.adaptive_mask()
        rho = np.where(adaptive, np.exp(-self.dt / self.tau_adapt), 0.0)
        beta = np.where(adaptive, self.beta_adapt, 0.0)
        return AlifRule(self.alpha, self.kappa, float(self.thr), float(self.gamma), float(self.smooth_beta),
                        int(self.target_tick), rho, beta, int(self.refractory), self.readout == "regression",
                        float(self.reg_rate), float(self.reg_target_hz * self.dt), bool(signal_given))


def _as_label(target, n_out: int) -> int:
    label = int(np.argmax(target)) if np.ndim(target) else int(target)
    if not 0 <= label < n_out:
        raise ValueError(f"target: class label {label} outside 0..{n_out - 1}")
    return label


def masked_recurrent(params: EpropParams, wrec: np.ndarray) -> np.ndarray:
    """The recurrent matrix the forward pass uses (diagonal cut when no_self_connections)."""
    if not params.no_self_connections:
        return wrec
    w = wrec.copy()
    np.fill_diagonal(w, 0.0)
    return w


def lif_weights(params: EpropParams, weights: dict, dtype) -> LifWeights:
    """Contiguous kernel weights of a weights dict ('winp', 'wrec', 'wout', optional 'bias' [n_out])."""
    wout = np.ascontiguousarray(weights["wout"], dtype)
    return LifWeights(np.ascontiguousarray(weights["winp"], dtype),
                      np.ascontiguousarray(masked_recurrent(params, np.asarray(weights["wrec"], dtype))), wout,
                      np.ascontiguousarray(weights.get("bias", np.full(wout.shape[1], params.bias_out)), dtype))
