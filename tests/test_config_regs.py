"""CONFIG register writes of the registers a sample used to be fixed by (issue #11): sizes with records,
SEND_PER_TIMESTEP / SEND_LABEL_ONLY, TIMING_MODE and, with a host tick_period, SPI_ERROR_HALT (core.error_halt)."""
import dataclasses

import numpy as np
import pytest

from reckon_sim.core.chip import ChipHang
from reckon_sim.core.host import HostSpec
from reckon_sim.core.records import NF, TK
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files

from .test_config_writes import REG, _program
from .test_host import REGUL, _chip
from .test_vectors import small_spec


def test_num_rec_written_mid_sample_is_recorded_at_the_samples_largest_size():
    """NUM_REC 39 -> 29 in tick 100: dump=True runs as dump=False (same tick table), records keep 40 columns, STEP
    takes NUM_RECOUT + 1 = 30 cycles from tick 101 and neurons 30..39 keep their state (STEP no longer visits
    them)."""
    case, chip = _chip(REGUL)
    s = case.train[0]
    _, ref = _chip(REGUL)
    write = {99: ((REG | 95, (29,)),)}
    a = ref.run_sample(s, True, dump=False, program=_program(ref, s, write))
    b = chip.run_sample(s, True, dump=True, program=_program(chip, s, write))
    assert np.array_equal(a.tick_table, b.tick_table)
    assert b.records.step.shape == (360, 4, 40) and b.records.z.shape == (360, 40)
    assert b.tick_table[98:102, TK.step].tolist() == [40, 40, 30, 30]
    assert b.tick_table[100].tolist() == [101, 152, 30, 1, 0, 0, 0, 120, 1]
    assert np.array_equal(b.records.step[101:, :, 30:], b.records.prop[100:-1, :, 30:])
    assert b.records.step[101, NF.membrane, 28:33].tolist() == [-5572, -3629, 54, -8, -8091]
    assert chip.config["SPI_NUM_REC_NEUR"] == 29 and b.end_state["neur_u"].shape == (30,)


def test_send_per_timestep_and_label_only_written_mid_sample():
    """SEND_PER_TIMESTEP := 1 in tick 10's visit: ticks 10..T-1 send (CONFIG -> SEND); SEND_LABEL_ONLY := 0 in
    tick 20's: 4 items (2 membranes) from tick 20 on; SEND cycles 6 n - 2 only where a tick sends."""
    case, chip = _chip(REGUL, SPI_SEND_LABEL_ONLY=1)
    s = case.train[0]
    r = chip.run_sample(s, True, program=_program(chip, s, {9: ((REG | 30, (1,)),), 19: ((REG | 31, (0,)),)}))
    n = r.tick_send["n"]
    assert n[:9].tolist() == [0] * 9 and n[9:19].tolist() == [1] * 10 and n[19:-1].tolist() == [4] * 340
    assert n[-1] == 0 and r.tick_send["cycles"][[8, 9, 19]].tolist() == [0, 4, 22]
    assert r.tick_table[8:11, TK.cycles].tolist() == [122, 422, 166] and r.out_bytes.tolist() == [196, 31, 60, 223]


def test_vectors_of_a_mid_sample_send_per_timestep_list_every_tick(tmp_path):
    """Record 5 and a send-file line for every tick 2..T-1, with n = 0 before the visit of tick 11."""
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((REG | 30, (1,)),)))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.tick_items for s in stim] == [1, 1, 1]
    sends = vector_files.read_tick_sends(tmp_path / "expect" / "send_0000.hex")
    assert sorted(sends) == list(range(2, 30)) and [len(sends[k]) for k in (2, 10, 11, 29)] == [0, 0, 1, 1]


def _eh_chip(*txns, halt: int, period: int = 2880, every: int = 24):
    inp = small_spec()
    from reckon_sim.core.chip import Chip
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=halt), **inp.weights)
    chip.host = HostSpec(config_every=every, config_txns=txns, tick_period=period)
    return inp, chip


