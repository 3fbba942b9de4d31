"""The Numba kernel of :class:`.chip_float.ChipFloat`: the chip's tick (reckon-spec.md §7-§11, §16) in float.

Per tick k = 1..T of a sample (events with time b are integrated in PROP of tick b+1; TT = TARGET_TICK)::

    STEP (k >= 2):  z_j = [u_j >= thr_j];  u_j <- alpha_j u_j - z_j thr_j  (or 0 with RST_MODE);
                    tinp_i, trec_j <- alpha tinp_i, alpha trec_j;  tout_j <- kappa tout_j;  vo_k <- kappa vo_k
    SDONE (k > TT): vote for argmax_k vo_k (ties -> lowest index; regression: output 0, as the chip)
    (k = T: stop here)
    EPROP (k > TT, learning):  y_k = clip((vo_k + 2048)/2, 0, 2048) (NO_OUT_ACT: vo_k);
        err_k = yt_k - y_k, yt_k = 2048 [k = label] (classification) or the 16-bit target of tick k (regression)
        L_p = (sum_k err_k Wout[p][k]) 2^LEARN_SIG_SCALE / 2^12 (old Wout);  h_p = 5-segment LUT(u_p)
        treg_p = max(0, trec_p / 2^FP_TREC - F0);  scale_p = 16 - min(16, treg_p / 2^K_MUL) (mult. regul) else 16
        e = L_p h_p trace_q;  prob = (e < 0 ? 16 e : scale_p e) / 16 - treg_p 2^K_P / 2^K_R (additive regul)
        dW[q][p] = prob 2^(LR_P - LR_R) / 2^32       trace_q = tinp_q / 2^FP_TINP or trec_q / 2^FP_TREC
        dWout[p][k] = err_k (tout_p / 2^FP_TOUT) 2^(LR_P_WOUT - LR_R_WOUT) / 2^28
        (the expected value of the chip's stochastic +-1 LSB step; a self-connection is zeroed with
        probability |dW| instead, as the chip writes 0 whenever its update fires)
    PROP:  u += Winp[i] 2^FP_WINP per input event i; tinp_i += 8 << FP_TINP (DO_EPROP[0] | FORCE_TRACES)
           u += Wrec[j] 2^FP_WREC, vo += Wout[j] 2^FP_WOUT per spike z_j; trec_j += 8 << FP_TREC; tout_j += 2 << FP_TOUT

With ``integer_rounding`` every leak, shift and the hard sigmoid floor like the chip with stochastic rounding
off; with ``saturate`` membranes, errors and learning signals clip to 16 bits, traces at 4095/1023, weights to
int8 and the update probability at 2^W - 1 before ``>> LR_R`` (a capped one with LR_R = 0 fires for certain,
as on the chip).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ..core.fixedpoint import vote_winner


class ChipFloatRule(NamedTuple):
    """Everything the kernel reads besides the state: decoded registers in chip units, per-neuron leak and
    threshold, and the two options. Shift amounts and learning rates are float64 (only used as powers of 2)."""

    kappa: float               # output leak, SPI_KAPPA / 128
    reset_to_zero: bool        # SPI_RST_MODE
    fp_winp: float             # SPI_FP_LOC_*: fixed-point positions of weights and traces
    fp_wrec: float
    fp_wout: float
    fp_tinp: float
    fp_trec: float
    fp_tout: float
    learn_sig_scale: float     # SPI_LEARN_SIG_SCALE
    regul_mode: int            # SPI_REGUL_MODE bits: 1 multiplicative, 2 additive
    regul_w: int               # SPI_REGUL_W bits: 1 input, 2 recurrent weights
    regul_f0: float            # SPI_REGUL_F0 .. SPI_REGUL_K_MUL (0 when REGUL_MODE = 0)
    k_inp_p: float
    k_inp_r: float
    k_rec_p: float
    k_rec_r: float
    k_mul: float
    no_out_act: bool           # SPI_NO_OUT_ACT: error on the raw output membrane
    regression: bool           # SPI_REGRESSION: per-tick targets instead of the label's 2048 / 0, votes to output 0
    force_traces: bool         # SPI_FORCE_TRACES: traces bump whatever DO_EPROP says
    target_tick: int           # TARGET_TICK: votes and EPROP on ticks after it
    lr_p: np.ndarray           # float64 [3] SPI_LR_P_W{INP,REC,OUT}
    lr_r: np.ndarray           # float64 [3] SPI_LR_R_W{INP,REC,OUT}
    thr_h: np.ndarray          # float64 [4] SPI_THR_H_0..3 (signed)
    h: np.ndarray              # float64 [5] SPI_H_0..4 (signed)
    alpha: np.ndarray          # float64 [max(n_in, n_rec)] leak of neuron / trace i (its pair's 1.15 alpha)
    thr: np.ndarray            # float64 [n_rec] firing thresholds
    n_in: int                  # input rows that learn (rows n_in.. of winp integrate but never change)
    integer_rounding: bool     # floor wherever the chip floors
    saturate: bool             # the chip's saturations


class ChipFloatWeights(NamedTuple):
    """Float weights in LSB units, [pre, post]; updated in place by EPROP."""

    winp: np.ndarray           # [max(n_in, n_rec), n_rec]
    wrec: np.ndarray           # [n_rec, n_rec]
    wout: np.ndarray           # [n_rec, n_out]


class ChipFloatState(NamedTuple):
    """Neuron state of one sample (all zero at its start)."""

    u: np.ndarray              # [n_rec] membranes
    z: np.ndarray              # [n_rec] spikes of the last STEP
    tinp: np.ndarray           # [max(n_in, n_rec)] input traces
    trec: np.ndarray           # [n_rec] recurrent traces
    tout: np.ndarray           # [n_rec] output traces
    vo: np.ndarray             # [n_out] output membranes
    err: np.ndarray            # [n_out] output errors of the last vote tick


class ChipFloatRecords(NamedTuple):
    """Per-tick snapshots (row k-1 = tick k) named as in the golden npz; zero rows when not recording."""

    step_u: np.ndarray
    step_z: np.ndarray
    step_tinp: np.ndarray
    step_trec: np.ndarray
    step_tout: np.ndarray
    step_oneur_u: np.ndarray
    step_oneur_err: np.ndarray
    prop_u: np.ndarray
    prop_tinp: np.ndarray
    prop_trec: np.ndarray
    prop_tout: np.ndarray
    prop_oneur_u: np.ndarray

    @classmethod
    def zeros(cls, rows: int, n_trace: int, n_rec: int, n_out: int) -> "ChipFloatRecords":
        width = {"tinp": n_trace, "oneur_u": n_out, "oneur_err": n_out}
        return cls(*(np.zeros((rows, width.get(name.split("_", 1)[1], n_rec))) for name in cls._fields))


# The per-tick phases that take records are inlined (inline="always"): as calls they pass and refcount every
# array of every record each tick (2.7x slower on a silent sample).
@njit(cache=True, inline="always")
def _new_state(n_trace, n_rec, n_out):
    return ChipFloatState(np.zeros(n_rec), np.zeros(n_rec), np.zeros(n_trace), np.zeros(n_rec), np.zeros(n_rec),
                          np.zeros(n_out), np.zeros(n_out))


@njit(cache=True)
def _decay(value, factor, int_round):
    """Leak by a 1.15 (alpha) or 1.7 (kappa) factor; the chip keeps floor(value * factor)."""
    return np.floor(value * factor) if int_round else value * factor


@njit(cache=True)
def _shift(value, bits, int_round):
    """value / 2^bits, floored like the chip's arithmetic shifts when int_round."""
    r = value * 2.0 ** (-bits)
    return np.floor(r) if int_round else r


