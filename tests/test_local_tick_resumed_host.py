"""SPI_LOCAL_TICK := 0 with a fixed-period host (was refused): the host's ticks, ignored while the local ticks run,
resume one period after the time_tick of the tick whose visit writes := 0 (local_tick_write.host_resumed: a later
phase of the host's Schedule), and count as early ticks from there. small_spec, tick_period = 600, LT := 1 with
C = 3000 in tick 11's visit, := 0 in tick 21's (546 cycles), an 8-word neuron read in tick 24's visit (1074
cycles): host tick 25 lands in it, lost with SPI_ERROR_HALT = 0, a halt with 1. Released RTL: PASS in both timing
modes; record 8 taken out: `cycles: 4 ticks differ; first tick 24: 306 cycles, expected 290` (README "Operating
modes")."""
import dataclasses

import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.hang import ChipHang
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.errors import InputError
from reckon_sim.vectors import write_vectors

from .test_config_writes import REG
from .test_rtl_bench import icarus, run  # noqa: F401 (the Icarus bench fixture)
from .test_vectors import small_spec

ON, OFF, READ8 = ((REG | 64, (3000,)), (REG | 10, (1,))), ((REG | 10, (0,)),), ((0x9008_0000, (0,) * 8),)


def _inputs(monkeypatch, eh: int, visits: dict, tmode: int = 0):
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config=dict(visits))
    monkeypatch.setattr(Chip, "host_program", program)
    inp = small_spec()
    return dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=eh, SPI_TIMING_MODE=tmode))


def _chip(inp, period: int):
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.host = HostSpec(tick_period=period)
    return chip


def test_the_host_ticks_resume_after_the_local_ticks(monkeypatch):
    inp = _inputs(monkeypatch, 0, {10: ON, 20: OFF, 23: READ8})
    chip = _chip(inp, 600)
    r = chip.run_sample(inp.train[0], True)
    assert r.lost_ticks == (25,) and len(r.tick_table) == 29
    assert (chip.local_tick, chip.local_end) == ((11, 3272, 3000), 21)
    inp = _inputs(monkeypatch, 1, {10: ON, 20: OFF, 23: READ8})
    with pytest.raises(ChipHang) as e:
        _chip(inp, 600).run_sample(inp.train[0], True)
    assert (e.value.state, e.value.tick, e.value.local, e.value.cut) == ("IDLE", 24, (11, 3272, 3000),
                                                                         ("CONFIG", 582))
    assert "TIME_TICK 25 arrives 600 cycles after tick 24's, in CONFIG cycle 582 of tick 24 (1074 cycles)" in str(
        e.value)


@pytest.mark.parametrize("visits, period, why", [
    ({10: ON, 20: OFF}, 300, "host program step 20: config: SPI_LOCAL_TICK := 0 in the CONFIG visit of tick 21 with "
                             "tick_period = 300: the host's next TIME_TICK would come inside that tick (546 cycles): "
                             "not modelled (allowed: a period not below that tick's cycles)"),
    ({10: ON, 15: OFF, 17: READ8, 20: ON}, 600, "host program step 20: config: SPI_LOCAL_TICK := 1 after host "
                                                "ticks lost or cut (19) with tick_period: not modelled (allowed: a "
                                                "period no tick before the write misses)"),
])
def test_what_a_resumed_host_still_refuses(monkeypatch, visits, period, why):
    inp = _inputs(monkeypatch, 0, visits)
    with pytest.raises(InputError) as e:
        _chip(inp, period).run_sample(inp.train[0], True)
    assert str(e.value) == why


@pytest.mark.parametrize("tmode", [0, 1])
@pytest.mark.parametrize("eh, records, passed", [
    (0, ["7 258 0 0 {}", "8 1 19", "a b cc8 bb8"], "RESULT: PASS (3 samples checked, 3 passed, 0 failed)"),
    (1, ["7 258 18 1 {}", "a b cc8 bb8"], "PASS  halted in tick 24: TIME_TICK 25 at 600 cycles"),
])
def test_vectors_of_a_resumed_host(tmp_path, monkeypatch, icarus, eh, records, passed, tmode):
    """Record 7 keeps the period, record 8 the lost host tick 25, record 10 the local phase; the bench raises tick
    22 a period after local tick 21's edge (the halt: record 7's error 1, not a local tick's in-visit halt)."""
    write_vectors(tmp_path, _inputs(monkeypatch, eh, {10: ON, 20: OFF, 23: READ8}, tmode), None,
                  HostSpec(tick_period=600))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [x for x in lines if x[:2] in ("7 ", "8 ", "a ")][:len(records)] == [r.format(tmode) for r in records]
    out = run(icarus, tmp_path, status=0)
    assert passed in out, out


@pytest.mark.parametrize("tmode", [0, 1])
@pytest.mark.parametrize("eh, records, passed", [
    (0, ["7 258 0 0 {}", "8 1 1c", "a b cc8 bb8"], "RESULT: PASS (3 samples checked, 3 passed, 0 failed)"),
    (1, ["7 258 1b 1 {}", "a b cc8 bb8"], "PASS  halted in tick 27: TIME_TICK 28 at 600 cycles"),
])
def test_a_second_local_phase_with_a_resumed_host(tmp_path, monkeypatch, icarus, eh, records, passed, tmode):
    """LT := 1 in ticks 11 and 21, := 0 in 16 and 26: the host resumes after each := 0 and is ignored again from
    the second := 1's edge (a stopped later phase of its Schedule); an 8-word read in tick 27's visit loses (or
    halts on) host tick 28. The halt's expect/local lists both local phases. RTL: the same PASS lines in both
    timing modes; record 8 taken out: `FAIL  TIMING_ERROR_RDY high (timing error) before tick 29`."""
    visits = {10: ON, 15: OFF, 20: ON, 25: OFF, 26: READ8}
    inp = _inputs(monkeypatch, eh, visits, tmode)
    if not eh:
        chip = _chip(inp, 600)
        r = chip.run_sample(inp.train[0], True)
        assert r.lost_ticks == (28,) and chip.local_end == 16 and chip.local_later == ((21, 3272, 3000, 26, ()),)
    write_vectors(tmp_path, inp, None, HostSpec(tick_period=600))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [x for x in lines if x[:2] in ("7 ", "8 ", "a ")][:len(records)] == [r.format(tmode) for r in records]
    if eh:
        rows = (tmp_path / "expect" / "local_0000.hex").read_text().split()
        assert rows[:2] == ["c", "cc8"] and rows[-2:] == ["1a", "bb8"] and "16" in rows[::2]
    out = run(icarus, tmp_path, status=0)
    assert passed in out, out
