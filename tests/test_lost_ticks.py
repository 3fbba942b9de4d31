"""Lost ticks (core.lost_ticks): a fixed-period host with SPI_ERROR_HALT = 0. A TIME_TICK that arrives while the
chip is busy before its PROP scan sets TIMING_ERROR, wipes the busy tick's latched input events and is lost; the
host plays the lost tick's step after the chip is ready, so the next chip tick sees the merged steps.

small_spec with a CONFIG probe every 12 ticks (ticks 13 and 25 take ~2960 cycles, most of it CONFIG) and a period
of 900 cycles: ticks 14, 15, 16 arrive at 900, 1800, 2700 cycles into tick 13 (in CONFIG) and are lost, as are 26,
27, 28 in tick 25; every other tick (<= 338 cycles) fits. The released RTL agrees (README "Operating modes")."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.core.chip import Chip, ChipHang
from reckon_sim.core.host import HostSpec
from reckon_sim.core.lost_ticks import merge
from reckon_sim.core.records import STATE_SEND, TK

from .test_vectors import small_spec


def _chip(period: int, config_every: int = 12) -> Chip:
    spec = small_spec()
    chip = Chip.from_config(spec.config.with_registers(SPI_ERROR_HALT=0), **spec.weights)
    chip.host = HostSpec(tick_period=period, config_every=config_every)
    return chip


def test_ticks_arriving_in_a_config_visit_are_lost():
    spec = small_spec()
    chip = _chip(900)
    r = chip.run_sample(spec.train[0], True)
    assert r.lost_ticks == (14, 15, 16, 26, 27, 28)
    assert r.tick_cycles.tolist() == [33, 82, 146, 162, 210, 210, 210, 210, 210, 258, 258, 258, 2962, 274, 274,
                                      226, 274, 290, 290, 258, 322, 2978, 338, 18]
    assert [k for k, _ in r.config_reads] == [13, 25]       # host tick numbers
    assert (r.out_bytes.tolist(), r.n_updates) == ([1], 179)
    ready = _chip(0).run_sample(spec.train[0], True)
    assert (ready.lost_ticks, len(ready.tick_cycles), ready.n_updates) == ((), 30, 285)


def test_the_chip_runs_the_merged_program():
    """The same sample with the merged host program on a ready-paced host gives the same chip (weights, state)."""
    spec = small_spec()
    lossy = _chip(900)
    lossy.run_sample(spec.train[0], True)
    prog = lossy.host_program(spec.train[0], True)
    merged, host_of = merge(prog, frozenset({14, 15, 16, 26, 27, 28}))
    assert host_of.tolist()[11:16] == [12, 13, 17, 18, 19]
    ev, mev = np.asarray(prog.ev_step), np.asarray(merged.ev_step)
    assert np.count_nonzero(ev == 24) == 1 and len(mev) == len(ev) - 1          # tick 25's event: wiped
    assert np.count_nonzero(mev == 13) == np.count_nonzero((ev >= 13) & (ev <= 16)) == 3   # steps 13..16: tick 17
    plain = Chip.from_config(spec.config.with_registers(SPI_ERROR_HALT=0), **spec.weights)
    plain.host = HostSpec(config_every=12)
    plain.run_sample(spec.train[0], True, program=merged)
    for a, b in zip(lossy.state, plain.state):
        assert np.array_equal(a, b)


def _probes_in(chip: Chip, steps):
    from dataclasses import replace
    from reckon_sim.core import config_visit
    probe = tuple(config_visit.probe_transactions(chip.config))
    return replace(chip.host_program(small_spec().train[0], True), config={j: probe for j in steps})


def test_a_visit_in_a_lost_tick_is_played_in_the_next_chip_tick():
    """Probes in ticks 12 and 13, period 900: tick 12's visit loses 13-15, so tick 13's SPI_EN_CONF = 1 is seen
    at host tick 16's SDONE (which then loses 17-19); the released RTL agrees (README "Operating modes")."""
    chip = _chip(900, config_every=0)
    prog = _probes_in(chip, (11, 12))
    r = chip.run_sample(small_spec().train[0], True, program=prog)
    assert r.lost_ticks == (13, 14, 15, 17, 18, 19)
    assert [k for k, _ in r.config_reads] == [12, 16] and r.tick_cycles.tolist()[11:13] == [2962, 2962]
    merged, host_of = merge(prog, frozenset(r.lost_ticks))
    assert sorted(merged.config) == [11, 12] and host_of[12] == 16
    plain = _chip(0, config_every=0)
    plain.run_sample(small_spec().train[0], True, program=merged)
    for a, b in zip(chip.state, plain.state):
        assert np.array_equal(a, b)


