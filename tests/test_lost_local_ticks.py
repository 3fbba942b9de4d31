"""Local ticks lost in a busy tick (SPI_LOCAL_TICK := 1 in tick 25's visit, SPI_ERROR_HALT = 0; core.early_ticks):
the model's ticks, the vectors (records 8 and 10) and the bench's pace check (vectors.local_pace). The figures
are the released RTL's (README "Operating modes": the bench passed C = 1100 and 2987, failed C = 2986)."""
import dataclasses

import pytest

from reckon_sim.core.records import TK
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files

from .test_config_regs import _lt_chip
from .test_config_writes import REG
from .test_vectors import small_spec
from reckon_sim.core.host import HostSpec


def test_local_ticks_lost_in_the_visit_tick_start_tick_26_a_period_after_the_last():
    """C = 1100: the local ticks at 1372 and 2472 find tick 25's CONFIG visit busy (3234 cycles) and are lost
    (host ticks 26, 27, TIMING_ERROR set); 3572 starts the chip's tick 26 (host tick 28) with steps 25..27 merged;
    30 host ticks make 28 chip ticks."""
    inp, chip = _lt_chip(1100, halt=0)
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 1372, 1100) and r.lost_ticks == (26, 27)
    assert r.tick_table[23:, TK.cycles].tolist() == [306, 3234, 306, 290, 18] and int(r.inference) == 1
    assert chip._timing_error


def test_the_hosts_last_tick_lost_the_next_local_tick_ends_the_sample():
    """C = 228: local ticks 26..37 all land in tick 25 (500 + 11 x 228 = 3008 < 3234); host tick 38, after 8
    empty SAMPLE-low steps, is the chip's last (26 chip ticks)."""
    inp, chip = _lt_chip(228, halt=0)
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 500, 228) and r.lost_ticks == tuple(range(26, 38))
    assert len(r.tick_table) == 26 and r.tick_table[24:, TK.cycles].tolist() == [3234, 18]


def _host(c: int) -> HostSpec:
    return HostSpec(config_every=24, config_txns=((REG | 64, (c,)), (REG | 10, (1,))))


def _spec(halt: int, tmode: int = 0):
    inp = small_spec()
    return dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=halt, SPI_TIMING_MODE=tmode))


@pytest.mark.parametrize("tmode", [0, 1])
def test_vectors_of_lost_local_ticks_carry_records_8_and_10_and_the_sticky_error(tmp_path, tmode):
    """Record 8 lists host ticks 26, 27 (0x1a 0x1b), record 10 the local period; the next sample's IDLE hold has
    TIMING_ERROR set (record 7 timing_error 1: the pin shows it with SPI_TIMING_MODE = 1)."""
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, _spec(0, tmode), None, _host(1100))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].lost == [26, 27] and stim[0].local == (25, 1372, 1100) and len(stim[0].steps) == 30
    assert stim[1].timing == vector_files.Timing(0, 1, 1, tmode)
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "8 2 1a 1b" in lines and "a 19 55c 44c" in lines


def test_vectors_refuse_a_local_tick_that_comes_before_the_bench_has_played_its_steps(tmp_path):
    """The bench plays step 25 (3 AER events: 3 x 7 + 4 = 25 cycles) after tick 25 is ready (3234 cycles): C = 2987
    leaves it 25 cycles (written; PASS on the RTL), C = 2986 24 (refused; the RTL bench FAILs it). C = 1000 loses
    26, 27 and leaves 38 cycles for steps 25..27 (47)."""
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path / "ok", _spec(1), None, _host(2987))
    assert vector_files.read_stimulus(tmp_path / "ok" / "stimulus.hex")[0].local == (25, 3259, 2987)
    with pytest.raises(InputError) as e:
        write_vectors(tmp_path / "late", _spec(1), None, _host(2986))
    assert str(e.value) == ("host program: the local tick that starts tick 26 comes 24 cycles after tick 25 is ready; "
                            "the bench needs 25 to play step 25 (7 per AER event, 4 per step): not written (model "
                            "only; allowed: a SPI_CYCLES_PER_TICK that leaves the host that time)")
    assert not (tmp_path / "late" / "stimulus.hex").exists()
    with pytest.raises(InputError) as e:
        write_vectors(tmp_path / "lost", _spec(0), None, _host(1000))
    assert "starts tick 28 comes 38 cycles after tick 25 is ready; the bench needs 47 to play steps 25..27" in str(
        e.value)


