"""The ReckOn timestep, bit for bit (spec §6-§13): STEP -> SDONE -> [GET_TAR] -> EPROP -> PROP.

Pure Numba kernels on integer arrays; each phase mutates the chip-state arrays it is given (the Python layer
owns them) and returns its counts. `wid` (hw.widths.kernel_vector) holds the datapath widths: all shifts are 0
and all bounds the chip's for the ReckOn widths, which is the bit-exact path.

State arrays (core.state.ChipState): prm int64[NP] register values (hw.registers.PARAM_INDEX); alpha, thr
int64[128] per pair; neur int64[4, 256] raw u, tinp, trec, tout; flags uint8[3, 256] dirty, z, inp_events;
winp, wrec int16[256, 256] (pre, post); wout int16[256, 16]; oneur int64[16]; votes int64[16] (cnt_winner);
learn int64[4, 16] learning_signals, neur_h, trace_reg, reg_tar; lfsr int64[13]; qreg int64[8] neuron-SRAM
output register (u, tinp, trec, tout of slot 0, then slot 1); ctl int64[4] class_label, got_label, TV, IA;
stats int64[8] counters (ST_*).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..hw.registers import PARAM_INDEX as _P
from ..hw.widths import (L_MAX, L_MIN, L_ROUND, L_SH, M_BITS, M_ROUND, M_SH, P_DROP, PO_DROP, R_NEAREST,
                         R_STOCH, R_TRUNC, T_BITS, T_INC, T_ROUND, T_SH, W_FIRE, W_MAX, W_MIN, W_SH)
from .fixedpoint import bump, fires, leak, s16, s32, sat_add, shl, stoch_update, wide_jump, wide_lane, wide_next, wrap

# register indices (module constants are compile-time constants for Numba)
RST_MODE = _P["SPI_RST_MODE"]
FP_WINP, FP_WREC, FP_WOUT = _P["SPI_FP_LOC_WINP"], _P["SPI_FP_LOC_WREC"], _P["SPI_FP_LOC_WOUT"]
FP_TINP, FP_TREC, FP_TOUT = _P["SPI_FP_LOC_TINP"], _P["SPI_FP_LOC_TREC"], _P["SPI_FP_LOC_TOUT"]
LSS, EN_SR, KAPPA = _P["SPI_LEARN_SIG_SCALE"], _P["SPI_EN_STOCH_ROUND"], _P["SPI_KAPPA"]
REGUL_MODE, REGUL_W, REGUL_F0, K_MUL = _P["SPI_REGUL_MODE"], _P["SPI_REGUL_W"], _P["SPI_REGUL_F0"], _P["SPI_REGUL_K_MUL"]
REGRESSION, NO_OUT_ACT = _P["SPI_REGRESSION"], _P["SPI_NO_OUT_ACT"]
NOISE_EN, NOISE_STR, FORCE_TRACES = _P["SPI_NOISE_EN"], _P["SPI_NOISE_STR"], _P["SPI_FORCE_TRACES"]
THR_H0, H0 = _P["SPI_THR_H_0"], _P["SPI_H_0"]
LR_R_WINP, LR_P_WINP = _P["SPI_LR_R_WINP"], _P["SPI_LR_P_WINP"]
LR_R_WOUT, LR_P_WOUT = _P["SPI_LR_R_WOUT"], _P["SPI_LR_P_WOUT"]
NUM_INP, NUM_REC, NUM_OUT = _P["SPI_NUM_INP_NEUR"], _P["SPI_NUM_REC_NEUR"], _P["SPI_NUM_OUT_NEUR"]
K_INP_R, K_INP_P = _P["SPI_REGUL_K_INP_R"], _P["SPI_REGUL_K_INP_P"]
# consecutive registers: THR_H_0..3, H_0..4; input (x = 0) / recurrent (x = 1) pairs at base + step * x
assert _P["SPI_THR_H_3"] == THR_H0 + 3 and _P["SPI_H_4"] == H0 + 4
assert _P["SPI_FP_LOC_TREC"] == FP_TINP + 1 and _P["SPI_FP_LOC_TOUT"] == FP_TINP + 2
assert _P["SPI_REGUL_K_REC_P"] == K_INP_P + 2 and _P["SPI_REGUL_K_REC_R"] == K_INP_R + 2
assert _P["SPI_LR_R_WREC"] == LR_R_WINP + 2 and _P["SPI_LR_P_WREC"] == LR_P_WINP + 2

# LFSR state indices (core.lfsr.INSTANCES order)
L_NEUR, L_ONEUR, L_TINP, L_TREC, L_TOUT, L_NOISE, L_WINP, L_WREC, L_WOUT = 0, 2, 3, 5, 7, 9, 10, 11, 12
ALPHA_ONE, KAPPA_ONE = 0x8000, 0x80
CLASS_LABEL, GOT_LABEL, TV, IA = 0, 1, 2, 3
ST_SPIKES, ST_UPDATES, ST_SOPS, ST_EPROP_TICKS, ST_SAT_MEM, ST_SAT_TRACE, ST_SAT_W, ST_SQERR = range(8)


@njit(cache=True, inline="always")
def _mode(width_mode, chip_stochastic):
    """Rounding of a leak: the chip rounds stochastically only with EN_STOCH_ROUND and a factor != 1.0."""
    if width_mode == R_STOCH:
        return R_STOCH if chip_stochastic else R_TRUNC
    return width_mode


# ----------------------------------------------------------------------------------------------------- STEP
@njit(cache=True)
def step_phase(prm, wid, alpha, thr, neur, flags, oneur, lfsr, qreg, neur_next, neur_out, oneur_next, oneur_out):
    """LIF spike test, leak and reset; trace decay; output leak (spec §9). Returns the recurrent spike count."""
    num_recout = max(prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT])
    en_sr = prm[EN_SR] != 0
    kappa = prm[KAPPA]
    mbits = wid[M_BITS]
    mode_k = _mode(wid[M_ROUND], en_sr and kappa != KAPPA_ONE)
    mode_tout = _mode(wid[T_ROUND + 2], en_sr and kappa != KAPPA_ONE)
    # Q keeps the pre-STEP contents of the last word STEP touches (read by a stale EPROP, spec §11.9)
    wl = num_recout >> 1
    for f in range(4):
        qreg[f] = neur[f, 2 * wl]
        qreg[4 + f] = neur[f, 2 * wl + 1]
    for c in range(min(16, num_recout + 1)):        # output neuron c leaks in STEP cycle c
        if c <= prm[NUM_OUT]:
            oneur[c] = leak(oneur[c], kappa, 7, mbits, True, oneur_out[lfsr[L_ONEUR]], mode_k)
        if en_sr and kappa != KAPPA_ONE:
            lfsr[L_ONEUR] = oneur_next[lfsr[L_ONEUR]]
    rst_zero = prm[RST_MODE] != 0
    spikes = 0
    for w in range((num_recout + 1) >> 1):          # pairs with an odd (write) cycle
        a = alpha[w]
        th = thr[w]
        mode_a = _mode(wid[M_ROUND], en_sr and a != ALPHA_ONE)
        mode_ti = _mode(wid[T_ROUND], en_sr and a != ALPHA_ONE)
        mode_tr = _mode(wid[T_ROUND + 1], en_sr and a != ALPHA_ONE)
        for n in range(2):
            j = 2 * w + n
            d = flags[0, j] != 0
            v = neur[0, j] if d else 0
            lk = leak(v, a, 15, mbits, True, neur_out[lfsr[L_NEUR + n]], mode_a)
            spk = v >= th                            # threshold test on the integrated, un-leaked membrane
            if spk:
                lk = 0 if rst_zero else wrap(lk - th, mbits, True)
                spikes += 1
            neur[0, j] = lk
            flags[1, j] = 1 if spk else 0
            neur[1, j] = leak(neur[1, j] if d else 0, a, 15, wid[T_BITS], False, neur_out[lfsr[L_TINP + n]], mode_ti)
            neur[2, j] = leak(neur[2, j] if d else 0, a, 15, wid[T_BITS + 1], False, neur_out[lfsr[L_TREC + n]],
                              mode_tr)
            neur[3, j] = leak(neur[3, j] if d else 0, kappa, 7, wid[T_BITS + 2], False,
                              oneur_out[lfsr[L_TOUT + n]], mode_tout)
        flags[0, 2 * w] = 1
        flags[0, 2 * w + 1] = 1
        if en_sr:                                    # rounding LFSRs step on every odd STEP cycle
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
@njit(cache=True, inline="always")
def activation(prm, wid, vo):
    """Hard sigmoid of an output membrane in the 16-bit frame: 2048 = 1.0 (spec §10)."""
    vo = shl(vo, wid[M_SH])
    if prm[NO_OUT_ACT] != 0:
        return vo
    if vo > 2047:
        return 2048
    if vo < -2048:
        return 0
    return (vo + 2048) >> 1


@njit(cache=True)
def vote_sq_error(prm, wid, oneur, label):
    """Σ_k (target_k − y_k)² of a vote tick for class `label` (the loss reported per sample, in 2048² units)."""
    sq = 0
    for k in range(prm[NUM_OUT] + 1):
        d = (2048 if k == label else 0) - activation(prm, wid, oneur[k])
        sq += d * d
    return sq


@njit(cache=True)
def output_errors(prm, wid, oneur, learn, ctl, do_eprop, err):
    """err_k = target − activation on the current output membranes (spec §10); 0 unless learning output k."""
    en = do_eprop != 0 and ctl[TV] != 0
    for k in range(16):
        if not (en and k <= prm[NUM_OUT]):
            err[k] = 0
            continue
        y = activation(prm, wid, oneur[k])
        yt = learn[3, k] if prm[REGRESSION] != 0 else (2048 if ctl[CLASS_LABEL] == k else 0)
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


@njit(cache=True, inline="always")
def _trace_used(raw, wid, x, fp):
    """A trace as the learning rule uses it: in the chip's frame, >> FP_LOC."""
    return shl(raw, wid[T_SH + x]) >> fp


