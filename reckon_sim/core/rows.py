"""The inner loops of STEP and PROP over a contiguous row of neurons: branch-free, so LLVM vectorises them
(checked with tools/check_vectorised.py on the compiled tick kernel). Inlined into core.kernels' phases."""
from __future__ import annotations

import numpy as np
from numba import njit

from .fixedpoint import leak_cut, wrap


@njit(cache=True, inline="always")
def step_row(n, dirty, membrane, tinp, trec, tout, z, work, kappa, mbits, t_bits, near, rst_zero):
    """LIF spike test, leak and reset, trace decays of neurons 0..n-1 (spec §9); returns the spike count.

    work rows (filled by the caller): 0 alpha, 1 threshold, 2..5 the leak cuts (fixedpoint.leak_cut) of the
    membrane and the three traces. Vectorised: every select is arithmetic, every row is read at j."""
    al, thr, c_m, c_ti, c_tr, c_to = work[0], work[1], work[2], work[3], work[4], work[5]
    tb_i, tb_r, tb_o = t_bits
    nm, ni, nr, no = near
    spikes = 0
    for j in range(n):
        d = dirty[j] != 0
        v = np.int64(membrane[j]) if d else 0
        a = al[j]
        th = thr[j]
        lk = leak_cut(v, a, 15, mbits, True, c_m[j], nm)
        spk = v >= th                            # threshold test on the integrated, un-leaked membrane
        rs = 0 if rst_zero else wrap(lk - th, mbits, True)
        membrane[j] = rs if spk else lk
        z[j] = spk
        spikes += spk
        tinp[j] = leak_cut(np.int64(tinp[j]) if d else 0, a, 15, tb_i, False, c_ti[j], ni)
        trec[j] = leak_cut(np.int64(trec[j]) if d else 0, a, 15, tb_r, False, c_tr[j], nr)
        tout[j] = leak_cut(np.int64(tout[j]) if d else 0, kappa, 7, tb_o, False, c_to[j], no)
        dirty[j] = 1
    return spikes


@njit(cache=True, inline="always")
def gate_row(n, dirty, membrane, tinp, trec, tout):
    """Neurons 0..n-1 with their dirty gate applied and set (the first write of each word, spec §3.1): after
    it a pass needs no dirty test."""
    for j in range(n):
        d = dirty[j] != 0
        membrane[j] = membrane[j] if d else 0
        tinp[j] = tinp[j] if d else 0
        trec[j] = trec[j] if d else 0
        tout[j] = tout[j] if d else 0
        dirty[j] = 1


@njit(cache=True, inline="always")
def integrate_row(n, mem, row_a, la, ra, row_b, lb, rb, use_b, lm, rm, nz, use_nz, mbits):
    """One PROP pass over posts 0..n-1 (spec §8.3): u += (row_a << la >> ra [+ row_b << lb >> rb]) << lm >> rm
    [+ noise], wrapped to mbits, clamped by the sign-based detector that ignores the noise. Returns the number of
    clamps. Vectorised (a saturating add over contiguous rows; the shifts are loop-invariant)."""
    half = 1 << (mbits - 1)
    mask = (1 << mbits) - 1
    sat = 0
    for j in range(n):
        v = np.int64(mem[j])
        wt = (np.int64(row_a[j]) << la) >> ra
        if use_b:
            wt += (np.int64(row_b[j]) << lb) >> rb
        wt = (wt << lm) >> rm
        tot = v + wt + nz[j] if use_nz else v + wt
        tot = ((tot + half) & mask) - half
        hi = (v >= 0) & (wt >= 0) & (tot < 0)
        lo = (v < 0) & (wt < 0) & (tot >= 0)
        tot = half - 1 if hi else tot
        mem[j] = -half if lo else tot
        sat += hi | lo
    return sat