def test_a_lost_visit_that_would_fall_in_the_last_tick_is_refused():
    from reckon_sim.errors import InputError
    chip = _chip(1000, config_every=0)
    with pytest.raises(InputError, match=r"^host program step 27: config: tick 28 is lost and the next tick "
                                         r"ends the sample \(SAMPLE low at SDONE\): the CONFIG visit is never "
                                         r"played$"):
        chip.run_sample(small_spec().train[0], True, program=_probes_in(chip, (26, 27)))


def test_a_tick_arriving_in_a_per_tick_send_is_lost():
    """SEND_PER_TIMESTEP, period 2723: TIME_TICK 14 arrives in tick 13's SEND, after its CONFIG visit (RTL: PASS)."""
    from reckon_sim.core.tick_period import arrival
    spec = small_spec()
    chip = Chip.from_config(spec.config.with_registers(SPI_ERROR_HALT=0, SPI_SEND_PER_TIMESTEP=1), **spec.weights)
    chip.host = HostSpec(config_every=12)
    ready = chip.run_sample(spec.train[0], True)
    assert arrival(ready.tick_table[12], 13, 14, 2723)[:2] == ("SEND", 1)
    chip = Chip.from_config(spec.config.with_registers(SPI_ERROR_HALT=0, SPI_SEND_PER_TIMESTEP=1), **spec.weights)
    chip.host = HostSpec(tick_period=2723, config_every=12)
    r = chip.run_sample(spec.train[0], True)
    assert r.lost_ticks == (14, 26) and r.tick_send["n"].shape == (28,)


def _fall(prog, j, n):
    """SAMPLE low from step j, falling n cycles after TIME_TICK j; the visits after the fall dropped."""
    from dataclasses import replace
    lv = prog.levels.copy()
    lv[j:] &= ~1
    return replace(prog, levels=lv, fall_cycle=n, config={k: v for k, v in prog.config.items() if k < j - 1})


def test_a_mid_tick_fall_after_lost_ticks_is_played_in_chip_ticks():
    """Period 900 loses 14-16: SAMPLE falling 100 cycles after TIME_TICK 20 (chip tick 17) ends the sample in
    host tick 21 (chip tick 18), as on a ready host running the merged program with that fall."""
    from reckon_sim.core.host import played
    s = small_spec().train[0]
    chip = _chip(900)
    prog = _fall(chip.host_program(s, True), 20, 100)
    r = chip.run_sample(s, True, program=prog)
    assert r.lost_ticks == (14, 15, 16) and len(r.tick_table) == 18 and r.tick_table[-1, TK.end] == STATE_SEND
    merged, host_of = merge(played(prog, 18)[0], frozenset(r.lost_ticks), 900)
    assert (merged.fall_step, merged.fall_cycle, host_of[16]) == (17, 100, 20)
    plain = _chip(0, config_every=0)
    plain.run_sample(s, True, program=merged)
    for a, b in zip(chip.state, plain.state):
        assert np.array_equal(a, b)


