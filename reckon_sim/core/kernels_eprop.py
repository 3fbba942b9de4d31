"""EPROP, bit for bit (spec §11): learning signals, surrogate derivatives, regularisation traces and the
stochastic ±1 weight updates of one learning tick. Same conventions as core.kernels (records in, counts out)."""
from __future__ import annotations

import numpy as np
from numba import njit

from . import cov_hooks as cv
from .fixedpoint import R_NEAREST, R_STOCH, s32, shl, stoch_update, wide_jump, wide_lane, wide_next
from .kernels import (F_TINP, F_TOUT, F_TREC, F_U, L_WINP, L_WOUT, ST_SAT_W, ST_UPDATES, TRACE_OUT, TRACE_REC,
                      _load_q, _trace_row)
from .rows import update_rows
from .state import TARGET_VALID


@njit(cache=True, inline="always")
def _q_field(qreg, dirty, f, slot):
    """A field of the held neuron word, dirty-gated by neur_dirty[slot] (neur_addr_ctrl = 0 in EPROP)."""
    return qreg[slot, f] if dirty[slot] != 0 else 0


@njit(cache=True, inline="always")
def _trace_used(raw, reg, dp, x):
    """A trace of group x as the learning rule uses it: in the chip's frame, >> FP_LOC.
    Takes reg and dp, not p: p holds arrays, and a record with arrays handed to an inlined helper in a loop
    costs a refcount pair per array."""
    return shl(raw, dp.t_sh[x]) >> reg.fp_trace[x]


@njit(cache=True, inline="always")   # inlined into the tick loop: a record argument costs refcounts per call
def _presyn_traces(p, st, tv, num_neur):
    """Rows q of each weight type that phase B may write, the shifted presynaptic trace each one sees and the
    number of non-zero ones: block-invariant, since EPROP never writes the neuron SRAM."""
    row_last = (p.reg.num_inp, p.reg.num_rec)
    trace = np.zeros((2, num_neur + 1), np.int64)
    nz_rows = np.zeros(2, np.int64)
    for x in range(2):
        row = _trace_row(st, x)
        for q in range(row_last[x] + 1):
            slot = q & 1
            raw = row[q] if tv else st.qreg[slot, F_TINP + x]   # TV: word q>>1 reloaded; else stale Q
            trace[x, q] = _trace_used(raw if st.dirty[slot] != 0 else 0, p.reg, p.dp, x)
            nz_rows[x] += 1 if trace[x, q] != 0 else 0
    return trace, nz_rows


@njit(cache=True, inline="always")   # inlined into the tick loop: a record argument costs refcounts per call
def eprop_phase(p, st, tb, do_eprop, err, stats):
    """Learning signals, STE, regularisation traces and stochastic ±1 weight updates (spec §11). Returns cycles."""
    reg, dp = p.reg, p.dp
    num_inp, num_rec, num_out = reg.num_inp, reg.num_rec, reg.num_out
    num_neur = max(num_inp, num_rec)
    tv = st.ctl[TARGET_VALID] != 0
    rm, rw = reg.regul_mode, reg.regul_w
    every_tick = (rm >> 1) == 3
    out_only = do_eprop == 4
    cov = p.cov
    cv.regul_mode(cov, rm, tv)
    coef = np.zeros(16, np.int64)           # per post lane of the current block and weight type
    reg_a = np.zeros(16, np.int64)
    scale = np.zeros(16, np.int64)
    active = np.zeros(16, np.int64)
    row_last = (num_inp, num_rec)
    trace, nz_rows = _presyn_traces(p, st, tv, num_neur)
    wout, learn_sig, ste, trace_reg = st.wout, st.learn_sig, st.ste, st.trace_reg   # locals: see prop_phase
    qreg, dirty = st.qreg, st.dirty
    mem_row, tinp_row, trec_row, tout_row = st.membrane, st.trace_inp, st.trace_rec, st.trace_out
    n_blocks = 1 if out_only else (num_rec >> 4) + 1
    fire_cut = (1 << (31 - dp.p_drop)) if dp.w_fire == R_NEAREST else ((1 << 32) - 1) >> dp.p_drop
    for msb in range(n_blocks):
        # ---- phase A: post neurons of this block (output-only: all posts 0..NUM_REC)
        for post in range(16 * msb, (num_rec if out_only else 16 * msb + 15) + 1):
            n = post & 15
            if post <= num_neur and tv and post % 2 == 0:
                _load_q(qreg, mem_row, tinp_row, trec_row, tout_row, post >> 1)
            slot = post & 1
            psum = 0
            if (do_eprop & 3) != 0 and post <= num_rec:
                for k in range(num_out + 1):         # the row as read: before this tick's update
                    psum += err[k] * wout[post, k]
            learn_sig[n] = _learning_signal(psum, reg.learn_sig_scale, dp) if post <= num_rec else 0
            cv.learn_sig(cov, psum, reg.learn_sig_scale, dp.l_sh, dp.l_min, dp.l_max, post <= num_rec)
            u = _q_field(qreg, dirty, F_U, slot)
            h = reg.h[4]
            for seg in range(4):                     # first matching segment wins
                if u < reg.thr_h[seg]:
                    h = reg.h[seg]
                    break
            ste[n] = h
            cv.ste(cov, u, reg.thr_h, tv)
            if rm != 0:
                rate = _trace_used(_q_field(qreg, dirty, F_TREC, slot), reg, dp, TRACE_REC)
                trace_reg[n] = max(0, rate - reg.regul_f0)
            tout = _trace_used(_q_field(qreg, dirty, F_TOUT, slot), reg, dp, TRACE_OUT)
            if tout != 0 and post <= num_rec and tv and (do_eprop & 4) != 0:
                cv.hit(cov, cv.WOUT_UPDATE)
                _update_wout_row(reg, dp, wout, st.lfsr, tb.wout_lanes, tb.wout_next, post, tout, err, stats, cov)
        if out_only:
            return 2 * (num_rec + 1)
        # ---- phase B: presynaptic rows {q, msb}
        treg_zero = True
        if rm != 0:
            for n in range(16):
                if trace_reg[n] != 0:
                    treg_zero = False
        for x in range(2):                           # 0: input rows, 1: recurrent rows
            regul_this = (rw >> x) & 1 != 0
            if not ((do_eprop >> x) & 1 != 0 and (tv or (every_tick and regul_this))):
                continue
            n_act = _lane_terms(reg, dp, learn_sig, ste, trace_reg, tv, regul_this, reg.regul_k_p[x],
                                reg.regul_k_r[x], coef, reg_a, scale, active)
            cv.lanes(cov, reg_a, scale)
            ls = st.lfsr[L_WINP + x]
            if n_act == 0:                           # nothing can fire: only the LFSR advances
                cv.hit(cov, cv.BLOCK_JUMP)
                ls = wide_jump(ls, (row_last[x] + 1) if not treg_zero else nz_rows[x], tb.wide_jump)
            else:
                ls, fired, sat = update_rows(st.winp if x == 0 else st.wrec, msb, trace[x], row_last[x] + 1,
                                             treg_zero, coef, reg_a, scale, reg.lr_r[x], reg.lr_p[x], ls,
                                             tb.wide_lanes, tb.wide_next, tb.wide_top, x == 1, dp.p_drop, dp.w_fire == R_STOCH,
                                             fire_cut, dp.w_min, dp.w_max, 16, cov)
                stats[ST_UPDATES] += fired
                stats[ST_SAT_W] += sat
            st.lfsr[L_WINP + x] = ls
    if tv:
        _load_q(qreg, mem_row, tinp_row, trec_row, tout_row, num_neur >> 1)                   # the last phase-B read
    return n_blocks * (32 + 2 * (num_neur + 1))


