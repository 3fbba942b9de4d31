"""Optimisers of the float references, with torch.optim's update formulas and operation order (defaults too).

Every optimiser steps a dict of named parameter arrays in place from a dict of gradients of the same names.
"""
from __future__ import annotations

import math

import numpy as np

OPTIMIZERS = ("adam", "sgd", "nesterov", "rmsprop")


class Adam:
    """torch.optim.Adam (defaults: betas 0.9/0.999, eps 1e-8, no weight decay), same operation order."""

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, betas[0], betas[1], eps
        self.step_count = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.step_count += 1
        bc1 = 1.0 - self.beta1 ** self.step_count
        bc2_sqrt = math.sqrt(1.0 - self.beta2 ** self.step_count)
        for name, g in grads.items():
            m = self.m.setdefault(name, np.zeros_like(g))
            v = self.v.setdefault(name, np.zeros_like(g))
            m += (1.0 - self.beta1) * (g - m)          # torch uses lerp_
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            denom = np.sqrt(v) / bc2_sqrt + self.eps
            params[name] -= (self.lr / bc1) * m / denom

    def state(self) -> dict:
        return {"step": self.step_count, "m": {k: a.copy() for k, a in self.m.items()},
                "v": {k: a.copy() for k, a in self.v.items()}}


class SGD:
    """torch.optim.SGD: plain (momentum 0) w <- w - lr g; with momentum buf <- mu buf + g (buf = g at the first
    step) and w <- w - lr buf, or w <- w - lr (g + mu buf) with nesterov."""

    def __init__(self, lr: float, momentum: float = 0.0, nesterov: bool = False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.step_count = 0
        self.buf: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.step_count += 1
        for name, g in grads.items():
            if self.momentum == 0.0:
                params[name] -= self.lr * g
                continue
            if name not in self.buf:
                self.buf[name] = g.copy()
            else:
                self.buf[name] *= self.momentum
                self.buf[name] += g
            d = g + self.momentum * self.buf[name] if self.nesterov else self.buf[name]
            params[name] -= self.lr * d

    def state(self) -> dict:
        return {"step": self.step_count, "buf": {k: a.copy() for k, a in self.buf.items()}}


class RMSprop:
    """torch.optim.RMSprop (alpha 0.99, eps 1e-8, no momentum, not centred): v <- a v + (1-a) g^2,
    w <- w - lr g / (sqrt(v) + eps)."""

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8):
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.step_count = 0
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.step_count += 1
        for name, g in grads.items():
            v = self.v.setdefault(name, np.zeros_like(g))
            v *= self.alpha
            v += (1.0 - self.alpha) * g * g
            params[name] -= self.lr * g / (np.sqrt(v) + self.eps)

    def state(self) -> dict:
        return {"step": self.step_count, "v": {k: a.copy() for k, a in self.v.items()}}


def make_optimizer(name: str, lr: float, momentum: float = 0.9):
    """'adam' | 'sgd' (no momentum) | 'nesterov' (SGD, Nesterov momentum) | 'rmsprop'."""
    key = name.lower()
    if key == "adam":
        return Adam(lr)
    if key == "sgd":
        return SGD(lr)
    if key == "nesterov":
        return SGD(lr, momentum=momentum, nesterov=True)
    if key == "rmsprop":
        return RMSprop(lr)
    raise ValueError(f"optimizer: expected one of {', '.join(OPTIMIZERS)}, got {name!r}")