@njit(cache=True)
def eprop_phase(prm, wid, neur, flags, winp, wrec, wout, learn, lfsr, qreg, ctl, do_eprop, err, stats,
                wide_nxt, wide_lanes, wout_nxt, wout_lanes, jump_tabs):
    """Learning signals, STE, regularisation traces and stochastic ±1 weight updates (spec §11). Returns cycles."""
    num_inp, num_rec, num_out = prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT]
    num_neur = max(num_inp, num_rec)
    tv = ctl[TV] != 0
    rm, rw = prm[REGUL_MODE], prm[REGUL_W]
    every_tick = (rm >> 1) == 3
    out_only = do_eprop == 4
    coef = np.zeros(16, np.int64)           # per post lane of the current block and weight type
    reg_a = np.zeros(16, np.int64)
    scale = np.zeros(16, np.int64)
    active = np.zeros(16, np.int64)
    # rows q of each weight type that phase B may write, and the shifted presynaptic trace each one sees:
    # block-invariant, since EPROP never writes the neuron SRAM
    row_last = (num_inp, num_rec)
    trace = np.zeros((2, num_neur + 1), np.int64)
    nz_rows = np.zeros(2, np.int64)
    for x in range(2):
        for q in range(row_last[x] + 1):
            slot = q & 1
            raw = neur[1 + x, q] if tv else qreg[4 * slot + 1 + x]     # TV: word q>>1 reloaded; else stale Q
            trace[x, q] = _trace_used(raw if flags[0, slot] != 0 else 0, wid, x, prm[FP_TINP + x])
            nz_rows[x] += 1 if trace[x, q] != 0 else 0
    n_blocks = 1 if out_only else (num_rec >> 4) + 1
    for msb in range(n_blocks):
        # ---- phase A: post neurons of this block (output-only: all posts 0..NUM_REC)
        for p in range(16 * msb, (num_rec if out_only else 16 * msb + 15) + 1):
            n = p & 15
            if p <= num_neur and tv and p % 2 == 0:
                _load_q(qreg, neur, p >> 1)
            slot = p & 1
            psum = 0
            if (do_eprop & 3) != 0 and p <= num_rec:
                for k in range(num_out + 1):         # the row as read: before this tick's update
                    psum += err[k] * wout[p, k]
            learn[0, n] = _learning_signal(psum, prm[LSS], wid) if p <= num_rec else 0
            u = _q_field(qreg, flags, 0, slot)
            h = prm[H0 + 4]
            for seg in range(4):                     # first matching segment wins
                if u < prm[THR_H0 + seg]:
                    h = prm[H0 + seg]
                    break
            learn[1, n] = h
            if rm != 0:
                rate = _trace_used(_q_field(qreg, flags, 2, slot), wid, 1, prm[FP_TINP + 1])
                learn[2, n] = max(0, rate - prm[REGUL_F0])
            tout = _trace_used(_q_field(qreg, flags, 3, slot), wid, 2, prm[FP_TINP + 2])
            if tout != 0 and p <= num_rec and tv and (do_eprop & 4) != 0:
                st = lfsr[L_WOUT]
                for k in range(num_out + 1):         # err_k = 0 above NUM_OUT: those never fire
                    if err[k] == 0:
                        continue
                    nw, wr = stoch_update(err[k] * tout, np.int64(wout[p, k]), True, prm[LR_R_WOUT],
                                          prm[LR_P_WOUT], wide_lane(st, wout_lanes, k), 28, wid[PO_DROP],
                                          wid[W_FIRE], wid[W_MIN], wid[W_MAX])
                    if wr:
                        stats[ST_SAT_W] += 1 if nw == wout[p, k] else 0
                        wout[p, k] = nw
                        stats[ST_UPDATES] += 1
                lfsr[L_WOUT] = wide_next(st, wout_nxt)
        if out_only:
            return 2 * (num_rec + 1)
        # ---- phase B: presynaptic rows {q, msb}
        treg_zero = True
        if rm != 0:
            for n in range(16):
                if learn[2, n] != 0:
                    treg_zero = False
        for x in range(2):                           # 0: input rows, 1: recurrent rows
            regul_this = (rw >> x) & 1 != 0
            if not ((do_eprop >> x) & 1 != 0 and (tv or (every_tick and regul_this))):
                continue
            n_act = _lane_terms(prm, wid, learn, tv, rm, rw, regul_this, prm[K_INP_P + 2 * x],
                                prm[K_INP_R + 2 * x], coef, reg_a, scale, active)
            st = lfsr[L_WINP + x]
            if n_act == 0:                           # nothing can fire: only the LFSR advances
                st = wide_jump(st, (row_last[x] + 1) if not treg_zero else nz_rows[x], jump_tabs)
            else:
                for q in range(row_last[x] + 1):
                    if trace[x, q] == 0 and treg_zero:
                        continue                     # row skipped: not written, LFSR holds
                    _update_row(winp if x == 0 else wrec, q, msb, trace[x, q], coef, reg_a, scale, active, n_act,
                                prm[LR_R_WINP + 2 * x], prm[LR_P_WINP + 2 * x], st, wide_lanes, x == 1, wid, stats)
                    st = wide_next(st, wide_nxt)
            lfsr[L_WINP + x] = st
    if tv:
        _load_q(qreg, neur, num_neur >> 1)           # the last phase-B read
    return n_blocks * (32 + 2 * (num_neur + 1))


