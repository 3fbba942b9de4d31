"""Helpers shared by the float references: LIF/readout step kernels, surrogate, softmax error, optimisers.

Conventions used by every float reference (same as the chip and the golden npz files):
weights are stored ``[pre, post]``: ``winp[n_in, n_rec]``, ``wrec[n_rec, n_rec]``, ``wout[n_rec, n_out]``
(eprop-PyTorch stores the transposes: ``w_in = winp.T``, ``w_rec = wrec.T``, ``w_out = wout.T``).
Time runs t = 0..T-1 and ``x[t]`` is the input spike row of time t (a Sample event (channel, b) sets x[b, channel]).

The discrete LIF network shared by :mod:`eprop` and :mod:`bptt` (eprop-PyTorch's ``SRNN.forward``)::

    v[0] = 0, z[0] = 0, vo[0] = 0
    v[t]  = alpha*v[t-1] + winp^T x[t-1] + wrec^T z[t-1] - thr*z[t-1]        (t >= 1; reset by subtraction)
    z[t]  = H(v[t] - thr)            (strict >; or sigmoid((v-thr)/beta) in the smooth test mode)
    vo[t] = kappa*vo[t-1] + wout^T z[t] + b
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ..backend import Sample
from .optim import SGD, Adam, make_optimizer  # noqa: F401  (re-exported: older imports)


class LifParams(NamedTuple):
    """Scalars of the LIF network and its loss window, in the kernel's dtype."""

    alpha: float               # membrane / eligibility leak exp(-dt / tau_mem)
    kappa: float               # readout leak exp(-dt / tau_out)
    thr: float                 # firing threshold
    gamma: float               # pseudo-derivative height
    smooth_beta: float         # > 0: logistic spikes of this width (exact-gradient tests only)
    target_tick: int           # loss window: t >= target_tick


class LifWeights(NamedTuple):
    """Weights [pre, post] as the forward pass uses them (wrec's diagonal cut with no_self_connections)."""

    winp: np.ndarray           # [n_in, n_rec]
    wrec: np.ndarray           # [n_rec, n_rec]
    wout: np.ndarray           # [n_rec, n_out]
    bias: np.ndarray           # [n_out]


class LifRecord(NamedTuple):
    """Forward state of every t: membrane, spikes [T, n_rec], out_membrane [T, n_out]; zero rows: not recorded."""

    membrane: np.ndarray
    spikes: np.ndarray
    out_membrane: np.ndarray

    @classmethod
    def zeros(cls, rows: int, n_rec: int, n_out: int, dtype=np.float64) -> "LifRecord":
        return cls(np.zeros((rows, n_rec), dtype), np.zeros((rows, n_rec), dtype), np.zeros((rows, n_out), dtype))


@njit(cache=True)
def spike_fn(v, thr, smooth_beta):
    """Heaviside spike (strict >), or a logistic spike of width beta when smooth_beta > 0 (gradient tests)."""
    if smooth_beta > 0.0:
        return 1.0 / (1.0 + math.exp(-(v - thr) / smooth_beta))
    return 1.0 if v > thr else 0.0


@njit(cache=True)
def pseudo_derivative(v, thr, gamma, smooth_beta):
    """dz/dv used by e-prop and BPTT: gamma*max(0, 1-|v-thr|/thr), or the exact logistic slope in smooth mode."""
    if smooth_beta > 0.0:
        s = 1.0 / (1.0 + math.exp(-(v - thr) / smooth_beta))
        return s * (1.0 - s) / smooth_beta
    return gamma * max(0.0, 1.0 - abs((v - thr) / thr))


@njit(cache=True)
def lif_step(v, z, x_prev, winp, wrec, alpha, thr, smooth_beta):
    """One tick t >= 1 in place: v <- alpha v - thr z + winp^T x_prev + wrec^T z, then z <- spike(v).

    Only non-zero presynaptic entries are visited (event-driven for binary spikes). Returns the number of
    synaptic accumulations done.
    """
    n_rec = v.shape[0]
    for j in range(n_rec):
        v[j] = alpha * v[j] - thr * z[j]
    sops = 0
    for i in range(x_prev.shape[0]):
        xi = x_prev[i]
        if xi != 0.0:
            sops += n_rec
            for j in range(n_rec):
                v[j] += xi * winp[i, j]
    for i in range(n_rec):
        zi = z[i]
        if zi != 0.0:
            sops += n_rec
            for j in range(n_rec):
                v[j] += zi * wrec[i, j]
    for j in range(n_rec):
        z[j] = spike_fn(v[j], thr, smooth_beta)
    return sops


@njit(cache=True)
def readout_step(vo, z, wout, bias, kappa):
    """vo <- kappa vo + wout^T z + b in place (leaky output layer, no delay from the spikes of the same tick)."""
    for k in range(vo.shape[0]):
        vo[k] = kappa * vo[k] + bias[k]
    for j in range(z.shape[0]):
        zj = z[j]
        if zj != 0.0:
            for k in range(vo.shape[0]):
                vo[k] += zj * wout[j, k]


@njit(cache=True)
def softmax_error(vo, label, err):
    """err <- softmax(vo) - onehot(label) in place; returns the cross-entropy -log softmax(vo)[label]."""
    m = vo[0]
    for k in range(vo.shape[0]):
        m = max(m, vo[k])
    s = 0.0
    for k in range(vo.shape[0]):
        s += math.exp(vo[k] - m)
    for k in range(vo.shape[0]):
        err[k] = math.exp(vo[k] - m) / s
    ce = -(vo[label] - m - math.log(s))
    err[label] -= 1.0
    return ce


def input_matrix(sample: Sample, n_in: int, dtype=np.float64) -> np.ndarray:
    """x[T, n_in] (0/1) from a Sample: event (channel, b) -> x[b, channel]; channels >= n_in are dropped."""
    return sample.event_matrix(max(n_in, 1))[:, :n_in].astype(dtype)


def kaiming_normal(rng: np.random.Generator, fan_in: int, shape, gain: float) -> np.ndarray:
    """torch.nn.init.kaiming_normal_ (fan_in mode, ReLU gain sqrt 2) times an extra gain, as eprop-PyTorch."""
    return gain * rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two arrays (flattened); nan if either is all zero."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return float("nan")
    return float(np.dot(a.ravel(), b.ravel()) / (na * nb))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a-b| / max |b| (0 if both are zero)."""
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return diff / scale if scale > 0 else diff
