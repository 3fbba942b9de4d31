"""The ReckOn timestep, bit for bit (spec §6-§13): STEP -> SDONE -> [GET_TAR] -> EPROP -> PROP.

Pure Numba kernels on integer arrays. A tick reads top to bottom in `run_ticks`; each phase is one function
that mutates the chip-state arrays it is given (the Python layer owns them) and returns its cycle count.

State arrays (all owned by core.state.ChipState):
  prm      int64[NP]      decoded register values (index: hw.registers.PARAM_INDEX)
  alpha    int64[128]     alpha of each neuron pair, thr int64[128] threshold of each pair
  neur     int64[4, 256]  raw neuron-SRAM fields u, tinp, trec, tout (u signed 16, traces unsigned)
  flags    uint8[3, 256]  dirty, z (spike), inp_events
  winp, wrec int8[256, 256] (pre, post); wout int8[256, 16] (pre, k)
  oneur    int64[16] output membranes, votes int64[16] cnt_winner
  learn    int64[4, 16]   learning_signals, neur_h, trace_reg, reg_tar
  lfsr     int64[13]      LFSR registers (order: core.lfsr.INSTANCES)
  qreg     int64[8]       neuron-SRAM output register Q: (u, tinp, trec, tout) of slot 0, then slot 1
  ctl      int64[4]       class_label, got_label, TARGET_VALID_sync, INFER_ACC_sync
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..hw.registers import PARAM_INDEX as _P

# register indices (module constants are compile-time constants for Numba)
RST_MODE = _P["SPI_RST_MODE"]
FP_WINP, FP_WREC, FP_WOUT = _P["SPI_FP_LOC_WINP"], _P["SPI_FP_LOC_WREC"], _P["SPI_FP_LOC_WOUT"]
FP_TINP, FP_TREC, FP_TOUT = _P["SPI_FP_LOC_TINP"], _P["SPI_FP_LOC_TREC"], _P["SPI_FP_LOC_TOUT"]
LSS = _P["SPI_LEARN_SIG_SCALE"]
REGUL_MODE, REGUL_W = _P["SPI_REGUL_MODE"], _P["SPI_REGUL_W"]
EN_SR = _P["SPI_EN_STOCH_ROUND"]
REGRESSION, NO_OUT_ACT = _P["SPI_REGRESSION"], _P["SPI_NO_OUT_ACT"]
NOISE_EN, NOISE_STR, FORCE_TRACES = _P["SPI_NOISE_EN"], _P["SPI_NOISE_STR"], _P["SPI_FORCE_TRACES"]
KAPPA = _P["SPI_KAPPA"]
THR_H0, H0 = _P["SPI_THR_H_0"], _P["SPI_H_0"]          # THR_H_0..3 and H_0..4 are consecutive
LR_R_WINP, LR_P_WINP = _P["SPI_LR_R_WINP"], _P["SPI_LR_P_WINP"]
LR_R_WREC, LR_P_WREC = _P["SPI_LR_R_WREC"], _P["SPI_LR_P_WREC"]
LR_R_WOUT, LR_P_WOUT = _P["SPI_LR_R_WOUT"], _P["SPI_LR_P_WOUT"]
NUM_INP, NUM_REC, NUM_OUT = _P["SPI_NUM_INP_NEUR"], _P["SPI_NUM_REC_NEUR"], _P["SPI_NUM_OUT_NEUR"]
REGUL_F0, K_MUL = _P["SPI_REGUL_F0"], _P["SPI_REGUL_K_MUL"]
K_INP_R, K_INP_P = _P["SPI_REGUL_K_INP_R"], _P["SPI_REGUL_K_INP_P"]
K_REC_R, K_REC_P = _P["SPI_REGUL_K_REC_R"], _P["SPI_REGUL_K_REC_P"]
assert _P["SPI_THR_H_3"] == THR_H0 + 3 and _P["SPI_H_4"] == H0 + 4
# phase B indexes the input (x = 0) / recurrent (x = 1) register pairs as base + step * x
assert FP_TREC == FP_TINP + 1 and K_REC_P == K_INP_P + 2 and K_REC_R == K_INP_R + 2
assert LR_R_WREC == LR_R_WINP + 2 and LR_P_WREC == LR_P_WINP + 2

# LFSR state indices (core.lfsr.INSTANCES order)
L_NEUR, L_ONEUR, L_TINP, L_TREC, L_TOUT, L_NOISE, L_WINP, L_WREC, L_WOUT = 0, 2, 3, 5, 7, 9, 10, 11, 12
ALPHA_ONE, KAPPA_ONE = 0x8000, 0x80
CLASS_LABEL, GOT_LABEL, TV, IA = 0, 1, 2, 3
# statistics slots
ST_SPIKES, ST_UPDATES, ST_SOPS, ST_EPROP_TICKS = 0, 1, 2, 3


@njit(cache=True, inline="always")
def s16(x):
    return ((x + 32768) & 0xFFFF) - 32768


@njit(cache=True, inline="always")
def s32(x):
    return ((x + 2147483648) & 0xFFFFFFFF) - 2147483648


@njit(cache=True, inline="always")
def sat_add16(a, b):
    """16-bit add with the RTL's sign-based overflow detector (spec §8.3-8.4)."""
    s = s16(a + b)
    if a >= 0 and b >= 0 and s < 0:
        return 32767
    if a < 0 and b < 0 and s >= 0:
        return -32768
    return s