@njit(cache=True, inline="always")
def _learning_signal(psum, lss, wid):
    """clamp(floor(psum · 2^LSS / 2^12)) in the learning signal's width (spec §11.2)."""
    x = psum << lss
    drop = 12 + wid[L_SH]
    if drop > 0 and wid[L_ROUND] == R_NEAREST:
        x += 1 << (drop - 1)
    sig = shl(x, -drop)
    return min(wid[L_MAX], max(wid[L_MIN], sig))


@njit(cache=True, inline="always")
def _lane_terms(prm, wid, learn, tv, rm, rw, regul_this, k_p, k_r, coef, reg_a, scale, active):
    """Per-post factors of one block's update probabilities, prob = f(coef·trace, reg_a, scale) (spec §11.4).

    Lists in `active` the lanes whose probability can be non-zero and returns their number."""
    add_reg = (rm & 2) != 0 and regul_this
    mul_reg = (rm & 1) != 0 and rw != 0
    n_active = 0
    for n in range(16):
        h = learn[1, n]
        treg = learn[2, n]
        coef[n] = shl(learn[0, n], wid[L_SH]) * h if (tv and h != 0) else 0
        reg_a[n] = s32(((treg << k_p) & 0xFFFFFFFF) >> k_r) if add_reg else 0
        m = treg >> prm[K_MUL]
        scale[n] = (0 if m >= 16 else 16 - m) if mul_reg else 16
        if coef[n] != 0 or reg_a[n] != 0:
            active[n_active] = n
            n_active += 1
    return n_active


