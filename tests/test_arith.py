"""Saturating and wrapping arithmetic at its edges, against bit-level transcriptions of the RTL's expressions."""
from hypothesis import given, settings
from hypothesis import strategies as st

from reckon_sim.core.fixedpoint import leak, s16, s32, sat_add, stoch_update
from reckon_sim.core.fixedpoint import R_NEAREST, R_STOCH, R_TRUNC

i16 = st.integers(-32768, 32767)


def bits(x, n):
    return x & ((1 << n) - 1)


def signed(x, n):
    x = bits(x, n)
    return x - (1 << n) if x >> (n - 1) else x


@given(i16, i16)
def test_sat_add16_is_the_sign_based_overflow_detector(a, b):
    s = bits(a + b, 16)
    sa, sb, ss = a < 0, b < 0, s >> 15
    expected = 0x7FFF if (not sa and not sb and ss) else 0x8000 if (sa and sb and not ss) else s
    assert sat_add(a, b, 16) == signed(expected, 16)


def test_sat_add16_edges():
    assert sat_add(32767, 1, 16) == 32767 and sat_add(-32768, -1, 16) == -32768
    assert sat_add(32767, -32768, 16) == -1 and sat_add(0, 0, 16) == 0


@given(st.integers(-(1 << 40), 1 << 40))
def test_wrappers(x):
    assert s16(x) == signed(x, 16) and s32(x) == signed(x, 32)


@given(i16, st.integers(0x7000, 0x8FFF), st.integers(0, 32767), st.booleans())
def test_membrane_leak_is_p30_15_plus_rounding(v, alpha, rnd, stoch):
    """u <- P[30:15] + (F >= r and T != 0), wrapped to 16 bits (spec §9.1), also for alpha > 1."""
    p = v * alpha
    t = bits(p >> 15, 16)
    f = bits(p, 15)
    inc = stoch and f >= rnd and t != 0
    assert leak(v, alpha, 15, 16, True, rnd, R_STOCH if stoch else R_TRUNC) == signed(t + inc, 16)


@given(st.integers(0, 4095), st.integers(0x7000, 0x8FFF), st.integers(0, 32767))
def test_trace_leak_wraps_at_12_bits(t, alpha, rnd):
    p = t * alpha
    tt = bits(p >> 15, 12)
    assert leak(t, alpha, 15, 12, False, rnd, R_STOCH) == bits(tt + (bits(p, 15) >= rnd and tt != 0), 12)


def test_leak_rounding_corners():
    # floor 0 never rounds up; floor -1 may round to 0; alpha exactly 1.0 keeps the value
    assert leak(1, 0x7FFF, 15, 16, True, 0, R_STOCH) == 0
    assert leak(-1, 0x7FFF, 15, 16, True, 0, R_STOCH) == 0
    assert leak(-1, 0x7FFF, 15, 16, True, 32767, R_STOCH) == -1
    assert leak(1234, 0x8000, 15, 16, True, 0, R_TRUNC) == 1234
    assert leak(30000, 0x8FFF, 15, 16, True, 0, R_TRUNC) == signed((30000 * 0x8FFF) >> 15, 16)   # wraps
    # round to nearest: +1 iff the dropped fraction is at least one half
    assert leak(3, 0x4000, 15, 16, True, 0, R_NEAREST) == 2 and leak(2, 0x4000, 15, 16, True, 0, R_NEAREST) == 1


def rtl_stoch_update(prob, w, en, lr_r, lr_p, rnd, width):
    """Line-by-line transcription of the RTL's stoch_update module (srnn.v) on bit vectors."""
    p = bits(prob, width)
    prob_0 = p == 0 or not en
    prob_m = bits(p, width - 1) == 0 and (p >> (width - 1)) == 1
    neg = p >> (width - 1)
    prob_abs = 0 if prob_0 else (bits(~p + 1, width) if neg else p)
    prob_lrp = prob_abs << lr_p
    ovfl = (prob_lrp >> width) != 0
    prob_tot = ((1 << width) - 1 if ovfl else bits(prob_lrp, width)) >> lr_r
    update = prob_m or prob_tot >= rnd
    no_change = prob_0 or not update
    w_upd = signed(w - 1 if neg else w + 1, 8)
    overflow = (w < 0 and w_upd >= 0 and neg) or (w >= 0 and w_upd < 0 and not neg)
    return (w if (no_change or overflow) else w_upd), not no_change


@settings(max_examples=400)
@given(st.sampled_from([28, 32]), st.data())
def test_stoch_update_matches_rtl(width, data):
    prob = data.draw(st.integers(-(1 << (width - 1)), (1 << (width - 1)) - 1))
    w = data.draw(st.integers(-128, 127))
    rnd = data.draw(st.integers(0, (1 << width) - 1))
    lr_r, lr_p = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 31))
    en = data.draw(st.booleans())
    assert stoch_update(prob, w, en, lr_r, lr_p, rnd, width) == rtl_stoch_update(prob, w, en, lr_r, lr_p, rnd, width)


def test_stoch_update_edges():
    assert stoch_update(-(1 << 31), 5, True, 31, 0, (1 << 32) - 1, 32) == (4, True)     # prob_m always fires
    assert stoch_update(100, 127, True, 0, 31, 0, 32) == (127, True)                    # saturated: rewritten
    assert stoch_update(-100, -128, True, 0, 31, 0, 32) == (-128, True)
    assert stoch_update(1, 0, True, 0, 0, 2, 32) == (0, False)
    assert stoch_update(0, 3, True, 0, 31, 0, 32) == (3, False)
    assert stoch_update(5, 3, False, 0, 31, 0, 32) == (3, False)
