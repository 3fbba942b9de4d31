"""Vectors of the later operating modes on the replay DUT (tools/rtl/reckon_replay.sv, Icarus): a halt at a
visit's SPI_ERROR_HALT := 1 write (record 7 timing_error bit 2) and undefined code-0 read words (record 12). The
same vectors on the released RTL: README "Operating modes"."""
import dataclasses

import pytest

from reckon_sim.core.host import HostSpec
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files
from reckon_sim.vectors import write_vectors

from .test_config_writes import NEUR_R, REG
from .test_rtl_bench import icarus, run  # noqa: F401 (icarus: the replay bench fixture)
from .test_vectors import small_spec


def _sticky(out, tmode: int = 0):
    """Period 495, SPI_ERROR_HALT = 0, tick 21's visit a 4-word neuron read then := 1 (edge 497): tick 22 lands in
    the visit at 495 and is lost (TIMING_ERROR set at 496), the write halts the chip (README: RTL PASS)."""
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0, SPI_TIMING_MODE=tmode))
    m = write_vectors(out, inp, None, HostSpec(config_every=20, config_txns=((NEUR_R, (0, 0, 0, 0)), (REG | 11, (1,))),
                                               tick_period=495))
    return m


def test_vectors_of_a_halt_at_the_visits_error_halt_write(tmp_path, icarus):
    m = _sticky(tmp_path)
    assert m["samples"][0]["halt"]["tick"] == 21 and len(m["samples"]) == 1
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].timing == vector_files.Timing(495, 21, 5, 0) and stim[0].lost == [22]
    assert len(stim[0].steps) == 21 and [t.cmd for t in stim[0].steps[20].config][:2] == [NEUR_R, REG | 11]
    out = run(icarus, tmp_path, status=0)
    assert ("PASS  halted in tick 21 inside its visit (SPI_ERROR_HALT && TIMING_ERROR; 38 CONFIG words read as "
            "expected)") in out, out
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    (tmp_path / "stimulus.hex").write_text("\n".join(x for x in lines if x != "8 1 16") + "\n")
    out = run(icarus, tmp_path, status=1)                  # no lost tick raised: the write does not halt
    assert "FAIL  halt in tick 21" in out and "cycles not held in IDLE" in out, out


def test_undefined_read_words_are_not_compared(tmp_path, icarus):
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((0x8002_0009, (0, 0)),)))
    out = run(icarus, tmp_path, status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in out
    assert out.count("CONFIG read-back: 2 undefined words not compared (record 12)") == 1, out


def _cocotb():
    from .test_rtl_bench import REPLAY, cocotb_module
    return cocotb_module(), REPLAY


def test_local_ticks_on_the_replay_dut(tmp_path, icarus):
    """Record 10 with lost local ticks (C = 1100, tick 25's visit, SPI_ERROR_HALT = 0): expect/local_0000.hex lists
    host ticks 26, 27 (lost, 1372 and 2472 cycles into tick 25) and 28 (3572: it starts chip tick 26); the replay
    DUT raises them itself and the bench PASSes; the DUT raising tick 28 one cycle late (+replay_corrupt=7) is the
    bench's FAIL (both read the gaps from that file)."""
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0))
    write_vectors(tmp_path, inp, None, HostSpec(config_every=24, config_txns=((REG | 64, (1100,)), (REG | 10, (1,)))))
    local = tmp_path / "expect" / "local_0000.hex"
    assert local.read_text().splitlines() == ["1a 55c", "1b 9a8", "1c df4", "1d 44c", "1e 44c"]
    out = run(icarus, tmp_path, status=0)
    assert "RESULT: PASS (2 samples checked, 2 passed, 0 failed)" in out, out
    out = run(icarus, tmp_path, "+replay_corrupt=7", "+replay_corrupt_tick=28", status=1)
    assert "FAIL  local tick 28 came 3573 cycles after tick 25's, expected 3572" in out, out

    mod, replay = _cocotb()                                # the cocotb host follows the local file the same way
    assert mod.run_cocotb(tmp_path, [replay], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "ok")


def test_cocotb_host_on_a_halt_at_the_visits_error_halt_write(tmp_path):
    mod, replay = _cocotb()
    _sticky(tmp_path, tmode=1)
    assert mod.run_cocotb(tmp_path, [replay], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "b")


