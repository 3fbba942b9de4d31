"""One sample of the host protocol at tick granularity (spec §16.2, FORMAT §3.3), in one Numba call.

for tick k = 1..T:  latch events(k-1) -> [k >= 2: STEP, SDONE vote] -> [k = T: stop before SEND]
                    -> [learning tick: GET_TAR targets, EPROP] -> PROP scan -> host: marker, deliver events(k)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .kernels import (ST_EPROP_TICKS, ST_SPIKES, ST_SQERR, eprop_phase, output_errors, prop_phase, sdone_vote,
                      step_phase, vote_sq_error)
from .records import AT_EPROP, AT_PROP, AT_SDONE, AT_STEP, NF, STATE_PROP, STATE_SEND, TK
from .state import CLASS_LABEL, GOT_LABEL, INFER_ACC, TARGET_VALID

# columns of the per-tick cycle table (FORMAT §5.4 tk_table)
TK_K, TK_CYCLES, TK_STEP, TK_SDONE, TK_EPROP, TK_GETTAR, TK_CONFIG, TK_PROP, TK_END = TK   # plain ints for njit
F_U, F_TINP, F_TREC, F_TOUT = NF
ERR_NONE, ERR_LABEL_WAIT = 0, 1


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
def _host_after_tick(drv, st, regression):
    """The supervision marker after its tick: label, TARGET_VALID (training with e-prop), INFER_ACC."""
    if drv.learn and not regression:
        st.ctl[CLASS_LABEL] = drv.label & 15
        st.ctl[GOT_LABEL] = 1
    if drv.learn and drv.do_eprop != 0:
        st.ctl[TARGET_VALID] = 1
    st.ctl[INFER_ACC] = 1


@njit(cache=True)
def run_sample_kernel(p, st, tb, drv, tk, stats, dump, rec):
    """Run ticks 1..T of one sample; stops in SEND (the caller snapshots, then enters IDLE).

    p: records.Params; st: state.ChipState; tb: lfsr.LfsrTables; drv: records.Drive; tk: int64 [T, TK] tick
    table; stats: int64 [8] ST_* counters; rec: records.TickRecords, written only when dump.
    Returns an error code (ERR_*)."""
    reg = p.reg
    do_eprop = drv.do_eprop
    nin, nrec, nout = reg.num_inp + 1, reg.num_rec + 1, reg.num_out + 1
    num_recout = max(reg.num_inp, reg.num_rec, reg.num_out)
    every_tick = (reg.regul_mode >> 1) == 3
    regression = reg.regression != 0
    err = np.zeros(16, dtype=np.int64)
    inp_next = np.zeros(256, dtype=np.uint8)
    ev_tick, ev_chan = drv.ev_tick, drv.ev_chan
    n_ev = ev_tick.shape[0]
    e = 0
    while e < n_ev and ev_tick[e] == 0:                     # events at time 0 arrive while IDLE
        inp_next[ev_chan[e]] = 1
        e += 1
    for k in range(1, drv.n_ticks + 1):
        r = k - 1
        st.inp[:] = inp_next
        inp_next[:] = 0
        tk[r, TK_K] = k
        if dump:
            rec.inp[r, :] = st.inp
        if k >= 2:
            stats[ST_SPIKES] += step_phase(p, st, tb)
            tk[r, TK_STEP] = num_recout + 1
            tk[r, TK_SDONE] = 1
            sdone_vote(p, st)
            if st.ctl[INFER_ACC] != 0 and not regression:
                stats[ST_SQERR] += vote_sq_error(p, st.oneur, drv.label)
            if dump:
                output_errors(p, st, do_eprop, err)
                rec.z[r, :] = st.z[:nrec]
                _snapshot_neurons(st, rec.step, r, nrec)
                rec.oneur[r, AT_STEP, :] = st.oneur
                rec.err[r, AT_SDONE, :] = err
                rec.lfsr[r, AT_STEP, :] = st.lfsr
            if k == drv.n_ticks:                             # SAMPLE is low: SDONE -> SEND
                tk[r, TK_END] = STATE_SEND
                tk[r, TK_CYCLES] = tk[r, TK_STEP] + tk[r, TK_SDONE] + 1
                break
            if do_eprop != 0 and (st.ctl[TARGET_VALID] != 0 or every_tick):
                if regression or st.ctl[GOT_LABEL] == 0:     # the chip waits in GET_TAR for targets
                    if not regression:
                        return ERR_LABEL_WAIT
                    st.target[:] = drv.targets[r]
                    tk[r, TK_GETTAR] = drv.gettar_cycles
                output_errors(p, st, do_eprop, err)
                if dump:
                    rec.err[r, AT_EPROP, :] = err
                tk[r, TK_EPROP] = eprop_phase(p, st, tb, do_eprop, err, stats)
                stats[ST_EPROP_TICKS] += 1
        tk[r, TK_PROP] = prop_phase(p, st, tb, do_eprop, stats)
        tk[r, TK_END] = STATE_PROP
        tk[r, TK_CYCLES] = (tk[r, TK_STEP] + tk[r, TK_SDONE] + tk[r, TK_EPROP] + tk[r, TK_GETTAR]
                            + tk[r, TK_CONFIG] + tk[r, TK_PROP] + 1)
        if dump:
            _snapshot_neurons(st, rec.prop, r, nrec)
            rec.oneur[r, AT_PROP, :] = st.oneur
            rec.lfsr[r, AT_PROP, :] = st.lfsr
            _weight_checksums(st, nin, nrec, nout, rec.wchk[r])
        # host, after tick k: supervision marker, then the events of time k
        if k == drv.marker_tick:
            _host_after_tick(drv, st, regression)
        while e < n_ev and ev_tick[e] == k:
            inp_next[ev_chan[e]] = 1
            e += 1
    return ERR_NONE