def test_error_halt_written_mid_sample_judges_the_early_ticks_after_the_visit():
    """small_spec, a visit in tick 25 (CONFIG ends at cycle 2850, EPROP 2850..2913), period 2880: TIME_TICK 26
    lands in EPROP after the visit, so it meets the written value: := 1 halts, := 0 loses it."""
    inp, chip = _eh_chip((REG | 11, (1,)), halt=0)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    assert str(e.value) == ("host program: the chip hangs in IDLE in tick 25: TIME_TICK 26 arrives 2880 cycles after "
                            "tick 25's, in EPROP cycle 30 of tick 25 (3106 cycles): TIMING_ERROR is set, the FSM takes "
                            "one more step and SPI_ERROR_HALT = 1 then holds IDLE for ever (the EPROP phase is cut; "
                            "the chip's state after the cut is not modelled)")
    assert e.value.cut == ("EPROP", 30) and e.value.lost_ticks == ()
    inp, chip = _eh_chip((REG | 11, (0,)), halt=1)
    r = chip.run_sample(inp.train[0], True)
    assert r.lost_ticks == (26,) and len(r.tick_table) == 29


def test_error_halt_written_in_the_visit_the_early_tick_lands_in():
    """Tick 21's visit reads a neuron word (4 words) then writes SPI_ERROR_HALT: the write's edge is 497 cycles
    into the tick (CONFIG exit edge 3201 - D 2704); an early tick at t meets the value at edge t + 1. EH 1 -> 0: period
    495 halts in CONFIG cycle 477, 496 and 497 lose the tick (RTL: both halts and both runs PASS; period 496 with
    the halt expected FAILs). EH 0 -> 1 with the tick before the write (period 495, its TIMING_ERROR set at 496 <
    497): lost, then the sticky TIMING_ERROR halts at the write (also when a := 0 follows); period 496 meets the 1; the same visit in tick 13 with EH := 1 (edge 145): tick 14 at 900 halts in CONFIG cycle 882."""
    from .test_config_writes import NEUR_R
    txns = ((NEUR_R, (0, 0, 0, 0)), (REG | 11, (0,)))
    for period, halts in ((495, True), (496, False), (497, False)):
        inp, chip = _eh_chip(*txns, halt=1, period=period, every=20)
        if halts:
            with pytest.raises(ChipHang) as e:
                chip.run_sample(inp.train[0], True)
            assert e.value.tick == 21 and e.value.cut == ("CONFIG", 477)
        else:
            r = chip.run_sample(inp.train[0], True)
            assert r.lost_ticks[:6] == (22, 23, 24, 25, 26, 27) and r.cut_ticks == (((28, 3472),) if period == 496
                                                                                      else ())
    sticky = None
    for eh_writes, period, cut in (((1,), 495, -1), ((1, 0), 495, -1), ((1,), 496, 478)):
        inp, chip = _eh_chip(txns[0], *((REG | 11, (v,)) for v in eh_writes), halt=0, period=period, every=20)
        with pytest.raises(ChipHang) as e:               # 495: lost at edge 496, the := 1 write halts at 497
            chip.run_sample(inp.train[0], True)
        assert e.value.tick == 21 and e.value.cut == ("CONFIG", cut) and e.value.lost_ticks == ((22,) if cut < 0
                                                                                                 else ())
        if eh_writes == (1,) and cut < 0:
            sticky = str(e.value)
    assert str(e.value).startswith("host program: the chip hangs in IDLE in tick 21: TIME_TICK 22 arrives 496 cycles")
    assert sticky == ("host program: the chip hangs in IDLE in tick 21: SPI_ERROR_HALT := 1 in the CONFIG visit "
                      "of tick 21 while TIMING_ERROR is set (the tick lost in tick 21): SPI_ERROR_HALT && "
                      "TIMING_ERROR forces IDLE from the write on (the visit is cut; the chip's state after the "
                      "cut is not modelled)")
    inp, chip = _eh_chip((REG | 11, (1,)), halt=0, period=900, every=12)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    assert e.value.tick == 13 and e.value.cut == ("CONFIG", 882)


def test_error_halt_set_then_cleared_in_one_visit_halts_a_tick_between_the_writes(tmp_path):
    """SPI_ERROR_HALT = 0; tick 21's visit reads 4 neuron words, writes := 1 (edge 497), then := 0 (edge 625). A tick
    whose next edge sees the 1 (periods 496..623) halts in CONFIG, although the visit leaves 0 (it was judged lost);
    624 meets the 0: lost (22..26), and the next sample's := 1 halts at its write (the sticky TIMING_ERROR). RTL:
    496, 623 and 624 PASS in both timing modes; 623 written as lost: `tick 27 did not finish`."""
    from .test_config_writes import NEUR_R
    txns = ((NEUR_R, (0,) * 4), (REG | 11, (1,)), (REG | 11, (0,)))
    for period, cut in ((496, 478), (623, 605)):
        inp, chip = _eh_chip(*txns, halt=0, period=period, every=20)
        with pytest.raises(ChipHang) as e:
            chip.run_sample(inp.train[0], True)
        assert (e.value.tick, e.value.cut, e.value.lost_ticks) == (21, ("CONFIG", cut), ())
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, dataclasses.replace(inp, config=chip.config), None, chip.host)   # record 7 as on the RTL
    assert vector_files.read_stimulus(tmp_path / "stimulus.hex")[0].timing == vector_files.Timing(623, 21, 1, 0)
    inp, chip = _eh_chip(*txns, halt=0, period=624, every=20)
    assert chip.run_sample(inp.train[0], True).lost_ticks == (22, 23, 24, 25, 26)
    with pytest.raises(ChipHang, match="SPI_ERROR_HALT := 1 in the CONFIG visit of tick 21 while TIMING_ERROR is set "
                                       r"\(an earlier sample's lost tick\)") as e:
        chip.run_sample(inp.train[1], True)
    assert e.value.cut == ("CONFIG", -1)