@njit(cache=True, inline="always")
def _update_row(weights, q, msb, trace, coef, reg_a, scale, active, n_act, lr_r, lr_p, lfsr_state, wide_lanes,
                zero_self, wid, stats):
    """One written input/recurrent row {q, msb}: synapses q -> 16*msb+n of the active lanes (spec §11.4,
    §11.6); self-connections are written as 0 whenever their update fires."""
    p0 = 16 * msb
    fired, saturated = 0, 0
    for a in range(n_act):
        n = active[a]
        e = coef[n] * trace
        k = 16 * e if e < 0 else scale[n] * e
        s = s32(s32(k >> 4) - reg_a[n])
        prob = -2147483648 if (s >= 0 and ((k >> 31) & 1) != 0) else s   # bit 31 of the 37-bit product
        if prob == 0:
            continue
        # selects instead of branches below: whether an update fires is a coin flip against the LFSR
        fire = fires(prob, lr_r, lr_p, wide_lane(lfsr_state, wide_lanes, n), 32, wid[P_DROP], wid[W_FIRE])
        w = np.int64(weights[q, p0 + n])
        nw = bump(w, prob < 0, wid[W_MIN], wid[W_MAX])
        saturated += fire & (nw == w)
        nw = 0 if (zero_self and p0 + n == q) else nw
        weights[q, p0 + n] = nw if fire else w
        fired += fire
    stats[ST_UPDATES] += fired
    stats[ST_SAT_W] += saturated


