"""One sample of a host program (core.host) at tick granularity (spec §16.2, FORMAT §3.3), in one Numba call.

host step 0 -> for tick k = 1..T:  latch events -> [k >= 2: STEP, SDONE vote] -> [k = T: stop before SEND]
                                   -> [learning tick: GET_TAR answer, EPROP] -> PROP scan -> host step k
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .fixedpoint import vote_winner
from .kernels import (ST_EPROP_TICKS, ST_SPIKES, ST_SQERR, output_errors, prepare_step_rows, prop_arrays, sdone_vote,
                      step_arrays, vote_sq_error)
from .host import SEND_HOST_ITEM_CYCLES, SEND_HOST_LAST
from .kernels_eprop import eprop_phase
from .records import (AT_EPROP, AT_PROP, AT_SDONE, AT_STEP, NF, STATE_EPROP, STATE_GET_TAR, STATE_PROP, STATE_SEND,
                      TK)
from .state import CLASS_LABEL, GOT_LABEL, INFER_ACC, TARGET_VALID

# columns of the per-tick cycle table (FORMAT §5.4 tk_table)
TK_K, TK_CYCLES, TK_STEP, TK_SDONE, TK_EPROP, TK_GETTAR, TK_CONFIG, TK_PROP, TK_END = TK   # plain ints for njit
F_U, F_TINP, F_TREC, F_TOUT = NF
LV_TV_BIT, LV_IA_BIT = 1, 2      # bits of a host step's levels (io.vector_files LV_TARGET_VALID, LV_INFER_ACC)
CUT_BASE = 1 << 20               # return -(k + CUT_BASE): stopped before tick k's PROP scan (drv.cut_at, core.cycle)


@njit(cache=True)
def _snapshot_neurons(st, out, k, nrec):
    """Dirty-gated neuron fields of neurons 0..nrec-1 into out[k, field, :]."""
    for j in range(nrec):
        d = st.dirty[j] != 0
        out[k, F_U, j] = st.membrane[j] if d else 0
        out[k, F_TINP, j] = st.trace_inp[j] if d else 0
        out[k, F_TREC, j] = st.trace_rec[j] if d else 0
        out[k, F_TOUT, j] = st.trace_out[j] if d else 0


@njit(cache=True)
def _weight_checksums(st, nin, nrec, nout, out):
    winp, wrec, wout = st.winp, st.wrec, st.wout
    s = np.zeros(6, dtype=np.int64)
    for p in range(nin):
        for q in range(nrec):
            s[0] += winp[p, q]
            s[1] += np.int64(winp[p, q]) * (p * nrec + q + 1)
    for p in range(nrec):
        for q in range(nrec):
            s[2] += wrec[p, q]
            s[3] += np.int64(wrec[p, q]) * (p * nrec + q + 1)
        for q in range(nout):
            s[4] += wout[p, q]
            s[5] += np.int64(wout[p, q]) * (p * nout + q + 1)
    out[:] = s


@njit(cache=True)
def step_records(st, rec, r, err):
    """The records after tick r+1's STEP and SDONE (sized by the sample's largest NUM_REC)."""
    nrec = rec.z.shape[1]
    rec.z[r, :] = st.z[:nrec]
    _snapshot_neurons(st, rec.step, r, nrec)
    rec.oneur[r, AT_STEP, :] = st.oneur
    rec.err[r, AT_SDONE, :] = err
    rec.lfsr[r, AT_STEP, :] = st.lfsr


@njit(cache=True)
def prop_records(st, rec, r, nin, nrec, nout):
    """The records after tick r+1's PROP scan."""
    _snapshot_neurons(st, rec.prop, r, rec.z.shape[1])
    rec.oneur[r, AT_PROP, :] = st.oneur
    rec.lfsr[r, AT_PROP, :] = st.lfsr
    _weight_checksums(st, nin, nrec, nout, rec.wchk[r])


@njit(cache=True, inline="always")   # a record argument costs refcounts per call
def _host_step(ev_tick, ev_chan, tar_label, levels, ctl, j, regression, inp_next, e):
    """Host step j (after tick j): input events, target bytes, then the levels tick j+1 sees. Returns the next
    event index. got_label is held cleared while the chip is in IDLE (step 0; srnn.v got_label)."""
    while e < ev_tick.shape[0] and ev_tick[e] == j:
        inp_next[ev_chan[e]] = 1
        e += 1
    if tar_label[j] >= 0 and not regression:
        ctl[CLASS_LABEL] = tar_label[j] & 15
        if j > 0:
            ctl[GOT_LABEL] = 1
    ctl[TARGET_VALID] = (levels[j] >> LV_TV_BIT) & 1
    ctl[INFER_ACC] = (levels[j] >> LV_IA_BIT) & 1
    return e


