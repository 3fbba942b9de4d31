"""The general float network of e-prop: LIF and ALIF neurons, refractory period, classification or regression
readout, firing-rate regularisation; its online e-prop kernel (the two-component ALIF eligibility).

Forward (t = 1..T-1; v, a, z, vo = 0 at t = 0; see :mod:`._common` for the LIF part and the weight layout)::

    a[t]  = rho a[t-1] + (1-rho) z[t-1]                      adaptation (TU Graz's ALIF; beta = 0: LIF)
    v[t]  = alpha v[t-1] + winp^T x[t-1] + wrec^T z[t-1] - thr z[t-1]
    u[t]  = v[t] - beta a[t]                                  spike if u > thr (threshold thr + beta a)
    z[t]  = H(u[t] - thr), psi[t] = gamma max(0, 1 - |u-thr|/thr); both 0 for n_ref ticks after a spike
    vo[t] = kappa vo[t-1] + wout^T z[t] + b
    E     = sum_{t in window} CE(softmax vo[t], label)     or  0.5 |vo[t] - y[t]|^2   (regression)
          + c_reg/2 sum_j (f_j - f0)^2,   f_j = sum_t z_j[t] / T   (firing rate per tick)

E-prop eligibility (Bellec et al. 2020, ALIF): with D = d(v,a)[t]/d(v,a)[t-1] = [[alpha, 0], [(1-rho) psi[t-1],
rho - (1-rho) beta psi[t-1]]] (the reset stays out, as in the LIF rule)::

    eps_v[t] = alpha eps_v[t-1] + pre[t-1]
    eps_a[t] = (1-rho) psi[t-1] eps_v[t-1] + (rho - (1-rho) beta psi[t-1]) eps_a[t-1]
    e[t]     = psi[t] (eps_v[t] - beta eps_a[t]),   ebar[t] = kappa ebar[t-1] + e[t]
    dE/dW   ~= sum_{t in window} (B err[t])_j ebar[t] + c_reg (f_j - f0) / T sum_t e[t]

With a given learning signal L [T, n_rec] (the exact one of :mod:`.bptt_alif`: dE/dz[t] without the neuron's own
adaptation path, which e-prop's eps_a carries) the kernel computes sum_t L[t] e[t] and equals BPTT to rounding.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ._common import pseudo_derivative, readout_step, softmax_error, spike_fn


class AlifRule(NamedTuple):
    """Scalars and per-neuron arrays of the general network (kernel dtype float64)."""

    alpha: float
    kappa: float
    thr: float
    gamma: float
    smooth_beta: float
    target_tick: int
    rho: np.ndarray            # [n_rec] adaptation decay exp(-dt/tau_adapt) (any value where beta = 0)
    beta: np.ndarray           # [n_rec] adaptation strength (0: LIF neuron)
    n_refractory: int          # ticks without spike (and psi = 0) after a spike
    regression: bool           # squared-error readout against y instead of softmax CE
    reg_coef: float            # c_reg of the firing-rate regulariser (0: off)
    reg_f0: float              # its target rate, spikes per tick
    signal_given: bool         # use the given learning signal [T, n_rec] (no readout filter)


class AlifState(NamedTuple):
    """Neuron state of one tick (updated in place): membrane, adaptation, spikes, psi, refractory count."""

    v: np.ndarray
    a: np.ndarray
    z: np.ndarray
    psi: np.ndarray
    ref: np.ndarray            # int64 ticks of refractoriness left


class AlifSums(NamedTuple):
    """Gradients [post, pre] (g_out [pre, post]), the window's summed outputs, per-neuron spike counts."""

    g_inp: np.ndarray
    g_rec: np.ndarray
    g_out: np.ndarray
    out_sum: np.ndarray
    spike_count: np.ndarray