def test_vectors_of_the_hosts_last_tick_lost_the_chip_waiting_in_prop(tmp_path, icarus):
    """Period 600, SPI_ERROR_HALT = 0, tick 29's visit (3106 cycles): tick 30, the host's last, is lost and no tick
    follows: record 7 timing_error 9 (bit 3) in tick 29, record 8 lists 30; the bench raises it, measures nothing
    more and checks the chip ready and silent (RTL: PASS in both timing modes; record 8 removed, mode 1: FAIL)."""
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0, SPI_TIMING_MODE=1))
    m = write_vectors(tmp_path, inp, None, HostSpec(config_every=28, config_txns=((REG | 11, (0,)),), tick_period=600))
    assert m["samples"][0]["halt"]["state"] == "PROP" and m["samples"][0]["halt"]["tick"] == 29
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].timing == vector_files.Timing(600, 29, 9, 1) and stim[0].lost == [30] and len(stim[0].steps) == 29
    assert vector_files.read_cycles(tmp_path / "expect" / "cycles_0000.hex")[-1].tolist() == [3106, 2832]
    out = run(icarus, tmp_path, status=0)
    assert "PASS  waits in PROP after tick 29: tick 30, the host's last, was lost; ready and silent" in out, out
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    (tmp_path / "stimulus.hex").write_text("\n".join(x for x in lines if x != "8 1 1e") + "\n")
    out = run(icarus, tmp_path, status=1)                  # no lost tick: TIMING_ERROR stays low
    assert "FAIL  halt in tick 29" in out, out