@njit(cache=True, inline="always")
def wide_lane(state, lanes, n):
    """Lane n of a wide LFSR's output (XOR of byte-sliced tables: the output is linear in the state)."""
    return (lanes[0, state & 255, n] ^ lanes[1, (state >> 8) & 255, n]
            ^ lanes[2, (state >> 16) & 255, n] ^ lanes[3, (state >> 24) & 255, n])


@njit(cache=True, inline="always")
def wide_next(state, nxt):
    return nxt[0, state & 255] ^ nxt[1, (state >> 8) & 255] ^ nxt[2, (state >> 16) & 255] ^ nxt[3, (state >> 24) & 255]


@njit(cache=True, inline="always")
def wide_jump(state, steps, jump_tabs):
    """The wide LFSR advanced by `steps` enabled clocks, via the tables of 2^j steps."""
    j = 0
    while steps:
        if steps & 1:
            state = wide_next(state, jump_tabs[j])
        steps >>= 1
        j += 1
    return state


@njit(cache=True, inline="always")
def leak(value, factor, frac_bits, width, signed, rnd, stoch):
    """value*factor >> frac_bits, wrapped to `width`, +1 with stochastic rounding (spec §9.1, §17.8)."""
    p = value * factor
    t = (p >> frac_bits) & ((1 << width) - 1)
    if stoch and (p & ((1 << frac_bits) - 1)) >= rnd and t != 0:
        t = (t + 1) & ((1 << width) - 1)
    if signed and t >= (1 << (width - 1)):
        t -= 1 << width
    return t


@njit(cache=True, inline="always")
def stoch_update(prob, w, enable, lr_r, lr_p, rnd, width):
    """±1 LSB stochastic weight update (spec §11.6). Returns (new weight, written)."""
    if not enable or prob == 0:
        return w, False
    a = -prob if prob < 0 else prob
    big = a << lr_p
    full = (1 << width) - 1
    tot = (full if big > full else big) >> lr_r
    if not (prob == -(1 << (width - 1)) or tot >= rnd):
        return w, False
    nw = w - 1 if prob < 0 else w + 1
    if nw < -128 or nw > 127:
        nw = w
    return nw, True


