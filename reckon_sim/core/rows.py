"""The inner loops of STEP and PROP over a contiguous row of neurons: branch-free, so LLVM vectorises them
(checked with tools/check_vectorised.py on the compiled tick kernel). Inlined into core.kernels' phases."""
from __future__ import annotations

import numpy as np
from numba import njit

from . import cov_hooks as cv
from .fixedpoint import R_STOCH, R_TRUNC, leak_cut, wrap


@njit(cache=True, inline="always")
def step_row(n, dirty, membrane, tinp, trec, tout, z, work, kappa, mbits, t_bits, near, rst_zero):
    """LIF spike test, leak and reset, trace decays of neurons 0..n-1 (spec §9); returns the spike count.

    work rows (filled by the caller): 0 alpha, 1 threshold, 2..5 the leak cuts (fixedpoint.leak_cut) of the
    membrane and the three traces. Vectorised: every select is arithmetic, every row is read at j."""
    tb_i, tb_r, tb_o = t_bits
    nm, ni, nr, no = near
    spikes = 0
    for j in range(n):                           # vectorises: no table walk (cuts precomputed), selects only
        d = dirty[j] != 0                        # work[r, j], not row views: a view costs a refcount pair per tick
        v = np.int64(membrane[j]) if d else 0
        a = work[0, j]
        th = work[1, j]
        lk = leak_cut(v, a, 15, mbits, True, work[2, j], nm)
        spk = v >= th                            # threshold test on the integrated, un-leaked membrane
        rs = 0 if rst_zero else wrap(lk - th, mbits, True)
        membrane[j] = rs if spk else lk
        z[j] = spk
        spikes += spk
        tinp[j] = leak_cut(np.int64(tinp[j]) if d else 0, a, 15, tb_i, False, work[3, j], ni)
        trec[j] = leak_cut(np.int64(trec[j]) if d else 0, a, 15, tb_r, False, work[4, j], nr)
        tout[j] = leak_cut(np.int64(tout[j]) if d else 0, kappa, 7, tb_o, False, work[5, j], no)
        dirty[j] = 1
    return spikes


@njit(cache=True, inline="always")
def gate_row(n, dirty, membrane, tinp, trec, tout):
    """Neurons 0..n-1 with their dirty gate applied and set (the first write of each word, spec §3.1): after
    it a pass needs no dirty test."""
    for j in range(n):                           # vectorises: selects only, every row read and written at j
        d = dirty[j] != 0
        membrane[j] = membrane[j] if d else 0
        tinp[j] = tinp[j] if d else 0
        trec[j] = trec[j] if d else 0
        tout[j] = tout[j] if d else 0
        dirty[j] = 1


@njit(cache=True, inline="always")
def integrate_row(n, mem, row_a, la, ra, row_b, lb, rb, use_b, lm, rm, nz, use_nz, mbits):
    """One PROP pass over posts 0..n-1 (spec §8.3): u += (row_a << la >> ra [+ row_b << lb >> rb]) << lm >> rm
    [+ noise], wrapped to mbits, clamped by the sign-based detector that ignores the noise. Returns the numbers of
    clamps up and down. Vectorised (a saturating add over contiguous rows; the shifts are loop-invariant)."""
    half = 1 << (mbits - 1)
    mask = (1 << mbits) - 1
    up, down = 0, 0
    for j in range(n):                           # vectorises: contiguous rows, invariant shifts, count reductions
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
        up += hi
        down += lo
    return up, down


@njit(cache=True, inline="always")
def _lowest_bit(x):
    """Index of the lowest set bit of x > 0."""
    n = 0
    while (x >> n) & 1 == 0:
        n += 1
    return n


@njit(cache=True, inline="always")
def _no_low_draw(wide_top, b0, b1, b2, b3, k_max, a_max, sh_sat, lr_p, lr_r, drop):
    """True when every lane's tot stays below 2^(24-drop) (|k| <= k_max < 2^31) and no lane's draw is below 2^24
    (its top byte, rnd's bits 31..24, is non-zero): then no lane of the row can fire."""
    if k_max >= 2147483648:
        return False
    m = (k_max >> 4) + 1 + a_max                 # >= |prob| of every lane
    if m >= 2147483648 or (m >> sh_sat) != 0 or (((m << lr_p) >> lr_r) >> drop) >= (1 << (24 - drop)):
        return False
    ones, highs = 0x0101010101010101, -0x7F7F7F7F7F7F7F80      # 0x80 in every byte, as an int64
    lo = wide_top[0, b0, 0] ^ wide_top[1, b1, 0] ^ wide_top[2, b2, 0] ^ wide_top[3, b3, 0]
    hi = wide_top[0, b0, 1] ^ wide_top[1, b1, 1] ^ wide_top[2, b2, 1] ^ wide_top[3, b3, 1]
    zero_bytes = (((lo - ones) & ~lo) | ((hi - ones) & ~hi)) & highs   # non-zero iff some byte is 0
    return zero_bytes == 0


