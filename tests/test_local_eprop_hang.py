"""SAMPLE falling mid-tick after SPI_LOCAL_TICK := 1 (small_spec, LT := 1 with C = 600 in tick 11's visit, SAMPLE
low from step 25, so it falls `fall_cycle` cycles into tick 25). A fall in EPROP (cycle 30) leaves EPROP waiting
for SAMPLE for ever, which was simulated as if no local tick came. The local ticks go on in the hang: the next one
(26, 600 cycles after tick 25's) halts the chip with SPI_ERROR_HALT = 1 and is lost with 0, with every later one
(local_tick_write.into_hang, gettar_hang.next_tick lengthening the EPROP row, lost_ticks.eprop_lost_after).
Released RTL, both timing modes: PASS for the halt, the hang and a fall in PROP (cycle 200, the sample goes on
to tick 26); controls FAIL (README "Operating modes"). The replay DUT does not hold a record-9 hang, so the hang's
vectors are checked here by their records only."""
import dataclasses

import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.hang import ChipHang
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.core.records import TK
from reckon_sim.io.vector_files import LV_SAMPLE
from reckon_sim.vectors import write_vectors

from .test_config_writes import REG
from .test_rtl_bench import icarus, run  # noqa: F401 (the Icarus bench fixture)
from .test_vectors import small_spec

LOCAL_ON = {10: ((REG | 64, (600,)), (REG | 10, (1,)))}
FALL = ("host program: the chip hangs in EPROP in tick 25: SAMPLE falls 30 cycles after TIME_TICK 25, in EPROP "
        "cycle 12 of tick 25; SAMPLE is low at EPROP's last cycle (81) and SEND_PER_TIMESTEP = 0, so EPROP waits "
        "for SAMPLE for ever (srnn.v L734-L735; its counters cycle on: the state after is not modelled)")


def _inputs(monkeypatch, eh: int, fall_cycle: int, tmode: int = 0):
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        levels = p.levels.copy()
        levels[25:] &= ~LV_SAMPLE
        return HostProgram(p.n_ticks, levels, p.ev_step, p.ev_chan, p.tar, p.req, config=dict(LOCAL_ON),
                           fall_cycle=fall_cycle)
    monkeypatch.setattr(Chip, "host_program", program)
    inp = small_spec()
    return dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=eh, SPI_TIMING_MODE=tmode))


@pytest.mark.parametrize("eh, state, lost, cut, row, tail", [
    (1, "IDLE", (), ("EPROP", 582), [601, 16, 1, 583], None),
    (0, "EPROP", (26,), ("EPROP", 12), [82, 16, 1, 64], "; the local tick 26 arrives in it and sets TIMING_ERROR, "
                                                        "it and every later one are lost (SPI_ERROR_HALT = 0)"),
])
def test_the_local_ticks_reach_an_eprop_hang(monkeypatch, eh, state, lost, cut, row, tail):
    """The halt's row counts EPROP up to the local tick (601 cycles); the hang's keeps the cycle EPROP would have
    left (82), which record 9's check counts from."""
    inp = _inputs(monkeypatch, eh, 30)
    chip = Chip.from_config(inp.config, **inp.weights)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    h = e.value
    assert (h.state, h.tick, h.lost_ticks, h.local, h.cut, h.timing_error) == (state, 25, lost, (11, 872, 600), cut,
                                                                               True)
    assert h.tick_table[-1, [TK.cycles, TK.step, TK.sdone, TK.eprop]].tolist() == row
    if tail:
        assert str(h) == FALL + tail
    else:
        assert str(h).endswith("the local tick 26 arrives 600 cycles after tick 25's, in EPROP cycle 582 of tick 25 "
                               "(601 cycles): TIMING_ERROR is set, the FSM takes one more step and SPI_ERROR_HALT = 1 "
                               "then holds IDLE for ever (the EPROP phase is cut; the chip's state after the cut is "
                               "not modelled)")


def test_vectors_of_an_eprop_hang_with_local_ticks(tmp_path, monkeypatch):
    """Record 8 lists local tick 26, record 9 the fall (end 2: a hang), record 10 the local ticks; the hung row
    counts to EPROP's end (0x52). RTL: `PASS  hangs in tick 25: SAMPLE fell 30 cycles after its TIME_TICK; busy and
    silent for 2000 cycles` in both modes; record 8 taken out in mode 1 (TIMING_ERROR expected low): `1482 of 2000
    cycles not busy and silent`."""
    write_vectors(tmp_path, _inputs(monkeypatch, 0, 30), None, HostSpec())
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [x for x in lines if x[:2] in ("7 ", "8 ", "9 ", "a ")] == ["8 1 1a", "9 19 1e 2", "a b 368 258"]
    assert (tmp_path / "expect" / "cycles_0000.hex").read_text().splitlines()[-1] == "52 0"
    assert (tmp_path / "expect" / "local_0000.hex").read_text().split()[-4:] == ["19", "258", "1a", "258"]


@pytest.mark.parametrize("tmode", [0, 1])
@pytest.mark.parametrize("eh, fall_cycle, fall, passed", [
    (1, 30, "9 19 1e 2", "PASS  halted in tick 25 (local tick); held in IDLE for 2000 cycles (TIMING_ERROR_RDY = 1)"),
    (0, 200, "9 19 c8 0", "RESULT: PASS (2 samples checked, 2 passed, 0 failed)"),
])
def test_a_sample_fall_timed_from_the_local_tick(tmp_path, monkeypatch, icarus, eh, fall_cycle, fall, passed, tmode):
    """The bench drops SAMPLE fall_cycle edges after the local tick's edge - 3 (as after a raised TIME_TICK), not
    when it starts waiting for the tick: before, the fall in PROP came before tick 25 and `FAIL  tick 25 did not
    finish within 4000000 cycles` (RTL and replay). The halt in the fall's EPROP hang is checked at the local tick,
    not as a record-9 hang. RTL: the same PASS lines in both timing modes."""
    write_vectors(tmp_path, _inputs(monkeypatch, eh, fall_cycle, tmode), None, HostSpec())
    assert fall in (tmp_path / "stimulus.hex").read_text().splitlines()
    out = run(icarus, tmp_path, status=0)
    assert passed in out, out