# ----------------------------------------------------------------------------------------------------- STEP
@njit(cache=True)
def step_phase(prm, alpha, thr, neur, flags, oneur, lfsr, qreg, neur_next, neur_out, oneur_next, oneur_out):
    """LIF spike test, leak and reset; trace decay; output leak. Returns the number of recurrent spikes."""
    num_recout = max(prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT])
    en_sr = prm[EN_SR] != 0
    kappa = prm[KAPPA]
    stoch_k = en_sr and kappa != KAPPA_ONE
    # Q keeps the pre-STEP contents of the last word STEP touches (read by a stale EPROP, spec §11.9)
    wl = num_recout >> 1
    for f in range(4):
        qreg[f] = neur[f, 2 * wl]
        qreg[4 + f] = neur[f, 2 * wl + 1]
    for c in range(min(16, num_recout + 1)):        # output neuron c leaks in STEP cycle c
        if c <= prm[NUM_OUT]:
            oneur[c] = leak(oneur[c], kappa, 7, 16, True, oneur_out[lfsr[L_ONEUR]], stoch_k)
        if stoch_k:
            lfsr[L_ONEUR] = oneur_next[lfsr[L_ONEUR]]
    n_upd = (num_recout + 1) >> 1                    # pairs with an odd (write) cycle
    rst_zero = prm[RST_MODE] != 0
    spikes = 0
    for w in range(n_upd):
        a = alpha[w]
        th = thr[w]
        stoch_a = en_sr and a != ALPHA_ONE
        for n in range(2):
            j = 2 * w + n
            d = flags[0, j] != 0
            v = neur[0, j] if d else 0
            lk = leak(v, a, 15, 16, True, neur_out[lfsr[L_NEUR + n]], stoch_a)
            spk = v >= th
            if spk:
                lk = 0 if rst_zero else s16(lk - th)
                spikes += 1
            neur[0, j] = lk
            flags[1, j] = 1 if spk else 0
            neur[1, j] = leak(neur[1, j] if d else 0, a, 15, 12, False, neur_out[lfsr[L_TINP + n]], stoch_a)
            neur[2, j] = leak(neur[2, j] if d else 0, a, 15, 12, False, neur_out[lfsr[L_TREC + n]], stoch_a)
            neur[3, j] = leak(neur[3, j] if d else 0, kappa, 7, 10, False, oneur_out[lfsr[L_TOUT + n]], stoch_k)
        flags[0, 2 * w] = 1
        flags[0, 2 * w + 1] = 1
        if en_sr:
            if a != ALPHA_ONE:
                lfsr[L_NEUR] = neur_next[lfsr[L_NEUR]]
                lfsr[L_NEUR + 1] = neur_next[lfsr[L_NEUR + 1]]
            for base in (L_TINP, L_TREC):
                lfsr[base] = neur_next[lfsr[base]]
                lfsr[base + 1] = neur_next[lfsr[base + 1]]
            lfsr[L_TOUT] = oneur_next[lfsr[L_TOUT]]
            lfsr[L_TOUT + 1] = oneur_next[lfsr[L_TOUT + 1]]
    if num_recout % 2 == 0:                          # last pair only read: spike flags cleared, no update
        flags[1, num_recout] = 0
        flags[1, num_recout + 1] = 0
    return spikes


# ---------------------------------------------------------------------------------------------------- SDONE
@njit(cache=True)
def output_errors(prm, oneur, learn, ctl, do_eprop, err):
    """err_k = target − activation (spec §10); 0 unless learning is enabled for output k."""
    en = do_eprop != 0 and ctl[TV] != 0
    for k in range(16):
        if not (en and k <= prm[NUM_OUT]):
            err[k] = 0
            continue
        vo = oneur[k]
        if prm[NO_OUT_ACT] != 0:
            y = vo
        elif vo > 2047:
            y = 2048
        elif vo < -2048:
            y = 0
        else:
            y = (vo + 2048) >> 1
        if prm[REGRESSION] != 0:
            yt = learn[3, k]
        else:
            yt = 2048 if ctl[CLASS_LABEL] == k else 0
        e = s16(yt - y)
        if yt >= 0 and y < 0 and e < 0:
            e = 32767
        elif yt < 0 and y >= 0 and e >= 0:
            e = -32768
        err[k] = e


@njit(cache=True)
def sdone_vote(prm, oneur, votes, ctl):
    """Inference vote on the leaked output membranes (ties to the lowest index; regression votes index 0)."""
    if ctl[IA] == 0:
        return
    win = 0
    if prm[REGRESSION] == 0:
        for k in range(1, prm[NUM_OUT] + 1):
            if oneur[k] > oneur[win]:
                win = k
    votes[win] = (votes[win] + 1) & 0xFFFF


