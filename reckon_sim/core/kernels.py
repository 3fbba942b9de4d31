"""The ReckOn timestep, bit for bit (spec §6-§13): STEP -> SDONE -> [GET_TAR] -> EPROP -> PROP (EPROP in
core.kernels_eprop).

Pure Numba kernels on named records (core.records, core.state): each phase mutates the ChipState arrays it is
given (the Python layer owns them) and returns its counts. `p` is a records.Params: p.reg the registers
(records.Registers), p.dp the datapath widths (core.datapath.Datapath: all shifts 0 and the chip's bounds for
the ReckOn widths, the bit-exact path), p.alpha / p.thr per neuron pair. `tb` is the core.lfsr.LfsrTables.
stats int64[8] counts events (ST_*).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .fixedpoint import R_NEAREST, R_STOCH, R_TRUNC, leak, leak_cut_of, s16, sat_add, shl, vote_winner
from . import cov_hooks as cv
from .records import NF
from .rows import gate_row, integrate_row, step_row
from .state import CLASS_LABEL, INFER_ACC, TARGET_VALID

# LFSR state indices (core.lfsr.INSTANCES order)
L_NEUR, L_ONEUR, L_TINP, L_TREC, L_TOUT, L_NOISE, L_WINP, L_WREC, L_WOUT = 0, 2, 3, 5, 7, 9, 10, 11, 12
ALPHA_ONE, KAPPA_ONE = 0x8000, 0x80
ST_SPIKES, ST_UPDATES, ST_SOPS, ST_EPROP_TICKS, ST_SAT_MEM, ST_SAT_TRACE, ST_SAT_W, ST_SQERR = range(8)
F_U, F_TINP, F_TREC, F_TOUT = NF                 # plain ints for njit
TRACE_INP, TRACE_REC, TRACE_OUT = 0, 1, 2        # index x of the trace groups (Registers.fp_trace, Datapath.t_*)


@njit(cache=True, inline="always")
def _trace_row(st, x):
    """The raw trace array of group x (input, recurrent, output)."""
    if x == TRACE_INP:
        return st.trace_inp
    return st.trace_rec if x == TRACE_REC else st.trace_out


@njit(cache=True, inline="always")
def _mode(width_mode, chip_stochastic):
    """Rounding of a leak: the chip rounds stochastically only with EN_STOCH_ROUND and a factor != 1.0."""
    if width_mode == R_STOCH:
        return R_STOCH if chip_stochastic else R_TRUNC
    return width_mode


# ----------------------------------------------------------------------------------------------------- STEP
@njit(cache=True, inline="always")
def _load_q(qreg, membrane, tinp, trec, tout, word):
    """The neuron-SRAM output register after reading `word` (both slots, every field)."""
    for slot in range(2):
        j = 2 * word + slot
        qreg[slot, F_U] = membrane[j]
        qreg[slot, F_TINP] = tinp[j]
        qreg[slot, F_TREC] = trec[j]
        qreg[slot, F_TOUT] = tout[j]


@njit(cache=True, inline="always")
def _step_modes(reg, dp):
    """STEP's rounding of one sample: (stochastic membrane, input, recurrent, output trace leak; kappa rounds
    stochastically; the fixed cut of each field, fixedpoint.leak_cut). Registers only: constant in a sample."""
    en_sr = reg.en_stoch_round != 0
    k_st = en_sr and reg.kappa != KAPPA_ONE
    m_round, ti_round, tr_round, to_round = dp.m_round, dp.t_round[TRACE_INP], dp.t_round[TRACE_REC], dp.t_round[TRACE_OUT]
    stoch = (en_sr and m_round == R_STOCH, en_sr and ti_round == R_STOCH, en_sr and tr_round == R_STOCH,
             k_st and to_round == R_STOCH)
    fixed = (leak_cut_of(_mode(m_round, False), 0, 15), leak_cut_of(_mode(ti_round, False), 0, 15),
             leak_cut_of(_mode(tr_round, False), 0, 15), leak_cut_of(_mode(to_round, False), 0, 7))
    return stoch, fixed, k_st


@njit(cache=True, inline="always")   # inlined into the sample loop: a record argument costs refcounts per call
def prepare_step_rows(p, st):
    """The STEP work rows that hold for a whole sample (alpha, threshold, fixed leak cuts: neuron SRAM and
    registers, which a CONFIG visit cannot write) and, in row 7, the membrane LFSRs' steps before each pair
    (they step only on pairs with alpha != 1.0; row 7 [n_pairs] = the steps of the whole STEP)."""
    reg = p.reg
    num_recout = max(reg.num_inp, reg.num_rec, reg.num_out)
    n_pairs = (num_recout + 1) >> 1
    k_step = 1 if reg.en_stoch_round != 0 else 0
    stoch, fixed, _ = _step_modes(reg, p.dp)
    work, alpha, thr = st.work, p.alpha, p.thr
    steps = 0
    for w in range(n_pairs):
        work[7, w] = steps
        steps += 0 if alpha[w] == ALPHA_ONE else k_step
        for s in range(2):
            j = 2 * w + s
            work[0, j], work[1, j] = alpha[w], thr[w]
            for f in range(4):
                work[2 + f, j] = fixed[f]
    work[7, n_pairs] = steps


@njit(cache=True, inline="always")
def _stoch_cuts(n, work, row, seq_out, pos0, pos1, by_pair, fix, gate_alpha):
    """Leak-cut row `row` of a STEP (neurons 0..n-1): slot s of pair w reads its LFSR's output seq_out[pos_s +
    steps of pair w] (by_pair: the pair index, else work[7, w]); fix on pairs with alpha = 1.0 (gate_alpha)."""
    for j in range(n):                           # vectorises (width 8, a gather): no carried state, steps in row 7
        w = j >> 1
        at = (pos1 if j & 1 else pos0) + (w if by_pair else work[7, w])
        c = np.int64(seq_out[at])
        work[row, j] = fix if (gate_alpha and work[0, j] == ALPHA_ONE) else c


@njit(cache=True, inline="always")
def step_phase(p, st, tb):
    """LIF spike test, leak and reset; trace decay; output leak (spec §9). Returns the recurrent spike count.
    The records' arrays as step_arrays."""
    return step_arrays(p.reg, p.dp, p.cov, p.alpha, st.lfsr, st.oneur, st.work, st.qreg, st.membrane, st.trace_inp,
                       st.trace_rec, st.trace_out, st.dirty, st.z, tb.neur_pos, tb.neur_seq, tb.neur_seq_out,
                       tb.oneur_pos, tb.oneur_seq, tb.oneur_seq_out)


