"""One sample of the host protocol at tick granularity (spec §16.2, FORMAT §3.3), in one Numba call.

for tick k = 1..T:  latch events(k-1) -> [k >= 2: STEP, SDONE vote] -> [k = T: stop before SEND]
                    -> [learning tick: GET_TAR targets, EPROP] -> PROP scan -> host: marker, deliver events(k)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .records import STATE_PROP, STATE_SEND, TK
from .kernels import (CLASS_LABEL, GOT_LABEL, IA, NUM_INP, NUM_OUT, NUM_REC, REGRESSION, REGUL_MODE,
                      ST_EPROP_TICKS, ST_SPIKES, ST_SQERR, TV, eprop_phase, output_errors, prop_phase,
                      sdone_vote, step_phase, vote_sq_error)

# columns of the per-tick cycle table (FORMAT §5.4 tk_table)
TK_K, TK_CYCLES, TK_STEP, TK_SDONE, TK_EPROP, TK_GETTAR, TK_CONFIG, TK_PROP, TK_END = TK   # plain ints for njit
ERR_NONE, ERR_LABEL_WAIT = 0, 1


@njit(cache=True)
def _snapshot_neurons(neur, flags, out, k, nrec):
    """Dirty-gated u, tinp, trec, tout of neurons 0..nrec-1 into out[k, f, :]."""
    for j in range(nrec):
        d = flags[0, j] != 0
        for f in range(4):
            out[k, f, j] = neur[f, j] if d else 0


@njit(cache=True)
def _weight_checksums(winp, wrec, wout, nin, nrec, nout, out):
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
def run_sample_kernel(prm, wid, alpha, thr, neur, flags, winp, wrec, wout, oneur, votes, learn, lfsr, qreg, ctl,
                      tables, ev_tick, ev_chan, marker_tick, label, n_ticks, is_train, do_eprop, targets,
                      gettar_cycles, tk, stats, dump, rec_inp, rec_z, rec_step, rec_prop, rec_oneur,
                      rec_err, rec_lfsr, rec_wchk):
    """Run ticks 1..T of one sample; stops in SEND (the caller snapshots, then enters IDLE).

    ev_tick/ev_chan: events sorted by delivery tick (delivered after that tick; 0 = before tick 1).
    targets: int64 [T, 16] regression targets of tick k in row k-1 (unused for classification).
    rec_*: per-tick records, written only when dump (core.chip.TickRecords). Returns an error code (ERR_*)."""
    (neur_next, neur_out, oneur_next, oneur_out, noise_next, noise_out, wide_nxt, wide_lanes,
     wout_nxt, wout_lanes, jump_tabs) = tables
    nin, nrec, nout = prm[NUM_INP] + 1, prm[NUM_REC] + 1, prm[NUM_OUT] + 1
    num_recout = max(prm[NUM_INP], prm[NUM_REC], prm[NUM_OUT])
    every_tick = (prm[REGUL_MODE] >> 1) == 3
    regression = prm[REGRESSION] != 0
    err = np.zeros(16, dtype=np.int64)
    inp_next = np.zeros(256, dtype=np.uint8)
    n_ev = ev_tick.shape[0]
    e = 0
    while e < n_ev and ev_tick[e] == 0:                     # events at time 0 arrive while IDLE
        inp_next[ev_chan[e]] = 1
        e += 1
    for k in range(1, n_ticks + 1):
        r = k - 1
        flags[2, :] = inp_next
        inp_next[:] = 0
        tk[r, TK_K] = k
        if dump:
            rec_inp[r, :] = flags[2, :]
        if k >= 2:
            stats[ST_SPIKES] += step_phase(prm, wid, alpha, thr, neur, flags, oneur, lfsr, qreg, neur_next,
                                           neur_out, oneur_next, oneur_out)
            tk[r, TK_STEP] = num_recout + 1
            tk[r, TK_SDONE] = 1
            sdone_vote(prm, oneur, votes, ctl)
            if ctl[IA] != 0 and not regression:
                stats[ST_SQERR] += vote_sq_error(prm, wid, oneur, label)
            if dump:
                output_errors(prm, wid, oneur, learn, ctl, do_eprop, err)
                for j in range(nrec):
                    rec_z[r, j] = flags[1, j]
                _snapshot_neurons(neur, flags, rec_step, r, nrec)
                rec_oneur[r, 0, :] = oneur
                rec_err[r, 0, :] = err
                rec_lfsr[r, 0, :] = lfsr
            if k == n_ticks:                                 # SAMPLE is low: SDONE -> SEND
                tk[r, TK_END] = STATE_SEND
                tk[r, TK_CYCLES] = tk[r, TK_STEP] + tk[r, TK_SDONE] + 1
                break
            if do_eprop != 0 and (ctl[TV] != 0 or every_tick):
                if regression or ctl[GOT_LABEL] == 0:        # the chip waits in GET_TAR for targets
                    if not regression:
                        return ERR_LABEL_WAIT
                    for kk in range(16):
                        learn[3, kk] = targets[r, kk]
                    tk[r, TK_GETTAR] = gettar_cycles
                output_errors(prm, wid, oneur, learn, ctl, do_eprop, err)
                if dump:
                    rec_err[r, 1, :] = err
                tk[r, TK_EPROP] = eprop_phase(prm, wid, neur, flags, winp, wrec, wout, learn, lfsr, qreg, ctl,
                                              do_eprop, err, stats, wide_nxt, wide_lanes, wout_nxt, wout_lanes,
                                              jump_tabs)
                stats[ST_EPROP_TICKS] += 1
        tk[r, TK_PROP] = prop_phase(prm, wid, neur, flags, winp, wrec, wout, oneur, lfsr, do_eprop, stats,
                                    noise_next, noise_out)
        tk[r, TK_END] = STATE_PROP
        tk[r, TK_CYCLES] = (tk[r, TK_STEP] + tk[r, TK_SDONE] + tk[r, TK_EPROP] + tk[r, TK_GETTAR]
                            + tk[r, TK_CONFIG] + tk[r, TK_PROP] + 1)
        if dump:
            _snapshot_neurons(neur, flags, rec_prop, r, nrec)
            rec_oneur[r, 1, :] = oneur
            rec_lfsr[r, 1, :] = lfsr
            _weight_checksums(winp, wrec, wout, nin, nrec, nout, rec_wchk[r])
        # host, after tick k: supervision marker, then the events of time k
        if k == marker_tick:
            if is_train and not regression:
                ctl[CLASS_LABEL] = label & 15
                ctl[GOT_LABEL] = 1
            if is_train and do_eprop != 0:
                ctl[TV] = 1
            ctl[IA] = 1
        while e < n_ev and ev_tick[e] == k:
            inp_next[ev_chan[e]] = 1
            e += 1
    return ERR_NONE