# ---------------------------------------------------------------------------------------------------- EPROP
@njit(cache=True, inline="always")
def _load_q(qreg, neur, word):
    for f in range(4):
        qreg[f] = neur[f, 2 * word]
        qreg[4 + f] = neur[f, 2 * word + 1]


@njit(cache=True, inline="always")
def _q_field(qreg, flags, f, slot):
    """A field of the held neuron word, dirty-gated by neur_dirty[slot] (neur_addr_ctrl = 0 in EPROP)."""
    return qreg[4 * slot + f] if flags[0, slot] != 0 else 0


@njit(cache=True)
def eprop_phase(prm, neur, flags, winp, wrec, wout, learn, lfsr, qreg, ctl, do_eprop, err,
                wide_nxt, wide_lanes, wout_nxt, wout_lanes, jump_tabs):
    """Learning signals, STE, regularisation traces and stochastic ±1 weight updates (spec §11).

    Returns (cycles, number of written weight bytes)."""
    num_inp, num_rec, num_out = prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT]
    num_neur = max(num_inp, num_rec)
    tv = ctl[TV] != 0
    rm = prm[REGUL_MODE]
    rw = prm[REGUL_W]
    every_tick = (rm >> 1) == 3
    out_only = do_eprop == 4
    updates = 0
    coef = np.zeros(16, np.int64)           # per post lane of the current block and weight type
    reg_a = np.zeros(16, np.int64)
    scale = np.zeros(16, np.int64)
    # rows q of each weight type that phase B may write, and the shifted presynaptic trace each one sees
    row_last = (num_inp, num_rec)
    rows_on = ((do_eprop & 1) != 0, (do_eprop & 2) != 0)
    trace = np.zeros((2, num_neur + 1), np.int64)
    nz_rows = np.zeros(2, np.int64)
    for x in range(2):
        for q in range(row_last[x] + 1):
            slot = q & 1
            raw = neur[1 + x, q] if tv else qreg[4 * slot + 1 + x]     # TV: word q>>1 reloaded; else stale Q
            trace[x, q] = (raw if flags[0, slot] != 0 else 0) >> prm[FP_TINP + x]
            nz_rows[x] += 1 if trace[x, q] != 0 else 0
    n_blocks = 1 if out_only else (num_rec >> 4) + 1
    for msb in range(n_blocks):
        # ---- phase A: post neurons of this block (output-only: all posts 0..NUM_REC)
        p_first = 16 * msb
        p_last = num_rec if out_only else 16 * msb + 15
        for p in range(p_first, p_last + 1):
            n = p & 15
            if p <= num_neur and tv and p % 2 == 0:
                _load_q(qreg, neur, p >> 1)
            slot = p & 1
            psum = 0
            if (do_eprop & 3) != 0 and p <= num_rec:
                for k in range(num_out + 1):
                    psum += err[k] * wout[p, k]
            sig = (psum << prm[LSS]) >> 12
            learn[0, n] = min(32767, max(-32768, sig)) if p <= num_rec else 0
            u = s16(_q_field(qreg, flags, 0, slot))
            if u < prm[THR_H0]:
                h = prm[H0]
            elif u < prm[THR_H0 + 1]:
                h = prm[H0 + 1]
            elif u < prm[THR_H0 + 2]:
                h = prm[H0 + 2]
            elif u < prm[THR_H0 + 3]:
                h = prm[H0 + 3]
            else:
                h = prm[H0 + 4]
            learn[1, n] = h
            if rm != 0:
                learn[2, n] = max(0, (_q_field(qreg, flags, 2, slot) >> prm[FP_TREC]) - prm[REGUL_F0])
            tout = _q_field(qreg, flags, 3, slot) >> prm[FP_TOUT]
            if tout != 0 and p <= num_rec and tv and (do_eprop & 4) != 0:
                st = lfsr[L_WOUT]
                for k in range(num_out + 1):          # err_k = 0 above NUM_OUT: those never fire
                    if err[k] == 0:
                        continue
                    nw, wr = stoch_update(err[k] * tout, np.int64(wout[p, k]), True, prm[LR_R_WOUT],
                                          prm[LR_P_WOUT], wide_lane(st, wout_lanes, k), 28)
                    if wr:
                        wout[p, k] = nw
                        updates += 1
                lfsr[L_WOUT] = wide_next(st, wout_nxt)
        if out_only:
            return 2 * (num_rec + 1), updates
        # ---- phase B: presynaptic rows {q, msb}; the presynaptic traces are block-invariant
        treg_zero = True
        if rm != 0:
            for n in range(16):
                if learn[2, n] != 0:
                    treg_zero = False
        for x in range(2):                                  # 0: input rows, 1: recurrent rows
            regul_this = (rw >> x) & 1 != 0
            if not (rows_on[x] and (tv or (every_tick and regul_this))):
                continue
            n_act = _lane_terms(prm, learn, tv, rm, rw, regul_this, prm[K_INP_P + 2 * x], prm[K_INP_R + 2 * x],
                                coef, reg_a, scale)
            st = lfsr[L_WINP + x]
            if n_act == 0:                                  # nothing can fire: only the LFSR advances
                st = wide_jump(st, (row_last[x] + 1) if not treg_zero else nz_rows[x], jump_tabs)
            else:
                weights = winp if x == 0 else wrec
                for q in range(row_last[x] + 1):
                    if trace[x, q] == 0 and treg_zero:
                        continue                            # row skipped: not written, LFSR holds
                    updates += _update_row(weights, q, msb, trace[x, q], coef, reg_a, scale,
                                           prm[LR_R_WINP + 2 * x], prm[LR_P_WINP + 2 * x], st, wide_lanes, x == 1)
                    st = wide_next(st, wide_nxt)
            lfsr[L_WINP + x] = st
    if tv:
        _load_q(qreg, neur, num_neur >> 1)                  # the last phase-B read
    return n_blocks * (32 + 2 * (num_neur + 1)), updates