@njit(cache=True, inline="always")
def step_arrays(reg, dp, cov, alpha, lfsr, oneur, work, qreg, membrane, tinp, trec, tout, dirty, z, neur_pos, neur_seq,
                neur_seq_out, oneur_pos, oneur_seq, oneur_seq_out):
    """step_phase on the ChipState's and LfsrTables' arrays.

    The rounding LFSRs' outputs of the whole STEP are read as slices of their sequence tables (an LFSR steps a
    fixed number of times per STEP), so the neuron loop (rows.step_row) has no dependent table walk and vectorises.
    Work rows 0, 1, 7 and the fixed cuts are set once per sample (prepare_step_rows); only the stochastic cuts
    are read here."""
    num_recout = max(reg.num_inp, reg.num_rec, reg.num_out)
    en_sr = reg.en_stoch_round != 0
    kappa = reg.kappa
    cv.kappa(cov, kappa)
    (st_m, st_ti, st_tr, st_to), (fix_m, fix_ti, fix_tr, fix_to), k_st = _step_modes(reg, dp)
    _load_q(qreg, membrane, tinp, trec, tout, num_recout >> 1)  # Q keeps the pre-STEP contents of the last word (§11.9)
    n_oc = min(16, num_recout + 1)                  # output neuron c leaks in STEP cycle c
    mode_k = _mode(dp.m_round, k_st)
    po = oneur_pos[lfsr[L_ONEUR]]
    for c in range(min(n_oc, reg.num_out + 1)):
        oneur[c] = leak(oneur[c], kappa, 7, dp.m_bits, True, oneur_seq_out[po + (c if k_st else 0)], mode_k)
    if k_st:
        lfsr[L_ONEUR] = oneur_seq[po + n_oc]
    n_pairs = (num_recout + 1) >> 1                 # pairs with an odd (write) cycle
    n = 2 * n_pairs
    m_round, ti_round, tr_round, to_round = dp.m_round, dp.t_round[TRACE_INP], dp.t_round[TRACE_REC], dp.t_round[TRACE_OUT]
    pm0, pm1 = neur_pos[lfsr[L_NEUR]], neur_pos[lfsr[L_NEUR + 1]]
    pi0, pi1 = neur_pos[lfsr[L_TINP]], neur_pos[lfsr[L_TINP + 1]]
    pr0, pr1 = neur_pos[lfsr[L_TREC]], neur_pos[lfsr[L_TREC + 1]]
    pt0, pt1 = oneur_pos[lfsr[L_TOUT]], oneur_pos[lfsr[L_TOUT + 1]]
    for w in range(n_pairs):
        cv.alpha_pair(cov, alpha[w])
    if st_m:                                         # work[r, j], not row views: see rows.step_row
        _stoch_cuts(n, work, 2, neur_seq_out, pm0, pm1, False, fix_m, True)
    if st_ti:
        _stoch_cuts(n, work, 3, neur_seq_out, pi0, pi1, True, fix_ti, True)
    if st_tr:
        _stoch_cuts(n, work, 4, neur_seq_out, pr0, pr1, True, fix_tr, True)
    if st_to:
        _stoch_cuts(n, work, 5, oneur_seq_out, pt0, pt1, True, fix_to, False)
    steps_m = work[7, n_pairs]
    cv.step_neurons(cov, n, dirty, membrane, work, dp.m_bits, st_m, reg.rst_mode != 0)
    spikes = step_row(n, dirty, membrane, tinp, trec, tout, z, work,
                      kappa, dp.m_bits, dp.t_bits, (m_round == R_NEAREST, ti_round == R_NEAREST,
                                                    tr_round == R_NEAREST, to_round == R_NEAREST), reg.rst_mode != 0)
    if en_sr:                                        # rounding LFSRs step on every odd STEP cycle
        lfsr[L_NEUR], lfsr[L_NEUR + 1] = neur_seq[pm0 + steps_m], neur_seq[pm1 + steps_m]
        lfsr[L_TINP], lfsr[L_TINP + 1] = neur_seq[pi0 + n_pairs], neur_seq[pi1 + n_pairs]
        lfsr[L_TREC], lfsr[L_TREC + 1] = neur_seq[pr0 + n_pairs], neur_seq[pr1 + n_pairs]
        lfsr[L_TOUT], lfsr[L_TOUT + 1] = oneur_seq[pt0 + n_pairs], oneur_seq[pt1 + n_pairs]
    if num_recout % 2 == 0:                          # last pair only read: spike flags cleared, no update
        z[num_recout] = 0
        z[num_recout + 1] = 0
    return spikes


