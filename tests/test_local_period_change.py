"""A later visit's SPI_CYCLES_PER_TICK beside local ticks (SPI_LOCAL_TICK := 1 in tick 11's visit, C = 3000; tick
21's visit writes the new C): the model's lost ticks on the new period (tick_period.Schedule.changes), the vectors
and the vectors (expect/local_NNNN.hex carries every gap). The figures are the released RTL's (README "Operating
modes": C' = 1000 and C' = 400 with ticks 22, 23 lost PASS in both timing modes)."""
import dataclasses

import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.core.records import TK
from reckon_sim.core.tick_period import Schedule
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files

from .test_config_writes import REG, _program
from .test_rtl_bench import icarus  # noqa: F401 (the Icarus bench fixture)
from .test_vectors import small_spec

LT_ON = ((REG | 64, (3000,)), (REG | 10, (1,)))


def _read(n: int) -> tuple:
    """An n-word neuron read (72 cycles a word): it lengthens tick 21's CONFIG visit."""
    return ((0x9000_0000 | (n << 16), (0,) * n),)


def test_a_later_period_with_lost_ticks_counts_from_the_last_local_tick_before_its_write():
    """C = 600, tick 21's visit reads 8 neuron words then writes C' = 1000 (seen at 785): the local tick at 600
    lands in the visit (lost, SPI_ERROR_HALT = 0); tick_cnt is 185 at the write, so the next comes at 1600, then
    every 1000. Vectors: expect/local_0000.hex says so (`17 640`), which the bench and the cocotb host follow (RTL:
    PASS in both timing modes; `17 641`: `FAIL  local tick 23 came 1600 cycles after tick 21's, expected 1601`)."""
    inp = small_spec()
    s = inp.train[0]
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=0), **inp.weights)
    prog = _program(chip, s, {10: ((REG | 64, (600,)), (REG | 10, (1,))), 20: (*_read(8), (REG | 64, (1000,)))})
    r = chip.run_sample(s, True, program=prog)
    sched = chip.local_schedule
    assert r.lost_ticks == (22,) and len(r.tick_table) == 29 and chip.local_tick == (11, 872, 600)
    assert sched.changes == ((21, 785, 1000),) and [sched.gap(21, m) for m in (1, 2, 3)] == [600, 1600, 2600]
    assert r.tick_table[18:22, TK.cycles].tolist() == [210, 274, 1186, 290]


def test_schedule_gaps_follow_each_write_and_refuse_a_count_past_the_new_period():
    """Schedule.gap: tick 11's first local tick at 3272, C = 3000; a write in tick 21's chip tick at edge 145 of
    C' = 400 gives 400, 800, 1200; at edge 500 of C' = 400, tick_cnt is 500 already: it counts through 2^32."""
    s = Schedule(3000, 11, 3272, changes=((21, 145, 400),), where="w")
    assert [s.gap(11, m) for m in (1, 2)] == [3272, 6272] and [s.gap(21, m) for m in (1, 2, 3)] == [400, 800, 1200]
    assert s.gap(24, 1) == 400 and s.period_at(21) == 3000 and s.period_at(22) == 400
    with pytest.raises(InputError) as e:
        Schedule(3000, 11, 3272, changes=((21, 500, 400),), where="w").gap(21, 1)
    assert str(e.value).startswith("w: SPI_CYCLES_PER_TICK := 400 when tick_cnt is already 500: it counts through")


def _with_tick_21(monkeypatch, txns: tuple) -> None:
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config={**p.config, 20: txns})
    monkeypatch.setattr(Chip, "host_program", program)


@pytest.mark.parametrize("tmode", [0, 1])
def test_vectors_of_a_later_period_with_two_local_ticks_lost(tmp_path, monkeypatch, tmode):
    """C' = 400 written first in tick 21's visit (a 7-word read after it: 1114 cycles): local ticks 22, 23 at
    400, 800 are lost (record 8: 0x16 0x17), tick 24 starts at 1200; record 10 keeps the first period."""
    from reckon_sim.vectors import write_vectors
    _with_tick_21(monkeypatch, ((REG | 64, (400,)), *_read(7)))
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0, SPI_TIMING_MODE=tmode))
    write_vectors(tmp_path, inp, None, HostSpec(config_every=10, config_txns=LT_ON))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].lost == [22, 23] and stim[0].local == (11, 3272, 3000)
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "8 2 16 17" in lines and "a b cc8 bb8" in lines