def test_error_halt_refusals_and_the_sticky_timing_error():
    """:= 1 after a lost tick (TIMING_ERROR set) halts in that visit."""
    for period in (4000, 0):                             # the next sample's host: a fixed period, the ready host
        inp, chip = _eh_chip((REG | 11, (0,)), halt=0)   # tick 26 lost: TIMING_ERROR stays set
        chip.run_sample(inp.train[0], True)
        chip.host = dataclasses.replace(chip.host, config_txns=((REG | 11, (1,)),), tick_period=period)
        with pytest.raises(ChipHang) as e:
            chip.run_sample(inp.train[1], True)
        assert e.value.tick == 25 and e.value.cut == ("CONFIG", -1)
        assert str(e.value) == ("host program: the chip hangs in IDLE in tick 25: SPI_ERROR_HALT := 1 in the CONFIG "
                                "visit of tick 25 while TIMING_ERROR is set (an earlier sample's lost tick): "
                                "SPI_ERROR_HALT && TIMING_ERROR forces IDLE from the write on (the visit is cut; the "
                                "chip's state after the cut is not modelled)")


def test_timing_mode_written_mid_sample_is_record_7_of_the_next_samples(tmp_path):
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((REG | 23, (1,)),),
                                                         tick_period=4000))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [(s.timing.period, s.timing.timing_mode) for s in stim] == [(4000, 0), (4000, 1), (4000, 1)]


def _lt_chip(c: int, halt: int = 1):
    inp = small_spec()
    from reckon_sim.core.chip import Chip
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=halt), **inp.weights)
    chip.host = HostSpec(config_every=24, config_txns=((REG | 64, (c,)), (REG | 10, (1,))))
    return inp, chip


def test_local_tick_written_mid_sample_starts_every_c_cycles_from_the_write():
    """SPI_LOCAL_TICK := 1 in tick 25's visit: the write's edge is D = 128 + 64 x 36 + 8 x 34 = 2704 cycles before
    CONFIG ends (offset 2978), so the first local tick comes at 2978 - 1 - 2704 - 1 + C: C = 3000 starts tick 26 at
    3272 (tick 25 takes 3234), the next sample never leaves IDLE; C = 1 lands in CONFIG (halt); with
    SPI_ERROR_HALT = 0 they are lost."""
    inp, chip = _lt_chip(3000)
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 3272, 3000) and r.tick_table[24, TK.cycles] == 3234
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[1], True)
    assert e.value.state == "IDLE" and e.value.tick == 1
    inp, chip = _lt_chip(1)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    assert str(e.value) == ("host program: the chip hangs in IDLE in tick 25: SPI_LOCAL_TICK := 1 in the CONFIG visit "
                            "of tick 25 (SPI_CYCLES_PER_TICK = 1): the local tick arrives 273 cycles after tick 25's, "
                            "in CONFIG cycle 255 of tick 25 (3234 cycles): TIMING_ERROR is set, the FSM takes one more "
                            "step and SPI_ERROR_HALT = 1 then holds IDLE for ever (the CONFIG phase is cut; the chip's "
                            "state after the cut is not modelled)")
    assert e.value.cut == ("CONFIG", 255) and e.value.local == (25, 273, 1)
    inp, chip = _lt_chip(1000, halt=0)                     # lost local ticks: tests/test_lost_local_ticks.py
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 1272, 1000) and r.lost_ticks == (26, 27) and len(r.tick_table) == 28