# ---------------------------------------------------------------------------------------------------- SDONE
@njit(cache=True, inline="always")
def activation(reg, dp, vo):
    """Hard sigmoid of an output membrane in the 16-bit frame: 2048 = 1.0 (spec §10)."""
    vo = shl(vo, dp.m_sh)
    if reg.no_out_act != 0:
        return vo
    if vo > 2047:
        return 2048
    if vo < -2048:
        return 0
    return (vo + 2048) >> 1


@njit(cache=True, inline="always")
def vote_sq_error(reg, dp, oneur, label):
    """Σ_k (target_k − y_k)² of a vote tick for class `label` (the loss reported per sample, in 2048² units)."""
    sq = 0
    for k in range(reg.num_out + 1):
        d = (2048 if k == label else 0) - activation(reg, dp, oneur[k])
        sq += d * d
    return sq


@njit(cache=True, inline="always")   # inlined into the tick loop: a record argument costs refcounts per call
def output_errors(p, st, do_eprop, err):
    """err_k = target − activation on the current output membranes (spec §10); 0 unless learning output k."""
    en = do_eprop != 0 and st.ctl[TARGET_VALID] != 0
    for k in range(16):
        if not (en and k <= p.reg.num_out):
            err[k] = 0
            continue
        y = activation(p.reg, p.dp, st.oneur[k])
        cv.activation(p.cov, st.oneur[k], p.dp.m_sh, p.reg.no_out_act)
        yt = st.target[k] if p.reg.regression != 0 else (2048 if st.ctl[CLASS_LABEL] == k else 0)
        e = s16(yt - y)
        if yt >= 0 and y < 0 and e < 0:
            e = 32767
            cv.hit(p.cov, cv.ERR_HIGH)
        elif yt < 0 and y >= 0 and e >= 0:
            e = -32768
            cv.hit(p.cov, cv.ERR_LOW)
        err[k] = e