def _lt_off_chip(c: int, halt: int = 1, again: bool = False):
    """SPI_LOCAL_TICK := 1 in tick 11's visit (SPI_CYCLES_PER_TICK := c), := 0 in tick 21's (and := 1 in 26's)."""
    from reckon_sim.core.chip import Chip
    from .test_config_writes import _program
    inp = small_spec()
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=halt), **inp.weights)
    visits = {10: ((REG | 64, (c,)), (REG | 10, (1,))), 20: ((REG | 10, (0,)),)}
    if again:
        visits[25] = ((REG | 10, (1,)),)
    return inp, chip, _program(chip, inp.train[0], visits)


def test_local_tick_written_0_in_a_later_visit_hands_the_ticks_back_to_the_host():
    """The TIME_TICK synchroniser holds 0 while SPI_LOCAL_TICK = 1 (srnn.v), so after tick 21's LT := 0 the host's
    ready TIME_TICK starts tick 22: the local tick due 3000 cycles after tick 21's never comes (546 cycles), the
    tick table is the ready host's and the next sample starts (no IDLE hold)."""
    from reckon_sim.core.chip import Chip
    inp, chip, prog = _lt_off_chip(3000)
    r = chip.run_sample(inp.train[0], True, program=prog)
    assert chip.local_tick == (11, 3272, 3000) and chip.local_end == 21 and r.lost_ticks == ()
    assert r.tick_table[9:23, TK.cycles].tolist() == [258, 642, 258, 258, 258, 258, 242, 210, 258, 210, 274, 546,
                                                       290, 274]
    from .test_config_writes import _program
    ref = Chip.from_config(inp.config, **inp.weights)            # the same visits with LT := 0 (no local tick)
    same = _program(ref, inp.train[0], {10: ((REG | 64, (3000,)), (REG | 10, (0,))), 20: ((REG | 10, (0,)),)})
    r0 = ref.run_sample(inp.train[0], True, program=same)
    assert (r0.tick_table == r.tick_table).all() and int(r0.inference) == int(r.inference) == 1
    assert len(chip.run_sample(inp.train[1], True).tick_table) == 30


def test_local_tick_set_again_after_its_0_and_a_cut_before_it():
    """LT := 1 again in tick 26's visit (D = 128 after the write, CONFIG exit edge 273): tick_cnt was held at 1
    while LT = 0, so its first local tick comes 273 - 129 + 3000 = 3144 cycles after tick 26's (vectors and RTL:
    tests/test_rtl_replay_modes.py); the sample ends with LT = 1, so the next one hangs in IDLE in tick 1 (lost
    local ticks in either phase: tests/test_local_phases_lost.py)."""
    from reckon_sim.core.chip import Chip, ChipHang
    inp, chip, prog = _lt_off_chip(3000, again=True)
    r = chip.run_sample(inp.train[0], True, program=prog)
    assert chip.local_tick == (11, 3272, 3000) and chip.local_end == 21 and chip.local_later == ((26, 3144, 3000, None, ()),)
    assert r.lost_ticks == () and r.tick_table[19:, TK.cycles].tolist() == [274, 546, 290, 274, 306, 274, 546, 290,
                                                                           274, 274, 18]
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[1], True)
    assert e.value.state == "IDLE" and e.value.tick == 1
    inp, chip, prog = _lt_off_chip(300, halt=0)              # 572 cycles into tick 11 (642): it cuts the scan
    r = chip.run_sample(inp.train[0], True, program=prog)
    assert r.cut_ticks == ((12, 572),) and r.lost_ticks == () and chip.local_end == 21