@njit(cache=True, inline="always")
def _lane_terms(prm, learn, tv, rm, rw, regul_this, k_p, k_r, coef, reg_a, scale):
    """Per-post factors of one block's update probabilities, prob = f(coef·trace, reg_a, scale) (spec §11.4).

    Returns the number of lanes whose probability can be non-zero."""
    add_reg = (rm & 2) != 0 and regul_this
    mul_reg = (rm & 1) != 0 and rw != 0
    n_active = 0
    for n in range(16):
        h = learn[1, n]
        treg = learn[2, n]
        coef[n] = learn[0, n] * h if (tv and h != 0) else 0
        reg_a[n] = s32(((treg << k_p) & 0xFFFFFFFF) >> k_r) if add_reg else 0
        m = treg >> prm[K_MUL]
        scale[n] = (0 if m >= 16 else 16 - m) if mul_reg else 16
        if coef[n] != 0 or reg_a[n] != 0:
            n_active += 1
    return n_active


@njit(cache=True, inline="always")
def _update_row(weights, q, msb, trace, coef, reg_a, scale, lr_r, lr_p, lfsr_state, wide_lanes, zero_self):
    """One written input/recurrent row {q, msb}: synapses q -> 16*msb+n (spec §11.4, §11.6).

    Branch-free over the 16 lanes (stoch_update inlined as selects) so that LLVM vectorises it."""
    b0, b1, b2, b3 = lfsr_state & 255, (lfsr_state >> 8) & 255, (lfsr_state >> 16) & 255, (lfsr_state >> 24) & 255
    full = 0xFFFFFFFF
    written = 0
    p0 = 16 * msb
    for n in range(16):
        rnd = wide_lanes[0, b0, n] ^ wide_lanes[1, b1, n] ^ wide_lanes[2, b2, n] ^ wide_lanes[3, b3, n]
        e = coef[n] * trace
        k = 16 * e if e < 0 else scale[n] * e
        s = s32(s32(k >> 4) - reg_a[n])
        prob = -2147483648 if (s >= 0 and ((k >> 31) & 1) != 0) else s
        mag = -prob if prob < 0 else prob
        big = mag << lr_p
        tot = (full if big > full else big) >> lr_r
        fire = prob != 0 and (prob == -2147483648 or tot >= rnd)
        w = np.int64(weights[q, p0 + n])
        nw = w - 1 if prob < 0 else w + 1
        nw = w if (nw < -128 or nw > 127) else nw
        if zero_self and p0 + n == q:
            nw = 0
        weights[q, p0 + n] = nw if fire else w
        written += 1 if fire else 0
    return written


