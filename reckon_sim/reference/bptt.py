"""Exact BPTT (hand-derived adjoint, float64) for the LIF network of :mod:`eprop`, used to verify e-prop.

Forward (see :mod:`reckon_sim.reference._common`), t = 1..T-1, with v[0] = z[0] = vo[0] = 0::

    v[t]  = alpha v[t-1] + winp^T x[t-1] + wrec^T z[t-1] - thr z[t-1]
    z[t]  = H(v[t] - thr),       dz[t]/dv[t] := psi[t] = gamma max(0, 1 - |v[t]-thr|/thr)   (pseudo-derivative)
    vo[t] = kappa vo[t-1] + wout^T z[t] + b
    E     = sum_{t >= t0} CE(softmax(vo[t]), onehot(label)),   err[t] = softmax(vo[t]) - onehot  (t >= t0, else 0)

The Heaviside derivative is replaced by psi everywhere, in BPTT as in e-prop (with ``smooth_beta > 0`` spikes are
logistic and psi is their true slope, so BPTT is then the exact gradient of E and can be checked by finite
differences). Adjoint, backwards from t = T-1 (all adjoints of index T are 0)::

    dvo[t] = dE/dvo[t] = err[t] + kappa dvo[t+1]
    dz[t]  = dE/dz[t]  = wout dvo[t] + wrec dv[t+1] - thr dv[t+1]          (total learning signal)
    dv[t]  = dE/dv[t]  = psi[t] dz[t] + alpha dv[t+1]                      (t >= 1; v[0] is a constant)
    dE/dwinp[i,j] = sum_{t>=1} x[t-1,i] dv[t,j],   dE/dwrec[i,j] = sum_{t>=1} z[t-1,i] dv[t,j]
    dE/dwout[j,k] = sum_{t>=1} z[t,j] dvo[t,k]

E-prop factorisation (Bellec et al. eq. 1): unrolling dv[t] = sum_{t'>=t} alpha^(t'-t) psi[t'] dz[t'] gives
dE/dwinp[i,j] = sum_t dz[t,j] psi[t,j] eps_inp[t,i] with eps_inp[t] = alpha eps_inp[t-1] + x[t-1] — exactly the
e-prop eligibility trace. So e-prop fed with the total signal dz (:func:`eprop.eprop_gradients` with
``learning_signal=record['learning_signal_total']``) equals BPTT to rounding; plain e-prop keeps only the readout
part ``wout dvo[t]`` (``record['learning_signal_readout']``) and drops the recurrent terms ``(wrec - thr I) dv[t+1]``.
With ``no_self_connections`` the forward uses wrec with a zero diagonal and the diagonal gradient is 0.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ._common import (LifRecord, cosine, lif_step, pseudo_derivative, readout_step, relative_error,
                      softmax_error)
from .bptt_alif import general_bptt
from .eprop import EpropParams, _as_label, eprop_gradients, lif_weights


class BpttOutputs(NamedTuple):
    """What the adjoint pass fills: gradients [pre, post] and both learning signals [T, n_rec]."""

    g_inp: np.ndarray
    g_rec: np.ndarray
    g_out: np.ndarray
    signal_total: np.ndarray       # dE/dz[t]
    signal_readout: np.ndarray     # its readout-only part wout dvo[t]


@njit(cache=True)
def _forward_record(x, w, lif, rec):
    """Forward pass storing v, z, vo for every t in rec (O(T n) memory, verification only)."""
    n_rec = w.wrec.shape[0]
    membrane = np.zeros(n_rec)
    spikes = np.zeros(n_rec)
    out_membrane = np.zeros(w.wout.shape[1])
    for t in range(1, x.shape[0]):
        lif_step(membrane, spikes, x[t - 1], w.winp, w.wrec, lif.alpha, lif.thr, lif.smooth_beta)
        readout_step(out_membrane, spikes, w.wout, w.bias, lif.kappa)
        rec.membrane[t] = membrane
        rec.spikes[t] = spikes
        rec.out_membrane[t] = out_membrane


@njit(cache=True)
def _backward(x, label, w, rec, lif, out):
    """Adjoint pass of the module docstring; fills out (BpttOutputs), returns E."""
    n_t, n_in = x.shape
    wrec, wout = w.wrec, w.wout
    n_rec = wrec.shape[0]
    n_out = wout.shape[1]
    alpha, kappa, thr = lif.alpha, lif.kappa, lif.thr
    g_inp, g_rec, g_out, signal_total, signal_readout = out
    adj_v_next = np.zeros(n_rec)
    adj_v = np.zeros(n_rec)
    adj_o_next = np.zeros(n_out)
    adj_o = np.zeros(n_out)
    err = np.zeros(n_out)
    loss = 0.0
    for t in range(n_t - 1, -1, -1):
        if t >= lif.target_tick:
            loss += softmax_error(rec.out_membrane[t], label, err)
        else:
            err[:] = 0.0
        for k in range(n_out):
            adj_o[k] = err[k] + kappa * adj_o_next[k]
        for j in range(n_rec):
            s_out = 0.0
            for k in range(n_out):
                s_out += wout[j, k] * adj_o[k]
            s_rec = -thr * adj_v_next[j]       # the reset term of v[t+1]
            for m in range(n_rec):
                s_rec += wrec[j, m] * adj_v_next[m]
            signal_readout[t, j] = s_out
            signal_total[t, j] = s_out + s_rec
        if t >= 1:
            for j in range(n_rec):
                adj_v[j] = pseudo_derivative(rec.membrane[t, j], thr, lif.gamma, lif.smooth_beta) \
                    * signal_total[t, j] + alpha * adj_v_next[j]
                for k in range(n_out):
                    g_out[j, k] += rec.spikes[t, j] * adj_o[k]
            for i in range(n_in):
                xi = x[t - 1, i]
                if xi != 0.0:
                    for j in range(n_rec):
                        g_inp[i, j] += xi * adj_v[j]
            for i in range(n_rec):
                zi = rec.spikes[t - 1, i]
                if zi != 0.0:
                    for j in range(n_rec):
                        g_rec[i, j] += zi * adj_v[j]
        else:
            adj_v[:] = 0.0
        adj_v_next[:] = adj_v
        adj_o_next[:] = adj_o
    return loss


def bptt_gradients(params: EpropParams, weights: dict, input_spikes: np.ndarray, target):
    """Exact BPTT gradients (float64) of E for one sample; same arguments/layout as eprop.eprop_gradients.

    Returns (grads {'winp','wrec','wout'}, loss, record) with record holding 'membrane', 'spikes',
    'out_membrane' [T, .] and the learning signals 'learning_signal_total' (dE/dz[t]) and
    'learning_signal_readout' (its readout-only part, what plain e-prop keeps), both [T, n_rec].
    ALIF, refractoriness, regression and the regulariser: :func:`.bptt_alif.general_bptt`.
    """
    if params.general:
        return general_bptt(params, weights, input_spikes, target)
    w = lif_weights(params, weights, np.float64)
    (n_in, n_rec), n_out = w.winp.shape, w.wout.shape[1]
    x = np.ascontiguousarray(input_spikes, np.float64)
    n_t = x.shape[0]
    label = _as_label(target, n_out)
    lif = params.lif(np.float64)
    rec = LifRecord.zeros(n_t, n_rec, n_out)
    _forward_record(x, w, lif, rec)
    out = BpttOutputs(np.zeros((n_in, n_rec)), np.zeros((n_rec, n_rec)), np.zeros((n_rec, n_out)),
                      np.zeros((n_t, n_rec)), np.zeros((n_t, n_rec)))
    loss = _backward(x, label, w, rec, lif, out)
    grads = {"winp": out.g_inp, "wrec": out.g_rec, "wout": out.g_out}
    if params.no_self_connections:
        np.fill_diagonal(grads["wrec"], 0.0)
    return grads, float(loss), {**rec._asdict(), "learning_signal_total": out.signal_total,
                                "learning_signal_readout": out.signal_readout}


def compare_eprop_bptt(params: EpropParams, weights: dict, input_spikes: np.ndarray, target) -> dict:
    """TU Graz's numerical check plus the e-prop/BPTT alignment, per layer.

    Returns {'exact_rel_error': {layer: max|g_eprop(total signal) - g_bptt| / max|g_bptt|},
             'cosine': {layer: cos(g_eprop(plain), g_bptt)}, 'loss': E} (clean formulation, float64).
    """
    clean = EpropParams(**{**params.__dict__, "pytorch_compat": False, "dtype": "float64"})
    g_bptt, loss, rec = bptt_gradients(clean, weights, input_spikes, target)
    g_exact, _, _ = eprop_gradients(clean, weights, input_spikes, target,
                                    learning_signal=rec["learning_signal_total"])
    g_plain, _, _ = eprop_gradients(clean, weights, input_spikes, target)
    return {"exact_rel_error": {k: relative_error(g_exact[k], g_bptt[k]) for k in g_bptt},
            "cosine": {k: cosine(g_plain[k], g_bptt[k]) for k in g_bptt}, "loss": loss}