@pytest.mark.parametrize("c, lost", [(3232, (22,)), (3233, ())])
def test_a_local_tick_lost_just_before_the_visit_that_writes_it_0(tmp_path, monkeypatch, c, lost):
    """Tick 21's visit reads 42 neuron words, then LT := 0, first seen at edge 3233 of tick 21 (3634 cycles): a
    local tick at 3232 is lost (SPI_ERROR_HALT = 0; record 8), one at 3233 never comes; the ready host raises
    the next tick (RTL: both PASS, 3 samples; 3232 with record 8 taken out FAILs)."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.core.host import HostProgram
    from reckon_sim.vectors import write_vectors
    template = Chip.host_program

    def with_off(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config={
            **p.config, 20: ((0x9000_0000 | (42 << 16), (0,) * 42), (REG | 10, (0,)))})
    monkeypatch.setattr(Chip, "host_program", with_off)
    inp = _spec(0)
    host = HostSpec(config_every=10, config_txns=((REG | 64, (c,)), (REG | 10, (1,))))
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.host = host
    r = chip.run_sample(inp.train[0], True)
    assert r.lost_ticks == lost and chip.local_end == 21 and chip.local_schedule.stop_at == 3233
    assert r.tick_table[20, TK.cycles] == 3634 and len(r.tick_table) == 30 - len(lost)
    m = write_vectors(tmp_path, inp, None, host)
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.lost for s in stim] == [list(lost)] * 3 and all("halt" not in s for s in m["samples"])
    assert stim[0].local == (11, c + 272, c)


def test_vectors_of_a_local_tick_written_0_later_run_every_sample(tmp_path, monkeypatch):
    """The bench sees LT := 0 in the visit it plays (tick 21) and raises the ticks after it (RTL: PASS, 3 samples)."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.core.host import HostProgram
    from reckon_sim.vectors import write_vectors
    template = Chip.host_program

    def with_off(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req,
                           config={**p.config, 20: ((REG | 10, (0,)),)})
    monkeypatch.setattr(Chip, "host_program", with_off)
    m = write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=(
        (REG | 64, (3000,)), (REG | 10, (1,)))))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.local for s in stim] == [(11, 3272, 3000)] * 3 and all("halt" not in s for s in m["samples"])
    assert [t.cmd for t in stim[0].steps[20].config] == [REG | 10] and stim[0].steps[20].config[0].data == (0,)


def _lt_period_chip(c: int, period: int, halt: int = 1):
    inp, chip = _lt_chip(c, halt=halt)
    chip.host = dataclasses.replace(chip.host, tick_period=period)
    return inp, chip


def test_local_tick_written_with_a_fixed_period_host_ignores_its_ticks_from_the_write_on():
    """tick_period = 600 >= every tick before 25 (306 at most): no early tick up to the LT := 1 edge (273 cycles
    into tick 25); the host's TIME_TICKs after it (600, 1200, .. into tick 25's 3234 cycles) are ignored (no
    TIMING_ERROR, nothing lost): the ready host's ticks, local from tick 26 on (RTL: PASS in both timing modes)."""
    inp, chip = _lt_period_chip(3000, 600)
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 3272, 3000) and r.lost_ticks == () and r.cut_ticks == ()
    assert r.tick_table[23:, TK.cycles].tolist() == [306, 3234, 290, 290, 274, 274, 18] and not chip._timing_error


