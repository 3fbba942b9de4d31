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