@njit(cache=True, inline="always")
def _step(st, rule):
    """STEP: spike test on the integrated membrane, leak, reset; decay of the three traces and of vo."""
    int_round = rule.integer_rounding
    for j in range(st.u.shape[0]):
        spk = st.u[j] >= rule.thr[j]
        leaked = _decay(st.u[j], rule.alpha[j], int_round)
        st.u[j] = (0.0 if rule.reset_to_zero else leaked - rule.thr[j]) if spk else leaked
        st.z[j] = 1.0 if spk else 0.0
        st.trec[j] = _decay(st.trec[j], rule.alpha[j], int_round)
        st.tout[j] = _decay(st.tout[j], rule.kappa, int_round)
    for i in range(st.tinp.shape[0]):
        st.tinp[i] = _decay(st.tinp[i], rule.alpha[i], int_round)
    for k in range(st.vo.shape[0]):
        st.vo[k] = _decay(st.vo[k], rule.kappa, int_round)


@njit(cache=True)
def _clamp16(value, saturate):
    """The chip's 16-bit saturation (only with saturate)."""
    return min(32767.0, max(-32768.0, value)) if saturate else value


@njit(cache=True, inline="always")
def _output_error(st, label, target, rule):
    """err_k = target_k - activation(vo_k) in place (spec §10: targets 2048 / 0 of the label, or the regression
    targets [n_out] of this tick; the chip's sign-corrected 16-bit wrap is a clamp); returns 0.5 sum (err/2048)^2."""
    vo, err = st.vo, st.err
    sq = 0.0
    for k in range(vo.shape[0]):
        if rule.no_out_act:
            y = vo[k]
        elif rule.integer_rounding:
            y = 2048.0 if vo[k] > 2047 else (0.0 if vo[k] < -2048 else np.floor((vo[k] + 2048.0) / 2.0))
        else:
            y = min(2048.0, max(0.0, (vo[k] + 2048.0) / 2.0))
        yt = target[k] if rule.regression else (2048.0 if k == label else 0.0)
        err[k] = _clamp16(yt - y, rule.saturate)
        sq += 0.5 * (err[k] / 2048.0) ** 2
    return sq