@njit(cache=True, inline="always")
def _update_wout_row(reg, dp, wout, lfsr, wout_lanes, wout_next, post, tout, err, stats, cov):
    """Output weights post -> k of the learning outputs (spec §11.5); err_k = 0 above NUM_OUT never fires."""
    ls = lfsr[L_WOUT]
    for k in range(reg.num_out + 1):
        if err[k] == 0:
            continue
        cv.stoch_equal(cov, cv.SR_EQ_WOUT, err[k] * tout, reg.lr_r[2], reg.lr_p[2], wide_lane(ls, wout_lanes, k), 28,
                       dp.po_drop, dp.w_fire)
        nw, wr = stoch_update(err[k] * tout, np.int64(wout[post, k]), True, reg.lr_r[2], reg.lr_p[2],
                              wide_lane(ls, wout_lanes, k), 28, dp.po_drop, dp.w_fire, dp.w_min, dp.w_max)
        if wr:
            cv.hit_if(cov, cv.WOUT_SAT_MIN if err[k] * tout < 0 else cv.WOUT_SAT_MAX, nw == wout[post, k])
            stats[ST_SAT_W] += 1 if nw == wout[post, k] else 0
            wout[post, k] = nw
            stats[ST_UPDATES] += 1
    lfsr[L_WOUT] = wide_next(ls, wout_next)


@njit(cache=True, inline="always")
def _learning_signal(psum, lss, dp):
    """clamp(floor(psum · 2^LSS / 2^12)) in the learning signal's width (spec §11.2)."""
    x = psum << lss
    drop = 12 + dp.l_sh
    if drop > 0 and dp.l_round == R_NEAREST:
        x += 1 << (drop - 1)
    sig = shl(x, -drop)
    return min(dp.l_max, max(dp.l_min, sig))


@njit(cache=True, inline="always")
def _lane_terms(reg, dp, learn_sig, ste, trace_reg, tv, regul_this, k_p, k_r, coef, reg_a, scale, active):
    """Per-post factors of one block's update probabilities, prob = f(coef·trace, reg_a, scale) (spec §11.4).

    Lists in `active` the lanes whose probability can be non-zero and returns their number."""
    rm, rw = reg.regul_mode, reg.regul_w
    add_reg = (rm & 2) != 0 and regul_this
    mul_reg = (rm & 1) != 0 and rw != 0
    n_active = 0
    for n in range(16):
        h = ste[n]
        treg = trace_reg[n]
        coef[n] = shl(learn_sig[n], dp.l_sh) * h if (tv and h != 0) else 0
        reg_a[n] = s32(((treg << k_p) & 0xFFFFFFFF) >> k_r) if add_reg else 0
        m = treg >> reg.regul_k_mul
        scale[n] = (0 if m >= 16 else 16 - m) if mul_reg else 16
        if coef[n] != 0 or reg_a[n] != 0:
            active[n_active] = n
            n_active += 1
    return n_active


# ----------------------------------------------------------------------------------------------------- PROP
