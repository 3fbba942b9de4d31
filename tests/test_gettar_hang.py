"""A GET_TAR no transfer answers with a fixed-period host (core.gettar_hang): the host's next TIME_TICK lands in
it and sets TIMING_ERROR (srnn.v L762), so SPI_ERROR_HALT = 1 holds IDLE from there (a halt; checked on the
released RTL, README "Operating modes") and 0 leaves the chip in GET_TAR with the host's later ticks lost.

small_spec with SPI_SINGLE_LABEL = 0 and the stock host: one label (TARGET_TICK 20), so tick 21's GET_TAR waits
for ever; it starts at core cycle 1 + 16 (STEP) + 1 (SDONE) = 18 of its tick."""
import pytest

from reckon_sim.core.chip import Chip, ChipHang
from reckon_sim.core.host import HostSpec

from .test_vectors import small_spec


def _hang(period: int, error_halt: int) -> ChipHang:
    spec = small_spec()
    chip = Chip.from_config(spec.config.with_registers(SPI_SINGLE_LABEL=0, SPI_ERROR_HALT=error_halt),
                            **spec.weights)
    chip.host = HostSpec(tick_period=period)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(spec.train[0], True)
    return e.value


def test_error_halt_1_halts_in_get_tar_at_the_next_tick():
    h = _hang(3000, 1)
    assert (h.state, h.tick, h.timing_error, h.cut, h.lost_ticks) == ("IDLE", 21, True, ("GET_TAR", 2982), ())
    assert str(h).startswith("host program: the chip hangs in IDLE in tick 21: TIME_TICK 22 arrives 3000 cycles "
                             "after tick 21's, in GET_TAR cycle 2982 of tick 21 (3001 cycles)")
    assert h.tick_table.shape[0] == 21 and h.tick_table[-1].tolist() == [21, 3001, 16, 1, 0, 2983, 0, 0, 4]


def test_error_halt_0_waits_in_get_tar_with_the_later_ticks_lost():
    h = _hang(3000, 0)
    assert (h.state, h.tick, h.timing_error, h.lost_ticks) == ("GET_TAR", 21, True, tuple(range(22, 31)))
    assert str(h) == ("host program: the chip hangs in GET_TAR in tick 21: no target transfer answers its request; "
                      "TIME_TICK 22 arrives in it and sets TIMING_ERROR, it and the host's later ticks up to 30 are "
                      "lost (SPI_ERROR_HALT = 0)")


def test_the_ready_host_and_a_short_period_are_as_before():
    h = _hang(0, 1)
    assert (h.state, h.tick, h.timing_error, h.lost_ticks) == ("GET_TAR", 21, False, ())
    h = _hang(150, 1)                                  # tick 5 comes during tick 4's PROP scan: the halt is there
    assert (h.state, h.tick, h.cut) == ("IDLE", 4, ("PROP", 132))