@njit(cache=True)
def _surrogate(u, thr_h, h):
    """5-segment STE LUT: first boundary THR_H_s with u < THR_H_s selects H_s, else H_4."""
    for s in range(4):
        if u < thr_h[s]:
            return h[s]
    return h[4]


@njit(cache=True)
def _expected_step(prob, lr, saturate, int_round):
    """Mean of stoch_update: +-1 LSB with probability (|prob| 2^LR_P, capped at 2^W-1 with saturate) >> LR_R / 2^W.

    lr = (2^LR_P, 2^-LR_R, 2^W - 1, 2^-W) of the weight type. With saturate, a capped probability kept whole by
    LR_R = 0 fires for certain (the chip's random slice never exceeds 2^W - 1): a step of exactly 1."""
    mag = abs(prob) * lr[0]
    if saturate:
        mag = min(mag, lr[2])
    mag = np.floor(mag * lr[1]) if int_round else mag * lr[1]
    mag = 1.0 if saturate and mag >= lr[2] else mag * lr[3]
    return mag if prob > 0 else -mag


@njit(cache=True)
def _lr_factors(lr_p, lr_r, width):
    """(2^LR_P, 2^-LR_R, 2^W - 1, 2^-W) of a weight type, as _expected_step takes them."""
    return (2.0 ** lr_p, 2.0 ** -lr_r, 2.0 ** width - 1.0, 2.0 ** -width)


@njit(cache=True)
def _apply(w, q, p, dw, saturate):
    """w[q, p] += dw (clipped to the int8 range with saturate)."""
    value = w[q, p] + dw
    w[q, p] = min(127.0, max(-128.0, value)) if saturate else value


@njit(cache=True)
def _used_traces(trace, n, bits, int_round):
    """The first n traces as the datapath consumes them (trace >> FP)."""
    used = np.empty(n)
    for q in range(n):
        used[q] = _shift(trace[q], bits, int_round)
    return used


@njit(cache=True, inline="always")
def _eprop(st, w, rule, do_eprop):
    """One EPROP phase: expected-value weight changes (inputs q < n_in); returns the number that changed."""
    int_round, sat = rule.integer_rounding, rule.saturate
    n_rec, n_out = st.u.shape[0], st.err.shape[0]
    mode, which = rule.regul_mode, rule.regul_w
    mul_regul = (mode & 1) != 0 and which != 0       # multiplicative: both layers once any REGUL_W bit is set
    used_inp = _used_traces(st.tinp, rule.n_in, rule.fp_tinp, int_round)
    used_rec = _used_traces(st.trec, n_rec, rule.fp_trec, int_round)
    lr_out = _lr_factors(rule.lr_p[2], rule.lr_r[2], 28)
    changed = 0
    for p in range(n_rec):
        psum = 0.0
        if do_eprop & 3:
            for k in range(n_out):
                psum += st.err[k] * w.wout[p, k]      # old output weights: row p is updated below
        learn_sig = _clamp16(_shift(psum * 2.0 ** rule.learn_sig_scale, 12, int_round), sat)
        h = _surrogate(st.u[p], rule.thr_h, rule.h)
        treg = max(0.0, used_rec[p] - rule.regul_f0) if mode != 0 else 0.0
        if do_eprop & 4:
            t_out = _shift(st.tout[p], rule.fp_tout, int_round)
            for k in range(n_out):
                dw = _expected_step(st.err[k] * t_out, lr_out, sat, int_round)
                if dw != 0.0:
                    _apply(w.wout, p, k, dw, sat)
                    changed += 1
        scale = 16.0 - min(16.0, _shift(treg, rule.k_mul, int_round)) if mul_regul else 16.0
        for layer in range(2):
            if not do_eprop & (1 << layer):
                continue
            weights = w.winp if layer == 0 else w.wrec
            used = used_inp if layer == 0 else used_rec
            lr = _lr_factors(rule.lr_p[layer], rule.lr_r[layer], 32)
            regul = 0.0
            if (mode & 2) != 0 and (which & (1 << layer)) != 0:     # additive term, per-layer REGUL_W bit
                kp = rule.k_inp_p if layer == 0 else rule.k_rec_p
                kr = rule.k_inp_r if layer == 0 else rule.k_rec_r
                regul = _shift(treg * 2.0 ** kp, kr, int_round)
            for q in range(used.shape[0]):
                e = learn_sig * used[q] * h
                k36 = (16.0 * e if e < 0 else scale * e) / 16.0     # the chip's k[35:4]
                prob = (np.floor(k36) if int_round else k36) - regul
                dw = _expected_step(prob, lr, sat, int_round)
                if dw == 0.0:
                    continue
                changed += 1
                if layer == 1 and q == p:          # the chip writes 0 when a self-connection update fires
                    weights[q, p] *= 1.0 - min(1.0, abs(dw))
                else:
                    _apply(weights, q, p, dw, sat)
    return changed


