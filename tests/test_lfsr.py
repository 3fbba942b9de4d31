"""LFSR family: every instance bit-exact against the RTL's output sequences from the stock seeds."""
import json

import numpy as np
import pytest

from reckon_sim.config import ChipConfig
from reckon_sim.core import lfsr as L
from reckon_sim.core.fixedpoint import wide_jump, wide_lane, wide_next
from reckon_sim.core.snapshot import lfsr_outputs

from .conftest import DATA, GOLDEN

NAMES = [i.name for i in L.INSTANCES]


def _sequence_file(name):
    full = GOLDEN / "lfsr_sequences" / f"lfsr_{name}.txt"
    return full if full.exists() else DATA / "lfsr_head" / f"lfsr_{name}.txt"


def _stock_states():
    return L.seeded_states(ChipConfig.from_preset("reckon-tbench").registers)


@pytest.mark.parametrize("name", NAMES)
def test_reference_algorithm_matches_rtl_sequence(name):
    inst = L.INSTANCES[L.INDEX[name]]
    lines = _sequence_file(name).read_text().split()
    state = int(_stock_states()[L.INDEX[name]])
    n = len(lines) if inst.kind.bits <= 32 else 300     # the wide ones are slow in pure Python
    for s in range(n):
        assert inst.kind.output(state) == int(lines[s], 16), f"{name}: step {s}"
        state = inst.kind.step(state)


@pytest.mark.parametrize("name", NAMES)
def test_table_driven_lfsr_matches_rtl_sequence(name):
    """The kernels' lookup tables: run every line of the golden sequence through lfsr_outputs."""
    tb = L.tables()
    idx = L.INDEX[name]
    inst = L.INSTANCES[idx]
    lines = _sequence_file(name).read_text().split()
    states = np.tile(_stock_states(), (len(lines), 1))
    s = int(states[0, idx])
    for row in range(len(lines)):
        states[row, idx] = s
        if inst.kind is L.WINP_WREC:
            s = int(wide_next(s, tb.wide_next))
        elif inst.kind is L.WOUT:
            s = int(wide_next(s, tb.wout_next))
        elif inst.kind is L.NOISE:
            s = int(tb.noise_next[s])
        elif inst.kind is L.ONEUR:
            s = int(tb.oneur_next[s])
        else:
            s = int(tb.neur_next[s])
    outs = lfsr_outputs(states)
    for row, line in enumerate(lines):
        if idx < 9:
            got = int(outs["lfsr_small"][row, idx])
        elif name == "noise_neur":
            got = int(outs["lfsr_noise"][row])
        else:
            got = int.from_bytes(bytes(outs[f"lfsr_{name}"][row]), "little")
        assert got == int(line, 16), f"{name}: step {row}"


def test_wide_lane_is_bit_slice_of_output():
    tb = L.tables()
    s = int(_stock_states()[L.INDEX["wout"]])
    full = L.WOUT.output(s)
    for k in range(16):
        assert wide_lane(s, tb.wout_lanes, k) == (full >> (28 * k)) & ((1 << 28) - 1)


def test_zero_state_is_frozen_and_period_is_maximal():
    for kind in (L.NEUR, L.ONEUR, L.NOISE):
        nxt, out = L.full_tables(kind)
        assert nxt[0] == 0 and out[0] == 0
        s, seen = 1, 0
        while True:
            s = int(nxt[s])
            seen += 1
            if s == 1:
                break
        # one step advances k sequence bits: the state period is (2^L - 1) / gcd(k, 2^L - 1)
        period = (1 << kind.length) - 1
        assert seen == period // np.gcd(kind.bits, period)


def test_seed_slices_follow_register_halves():
    regs = dict(ChipConfig.from_preset("reckon-tbench").registers)
    st = L.seeded_states(regs)
    assert st[L.INDEX["strnd_neur0"]] == 0x73F3 and st[L.INDEX["strnd_neur1"]] == 0x7E7F
    assert st[L.INDEX["strnd_oneur"]] == 0x74F4
    assert st[L.INDEX["winp"]] == 0x00F0F0
    assert json.loads(json.dumps(L.reset_states().tolist()))[L.INDEX["wrec"]] == 0x0424242


def test_jump_tables_equal_repeated_steps():
    tb = L.tables()
    s = int(_stock_states()[L.INDEX["winp"]])
    stepped = s
    for m in range(1, 70):
        stepped = int(wide_next(stepped, tb.wide_next))
        assert wide_jump(s, m, tb.wide_jump) == stepped


def test_top_byte_table_gives_every_lanes_draw_top_byte():
    tb = L.tables()
    s = int(_stock_states()[L.INDEX["winp"]])
    for _ in range(200):
        b = [(s >> (8 * c)) & 255 for c in range(4)]
        packed = [int(tb.wide_top[0, b[0], h] ^ tb.wide_top[1, b[1], h] ^ tb.wide_top[2, b[2], h]
                      ^ tb.wide_top[3, b[3], h]) & ((1 << 64) - 1) for h in range(2)]
        for n in range(16):
            assert (packed[n >> 3] >> (8 * (n & 7))) & 0xFF == (int(wide_lane(s, tb.wide_lanes, n)) >> 24) & 0xFF
        s = int(wide_next(s, tb.wide_next))


def test_no_low_draw_filter_only_skips_rows_that_cannot_fire():
    from reckon_sim.core.rows import _no_low_draw
    tb = L.tables()
    s = int(_stock_states()[L.INDEX["winp"]])
    skipped = 0
    for _ in range(300):
        b = [(s >> (8 * c)) & 255 for c in range(4)]
        low = min(int(wide_lane(s, tb.wide_lanes, n)) for n in range(16))
        skip = _no_low_draw(tb.wide_top, *b, 16 * 40 * 100, 0, 32 - 4, 4, 0, 0)   # |prob| <= 4001, << 4
        assert not skip or low >= 1 << 24            # skipped: no draw below 2^24
        assert skip or low < 1 << 24                 # kept: some draw below 2^24 (the bound holds here)
        skipped += skip
        s = int(wide_next(s, tb.wide_next))
    assert 0 < skipped < 300
    assert not _no_low_draw(tb.wide_top, 0, 0, 0, 0, 1 << 31, 0, 28, 4, 0, 0)       # |k| may reach bit 31
    assert not _no_low_draw(tb.wide_top, 0, 0, 0, 0, 16 << 20, 0, 28, 4, 0, 0)      # tot may reach 2^24