# ----------------------------------------------------------------------------------------------------- PROP
@njit(cache=True)
def prop_phase(prm, wid, neur, flags, winp, wrec, wout, oneur, lfsr, do_eprop, stats, noise_next, noise_out):
    """Event-driven scan: integrate input events and spikes, bump presynaptic traces (spec §8). Returns cycles."""
    num_inp, num_rec, num_out = prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT]
    num_neur = max(num_inp, num_rec)
    pass_end = num_rec | 1                           # a pass always covers an even number of neurons
    noise_en = prm[NOISE_EN] != 0
    force = prm[FORCE_TRACES] != 0
    mbits, msh = wid[M_BITS], wid[M_SH]
    sh_inp, sh_rec, sh_out = prm[FP_WINP] + wid[W_SH], prm[FP_WREC] + wid[W_SH], prm[FP_WOUT] + wid[W_SH]
    cycles = num_neur + 1
    for i in range(num_neur + 1):
        ev = flags[2, i] != 0
        sp = flags[1, i] != 0
        if not (ev or sp):
            continue
        cycles += pass_end + 1
        if sp:
            for k in range(num_out + 1):
                oneur[k] = sat_add(oneur[k], shl(shl(np.int64(wout[i, k]), sh_out), -msh), mbits)
            stats[ST_SOPS] += num_out + 1
        t_add = (ev and ((do_eprop & 1) != 0 or force), sp and ((do_eprop & 2) != 0 or force),
                 sp and ((do_eprop & 4) != 0 or force))
        for w in range((pass_end >> 1) + 1):
            noise = noise_out[lfsr[L_NOISE]] if noise_en else 0
            for n in range(2):
                j = 2 * w + n
                d = flags[0, j] != 0
                v = neur[0, j] if d else 0
                wt = 0
                if ev:
                    wt += shl(np.int64(winp[i, j]), sh_inp)
                if sp:
                    wt += shl(np.int64(wrec[i, j]), sh_rec)
                wt = shl(wt, -msh)
                nz = shl(s16((noise >> (16 * n)) & 0xFFFF) >> prm[NOISE_STR], -msh) if noise_en else 0
                total = wrap(v + wt + nz, mbits, True)   # the detector ignores the noise term (spec §17.7)
                if v >= 0 and wt >= 0 and total < 0:
                    total = (1 << (mbits - 1)) - 1
                    stats[ST_SAT_MEM] += 1
                elif v < 0 and wt < 0 and total >= 0:
                    total = -(1 << (mbits - 1))
                    stats[ST_SAT_MEM] += 1
                neur[0, j] = total
                _write_traces(neur, j, d, j == i, t_add, wid, stats)
            flags[0, 2 * w] = 1
            flags[0, 2 * w + 1] = 1
            if noise_en:
                lfsr[L_NOISE] = noise_next[lfsr[L_NOISE]]
        stats[ST_SOPS] += (num_rec + 1) * ((1 if ev else 0) + (1 if sp else 0))
        if t_add[0] and i > num_rec:
            # SUPP: trace-only write of word i>>1 (the membrane field is not written)
            cycles += 2
            for n in range(2):
                j = 2 * (i >> 1) + n
                _write_traces(neur, j, flags[0, j] != 0, j == i, (True, False, False), wid, stats)
            flags[0, 2 * (i >> 1)] = 1
            flags[0, 2 * (i >> 1) + 1] = 1
        flags[1, i] = 0
        flags[2, i] = 0
    return cycles


@njit(cache=True, inline="always")
def _write_traces(neur, j, dirty, is_source, t_add, wid, stats):
    """Dirty-gated trace write-back; the source's own traces get saturating increments (spec §8.5)."""
    for x in range(3):
        t = neur[1 + x, j] if dirty else 0
        if is_source and t_add[x]:
            top = (1 << wid[T_BITS + x]) - 1
            t += wid[T_INC + x]
            if t > top:
                t = top
                stats[ST_SAT_TRACE] += 1
        neur[1 + x, j] = t