@njit(cache=True)
def _bump(trace, increment, cap, saturate):
    """Trace increment of a presynaptic event, saturating at the field's maximum with saturate."""
    return min(cap, trace + increment) if saturate else trace + increment


@njit(cache=True, inline="always")
def _prop(st, inputs, w, rule, do_eprop):
    """PROP: one pass per source i (input event and/or spike), in index order as the chip's scan (the order
    matters for the 16-bit saturation); bumps the presynaptic traces; returns the SOPs."""
    force, sat = rule.force_traces, rule.saturate
    scale_inp, scale_rec, scale_out = 2.0 ** rule.fp_winp, 2.0 ** rule.fp_wrec, 2.0 ** rule.fp_wout
    u, vo = st.u, st.vo
    n_rec = u.shape[0]
    sops = 0
    for i in range(inputs.shape[0]):
        has_inp = inputs[i] != 0
        has_spk = i < n_rec and st.z[i] != 0
        if not (has_inp or has_spk):
            continue
        sops += n_rec
        for j in range(n_rec):
            wij = (w.winp[i, j] * scale_inp if has_inp else 0.0) + (w.wrec[i, j] * scale_rec if has_spk else 0.0)
            u[j] = _clamp16(u[j] + wij, sat)
        if has_inp and (do_eprop & 1 or force):
            st.tinp[i] = _bump(st.tinp[i], 8.0 * 2.0 ** rule.fp_tinp, 4095.0, sat)
        if has_spk:
            sops += vo.shape[0]
            for k in range(vo.shape[0]):
                vo[k] = _clamp16(vo[k] + w.wout[i, k] * scale_out, sat)
            if do_eprop & 2 or force:
                st.trec[i] = _bump(st.trec[i], 8.0 * 2.0 ** rule.fp_trec, 4095.0, sat)
            if do_eprop & 4 or force:
                st.tout[i] = _bump(st.tout[i], 2.0 * 2.0 ** rule.fp_tout, 1023.0, sat)
    return sops


@njit(cache=True, inline="always")
def _record_step(rec, row, st, with_err):
    rec.step_u[row] = st.u
    rec.step_z[row] = st.z
    rec.step_tinp[row] = st.tinp
    rec.step_trec[row] = st.trec
    rec.step_tout[row] = st.tout
    rec.step_oneur_u[row] = st.vo
    if with_err:
        rec.step_oneur_err[row] = st.err


@njit(cache=True, inline="always")
def _record_prop(rec, row, st):
    rec.prop_u[row] = st.u
    rec.prop_tinp[row] = st.tinp
    rec.prop_trec[row] = st.trec
    rec.prop_tout[row] = st.tout
    rec.prop_oneur_u[row] = st.vo


@njit(cache=True)
def run_chip_float_sample(events, label, targets, w, rule, do_eprop, votes, rec):
    """One sample of the stock protocol (spec §16.2); weights w and votes [n_out] change in place; records
    fill when rec has T rows. targets: float64 [T, n_out], row k-1 = the regression targets of tick k (GET_TAR
    before its EPROP; unread in classification).

    Returns (loss summed over the vote ticks, spikes, weight changes, SOPs, EPROP ticks).
    """
    n_ticks, n_trace = events.shape
    n_out = w.wout.shape[1]
    st = _new_state(n_trace, w.wrec.shape[0], n_out)
    do_record = rec.step_u.shape[0] == n_ticks
    loss, n_spikes, changed, sops, eprop_ticks = 0.0, 0, 0, 0, 0
    for tick in range(1, n_ticks + 1):
        row = tick - 1
        voting = tick > rule.target_tick
        if tick >= 2:
            _step(st, rule)
            n_spikes += int(st.z.sum())
            if voting:
                votes[0 if rule.regression else vote_winner(st.vo, n_out)] += 1
                loss += _output_error(st, label, targets[row], rule)
            if do_record:
                _record_step(rec, row, st, voting and do_eprop != 0)
            if tick == n_ticks:
                break
            if voting and do_eprop != 0:
                changed += _eprop(st, w, rule, do_eprop)
                eprop_ticks += 1
        sops += _prop(st, events[row], w, rule, do_eprop)
        if do_record:
            _record_prop(rec, row, st)
    return loss, n_spikes, changed, sops, eprop_ticks
