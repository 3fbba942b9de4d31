"""Coverage counters at the kernels' decision points (bins: hw.coverage.KERNEL_BINS).

Every hook takes `cov` first: an int64 array of the kernel bins when coverage is on, None when it is off. The
hooks are Numba overloads that compile to nothing for None (a compile-time choice: the kernels with coverage
off are the same machine code as without hooks), so the kernels call them unconditionally, one line each.
Hooks only read their arguments; they recompute what they test and never change a kernel's result.
"""
from __future__ import annotations

import inspect

from numba import types
from numba.extending import overload

from ..hw.coverage import INDEX
from .fixedpoint import R_STOCH, R_TRUNC, shl

ALPHA_ONE, KAPPA_ONE = 0x8000, 0x80
STE_SEGMENT, STE_BOUNDARY, REGUL_MODE = INDEX["ste_segment_0"], INDEX["ste_boundary_0"], INDEX["regul_mode_0"]
VOTE_TIE, NOISE_PASS, SUPP_PASS = INDEX["vote_tie"], INDEX["noise_pass"], INDEX["supp_pass"]
MEM_SAT_UP, MEM_SAT_DOWN = INDEX["membrane_sat_up"], INDEX["membrane_sat_down"]
OUT_SAT_UP, OUT_SAT_DOWN = INDEX["out_membrane_sat_up"], INDEX["out_membrane_sat_down"]
TRACE_SAT_INP, TRACE_SAT_REC, TRACE_SAT_OUT = INDEX["trace_sat_inp"], INDEX["trace_sat_rec"], INDEX["trace_sat_out"]
TRACE_SAT_SUPP = INDEX["trace_sat_supp"]
W_SAT_MAX, W_SAT_MIN, WOUT_SAT_MAX, WOUT_SAT_MIN = (INDEX["weight_sat_max"], INDEX["weight_sat_min"],
                                                    INDEX["wout_sat_max"], INDEX["wout_sat_min"])
SELF_ZERO, FIRE_POS, FIRE_NEG = INDEX["self_weight_zero"], INDEX["update_fire_pos"], INDEX["update_fire_neg"]
SR_EQ_UPDATE, SR_EQ_WOUT, SR_EQ_LEAK = INDEX["sr_equal_update"], INDEX["sr_equal_wout"], INDEX["sr_equal_leak"]
A_ONE, A_ABOVE, A_WRAP = INDEX["alpha_one"], INDEX["alpha_above_one"], INDEX["alpha_wrap"]
K_ONE, K_ABOVE = INDEX["kappa_one"], INDEX["kappa_above_one"]
RESET_SUB, RESET_ZERO = INDEX["reset_subtract"], INDEX["reset_zero"]
REGUL_EVERY, REGUL_ADD, REGUL_MUL = INDEX["regul_every_tick"], INDEX["regul_add_term"], INDEX["regul_mul_scaled"]
LS_HIGH, LS_LOW = INDEX["learn_sig_clamp_high"], INDEX["learn_sig_clamp_low"]
ERR_HIGH, ERR_LOW = INDEX["error_clamp_high"], INDEX["error_clamp_low"]
ACT_HIGH, ACT_LOW = INDEX["activation_high"], INDEX["activation_low"]
PROB_SIGN, ROW_SKIP, BLOCK_JUMP, WOUT_UPDATE = (INDEX["prob_sign_bit"], INDEX["row_skip"], INDEX["block_jump"],
                                                INDEX["wout_update"])


def _hook(impl):
    """A stub named like `impl`: `impl` when cov is an array, an empty function (LLVM drops the call) when None."""
    args = ", ".join(inspect.signature(impl).parameters)
    ns = {"types": types}
    exec(f"def stub({args}):\n    raise NotImplementedError('njit only')\n"     # noqa: S102 - fixed template
         f"def noop({args}):\n    return None\n", ns)
    ns["impl"] = impl
    exec(f"def typer({args}):\n    return ns_noop if isinstance(cov, types.NoneType) else ns_impl\n",  # noqa: S102
         {"types": types, "ns_noop": ns["noop"], "ns_impl": impl}, ns)
    overload(ns["stub"])(ns["typer"])
    ns["stub"].__name__ = impl.__name__
    return ns["stub"]


@_hook
def hit(cov, b):
    cov[b] += 1


@_hook
def hit_if(cov, b, cond):
    if cond:
        cov[b] += 1


@_hook
def alpha_pair(cov, a):
    if a == ALPHA_ONE:
        cov[A_ONE] += 1
    elif a > ALPHA_ONE:
        cov[A_ABOVE] += 1