def test_vectors_of_a_later_period_without_lost_ticks(tmp_path, monkeypatch):
    """C' = 1000 in tick 21's visit (was refused: the bench played one local period); the bench reads it from
    the visit it plays."""
    from reckon_sim.vectors import write_vectors
    _with_tick_21(monkeypatch, ((REG | 64, (1000,)),))
    m = write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=LT_ON))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].lost == [] and stim[0].local == (11, 3272, 3000) and "halt" not in m["samples"][0]
    assert [t.cmd for t in stim[0].steps[20].config] == [REG | 64] and stim[0].steps[20].config[0].data == (1000,)


def test_vectors_of_a_later_period_written_after_a_lost_local_tick(tmp_path, monkeypatch, icarus):
    """C = 600 from tick 11's visit; tick 21's visit reads 8 neuron words, then writes C' = 1000 (seen at 785, after
    the lost local tick 22 at 600): tick 23 comes 1600 cycles after tick 21's (was refused: the bench counted
    2 x C'). The bench takes the gaps from expect/local_0000.hex (which the replay DUT follows too): it and the
    cocotb host PASS (RTL: both timing modes PASS; the gap edited by one cycle FAILs, README "Operating modes")."""
    from reckon_sim.vectors import write_vectors
    from .test_rtl_bench import REPLAY, cocotb_module, run
    _with_tick_21(monkeypatch, (*_read(8), (REG | 64, (1000,))))
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0))
    write_vectors(tmp_path, inp, None, HostSpec(config_every=10, config_txns=((REG | 64, (600,)), (REG | 10, (1,)))))
    local = tmp_path / "expect" / "local_0000.hex"
    assert local.read_text().splitlines()[9:13] == ["15 258", "16 258", "17 640", "18 3e8"]
    assert "8 5 c d e f 16" in (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "RESULT: PASS (2 samples checked, 2 passed, 0 failed)" in run(icarus, tmp_path, status=0)
    assert cocotb_module().run_cocotb(tmp_path, [REPLAY], toplevel="reckon_replay", simulator="icarus",
                                      build_dir=tmp_path / "b")


def test_vectors_of_a_later_period_in_the_local_tick_visit_itself(tmp_path, icarus):
    """Tick 25's visit writes C = 400, LT := 1, reads 8 neuron words, then C' = 1000 (seen at 1041, after the first
    local tick at 672, lost in the visit; was refused): 27..29 come every 1000 after it, lost too, and 30 starts
    chip tick 26 4672 cycles after tick 25's. Replay DUT PASS (RTL: PASS in both timing modes; `1e 1241`: `FAIL
    local tick 30 came 4672 cycles after tick 25's, expected 4673`)."""
    from reckon_sim.vectors import write_vectors
    from .test_rtl_bench import run
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0))
    write_vectors(tmp_path, inp, None, HostSpec(config_every=24, config_txns=(
        (REG | 64, (400,)), (REG | 10, (1,)), *_read(8), (REG | 64, (1000,)))))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "8 4 1a 1b 1c 1d" in lines and "a 19 2a0 190" in lines
    rows = (tmp_path / "expect" / "local_0000.hex").read_text().splitlines()
    assert rows == ["1a 2a0", "1b 688", "1c a70", "1d e58", "1e 1240"]
    assert "RESULT: PASS (2 samples checked, 2 passed, 0 failed)" in run(icarus, tmp_path, status=0)


@pytest.mark.parametrize("c2, row, in_visit", [(500, "16 1f4", False), (200, "16 c8", True)])
def test_vectors_of_a_halt_on_a_later_period(tmp_path, monkeypatch, icarus, c2, row, in_visit):
    """C = 3000 from tick 11's visit, C' written in tick 21's (SPI_ERROR_HALT = 1; was refused: the bench played
    one local period): local tick 22 comes C' after tick 21's, in its PROP (500: a busy-tick halt) or in its
    CONFIG visit (200: halted in the visit). expect/local_0000.hex gives that gap (it gave 3000: RTL `FAIL  tick
    21 finished before the early TIME_TICK`); RTL PASS in both timing modes, `16 1f5` FAILs (README)."""
    from reckon_sim.vectors import write_vectors
    from .test_rtl_bench import run
    _with_tick_21(monkeypatch, ((REG | 64, (c2,)),))
    m = write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=LT_ON))
    assert "(SPI_CYCLES_PER_TICK = 3000; := %d from tick 21's visit)" % c2 in m["samples"][0]["halt"]["why"]
    assert (tmp_path / "expect" / "local_0000.hex").read_text().splitlines()[-2:] == ["15 bb8", row]
    assert f"7 0 15 {5 if in_visit else 1} 0" in (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "RESULT: PASS (1 samples checked, 1 passed, 0 failed)" in run(icarus, tmp_path, status=0)
