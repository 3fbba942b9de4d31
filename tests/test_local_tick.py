"""SPI_LOCAL_TICK = 1 (core.local_tick, srnn.v time handling): hangs simulated and named, the free-running case
refused explicitly."""
import numpy as np
import pytest

from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip, ChipHang


def _run(**regs):
    cfg = ChipConfig.from_preset("reckon-tbench").with_registers(SPI_LOCAL_TICK=1, **regs)
    return Chip.from_config(cfg).run_sample(Sample(np.zeros((0, 2), np.int32), 0, 2250, 0), False)


@pytest.mark.parametrize("cpt", [0, 2, 1000])
def test_local_tick_period_not_one_hangs_in_idle_before_tick_1(cpt):
    with pytest.raises(ChipHang) as e:
        _run(SPI_CYCLES_PER_TICK=cpt)
    assert (e.value.state, e.value.tick) == ("IDLE", 1)
    assert str(e.value) == (f"host program: the chip hangs in IDLE in tick 1: SPI_LOCAL_TICK = 1 with "
                            f"SPI_CYCLES_PER_TICK = {cpt}: tick_cnt is held at 1 in IDLE, so time_tick never rises "
                            "and IDLE is never left (srnn.v time handling)")


def test_local_tick_every_cycle_with_error_halt_hangs_in_idle_in_tick_2():
    with pytest.raises(ChipHang) as e:
        _run(SPI_CYCLES_PER_TICK=1, SPI_ERROR_HALT=1)
    assert (e.value.state, e.value.tick) == ("IDLE", 2)
    assert "(path IDLE, PROP 1 cycle, STEP 1 cycle, IDLE)" in str(e.value)


def test_local_tick_every_cycle_without_error_halt_free_runs():
    with pytest.raises(ChipHang) as e:
        _run(SPI_CYCLES_PER_TICK=1, SPI_ERROR_HALT=0)
    assert (e.value.state, e.value.tick, e.value.free_run, e.value.timing_error) == ("PROP", 1, True, True)
    assert str(e.value).startswith("host program: the chip hangs in PROP in tick 1: SPI_LOCAL_TICK = 1 with "
                                   "SPI_CYCLES_PER_TICK = 1 and SPI_ERROR_HALT = 0: time_tick every cycle; the chip "
                                   "free-runs")