@njit(cache=True, inline="always")   # a record argument costs refcounts per call
def _get_tar(drv, st, r, regression, need):
    """GET_TAR of tick r+1 answered by host step r; False when the answer is short (the chip waits forever)."""
    if drv.req_n[r] < need:
        return False
    if regression:
        st.target[:] = drv.targets[r]
    else:
        st.ctl[CLASS_LABEL] = drv.req_label[r] & 15
        st.ctl[GOT_LABEL] = 1
    return True


@njit(cache=True, inline="always")   # a record argument costs refcounts per call
def send_items(p, st, label_only, out):
    """The OUT_DATA items of a SEND into out[:n]; returns n (spec §13): the vote winner of cnt_winner (0 in
    regression), or every output membrane's low and high byte."""
    if label_only != 0:
        out[0] = 0 if p.reg.regression != 0 else vote_winner(st.votes, p.reg.num_out + 1)
        return 1
    for k in range(p.reg.num_out + 1):
        out[2 * k] = st.oneur[k] & 0xFF
        out[2 * k + 1] = (st.oneur[k] >> 8) & 0xFF
    return 2 * (p.reg.num_out + 1)


@njit(cache=True)
def eprop_tick(p, st, tb, drv, tk, stats, dump, rec, err, r):
    """EPROP of tick r+1: the output errors it starts from (records), its weight updates and cycles."""
    output_errors(p, st, drv.do_eprop, err)
    if dump:
        rec.err[r, AT_EPROP, :] = err
    tk[r, TK_EPROP] = eprop_phase(p, st, tb, drv.do_eprop, err, stats)
    stats[ST_EPROP_TICKS] += 1


@njit(cache=True)
def _learning_tick(p, st, tb, drv, tk, stats, dump, rec, err, r, regression, need):
    """SDONE -> (GET_TAR ->) EPROP of tick r+1 (srnn.v L720-L736); False: it hangs in GET_TAR."""
    if regression or drv.single_label == 0 or st.ctl[GOT_LABEL] == 0:
        if not _get_tar(drv, st, r, regression, need):
            tk[r, TK_END] = STATE_GET_TAR
            return False
        tk[r, TK_GETTAR] = drv.gettar_cycles
    eprop_tick(p, st, tb, drv, tk, stats, dump, rec, err, r)
    return True


@njit(cache=True)
def _fall_ends(drv, tk, r, send_n):
    """SAMPLE fell drv.fall_cycle cycles into tick r+1, after its SDONE (srnn.v L734-L737). With
    SEND_PER_TIMESTEP, low at SEND's last cycle (send_done, with the host's OUT_ACK at once): send_done -> IDLE,
    this SEND is the sample's final one (the tick's cycles count up to it, as tick T's). Without, low at the last
    EPROP cycle: EPROP waits for SAMPLE (the chip hangs). True when the tick ends there (TK_END = STATE_SEND /
    STATE_EPROP)."""
    start = 1 + tk[r, TK_STEP] + tk[r, TK_SDONE] + tk[r, TK_CONFIG] + tk[r, TK_GETTAR] + tk[r, TK_EPROP]
    if drv.send_per_tick != 0:
        if drv.fall_cycle >= start + SEND_HOST_ITEM_CYCLES * send_n[r] + SEND_HOST_LAST:
            return False
        send_n[r] = 0
        tk[r, TK_END] = STATE_SEND
    else:
        if tk[r, TK_EPROP] == 0 or drv.fall_cycle >= start:
            return False
        tk[r, TK_END] = STATE_EPROP
    tk[r, TK_CYCLES] = start
    return True