def test_vectors_of_a_local_tick_write_carry_record_10_and_end_held_in_idle(tmp_path):
    from reckon_sim.vectors import write_vectors
    host = HostSpec(config_every=24, config_txns=((REG | 64, (3000,)), (REG | 10, (1,))))
    m = write_vectors(tmp_path, small_spec(), None, host)
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.local for s in stim] == [(25, 3272, 3000), None]
    assert stim[1].timing == vector_files.Timing(0, 1, 0, 0) and m["samples"][1]["halt"]["tick"] == 1
    with pytest.raises(InputError) as e:
        write_vectors(tmp_path / "c1", small_spec(), None, dataclasses.replace(host, config_txns=(
            (REG | 64, (1,)), (REG | 10, (1,)))))
    assert str(e.value).endswith("(the CONFIG phase is cut; the chip's state after the cut is not modelled): a halt "
                                 "inside the visit with C = 1 is not written (held in IDLE with time_tick and SAMPLE "
                                 "high, nextstate is PROP every cycle, so the event FSM scans the neurons again and "
                                 "again, srnn.v L981, and the visit's later reads see it; model only)")
    m = write_vectors(tmp_path / "c2800", small_spec(), None, dataclasses.replace(host, config_txns=(
        (REG | 64, (2800,)), (REG | 10, (1,)))))              # lands in tick 25's PROP scan: a halt the bench checks
    stim = vector_files.read_stimulus(tmp_path / "c2800" / "stimulus.hex")
    assert len(stim) == 1 and stim[0].local == (25, 3072, 2800) and stim[0].timing == vector_files.Timing(0, 25, 1, 0)
    assert "in PROP cycle 30 of tick 25" in m["samples"][0]["halt"]["why"]


def test_timing_mode_written_mid_sample_with_the_ready_host(tmp_path):
    """The bench follows the write (it counts each tick's expected cycles in mode 1): not refused mid-sample."""
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((REG | 23, (1,)),)))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.timing for s in stim] == [None, vector_files.Timing(0, 0, 0, 1), vector_files.Timing(0, 0, 0, 1)]


def test_cycles_per_tick_written_after_the_local_tick_write_takes_over_the_count():
    """CPT := 2000, LT := 1, CPT := 3200 in tick 25's visit: LT's edge D = 2704 + 128 = 2832 cycles before CONFIG
    ends (edge 3105), CPT's D = 2704 (edge 401): tick_cnt is 401 - 272 = 129 there, below 3200, so tick 26 starts at
    272 + 3200 = 3472 as with CPT := 3200 before LT (tick 25: 3362 cycles); CPT := 100 there: tick_cnt has passed it
    (refused); old C = 1: its tick (273) comes before the write, in CONFIG (halt)."""
    inp, chip = _lt_chip(0)
    chip.host = HostSpec(config_every=24, config_txns=((REG | 64, (2000,)), (REG | 10, (1,)), (REG | 64, (3200,))))
    r = chip.run_sample(inp.train[0], True)
    assert chip.local_tick == (25, 3472, 3200) and chip.local_changes == () and r.tick_table[24, TK.cycles] == 3362
    inp, chip = _lt_chip(0)
    chip.host = HostSpec(config_every=24, config_txns=((REG | 64, (2000,)), (REG | 10, (1,)), (REG | 64, (100,))))
    with pytest.raises(InputError) as e:
        chip.run_sample(inp.train[0], True)
    assert str(e.value) == ("host program step 24: config: SPI_CYCLES_PER_TICK := 100 when tick_cnt is already 129: "
                            "it counts through 2^32 before the next local tick: not modelled (allowed: a value not "
                            "below the cycles since the last local tick, or the LT write's edge)")
    inp, chip = _lt_chip(0)
    chip.host = HostSpec(config_every=24, config_txns=((REG | 64, (1,)), (REG | 10, (1,)), (REG | 64, (3200,))))
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    assert e.value.cut == ("CONFIG", 255) and e.value.local == (25, 273, 1) and e.value.tick == 25


def test_vectors_of_a_cycles_per_tick_write_after_the_local_tick_write(tmp_path):
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=24, config_txns=(
        (REG | 64, (2000,)), (REG | 10, (1,)), (REG | 64, (3200,)))))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [s.local for s in stim] == [(25, 3472, 3200), None]


def _later_cpt(c2: int):
    from reckon_sim.core.chip import Chip
    from .test_config_writes import _program
    inp = small_spec()
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=1), **inp.weights)
    s = inp.train[0]
    return chip, s, _program(chip, s, {10: ((REG | 64, (3000,)), (REG | 10, (1,))), 20: ((REG | 64, (c2,)),)})


