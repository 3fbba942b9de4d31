"""Fixed-point primitives of the ReckOn datapath (wrapping, the RTL's overflow detectors, leaks with rounding,
the stochastic ±1 update) and the wide-LFSR table helpers. All Numba-inlined into the phase kernels."""
from __future__ import annotations

from numba import njit

R_STOCH, R_NEAREST, R_TRUNC = 0, 1, 2      # rounding codes of the kernels (core.datapath.ROUNDING_CODE)


@njit(cache=True, inline="always")
def wrap(x, bits, signed):
    """x reduced to `bits` bits, read as two's complement if signed."""
    if signed:                       # branch-free: data-dependent signs would defeat the branch predictor
        return ((x + (1 << (bits - 1))) & ((1 << bits) - 1)) - (1 << (bits - 1))
    return x & ((1 << bits) - 1)


@njit(cache=True, inline="always")
def s16(x):
    return ((x + 32768) & 0xFFFF) - 32768


@njit(cache=True, inline="always")
def s32(x):
    return ((x + 2147483648) & 0xFFFFFFFF) - 2147483648


@njit(cache=True, inline="always")
def shl(x, s):
    """x · 2^s, floor for negative s (arithmetic shift either way)."""
    return x << s if s >= 0 else x >> -s


@njit(cache=True, inline="always")
def sat_add(a, b, bits):
    """Add with the RTL's sign-based overflow detector (spec §8.3-8.4): wrap, then clamp only if both operands
    had the same sign and the wrapped sum has the other one."""
    s = wrap(a + b, bits, True)
    if a >= 0 and b >= 0 and s < 0:
        return (1 << (bits - 1)) - 1
    if a < 0 and b < 0 and s >= 0:
        return -(1 << (bits - 1))
    return s


@njit(cache=True, inline="always")
def leak(value, factor, frac_bits, width, signed, rnd, mode):
    """value·factor >> frac_bits wrapped to `width`, rounded (spec §9.1, §17.8).

    mode R_STOCH: +1 iff the dropped fraction >= rnd and the kept part != 0 (the chip); R_NEAREST: +1 iff the
    fraction >= 1/2; otherwise truncate (floor)."""
    p = value * factor
    t = (p >> frac_bits) & ((1 << width) - 1)
    f = p & ((1 << frac_bits) - 1)
    if mode == R_STOCH:              # +bool, not an if: the comparison with the LFSR is a coin flip
        t += (f >= rnd) & (t != 0)
    elif mode == R_NEAREST:
        t += f >= (1 << (frac_bits - 1))
    return wrap(t, width, signed)


@njit(cache=True, inline="always")
def fires(prob, lr_r, lr_p, rnd, width, drop, mode):
    """Does a ±1 update with this (non-zero, enabled) probability fire? (spec §11.6, stoch_update)

    |prob| << LR_P saturates at 2^WIDTH − 1 before >> LR_R; `drop` LSBs of both sides are ignored (narrower
    probability); mode R_STOCH compares with the LFSR, R_NEAREST fires for p >= 1/2, otherwise only for p = 1."""
    mag = -prob if prob < 0 else prob
    full = (1 << width) - 1
    sat = lr_p >= width or (mag >> (width - lr_p)) != 0
    tot = ((full if sat else mag << lr_p) >> lr_r) >> drop
    if mode == R_STOCH:
        hit = tot >= (rnd >> drop)
    elif mode == R_NEAREST:
        hit = tot >= (1 << (width - 1 - drop))
    else:
        hit = tot >= (full >> drop)
    return prob == -(1 << (width - 1)) or hit


@njit(cache=True, inline="always")
def bump(w, negative, wmin, wmax):
    """w ∓ 1; a step past the weight's range writes the old value back."""
    nw = w + 1 - 2 * negative          # arithmetic, not a branch: the sign of a probability is data
    return w if (nw < wmin) | (nw > wmax) else nw


@njit(cache=True, inline="always")
def stoch_update(prob, w, enable, lr_r, lr_p, rnd, width, drop=0, mode=R_STOCH, wmin=-128, wmax=127):
    """The RTL's stoch_update module: returns (new weight, written)."""
    if not enable or prob == 0 or not fires(prob, lr_r, lr_p, rnd, width, drop, mode):
        return w, False
    return bump(w, prob < 0, wmin, wmax), True


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


@njit(cache=True)
def vote_winner(values, n):
    """Index of the largest of values[0..n-1], ties to the lowest index (the chip's SDONE comparator chain)."""
    win = 0
    for k in range(1, n):
        if values[k] > values[win]:
            win = k
    return win


@njit(cache=True, inline="always")
def leak_cut(value, factor, frac_bits, width, signed, cut, nearest):
    """leak() with its rounding as data: +1 iff the dropped fraction >= cut and (the kept part != 0 or nearest).

    cut = the LFSR output (stochastic), 2^(frac_bits-1) with nearest (round half up), 2^frac_bits (truncate,
    never met): one formula for every mode, so a loop over neurons of mixed modes has no branch."""
    p = value * factor
    t = (p >> frac_bits) & ((1 << width) - 1)
    t += ((p & ((1 << frac_bits) - 1)) >= cut) & ((t != 0) | nearest)
    return wrap(t, width, signed)


@njit(cache=True, inline="always")
def leak_cut_of(mode, rnd, frac_bits):
    """The `cut` of leak_cut for a rounding mode (R_*) and the LFSR output rnd."""
    if mode == R_STOCH:
        return rnd
    return 1 << (frac_bits - 1) if mode == R_NEAREST else 1 << frac_bits