@njit(cache=True)      # not inlined: one call per block and weight type, its arrays passed once, not per row
def update_rows(weights, msb, trace, n_rows, treg_zero, coef, reg_a, scale, lr_r, lr_p, ls, wide_lanes, wide_next,
                wide_top, zero_self, drop, stoch, cut_fixed, w_min, w_max, lanes, cov):
    """The written rows q = 0..n_rows-1 of block msb (spec §11.4, §11.6; fixedpoint.fires and bump unrolled into
    selects): a row whose presynaptic trace and regularisation are 0 is skipped (not written, LFSR holds).
    A lane with probability 0 never fires, so all 16 lanes run: the decision loop vectorises (the LFSR lanes and
    factors of a row are contiguous; it only reads), the rare updates that fire are written after it. Returns (LFSR state, updates fired, of them saturated)."""
    full = (1 << 32) - 1
    sh_sat = max(32 - lr_p, 0)
    p0 = 16 * msb
    fired, saturated = 0, 0
    # a row whose probabilities are all below 2^24 fires only on a lane whose draw has a zero top byte: bound
    # |prob| <= (16 max|coef| |trace| >> 4) + 1 + max reg_a (no wrap, no sign-bit case: reg_a >= 0), no saturation
    c_max, a_max, a_min = 0, 0, 0
    for n in range(lanes):
        c_max = max(c_max, 16 * abs(coef[n]))
        a_max, a_min = max(a_max, reg_a[n]), min(a_min, reg_a[n])
    bound_ok = stoch and lr_p < 32 and drop <= 24 and a_min >= 0
    for q in range(n_rows):
        if trace[q] == 0 and treg_zero:
            cv.hit(cov, cv.ROW_SKIP)
            continue
        tr = trace[q]
        b0, b1, b2, b3 = ls & 255, (ls >> 8) & 255, (ls >> 16) & 255, (ls >> 24) & 255
        if bound_ok and _no_low_draw(wide_top, b0, b1, b2, b3, c_max * abs(tr), a_max, sh_sat, lr_p, lr_r, drop):
            ls = wide_next[0, b0] ^ wide_next[1, b1] ^ wide_next[2, b2] ^ wide_next[3, b3]
            continue                     # no lane can fire (and no coverage corner: tot < 2^24 <= rnd)
        fire_mask, neg_mask = 0, 0
        for n in range(lanes):           # a run-time trip count and no store: LLVM vectorises it (no alias checks)
            rnd = wide_lanes[0, b0, n] ^ wide_lanes[1, b1, n] ^ wide_lanes[2, b2, n] ^ wide_lanes[3, b3, n]
            e = coef[n] * tr
            k = 16 * e if e < 0 else scale[n] * e
            s = (((k >> 4) + 2147483648) & full) - 2147483648 - reg_a[n]
            s = ((s + 2147483648) & full) - 2147483648
            prob = -2147483648 if (s >= 0) & (((k >> 31) & 1) != 0) else s   # bit 31 of the 37-bit product
            mag = -prob if prob < 0 else prob
            sat = (lr_p >= 32) | ((mag >> sh_sat) != 0)
            tot = ((full if sat else mag << lr_p) >> lr_r) >> drop
            fire = (prob != 0) & ((prob == -2147483648) | (tot >= ((rnd >> drop) if stoch else cut_fixed)))
            cv.hit_if(cov, cv.PROB_SIGN, (s >= 0) & (prob < 0))
            cv.stoch_equal(cov, cv.SR_EQ_UPDATE, prob, lr_r, lr_p, rnd, 32, drop, R_STOCH if stoch else R_TRUNC)
            fire_mask |= np.int64(fire) << n
            neg_mask |= np.int64(prob < 0) << n
        while fire_mask:                 # the few lanes that fire: ±1, saturating; a self-connection writes 0
            n = _lowest_bit(fire_mask)
            fire_mask &= fire_mask - 1
            w = np.int64(weights[q, p0 + n])
            nw = w - 1 if (neg_mask >> n) & 1 else w + 1
            nw = w if (nw < w_min) | (nw > w_max) else nw
            saturated += nw == w
            fired += 1
            cv.update(cov, True, (neg_mask >> n) & 1 != 0, w, nw, zero_self and p0 + n == q)
            weights[q, p0 + n] = 0 if (zero_self and p0 + n == q) else nw
        ls = wide_next[0, b0] ^ wide_next[1, b1] ^ wide_next[2, b2] ^ wide_next[3, b3]
    return ls, fired, saturated
