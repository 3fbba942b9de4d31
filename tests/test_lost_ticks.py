"""Lost ticks (core.lost_ticks): a fixed-period host with SPI_ERROR_HALT = 0. A TIME_TICK that arrives while the
chip is busy before its PROP scan sets TIMING_ERROR, wipes the busy tick's latched input events and is lost; the
host plays the lost tick's step after the chip is ready, so the next chip tick sees the merged steps.

small_spec with a CONFIG probe every 12 ticks (ticks 13 and 25 take ~2960 cycles, most of it CONFIG) and a period
of 900 cycles: ticks 14, 15, 16 arrive at 900, 1800, 2700 cycles into tick 13 (in CONFIG) and are lost, as are 26,
27, 28 in tick 25; every other tick (<= 338 cycles) fits. The released RTL agrees (README "Operating modes")."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.host import HostSpec
from reckon_sim.core.lost_ticks import merge

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
    with pytest.raises(InputError, match=r"^host program step 27: config: tick 28 is lost and the next tick, 30, "
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