# ----------------------------------------------------------------------------------------------------- PROP
@njit(cache=True)
def prop_phase(prm, neur, flags, winp, wrec, wout, oneur, lfsr, do_eprop, noise_next, noise_out):
    """Event-driven scan: integrate input events and spikes, bump presynaptic traces (spec §8).

    Returns (scan cycles, synaptic operations)."""
    num_inp, num_rec, num_out = prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT]
    num_neur = max(num_inp, num_rec)
    pass_end = num_rec | 1
    noise_en = prm[NOISE_EN] != 0
    force = prm[FORCE_TRACES] != 0
    inc_inp = 8 << prm[FP_TINP]
    inc_rec = 8 << prm[FP_TREC]
    inc_out = 2 << prm[FP_TOUT]
    cycles = num_neur + 1
    sops = 0
    for i in range(num_neur + 1):
        ev = flags[2, i] != 0
        sp = flags[1, i] != 0
        if not (ev or sp):
            continue
        cycles += pass_end + 1
        if sp:
            for k in range(num_out + 1):
                oneur[k] = sat_add16(oneur[k], np.int64(wout[i, k]) << prm[FP_WOUT])
            sops += num_out + 1
        t_inp = ev and ((do_eprop & 1) != 0 or force)
        t_rec = sp and ((do_eprop & 2) != 0 or force)
        t_out = sp and ((do_eprop & 4) != 0 or force)
        for w in range((pass_end >> 1) + 1):
            noise = noise_out[lfsr[L_NOISE]] if noise_en else 0
            for n in range(2):
                j = 2 * w + n
                d = flags[0, j] != 0
                v = neur[0, j] if d else 0
                wt = 0
                if ev:
                    wt += np.int64(winp[i, j]) << prm[FP_WINP]
                if sp:
                    wt += np.int64(wrec[i, j]) << prm[FP_WREC]
                nz = (s16((noise >> (16 * n)) & 0xFFFF) >> prm[NOISE_STR]) if noise_en else 0
                total = s16(v + wt + nz)
                if v >= 0 and wt >= 0 and total < 0:
                    total = 32767
                elif v < 0 and wt < 0 and total >= 0:
                    total = -32768
                neur[0, j] = total
                _write_traces(neur, j, d, j == i and t_inp, j == i and t_rec, j == i and t_out,
                              inc_inp, inc_rec, inc_out)
            flags[0, 2 * w] = 1
            flags[0, 2 * w + 1] = 1
            if noise_en:
                lfsr[L_NOISE] = noise_next[lfsr[L_NOISE]]
        sops += (num_rec + 1) * ((1 if ev else 0) + (1 if sp else 0))
        if ev and i > num_rec and ((do_eprop & 1) != 0 or force):
            # SUPP: trace-only write of word i>>1 (the membrane field is not written)
            cycles += 2
            for n in range(2):
                j = 2 * (i >> 1) + n
                _write_traces(neur, j, flags[0, j] != 0, j == i, False, False, inc_inp, inc_rec, inc_out)
            flags[0, 2 * (i >> 1)] = 1
            flags[0, 2 * (i >> 1) + 1] = 1
        flags[1, i] = 0
        flags[2, i] = 0
    return cycles, sops


@njit(cache=True, inline="always")
def _write_traces(neur, j, dirty, add_inp, add_rec, add_out, inc_inp, inc_rec, inc_out):
    """Dirty-gated trace write-back with saturating increments (spec §8.5)."""
    ti = neur[1, j] if dirty else 0
    tr = neur[2, j] if dirty else 0
    to = neur[3, j] if dirty else 0
    if add_inp:
        ti = min(4095, ti + inc_inp)
    if add_rec:
        tr = min(4095, tr + inc_rec)
    if add_out:
        to = min(1023, to + inc_out)
    neur[1, j] = ti
    neur[2, j] = tr
    neur[3, j] = to