def test_local_tick_written_with_a_fixed_period_host_after_an_early_tick():
    """Period 300: host tick 25 arrives 300 cycles into tick 24 (306): SPI_ERROR_HALT = 1 halts there (before the
    visit); 0 loses it, which moves the visit: refused. Period 600 with C = 1100: no host tick early before the
    LT := 1 edge, so the local ticks 26, 27 lost in tick 25's visit are the ready host's case (RTL: PASS in both
    timing modes, records `7 258 0 0 0`, `8 2 1a 1b`, `a 19 55c 44c`; record 8 edited to `8 1 1a`: FAIL)."""
    from reckon_sim.core.chip import ChipHang
    inp, chip = _lt_period_chip(3000, 300)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    assert e.value.state == "IDLE" and e.value.tick == 24 and "TIME_TICK 25 arrives 300 cycles after" in str(e.value)
    inp, chip = _lt_period_chip(3000, 300, halt=0)
    with pytest.raises(InputError) as e:
        chip.run_sample(inp.train[0], True)
    assert str(e.value) == ("host program step 24: config: SPI_LOCAL_TICK := 1 after host ticks lost or cut (25) "
                            "with tick_period: not modelled (allowed: a period no tick before the write misses)")
    inp, chip = _lt_period_chip(1100, 600, halt=0)
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 1372, 1100) and r.lost_ticks == (26, 27) and r.cut_ticks == ()
    assert r.tick_table[23:, TK.cycles].tolist() == [306, 3234, 306, 290, 18] and chip._timing_error


def test_vectors_of_a_local_tick_with_a_fixed_period_host(tmp_path):
    """Record 7 keeps the period (0x258) up to the visit; the next sample's IDLE hold is written without it (the
    chip ignores TIME_TICK): the bench holds it as a local-tick halt."""
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, dataclasses.replace(_host(3000), tick_period=600))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].timing == vector_files.Timing(600, 0, 0, 0) and stim[0].local == (25, 3272, 3000)
    assert stim[1].timing == vector_files.Timing(0, 1, 0, 0)


def test_a_later_visit_rewriting_the_same_period_keeps_the_lost_local_ticks_modelled():
    """config_every = 12: ticks 13 and 25 both write SPI_CYCLES_PER_TICK := 2000 and SPI_LOCAL_TICK := 1, which
    changes nothing in tick 25 (RTL: PASS); local ticks lost in both visits."""
    from reckon_sim.core.chip import Chip
    inp = small_spec()
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=0), **inp.weights)
    chip.host = HostSpec(config_every=12, config_txns=((REG | 64, (2000,)), (REG | 10, (1,))))
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (13, 2272, 2000) and r.lost_ticks == (14, 26) and len(r.tick_table) == 28


@pytest.mark.parametrize("tmode", [0, 1])
def test_vectors_of_a_local_tick_that_cuts_a_prop_scan(tmp_path, tmode):
    """C = 2800 (DO_EPROP_TRAIN = 0): local tick 26 lands 3072 cycles into tick 25 (3170 busy), in its PROP scan,
    and cuts it (record 8 lists it: 0x1a); tick 25's row counts to the readiness after it, less the CONFIG cycles
    (3138 - 2960 = 178); step 25 waits for tick 26's readiness (the pace check counts it there). RTL: PASS in both timing modes;
    record 8 taken out: `local tick 26 came 5872 cycles after tick 25's, expected 3072`."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.vectors import write_vectors
    inp = _spec(0, tmode)
    inp = dataclasses.replace(inp, config=inp.config.with_registers(DO_EPROP_TRAIN=0))
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.host = _host(2800)
    r = chip.run_sample(inp.train[0], True)
    assert r.cut_ticks == ((26, 3072),) and r.lost_ticks == () and chip.local_tick == (25, 3072, 2800)
    assert r.tick_table[23:, TK.cycles].tolist() == [242, 3072, 66, 210, 226, 194, 18]
    write_vectors(tmp_path, inp, None, _host(2800))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert "8 1 1a" in lines and "a 19 c00 af0" in lines
    cycles = (tmp_path / "expect" / "cycles_0000.hex").read_text().splitlines()
    assert cycles[24] == f"{3072 + 66:x} {2960:x}"                 # to tick 26's readiness; CONFIG's cycles