@njit(cache=True, inline="always")
def sdone_vote(reg, cov, ctl, oneur, votes):
    """Inference vote on the leaked output membranes (ties to the lowest index; regression votes index 0).
    Arrays, not records: an inlined record argument costs a refcount pair per array in the tick loop."""
    if ctl[INFER_ACC] == 0:
        return
    win = 0 if reg.regression != 0 else vote_winner(oneur, reg.num_out + 1)
    cv.vote(cov, oneur, reg.num_out + 1, reg.regression)
    votes[win] = (votes[win] + 1) & 0xFFFF


@njit(cache=True, inline="always")   # arrays, not records: see step_arrays
def prop_arrays(reg, dp, cov, lfsr, dirty, membrane, oneur, tinp, trec, tout, winp, wrec, wout, inp, z, nz, noise_pos,
                noise_seq, noise_seq_out, do_eprop, stats):
    """prop_phase on the ChipState's and LfsrTables' arrays (nz: a scratch row for the noise of a pass)."""
    num_inp, num_rec, num_out = reg.num_inp, reg.num_rec, reg.num_out
    num_neur = max(num_inp, num_rec)
    pass_end = num_rec | 1                           # a pass always covers an even number of neurons
    noise_en = reg.noise_en != 0
    noise_str = reg.noise_str
    force = reg.force_traces != 0
    mbits, msh = dp.m_bits, dp.m_sh
    sh_inp, sh_rec, sh_out = reg.fp_winp + dp.w_sh, reg.fp_wrec + dp.w_sh, reg.fp_wout + dp.w_sh
    n_post = pass_end + 1
    # shl(x, s) as (x << max(s, 0)) >> max(-s, 0): loop-invariant shift amounts, no sign test in the row loop
    l_inp, r_inp = max(sh_inp, 0), max(-sh_inp, 0)
    l_rec, r_rec = max(sh_rec, 0), max(-sh_rec, 0)
    l_m, r_m = max(-msh, 0), max(msh, 0)
    gated = False
    sat_mem = 0
    top_inp = (1 << dp.t_bits[TRACE_INP]) - 1
    top_rec = (1 << dp.t_bits[TRACE_REC]) - 1
    top_out = (1 << dp.t_bits[TRACE_OUT]) - 1
    inc_inp, inc_rec, inc_out = dp.t_inc
    sat_trace = 0
    cycles = num_neur + 1
    for i in range(num_neur + 1):
        ev = inp[i] != 0
        sp = z[i] != 0
        if not (ev or sp):
            continue
        cycles += pass_end + 1
        if sp:
            for k in range(num_out + 1):
                cv.sat_add(cov, cv.OUT_SAT_UP, oneur[k], shl(shl(np.int64(wout[i, k]), sh_out), -msh), mbits)
                oneur[k] = sat_add(oneur[k], shl(shl(np.int64(wout[i, k]), sh_out), -msh), mbits)
            stats[ST_SOPS] += num_out + 1
        t_add = (ev and ((do_eprop & 1) != 0 or force), sp and ((do_eprop & 2) != 0 or force),
                 sp and ((do_eprop & 4) != 0 or force))
        if not gated:                                # every word of the pass range is written: gate it once
            gate_row(n_post, dirty, membrane, tinp, trec, tout)
            gated = True
        if noise_en:                                 # the noise LFSR steps once per word: a slice of its sequence
            pn = noise_pos[lfsr[L_NOISE]]
            for j in range(n_post):
                word = noise_seq_out[pn + (j >> 1)]
                nz[j] = shl(s16((word >> (16 * (j & 1))) & 0xFFFF) >> noise_str, -msh)
            lfsr[L_NOISE] = noise_seq[pn + (n_post >> 1)]
            cv.hit_n(cov, cv.NOISE_PASS, n_post >> 1)
        row_a, la, ra = (winp[i], l_inp, r_inp) if ev else (wrec[i], l_rec, r_rec)
        sat_up, sat_down = integrate_row(n_post, membrane, row_a, la, ra, wrec[i], l_rec, r_rec, ev and sp, l_m, r_m,
                                         nz, noise_en, mbits)
        sat_mem += sat_up + sat_down
        cv.hit_n(cov, cv.MEM_SAT_UP, sat_up)
        cv.hit_n(cov, cv.MEM_SAT_DOWN, sat_down)
        if i < n_post:                               # only the source's own traces change (spec §8.5)
            tinp[i], s0 = _trace_value(tinp[i], t_add[TRACE_INP], top_inp, inc_inp)
            trec[i], s1 = _trace_value(trec[i], t_add[TRACE_REC], top_rec, inc_rec)
            tout[i], s2 = _trace_value(tout[i], t_add[TRACE_OUT], top_out, inc_out)
            sat_trace += s0 + s1 + s2
            cv.traces(cov, s0, s1, s2)
        stats[ST_SOPS] += (num_rec + 1) * ((1 if ev else 0) + (1 if sp else 0))
        if t_add[TRACE_INP] and i > num_rec:
            # SUPP: trace-only write of word i>>1 (the membrane field is not written)
            cycles += 2
            cv.hit(cov, cv.SUPP_PASS)
            for n in range(2):
                j = 2 * (i >> 1) + n
                d = dirty[j] != 0
                tinp[j], s0 = _trace_value(tinp[j] if d else 0, j == i, top_inp, inc_inp)
                trec[j] = trec[j] if d else 0
                tout[j] = tout[j] if d else 0
                sat_trace += s0
                cv.hit_if(cov, cv.TRACE_SAT_SUPP, s0)
            dirty[2 * (i >> 1)] = 1
            dirty[2 * (i >> 1) + 1] = 1
        z[i] = 0
        inp[i] = 0
    stats[ST_SAT_TRACE] += sat_trace
    stats[ST_SAT_MEM] += sat_mem
    return cycles


@njit(cache=True, inline="always")
def _trace_value(t, bump_it, top, inc):
    """A trace after write-back; the source's own trace gets a saturating increment (spec §8.5).
    Returns (value, saturated). Scalars only: an array handed to an inlined helper costs a refcount pair."""
    if not bump_it:
        return t, 0
    t += inc
    return (top, 1) if t > top else (t, 0)