def test_vectors_of_a_halt_at_the_visits_error_halt_write_after_a_lost_local_tick(tmp_path, icarus, monkeypatch):
    """LT := 1 in tick 11's visit (C = 3000), SPI_ERROR_HALT = 0; tick 21's visit reads 42 neuron words, then
    SPI_ERROR_HALT := 1: local tick 22 lands in the visit at 3000 (lost), the write halts the chip (was refused as a
    halt after lost local ticks). RTL: PASS in both timing modes; the EH write taken out of record 6: FAIL."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.core.host import HostProgram
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config={
            **p.config, 20: ((0x9000_0000 | (42 << 16), (0,) * 42), (REG | 11, (1,)))})
    monkeypatch.setattr(Chip, "host_program", program)
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0))
    write_vectors(tmp_path, inp, None, HostSpec(config_every=10, config_txns=((REG | 64, (3000,)), (REG | 10, (1,)))))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert lines[4:7] == ["7 0 15 5 0", "8 1 16", "a b cc8 bb8"]
    assert (tmp_path / "expect" / "local_0000.hex").read_text().splitlines()[-2:] == ["15 bb8", "16 bb8"]
    out = run(icarus, tmp_path, status=0)
    assert "PASS  halted in tick 21 inside its visit" in out, out


def test_vectors_of_a_halt_at_the_visits_error_halt_write_after_cut_scans(tmp_path, icarus):
    """Period 220, SPI_ERROR_HALT = 0, DO_EPROP_TRAIN = 0: ticks 11, 13, .., 21 cut PROP scans (TIMING_ERROR set,
    as a lost tick does); tick 22's visit writes SPI_ERROR_HALT := 1 and halts the chip there. Record 8 lists the
    cut ticks (the bench raises them; was left out, and the model ran on). RTL: PASS in both timing modes; record 8
    without tick 21: FAIL."""
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_ERROR_HALT=0, DO_EPROP_TRAIN=0))
    m = write_vectors(tmp_path, inp, None, HostSpec(config_every=20, config_txns=((REG | 11, (1,)),), tick_period=220))
    assert "(the tick that cut the PROP scan of tick 10)" in m["samples"][0]["halt"]["why"]
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert lines[4:6] == ["7 dc 16 5 0", "8 6 b d f 11 13 15"]
    out = run(icarus, tmp_path, status=0)
    assert "PASS  halted in tick 22 inside its visit" in out, out


def test_vectors_of_a_local_tick_halting_the_chip_inside_its_visit(tmp_path, icarus):
    """LT := 1 with C = 1000 in tick 25's visit, SPI_ERROR_HALT = 1: the first local tick lands in that visit at
    1272 and halts the chip; written as a halt inside the visit (record 7 bit 2; RTL: PASS in both timing modes,
    its 34 read words as expected). C = 1 stays model only: time_tick then stays high in IDLE and 24 of the 34
    words the RTL reads after the halt differ."""
    def host(c):
        return HostSpec(config_every=24, config_txns=((REG | 64, (c,)), (REG | 10, (1,))))
    m = write_vectors(tmp_path, small_spec(), None, host(1000))
    assert m["samples"][0]["halt"]["tick"] == 25
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert lines[4:6] == ["7 0 19 5 0", "a 19 4f8 3e8"]
    out = run(icarus, tmp_path, status=0)
    assert "PASS  halted in tick 25 inside its visit" in out, out
    with pytest.raises(InputError) as e:
        write_vectors(tmp_path / "c1", small_spec(), None, host(1))
    assert str(e.value).endswith("a halt inside the visit with C = 1 is not written (held in IDLE with time_tick "
                                 "and SAMPLE high, nextstate is PROP every cycle, so the event FSM scans the neurons "
                                 "again and again, srnn.v L981, and the visit's later reads see it; model only)")


def test_cocotb_host_on_a_get_tar_hang_with_the_later_ticks_lost(tmp_path):
    """One label, SINGLE_LABEL = 0, SPI_ERROR_HALT = 0, mode 1, period 3000: the cocotb host raises the 9 ticks lost
    in tick 21's endless GET_TAR while it checks the hang, TIMING_ERROR high from the first (on the released RTL,
    Icarus: `PASS hangs in GET_TAR of tick 21: ... the host's 9 later ticks lost in it`, OK)."""
    mod, replay = _cocotb()
    inp = small_spec()
    inp = dataclasses.replace(inp, config=inp.config.with_registers(SPI_SINGLE_LABEL=0, SPI_ERROR_HALT=0,
                                                                    SPI_TIMING_MODE=1))
    write_vectors(tmp_path, inp, None, HostSpec(tick_period=3000))
    assert "8 9 16 17 18 19 1a 1b 1c 1d 1e" in (tmp_path / "stimulus.hex").read_text().splitlines()
    assert mod.run_cocotb(tmp_path, [replay], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "b")


@pytest.mark.parametrize("c_later", [None, 1000])
def test_vectors_of_local_ticks_set_again_after_their_0(tmp_path, icarus, monkeypatch, c_later):
    """LT := 1 with C = 3000 in tick 11's visit, := 0 in tick 21's, := 1 again in tick 26's (was model only: the
    bench played one record 10). expect/local_0000.hex lists both phases (12..21, then 27 at 3144 and 28..30 every
    3000; with C := 1000 in tick 28's visit, 29 and 30 every 1000), the bench follows the visits' LT writes; replay
    DUT and cocotb PASS (RTL: PASS in both timing modes; `1b c49`: `FAIL  local tick 27 came 3144 cycles after tick
    26's, expected 3145`; with C := 1000, `1d 3e9`: `FAIL  local tick 29 came 1000 cycles after tick 28's, expected
    1001`)."""
    from reckon_sim.core.chip import Chip
    from reckon_sim.core.host import HostProgram
    template = Chip.host_program

    def program(self, sample, learn, targets=None):
        p = template(self, sample, learn, targets)
        visits = {**p.config, 20: ((REG | 10, (0,)),), 25: ((REG | 10, (1,)),)} if p.config else p.config
        if p.config and c_later:
            visits[27] = ((REG | 64, (c_later,)),)
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config=visits)
    monkeypatch.setattr(Chip, "host_program", program)
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((REG | 64, (3000,)),
                                                                                        (REG | 10, (1,)))))
    rows = (tmp_path / "expect" / "local_0000.hex").read_text().splitlines()
    last = ["1d 3e8", "1e 3e8"] if c_later else ["1d bb8", "1e bb8"]
    assert rows == ["c cc8", *(f"{j:x} bb8" for j in range(13, 22)), "1b c48", "1c bb8", *last]
    out = run(icarus, tmp_path, status=0)
    assert "RESULT: PASS (2 samples checked, 2 passed, 0 failed)" in out, out
    out = run(icarus, tmp_path, "+replay_corrupt=7", "+replay_corrupt_tick=27", status=1)
    assert "FAIL  local tick 27 came 3145 cycles after tick 26's, expected 3144" in out, out
    mod, replay = _cocotb()
    assert mod.run_cocotb(tmp_path, [replay], toplevel="reckon_replay", simulator="icarus", build_dir=tmp_path / "b")
