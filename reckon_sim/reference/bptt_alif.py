"""Exact BPTT (float64) of the general network of :mod:`.alif` (ALIF, refractoriness, regression, regulariser).

Adjoint, backwards from t = T-1 (adjoints of index T are 0; psi = 0 on refractory ticks)::

    dvo[t] = err[t] + kappa dvo[t+1]
    L[t]   = wout dvo[t] + (wrec - thr I) dv[t+1] + c_reg (f - f0) / T      learning signal (no own a-path)
    dz[t]  = L[t] + (1-rho) da[t+1]                                        total dE/dz[t]
    dv[t]  = psi[t] dz[t] + alpha dv[t+1],    da[t] = -beta psi[t] dz[t] + rho da[t+1]      (t >= 1)
    dE/dwinp[i,j] = sum_{t>=1} x[t-1,i] dv[t,j], dE/dwrec likewise with z[t-1], dE/dwout[j,k] = sum z[t,j] dvo[t,k]

Unrolling (dv, da) with e-prop's D (see :mod:`.alif`) gives dE/dW = sum_t L[t] e[t], so e-prop fed with L
(``record['learning_signal_total']``) equals this to rounding; plain e-prop keeps ``wout dvo`` (window only,
B = wout) plus the regulariser term (``record['learning_signal_readout']`` holds wout dvo).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .alif import AlifRecord, AlifState, alif_step, window_error
from .eprop_general import regression_targets
from .eprop_params import EpropParams, _as_label, lif_weights
from ._common import pseudo_derivative, readout_step


class AlifAdjoint(NamedTuple):
    g_inp: np.ndarray
    g_rec: np.ndarray
    g_out: np.ndarray
    signal_total: np.ndarray
    signal_readout: np.ndarray


@njit(cache=True)
def _forward(x, w, rule, rec):
    n_rec = w.wrec.shape[0]
    s = AlifState(np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec, np.int64))
    vo = np.zeros(w.wout.shape[1])
    for j in range(n_rec):
        rec.psi[0, j] = pseudo_derivative(0.0, rule.thr, rule.gamma, rule.smooth_beta)
    for t in range(1, x.shape[0]):
        alif_step(s, x[t - 1], w.winp, w.wrec, rule)
        readout_step(vo, s.z, w.wout, w.bias, rule.kappa)
        rec.membrane[t], rec.adaptation[t], rec.spikes[t], rec.psi[t], rec.out_membrane[t] = s.v, s.a, s.z, \
            s.psi, vo


@njit(cache=True)
def _backward(x, label, y, w, rule, rec, out):
    n_t, n_in = x.shape
    n_rec, n_out = w.wrec.shape[0], w.wout.shape[1]
    dv_next, dv, da_next, da = np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec)
    do_next, do, err = np.zeros(n_out), np.zeros(n_out), np.zeros(n_out)
    reg = np.zeros(n_rec)
    loss = 0.0
    if rule.reg_coef != 0.0:
        for j in range(n_rec):
            dev = rec.spikes[:, j].sum() / n_t - rule.reg_f0
            loss += 0.5 * rule.reg_coef * dev * dev
            reg[j] = rule.reg_coef * dev / n_t
    for t in range(n_t - 1, -1, -1):
        err[:] = 0.0
        if t >= rule.target_tick and (y.shape[0] == 0 or np.isfinite(y[t, 0])):
            loss += window_error(rec.out_membrane[t], t, label, y, err)
        for k in range(n_out):
            do[k] = err[k] + rule.kappa * do_next[k]
        for j in range(n_rec):
            s_out = 0.0
            for k in range(n_out):
                s_out += w.wout[j, k] * do[k]
            s_rec = -rule.thr * dv_next[j] + reg[j]
            for m in range(n_rec):
                s_rec += w.wrec[j, m] * dv_next[m]
            out.signal_readout[t, j] = s_out
            out.signal_total[t, j] = s_out + s_rec
        if t >= 1:
            for j in range(n_rec):
                dz = out.signal_total[t, j] + (1.0 - rule.rho[j]) * da_next[j]
                psi = rec.psi[t, j]
                dv[j] = psi * dz + rule.alpha * dv_next[j]
                da[j] = -rule.beta[j] * psi * dz + rule.rho[j] * da_next[j]
                for k in range(n_out):
                    out.g_out[j, k] += rec.spikes[t, j] * do[k]
            for i in range(n_in):
                if x[t - 1, i] != 0.0:
                    for j in range(n_rec):
                        out.g_inp[i, j] += x[t - 1, i] * dv[j]
            for i in range(n_rec):
                if rec.spikes[t - 1, i] != 0.0:
                    for j in range(n_rec):
                        out.g_rec[i, j] += rec.spikes[t - 1, i] * dv[j]
        else:
            dv[:] = 0.0
            da[:] = 0.0
        dv_next[:] = dv
        da_next[:] = da
        do_next[:] = do
    return loss


def general_bptt(params: EpropParams, weights: dict, input_spikes: np.ndarray, target):
    """BPTT of the general network; same returns as :func:`.bptt.bptt_gradients` (records add 'adaptation')."""
    w = lif_weights(params, weights, np.float64)
    (n_in, n_rec), n_out = w.winp.shape, w.wout.shape[1]
    x = np.ascontiguousarray(input_spikes, np.float64)
    n_t = x.shape[0]
    if params.readout == "regression":
        label, y = 0, regression_targets(params, target, n_t)
    else:
        label, y = _as_label(target, n_out), np.zeros((0, n_out))
    rule = params.alif_rule(True)
    rec = AlifRecord.zeros(n_t, n_rec, n_out)
    _forward(x, w, rule, rec)
    out = AlifAdjoint(np.zeros((n_in, n_rec)), np.zeros((n_rec, n_rec)), np.zeros((n_rec, n_out)),
                      np.zeros((n_t, n_rec)), np.zeros((n_t, n_rec)))
    loss = _backward(x, label, y, w, rule, rec, out)
    grads = {"winp": out.g_inp, "wrec": out.g_rec, "wout": out.g_out}
    if params.no_self_connections:
        np.fill_diagonal(grads["wrec"], 0.0)
    return grads, float(loss), {**rec._asdict(), "learning_signal_total": out.signal_total,
                                "learning_signal_readout": out.signal_readout}