class AlifRecord(NamedTuple):
    """Every t of membrane, adaptation, spikes, psi [T, n_rec], out_membrane [T, n_out] (0 rows: off)."""

    membrane: np.ndarray
    adaptation: np.ndarray
    spikes: np.ndarray
    psi: np.ndarray
    out_membrane: np.ndarray

    @classmethod
    def zeros(cls, rows: int, n_rec: int, n_out: int) -> "AlifRecord":
        z = lambda n: np.zeros((rows, n))
        return cls(z(n_rec), z(n_rec), z(n_rec), z(n_rec), z(n_out))


def new_state(n_rec: int) -> AlifState:
    return AlifState(np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec, np.int64))


@njit(cache=True)
def alif_step(s, x_prev, winp, wrec, rule):
    """One tick t >= 1 in place (module docstring order); returns the synaptic accumulations done."""
    n_rec = s.v.shape[0]
    for j in range(n_rec):
        s.a[j] = rule.rho[j] * s.a[j] + (1.0 - rule.rho[j]) * s.z[j]
        s.v[j] = rule.alpha * s.v[j] - rule.thr * s.z[j]
    sops = 0
    for i in range(x_prev.shape[0]):
        if x_prev[i] != 0.0:
            sops += n_rec
            for j in range(n_rec):
                s.v[j] += x_prev[i] * winp[i, j]
    for i in range(n_rec):
        if s.z[i] != 0.0:
            sops += n_rec
            for j in range(n_rec):
                s.v[j] += s.z[i] * wrec[i, j]
    for j in range(n_rec):
        if s.ref[j] > 0:
            s.ref[j] -= 1
            s.z[j] = 0.0
            s.psi[j] = 0.0
            continue
        u = s.v[j] - rule.beta[j] * s.a[j]
        s.z[j] = spike_fn(u, rule.thr, rule.smooth_beta)
        s.psi[j] = pseudo_derivative(u, rule.thr, rule.gamma, rule.smooth_beta)
        if s.z[j] > 0.5:
            s.ref[j] = rule.n_refractory
    return sops


@njit(cache=True)
def window_error(vo, t, label, y, err):
    """err <- dE/dvo[t] of a window tick; returns its loss (CE, or 0.5 |vo - y[t]|^2 when y has rows)."""
    if y.shape[0] == 0:
        return softmax_error(vo, label, err)
    loss = 0.0
    for k in range(vo.shape[0]):
        err[k] = vo[k] - y[t, k]
        loss += 0.5 * err[k] * err[k]
    return loss


@njit(cache=True)
def _adapt_eligibility(eps_a, trace, psi_prev, rule):
    """eps_a[t] = (1-rho) psi[t-1] eps_v[t-1] + (rho - (1-rho) beta psi[t-1]) eps_a[t-1] (eps_v still of t-1)."""
    for j in range(eps_a.shape[0]):
        if rule.beta[j] != 0.0:
            c1 = (1.0 - rule.rho[j]) * psi_prev[j]
            c2 = rule.rho[j] - rule.beta[j] * c1
            for i in range(eps_a.shape[1]):
                eps_a[j, i] = c1 * trace[i] + c2 * eps_a[j, i]


@njit(cache=True)
def _filter_accumulate(elig, eps_a, esum, trace, psi_j, beta_j, kappa_elig, lj, accumulate, row_g, j):
    """Row j: e = psi (eps_v - beta eps_a), ebar <- kappa ebar + e, g += L ebar, esum += e (regulariser)."""
    row_e, row_a, row_s = elig[j], eps_a[j], esum[j]
    keep_sum = esum.shape[0] > 0
    for i in range(row_e.shape[0]):
        e = psi_j * (trace[i] - beta_j * row_a[i])
        ebar = kappa_elig * row_e[i] + e
        row_e[i] = ebar
        if accumulate:
            row_g[i] += lj * ebar
        if keep_sum:
            row_s[i] += e