@njit(cache=True)
def run_sample_kernel(p, st, tb, drv, tk, stats, dump, rec, send_n, send_data, inp_next, pos):
    """Run ticks pos[1]..T of one sample; stops in SEND (the caller snapshots, then enters IDLE), or in CONFIG.

    p: records.Params; st: state.ChipState; tb: lfsr.LfsrTables; drv: records.Drive; tk: int64 [T, TK] tick
    table; stats: int64 [8] ST_* counters; rec: records.TickRecords, written only when dump; send_n int64 [T] /
    send_data int64 [T, 32]: the OUT_DATA items of each tick's SEND (SEND_PER_TIMESTEP, ticks 2..T-1).
    inp_next uint8 [256] / pos int64 [3] (event index, first tick, 1 = resume that tick after SDONE): where the
    loop stands, kept between calls. Returns 0; or the tick k in which the chip hangs (its state in
    tk[k-1, TK_END]: GET_TAR, or EPROP after a SAMPLE fall); or -k when it stops in CONFIG after SDONE of tick k (drv.config_at): the caller plays the
    host's SPI visit, then calls again with pos = (event index, k, 1); or -(k + CUT_BASE) before tick k's PROP
    scan (drv.cut_at: core.cycle runs it, then calls again after SDONE of tick k+1 or at tick k+2)."""
    reg = p.reg
    do_eprop = drv.do_eprop
    nin, nrec, nout = reg.num_inp + 1, reg.num_rec + 1, reg.num_out + 1
    num_recout = max(reg.num_inp, reg.num_rec, reg.num_out)
    every_tick = (reg.regul_mode >> 1) == 3
    regression = reg.regression != 0
    need = 2 * nout if regression else 1                    # GET_TAR bytes (srnn.v target_done)
    err = np.zeros(16, dtype=np.int64)
    e, k0 = pos[0], pos[1]
    prepare_step_rows(p, st)                                # STEP's rows that hold for the whole sample
    # the arrays of the per-tick phases, read out of the records once (core.kernels.prop_arrays)
    lfsr, dirty, membrane, oneur = st.lfsr, st.dirty, st.membrane, st.oneur
    tinp, trec, tout, winp, wrec, wout = st.trace_inp, st.trace_rec, st.trace_out, st.winp, st.wrec, st.wout
    noise_pos, noise_seq, noise_seq_out, inp, z, nz = tb.noise_pos, tb.noise_seq, tb.noise_seq_out, st.inp, st.z, st.work[6]
    ctl, votes, work, qreg = st.ctl, st.votes, st.work, st.qreg
    neur_pos, neur_seq, neur_seq_out = tb.neur_pos, tb.neur_seq, tb.neur_seq_out
    oneur_pos, oneur_seq, oneur_seq_out = tb.oneur_pos, tb.oneur_seq, tb.oneur_seq_out
    ev_tick, ev_chan, tar_label, levels, config_at = drv.ev_tick, drv.ev_chan, drv.tar_label, drv.levels, drv.config_at
    if k0 == 1 and pos[2] == 0:
        e = _host_step(ev_tick, ev_chan, tar_label, levels, ctl, 0, regression, inp_next, 0)    # step 0: the chip is IDLE
    for k in range(k0, drv.n_ticks + 1):
        r = k - 1
        resumed = k == k0 and pos[2] != 0                    # back from CONFIG: SDONE is done
        if not resumed:
            for c in range(256):                             # a loop, not inp[:] = ...: a slice costs refcounts
                inp[c] = inp_next[c]
                inp_next[c] = 0
            tk[r, TK_K] = k
            if dump:
                rec.inp[r, :] = inp
        if k >= 2 and not resumed:
            stats[ST_SPIKES] += step_arrays(reg, p.dp, p.cov, p.alpha, lfsr, oneur, work, qreg, membrane, tinp, trec, tout,
                                            dirty, z, neur_pos, neur_seq, neur_seq_out, oneur_pos, oneur_seq,
                                            oneur_seq_out)
            tk[r, TK_STEP] = num_recout + 1
            tk[r, TK_SDONE] = 1
            sdone_vote(reg, p.cov, ctl, oneur, votes)
            if ctl[INFER_ACC] != 0 and not regression:
                stats[ST_SQERR] += vote_sq_error(reg, p.dp, oneur, drv.label)
            if dump:
                output_errors(p, st, do_eprop, err)
                step_records(st, rec, r, err)
            if k == drv.n_ticks:                             # SAMPLE is low: SDONE -> SEND
                tk[r, TK_END] = STATE_SEND
                tk[r, TK_CYCLES] = tk[r, TK_STEP] + tk[r, TK_SDONE] + 1
                break
            if config_at[r] != 0:                        # SPI_EN_CONF: SDONE -> CONFIG (srnn.v L719)
                pos[0], pos[1], pos[2] = e, k, 1
                return -k
        if k >= 2:
            if do_eprop != 0 and (ctl[TARGET_VALID] != 0 or every_tick):
                if not _learning_tick(p, st, tb, drv, tk, stats, dump, rec, err, r, regression, need):
                    return k                                 # waits in GET_TAR for a target that never comes
            if drv.send_per_tick != 0:                       # SDONE / EPROP -> SEND -> PROP (srnn.v L723-L737)
                send_n[r] = send_items(p, st, drv.label_only, send_data[r])
            if k == drv.fall_tick and _fall_ends(drv, tk, r, send_n):
                return k if tk[r, TK_END] == STATE_EPROP else 0
        if drv.cut_at[r] != 0:                           # this PROP scan runs on the cycle model (core.cycle)
            pos[0], pos[1], pos[2] = e, k, 2
            return -(k + CUT_BASE)
        tk[r, TK_PROP] = prop_arrays(reg, p.dp, p.cov, lfsr, dirty, membrane, oneur, tinp, trec, tout, winp, wrec, wout,
                                     inp, z, nz, noise_pos, noise_seq, noise_seq_out, do_eprop, stats)
        tk[r, TK_END] = STATE_PROP
        tk[r, TK_CYCLES] = (tk[r, TK_STEP] + tk[r, TK_SDONE] + tk[r, TK_EPROP] + tk[r, TK_GETTAR]
                            + tk[r, TK_CONFIG] + tk[r, TK_PROP] + 1)
        if dump:
            prop_records(st, rec, r, nin, nrec, nout)
        if k < drv.n_ticks:
            e = _host_step(ev_tick, ev_chan, tar_label, levels, ctl, k, regression, inp_next, e)
    return 0