@_hook
def leak_corner(cov, value, factor, frac_bits, width, rnd, mode):
    """Stochastic-rounding compare at equality; a leak by a factor >= 1.0 that wraps (membrane leaks)."""
    p = value * factor
    t = (p >> frac_bits) & ((1 << width) - 1)
    if mode == R_STOCH and (p & ((1 << frac_bits) - 1)) == rnd and t != 0:
        cov[SR_EQ_LEAK] += 1
    q = p >> frac_bits
    if factor >= (1 << frac_bits) and (q >= (1 << (width - 1)) or q < -(1 << (width - 1))):
        cov[A_WRAP] += 1


@_hook
def hit_n(cov, b, n):
    cov[b] += n


@_hook
def step_neurons(cov, n, dirty, membrane, work, mbits, stoch_m, rst_zero):
    """STEP's membrane corners of neurons 0..n-1 before core.rows.step_row (work rows 0 alpha, 1 threshold,
    2 the membrane's leak cut): the leak's stochastic compare at equality, a wrapping leak, the reset taken."""
    for j in range(n):
        v = membrane[j] if dirty[j] != 0 else 0
        a = work[0, j]
        leak_corner(cov, v, a, 15, mbits, work[2, j], R_STOCH if (stoch_m and a != ALPHA_ONE) else R_TRUNC)
        if v >= work[1, j]:
            reset(cov, rst_zero)


@_hook
def kappa(cov, k):
    if k == KAPPA_ONE:
        cov[K_ONE] += 1
    elif k > KAPPA_ONE:
        cov[K_ABOVE] += 1


@_hook
def reset(cov, to_zero):
    cov[RESET_ZERO if to_zero else RESET_SUB] += 1


@_hook
def vote(cov, values, n, regression):
    """A tie on the maximum of the SDONE comparator chain."""
    best, count = values[0], 1
    for k in range(1, n if regression == 0 else 1):
        if values[k] > best:
            best, count = values[k], 1
        elif values[k] == best:
            count += 1
    if count > 1:
        cov[VOTE_TIE] += 1


@_hook
def activation(cov, vo, m_sh, no_out_act):
    vo = shl(vo, m_sh)
    if no_out_act == 0:
        if vo > 2047:
            cov[ACT_HIGH] += 1
        elif vo < -2048:
            cov[ACT_LOW] += 1


@_hook
def regul_mode(cov, rm, tv):
    cov[REGUL_MODE + rm] += 1
    if not tv:
        cov[REGUL_EVERY] += 1


@_hook
def ste(cov, u, thr_h, tv):
    """The segment a learning tick's STE picks and an exact hit of the boundary where the search stops."""
    if tv:
        seg = 4
        for k in range(4):
            if seg == 4 and u == thr_h[k]:
                cov[STE_BOUNDARY + k] += 1
            if seg == 4 and u < thr_h[k]:
                seg = k
        cov[STE_SEGMENT + seg] += 1


@_hook
def learn_sig(cov, psum, lss, l_sh, l_min, l_max, used):
    if used:
        sig = shl(psum << lss, -(12 + l_sh))   # rounding to nearest never moves a value across a clamp bound
        if sig > l_max:
            cov[LS_HIGH] += 1
        elif sig < l_min:
            cov[LS_LOW] += 1


@_hook
def lanes(cov, reg_a, scale):
    for n in range(16):
        if reg_a[n] != 0:
            cov[REGUL_ADD] += 1
        if scale[n] < 16:
            cov[REGUL_MUL] += 1


@_hook
def stoch_equal(cov, b, prob, lr_r, lr_p, rnd, width, drop, mode):
    """The update's stochastic compare `tot >= rnd` decided at equality (as core.fixedpoint.fires)."""
    mag = -prob if prob < 0 else prob
    full = (1 << width) - 1
    sat = lr_p >= width or (mag >> (width - lr_p)) != 0
    tot = ((full if sat else mag << lr_p) >> lr_r) >> drop
    if mode == R_STOCH and prob != 0 and tot == (rnd >> drop):
        cov[b] += 1


@_hook
def update(cov, fire, negative, w, nw, is_self):
    """A fired input/recurrent update: its sign, saturation at either bound, a zeroed self-connection."""
    if fire:
        cov[FIRE_NEG if negative else FIRE_POS] += 1
        if nw == w:
            cov[W_SAT_MIN if negative else W_SAT_MAX] += 1
        if is_self:
            cov[SELF_ZERO] += 1


@_hook
def sat_add(cov, b_up, a, b, bits):
    """Saturation of the sign-based overflow detector (core.fixedpoint.sat_add) on a + b."""
    s = ((a + b + (1 << (bits - 1))) & ((1 << bits) - 1)) - (1 << (bits - 1))
    if a >= 0 and b >= 0 and s < 0:
        cov[b_up] += 1
    elif a < 0 and b < 0 and s >= 0:
        cov[b_up + 1] += 1


@_hook
def traces(cov, s0, s1, s2):
    cov[TRACE_SAT_INP] += s0
    cov[TRACE_SAT_REC] += s1
    cov[TRACE_SAT_OUT] += s2
