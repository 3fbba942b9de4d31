"""Host tick_period (core.tick_period): TIME_TICK every N cycles; early ticks per srnn.v TIMING_ERROR / ERROR_HALT.

Hand-checked sample (reckon-tbench, TARGET_TICK 6, T = 12, training): ticks 2..8 take 1602 cycles (1 + STEP 100 +
SDONE 1 + PROP 1500), tick 9 takes 3226 (1 + 100 + 1 + EPROP 1624 + PROP 1500), ticks 10, 11 1826."""
import dataclasses

import numpy as np
import pytest

from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip, ChipHang
from reckon_sim.core.host import HostSpec
from reckon_sim.core.records import TICK_COLUMNS, TK
from reckon_sim.core.tick_period import state_at
from reckon_sim.errors import InputError

_EV = np.array([[c, t] for t in range(1, 9) for c in range(0, 40, 3)], np.int32)
_SAMPLE = Sample(_EV, 1, 12, len(_EV))


def _run(period: int, halt: int = 1):
    cfg = dataclasses.replace(ChipConfig.from_preset("reckon-tbench"), target_tick=6).with_registers(
        SPI_ERROR_HALT=halt)
    chip = Chip.from_config(cfg)
    chip.host = HostSpec(tick_period=period)
    return chip.run_sample(_SAMPLE, True)


def _row(**cols):
    row = np.zeros(len(TICK_COLUMNS), np.int64)
    for name, v in cols.items():
        row[getattr(TK, name)] = v
    return row


def test_state_at_walks_the_phases_in_fsm_order():
    row = _row(step=5, sdone=1, gettar=4, eprop=7, prop=10, cycles=31)    # 3 SEND cycles: 31 - 1 - 27
    got = [state_at(row, d) for d in (1, 5, 6, 7, 11, 17, 18, 20, 21, 30)]
    assert got == [("STEP", 0), ("STEP", 4), ("SDONE", 0), ("GET_TAR", 0), ("EPROP", 0), ("EPROP", 6),
                   ("SEND", 0), ("SEND", 2), ("PROP", 0), ("PROP", 9)]
    with pytest.raises(ValueError):
        state_at(row, 31)


def test_tick_period_not_shorter_than_any_tick_equals_the_ready_host():
    cfg = dataclasses.replace(ChipConfig.from_preset("reckon-tbench"), target_tick=6)
    ready = Chip.from_config(cfg).run_sample(_SAMPLE, True)
    fixed = _run(3226)
    assert ready.tick_cycles.tolist() == fixed.tick_cycles.tolist() == [101] + [1602] * 7 + [3226, 1826, 1826, 102]
    assert (fixed.inference, fixed.out_bytes.tolist()) == (ready.inference, ready.out_bytes.tolist())


@pytest.mark.parametrize("period, why", [
    (3225, "TIME_TICK 10 arrives 3225 cycles after tick 9's, in PROP cycle 1499 of tick 9 (3226 cycles)"),
    (3000, "TIME_TICK 10 arrives 3000 cycles after tick 9's, in PROP cycle 1274 of tick 9 (3226 cycles)"),
    (1602, "TIME_TICK 10 arrives 1602 cycles after tick 9's, in EPROP cycle 1500 of tick 9 (3226 cycles)"),
])
def test_early_tick_with_error_halt_hangs_in_idle(period, why):
    with pytest.raises(ChipHang) as e:
        _run(period)
    assert (e.value.state, e.value.tick) == ("IDLE", 9)
    assert str(e.value) == (f"host program: the chip hangs in IDLE in tick 9: {why}: TIMING_ERROR is set, the FSM "
                            f"takes one more step and SPI_ERROR_HALT = 1 then holds IDLE for ever (the "
                            f"{why.split(' in ')[1].split()[0]} phase is cut; the chip's state after the cut is not "
                            "modelled)")


def test_early_tick_in_the_first_tick_prop_scan():
    with pytest.raises(ChipHang) as e:
        _run(50)
    assert (e.value.state, e.value.tick) == ("IDLE", 1)
    assert "TIME_TICK 2 arrives 50 cycles after tick 1's, in PROP cycle 49 of tick 1 (101 cycles)" in str(e.value)


def test_early_tick_in_the_prop_scan_without_error_halt_cuts_it():
    """TIME_TICK 3 lands in PROP cycle 1499 of tick 2 (1602 cycles): tick 3 starts there; the scan's last cycles
    run beside its STEP, so its own PROP scan starts fresh (100 cycles, core.cycle.cut)."""
    res = _run(1601, halt=0)
    assert res.cut_ticks == ((3, 1601), (5, 1601), (7, 1601), (9, 1601)) and res.lost_ticks == (11,)
    assert res.tick_table[:4].tolist() == [[1, 101, 0, 0, 0, 0, 0, 100, 1], [2, 1601, 100, 1, 0, 0, 0, 1499, 1],
                                           [3, 202, 100, 1, 0, 0, 0, 100, 1], [4, 1601, 100, 1, 0, 0, 0, 1499, 1]]


def test_losing_the_last_tick_leaves_the_chip_waiting_in_prop():
    """Period 1700: tick 10 lands in EPROP cycle 1598 of tick 9 (lost), tick 12 (the last) in EPROP of tick 11:
    SAMPLE falls after tick 11 and no TIME_TICK follows."""
    with pytest.raises(ChipHang) as e:
        _run(1700, halt=0)
    assert (e.value.state, e.value.tick, e.value.timing_error) == ("PROP", 11, True)
    assert str(e.value).endswith("TIME_TICK 12, the host's last, arrives while tick 11 is busy and is lost "
                                 "(SPI_ERROR_HALT = 0); the chip then waits in PROP for a tick that never comes")


def test_tick_period_is_validated():
    with pytest.raises(InputError, match=r"tick_period: = -1 \(allowed: an integer 0..4294967295\)"):
        HostSpec.from_dict({"tick_period": -1})
    assert HostSpec.from_dict({"tick_period": 5000}).tick_period == 5000
