"""Lost local ticks with two SPI_LOCAL_TICK := 1 phases (LT := 1 in tick 11's visit, := 0 in tick 16's, := 1
again in tick 21's; SPI_ERROR_HALT = 0): the re-run's schedule carries every phase (tick_period.Schedule.later,
local_tick_write.with_writes), so a tick lost in either phase is simulated (was refused: the re-run followed one
phase). An 8-word neuron read (72 cycles a word) in a visit lengthens its tick past the 600-cycle period. The
figures are the released RTL's (README "Operating modes": PASS in both timing modes, record 8 or a gap edited
FAILs)."""
import dataclasses

import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.core.records import TK
from reckon_sim.io import vector_files

from .test_config_writes import REG, _program
from .test_rtl_bench import icarus  # noqa: F401 (the Icarus bench fixture)
from .test_vectors import small_spec

LT1, LT0, READ8 = (REG | 10, (1,)), (REG | 10, (0,)), (0x9008_0000, (0,) * 8)
VISITS = {   # C = 600 where ticks are lost, 3000 where none is
    "second": {10: ((REG | 64, (3000,)), LT1), 15: (LT0,), 20: ((REG | 64, (600,)), LT1), 22: (READ8,)},
    "first": {10: ((REG | 64, (600,)), LT1), 12: (READ8,), 15: (LT0,), 20: ((REG | 64, (3000,)), LT1)},
    "both": {10: ((REG | 64, (600,)), LT1), 12: (READ8,), 15: (LT0,), 20: (LT1,), 22: (READ8,)},
}


def _chip():
    inp = small_spec()
    return inp, Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=0), **inp.weights)


@pytest.mark.parametrize("case, lost, first, later", [
    ("second", (24,), (11, 3272, 3000), (21, 872, 600, None, ())),
    ("first", (14,), (11, 872, 600), (21, 3272, 3000, None, ())),
    ("both", (14, 24), (11, 872, 600), (21, 744, 600, None, ())),   # no C write in tick 21's visit: 128 sooner
])
def test_local_ticks_lost_in_either_phase(case, lost, first, later):
    """Tick 13's (23's) visit of 8 reads outlasts the period: local tick 14 (24) lands in it and is lost, the next
    comes 1200 cycles after tick 13's (23's); the first phase stops at tick 16's LT := 0 (edge 145)."""
    inp, chip = _chip()
    r = chip.run_sample(inp.train[0], True, program=_program(chip, inp.train[0], VISITS[case]))
    s = chip.local_schedule
    assert r.lost_ticks == lost and r.cut_ticks == () and len(r.tick_table) == 30 - len(lost)
    assert chip.local_tick == first and chip.local_end == 16 and chip.local_later == (later,)
    assert (s.stop_tick, s.stop_at) == (16, 145) and [p.after for p in s.later] == [21]
    assert s.at(13) is s and s.at(23) is s.later[0] and s.gap(23 if case != "first" else 13, 1) == 600
    assert s.gap(23 if case != "first" else 13, 2) == 1200
    row = 12 if case != "second" else 22               # the lengthened tick: 8 x 72 cycles more
    assert int(r.tick_table[row, TK.cycles]) > 600 and int(r.tick_table[row, TK.config]) > 576


def _with(monkeypatch, visits: dict) -> None:
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config=dict(visits))
    monkeypatch.setattr(Chip, "host_program", program)


@pytest.mark.parametrize("tmode", [0, 1])
def test_vectors_of_local_ticks_lost_in_both_phases(tmp_path, monkeypatch, icarus, tmode):
    """Record 8 lists both lost ticks (`8 2 e 18`), record 10 the first phase; expect/local_0000.hex every gap
    of both phases (`16 2e8`: the second phase's first tick 744 cycles after tick 21's; `19 4b0`: tick 25 1200
    after 23's). RTL: PASS in both timing modes; `8 1 e`: `FAIL  local tick 24 came 1200 cycles after tick 23's,
    expected 600`; `19 4b1`: `FAIL  local tick 25 came 1200 cycles after tick 23's, expected 1201`."""
    from reckon_sim.vectors import write_vectors
    from .test_rtl_bench import run
    _with(monkeypatch, VISITS["both"])
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0, SPI_TIMING_MODE=tmode))
    write_vectors(tmp_path, inp, None, HostSpec())
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "8 2 e 18" in lines and "a b 368 258" in lines
    assert vector_files.read_stimulus(tmp_path / "stimulus.hex")[0].lost == [14, 24]
    rows = (tmp_path / "expect" / "local_0000.hex").read_text().split()
    assert " ".join(rows) == ("c 368 d 258 e 258 f 4b0 10 258 16 2e8 17 258 18 258 19 4b0 1a 258 1b 258 1c 258 "
                              "1d 258 1e 258")
    assert "RESULT: PASS (2 samples checked, 2 passed, 0 failed)" in run(icarus, tmp_path, status=0)