def test_a_fall_in_a_lost_tick_lands_in_the_busy_tick():
    """TIME_TICK 27 arrives 1800 cycles into host tick 25 (its CONFIG visit) and is lost; SAMPLE falling 5 cycles
    after it is low at tick 25's EPROP end: the chip hangs in EPROP (chip tick 22 of a ready host's merged run)."""
    s = small_spec().train[0]
    chip = _chip(900)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(s, True, program=_fall(chip.host_program(s, True), 27, 5))
    h = e.value
    assert str(h) == ("host program: the chip hangs in EPROP in tick 25: SAMPLE falls 1805 cycles after TIME_TICK "
                      "25, in CONFIG cycle 1787 of tick 25; SAMPLE is low at EPROP's last cycle (2785) and "
                      "SEND_PER_TIMESTEP = 0, so EPROP waits for SAMPLE for ever (srnn.v L734-L735; its counters "
                      "cycle on: the state after is not modelled)")
    assert (h.tick, h.lost_ticks, h.cut, len(h.tick_table)) == (25, (14, 15, 16, 26, 27), ("CONFIG", 1787), 22)
    assert [k for k, _ in h.config_reads] == [13, 25]
    # no EPROP in tick 13: a fall in lost tick 15 leaves it for PROP, and tick 16, the host's last, is lost too
    chip = _chip(900)
    with pytest.raises(ChipHang, match=r"hangs in PROP in tick 13: TIME_TICK 16, the host's last, arrives while "
                                       r"tick 13 is busy and is lost"):
        chip.run_sample(s, True, program=_fall(chip.host_program(s, True), 15, 100))


def test_a_mid_tick_fall_with_error_halt():
    """SPI_ERROR_HALT = 1, period 900: SAMPLE falling at SDONE of tick 13 (cycle 17) ends the sample there, every
    tick on time (tick 13's visit is dropped); falling at tick 14's SDONE keeps tick 13's visit (2962 cycles), so
    TIME_TICK 14 finds it busy: held in IDLE."""
    s = small_spec().train[0]
    chip = _chip(900)
    chip.config = chip.config.with_registers(SPI_ERROR_HALT=1)
    chip._params = chip._derive_params()
    r = chip.run_sample(s, True, program=_fall(chip.host_program(s, True), 13, 17))
    assert len(r.tick_table) == 13 and r.tick_table[-1].tolist() == [13, 18, 16, 1, 0, 0, 0, 0, STATE_SEND]
    with pytest.raises(ChipHang, match=r"hangs in IDLE in tick 13: TIME_TICK 14 arrives 900 cycles after tick 13's"):
        chip.run_sample(s, True, program=_fall(chip.host_program(s, True), 14, 17))


def test_vectors_of_a_fall_in_a_lost_tick(tmp_path):
    """SEND_PER_TIMESTEP = 1: the fall 5 cycles after lost TIME_TICK 27 is low at tick 25's send_done, so tick 25's
    SEND is the final one: 25 host steps, record 8 keeps 26-27 (raised during tick 25), record 9 names tick 25 at
    5 + 2 * 900 cycles. The released RTL passes this set (README "Operating modes")."""
    from dataclasses import replace
    from reckon_sim.vectors.writer import write_vectors
    spec = small_spec()
    spec = replace(spec, config=spec.config.with_registers(SPI_ERROR_HALT=0, SPI_SEND_PER_TIMESTEP=1))
    m = write_vectors(tmp_path, spec, None, HostSpec(tick_period=900, config_every=12, sample_low_step=27,
                                                     sample_fall_cycle=5))
    assert [s["ticks_run"] for s in m["samples"]] == [25, 25, 25]
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert lines[3:8] == ["2 0 0 0 0 19 1", "5 1", "7 384 0 0 0", "8 5 e f 10 1a 1b", "9 19 70d 1"]
    cycles = (tmp_path / "expect" / "cycles_0000.hex").read_text().split()
    assert len(cycles) == 2 * 25 and cycles[2 * 13: 2 * 16] == ["0"] * 6     # host ticks 14-16: lost