@njit(cache=True)
def alif_eprop_kernel(x, label, y, w, feedback, rule, given_signal, sums, rec):
    """One sample online: x [T, n_in]; y [T, n_out] regression targets (0 rows: classification), window ticks
    t >= target_tick (regression: those with finite y); returns (loss, spikes, sops). Regulariser applied here."""
    n_t, n_in = x.shape
    n_rec, n_out = w.wrec.shape[0], w.wout.shape[1]
    s = AlifState(np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_rec, np.int64))
    vo, err, signal, psi_prev = np.zeros(n_out), np.zeros(n_out), np.zeros(n_rec), np.zeros(n_rec)
    trace_inp, trace_rec, trace_out = np.zeros(n_in), np.zeros(n_rec), np.zeros(n_rec)
    elig_inp, elig_rec = np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))
    epsa_inp, epsa_rec = np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))
    n_sum = n_rec if rule.reg_coef != 0.0 and not rule.signal_given else 0
    esum_inp, esum_rec = np.zeros((n_sum, n_in)), np.zeros((n_sum, n_rec))
    kappa_elig = 0.0 if rule.signal_given else rule.kappa
    do_record = rec.membrane.shape[0] == n_t
    loss, n_spikes, n_sops = 0.0, 0, 0
    for t in range(n_t):
        if t > 0:
            _adapt_eligibility(epsa_inp, trace_inp, psi_prev, rule)
            _adapt_eligibility(epsa_rec, trace_rec, psi_prev, rule)
            for i in range(n_rec):
                trace_rec[i] = rule.alpha * trace_rec[i] + s.z[i]
            for i in range(n_in):
                trace_inp[i] = rule.alpha * trace_inp[i] + x[t - 1, i]
            n_sops += alif_step(s, x[t - 1], w.winp, w.wrec, rule)
            readout_step(vo, s.z, w.wout, w.bias, rule.kappa)
        else:
            for j in range(n_rec):
                s.psi[j] = pseudo_derivative(0.0, rule.thr, rule.gamma, rule.smooth_beta)
        for j in range(n_rec):
            trace_out[j] = rule.kappa * trace_out[j] + s.z[j]
            sums.spike_count[j] += s.z[j]
            if s.z[j] != 0.0:
                n_sops += n_out
                n_spikes += 1
        in_window = t >= rule.target_tick and (y.shape[0] == 0 or np.isfinite(y[t, 0]))
        if in_window:
            loss += window_error(vo, t, label, y, err)
            for k in range(n_out):
                sums.out_sum[k] += err[k] + (1.0 if k == label else 0.0) if y.shape[0] == 0 else vo[k]
                for j in range(n_rec):
                    sums.g_out[j, k] += trace_out[j] * err[k]
        accumulate = rule.signal_given or in_window
        for j in range(n_rec):
            if rule.signal_given:
                signal[j] = given_signal[t, j]
            elif in_window:
                acc = 0.0
                for k in range(n_out):
                    acc += feedback[j, k] * err[k]
                signal[j] = acc
            _filter_accumulate(elig_inp, epsa_inp, esum_inp, trace_inp, s.psi[j], rule.beta[j], kappa_elig,
                               signal[j], accumulate, sums.g_inp[j], j)
            _filter_accumulate(elig_rec, epsa_rec, esum_rec, trace_rec, s.psi[j], rule.beta[j], kappa_elig,
                               signal[j], accumulate, sums.g_rec[j], j)
            psi_prev[j] = s.psi[j]
        if do_record:
            rec.membrane[t], rec.adaptation[t], rec.spikes[t], rec.psi[t], rec.out_membrane[t] = s.v, s.a, s.z, \
                s.psi, vo
    if rule.reg_coef != 0.0:
        for j in range(n_rec):
            dev = sums.spike_count[j] / n_t - rule.reg_f0
            loss += 0.5 * rule.reg_coef * dev * dev
            if n_sum > 0:       # plain e-prop: the regulariser's signal is known only now
                sums.g_inp[j] += (rule.reg_coef * dev / n_t) * esum_inp[j]
                sums.g_rec[j] += (rule.reg_coef * dev / n_t) * esum_rec[j]
    return loss, n_spikes, n_sops