def test_cycles_per_tick_changed_in_a_later_visit():
    """LT := 1 (C = 3000) in tick 11's visit (tick 12 at 401 - 128 - 1 + 3000 = 3272), CPT := C' in tick 21's
    (edge 273 - 128 = 145 of tick 21, tick_cnt 145 there): C' = 1000 starts tick 22 1000 after tick 21; C' = 200:
    that tick lands in tick 21's CONFIG (cycle 200 - 18 = 182: halt); C' = 100 < 145: refused (vectors of the halts: test_local_period_change)."""
    chip, s, prog = _later_cpt(1000)
    r = chip.run_sample(s, True, program=prog)
    assert chip.local_tick == (11, 3272, 3000) and chip.local_changes == ((21, 1000),)
    assert list(r.tick_table[[10, 20], TK.cycles]) == [642, 546]
    chip, s, prog = _later_cpt(200)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(s, True, program=prog)
    assert e.value.tick == 21 and e.value.cut == ("CONFIG", 182) and e.value.local_changes == ((21, 200),)
    assert "the local tick arrives 200 cycles after tick 21's, in CONFIG cycle 182 of tick 21 (546 cycles)" in str(e.value)
    chip, s, prog = _later_cpt(100)
    with pytest.raises(InputError) as e:
        chip.run_sample(s, True, program=prog)
    assert str(e.value) == ("host program step 10: config: SPI_CYCLES_PER_TICK := 100 when tick_cnt is already 145: "
                            "it counts through 2^32 before the next local tick: not modelled (allowed: a value not "
                            "below the cycles since the last local tick, or the LT write's edge)")


def test_error_halt_changed_in_a_later_visit_is_the_value_the_busy_local_tick_meets():
    """Tick 21's visit CPT := 500 (edge 401 - 128 = 273 <= 500): the local tick lands 500 cycles into tick 21 (674
    cycles), after the visit: with SPI_ERROR_HALT := 0 written first in that visit it meets 0 (lost, and it cuts
    the PROP scan: refused beside the CPT change), without it 1 (halt)."""
    from reckon_sim.core.chip import Chip
    from .test_config_writes import _program
    inp = small_spec()
    s = inp.train[0]
    for eh_write, halts in (((REG | 11, (0,)),), False), (((REG | 11, (1,)),), True):
        chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=1), **inp.weights)
        prog = _program(chip, s, {10: ((REG | 64, (3000,)), (REG | 10, (1,))), 20: (*eh_write, (REG | 64, (500,)))})
        with pytest.raises(ChipHang if halts else InputError) as e:
            chip.run_sample(s, True, program=prog)
        if halts:
            assert e.value.tick == 21 and e.value.cut[0] != "CONFIG" and e.value.local_changes == ((21, 500),)
        else:
            assert str(e.value) == ("host program step 10: config: the local tick 22 cuts a PROP scan (SPI_ERROR_HALT "
                                    "= 0) and the CONFIG visit of tick 21 writes SPI_CYCLES_PER_TICK := 500: not "
                                    "modelled (allowed: no later SPI_CYCLES_PER_TICK write, or local ticks outside "
                                    "the PROP scans)")


def test_local_ticks_lost_after_a_later_period_change_come_on_the_new_period():
    """LT := 1 at tick 11 (C = 3000), tick 21's visit EH := 0 then CPT := 350 (seen at edge 273 of tick 21's 674
    cycles): local tick 22 at 350 lands in the visit (lost), tick 23 starts at 700; later ticks every 350 (290
    busy: none lost). 30 host ticks, 29 chip ticks."""
    from reckon_sim.core.chip import Chip
    from .test_config_writes import _program
    inp = small_spec()
    s = inp.train[0]
    chip = Chip.from_config(inp.config.with_registers(SPI_ERROR_HALT=1), **inp.weights)
    prog = _program(chip, s, {10: ((REG | 64, (3000,)), (REG | 10, (1,))), 20: ((REG | 11, (0,)), (REG | 64, (350,)))})
    r = chip.run_sample(s, True, program=prog)
    assert r.lost_ticks == (22,) and r.cut_ticks == () and len(r.tick_table) == 29
    assert chip.local_tick == (11, 3272, 3000) and chip.local_changes == ((21, 350),)
    assert chip.local_schedule.changes == ((21, 273, 350),)
    assert [chip.local_schedule.gap(21, m) for m in (1, 2)] == [350, 700] and chip.local_schedule.gap(23, 1) == 350
    assert r.tick_table[18:23, TK.cycles].tolist() == [210, 274, 674, 290, 290]
