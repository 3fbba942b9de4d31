"""Timing modes in the RTL vectors (format version 3, record 7): a host that raises TIME_TICK every N cycles,
SPI_TIMING_MODE = 1, and runs that end with the chip held in IDLE (an early tick with SPI_ERROR_HALT = 1, a local
tick generator). Checked here against the replay DUT (tools/rtl/reckon_replay.sv); README "Operating modes" lists
the runs on the released RTL.

small_spec's tick cycles: sample 0 ticks 20..28 take 274..306 cycles (tick 24: 306, the longest), sample 1 tick
23 takes 322 (the longest of the run)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from reckon_sim.core.host import HostSpec
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files as vf
from reckon_sim.vectors import write_vectors
from reckon_sim.vectors.stimulus import check_protocol

from .test_rtl_bench import icarus, run   # noqa: F401  (the Icarus bench fixture)
from .test_vectors import small_spec


def _write(tmp_path, name: str, period: int, config_every: int = 0, **regs):
    spec = small_spec()
    out = tmp_path / name
    out.mkdir()
    manifest = write_vectors(out, replace(spec, config=spec.config.with_registers(**regs)), None,
                             HostSpec(tick_period=period, config_every=config_every))
    return out, manifest


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timing")
    return {name: _write(tmp, name, period, **regs) for name, period, regs in [
        ("period", 322, {}), ("timing_mode", 322, {"SPI_TIMING_MODE": 1}),
        ("halt", 321, {"SPI_ERROR_HALT": 1}), ("halt_tm", 305, {"SPI_ERROR_HALT": 1, "SPI_TIMING_MODE": 1}),
        ("local", 0, {"SPI_LOCAL_TICK": 1, "SPI_CYCLES_PER_TICK": 3, "SPI_TIMING_MODE": 1}),
        ("lost", 900, {"config_every": 12, "SPI_ERROR_HALT": 0}),
        ("lost_tm", 1000, {"config_every": 12, "SPI_ERROR_HALT": 0, "SPI_TIMING_MODE": 1}),
        ("lost_spt", 2723, {"config_every": 12, "SPI_ERROR_HALT": 0, "SPI_SEND_PER_TIMESTEP": 1})]}


def test_the_longest_tick_fits_the_period_exactly(sets):
    out, manifest = sets["period"]
    assert manifest["run"]["samples"] == 3 and not any("halt" in s for s in manifest["samples"])
    assert manifest["format_version"] == vf.FORMAT_VERSION == 6
    assert [s.timing for s in vf.read_stimulus(out / "stimulus.hex")] == [vf.Timing(322, 0, 0, 0)] * 3
    assert max(int(c) for c in vf.read_cycles(out / "expect" / "cycles_0001.hex")[:, 0]) == 322


def test_an_early_tick_with_error_halt_ends_the_run_in_the_halt_tick(sets):
    out, manifest = sets["halt"]
    assert [s.get("halt", {}).get("tick") for s in manifest["samples"]] == [None, 23]
    assert manifest["samples"][1]["halt"]["why"] == (
        "host program: the chip hangs in IDLE in tick 23: TIME_TICK 24 arrives 321 cycles after tick 23's, in PROP "
        "cycle 239 of tick 23 (322 cycles): TIMING_ERROR is set, the FSM takes one more step and SPI_ERROR_HALT = 1 "
        "then holds IDLE for ever (the PROP phase is cut; the chip's state after the cut is not modelled)")
    stim = vf.read_stimulus(out / "stimulus.hex")
    assert [(s.gidx, s.n_items, len(s.steps), s.timing) for s in stim] == [
        (0, 1, 30, vf.Timing(321, 0, 0, 0)), (1, 0, 23, vf.Timing(321, 23, 1, 0))]
    assert vf.read_timing(out / "expect" / "timing.hex") == {0: vf.Timing(321, 0, 0, 0), 1: vf.Timing(321, 23, 1, 0)}
    assert vf.read_cycles(out / "expect" / "cycles_0001.hex")[:, 0].tolist()[-2:] == [290, 322]
    assert vf.read_outputs(out / "expect" / "outputs.hex")[1] == (1, [])
    assert not (out / "mem" / "neur_0001.mem").exists() and not (out / "expect" / "readback_0001.hex").exists()


def test_a_local_tick_halts_before_the_first_tick(sets):
    out, manifest = sets["local"]
    assert manifest["run"]["samples"] == 1 and manifest["samples"][0]["halt"]["tick"] == 1
    (stim,) = vf.read_stimulus(out / "stimulus.hex")
    assert (len(stim.steps), stim.timing) == (1, vf.Timing(0, 1, 0, 1))


def test_lost_ticks_are_record_8_and_empty_cycle_rows(sets):
    """tests/test_lost_ticks.py: period 900 loses ticks 14-16 and 26-28 of sample 0 (in the CONFIG visits)."""
    out, manifest = sets["lost"]
    stim = vf.read_stimulus(out / "stimulus.hex")
    assert stim[0].lost == [14, 15, 16, 26, 27, 28] and len(stim[0].steps) == 30
    cycles = vf.read_cycles(out / "expect" / "cycles_0000.hex")
    assert cycles.shape == (30, 2) and cycles[13:16].tolist() == [[0, 0]] * 3 and int(cycles[12, 0]) == 2962
    assert [s.lost for s in vf.read_stimulus(sets["lost_tm"][0] / "stimulus.hex")][0] == [14, 15, 26, 27]


def test_lost_ticks_with_per_tick_send_are_keyed_by_host_tick(sets):
    """SEND_PER_TIMESTEP, period 2723: TIME_TICK 14 lands in tick 13's SEND (after its CONFIG visit), 26 in
    tick 25's; the per-tick SEND rows carry host tick numbers, none for a lost tick."""
    out, _ = sets["lost_spt"]
    assert [s.lost for s in vf.read_stimulus(out / "stimulus.hex")] == [[14, 26]] * 3
    sends = vf.read_tick_sends(out / "expect" / "send_0000.hex")
    assert sorted(sends) == [k for k in range(2, 30) if k not in (14, 26)]
    assert vf.read_cycles(out / "expect" / "cycles_0000.hex")[13].tolist() == [0, 0]


def test_timing_protocol_rules():
    cfg = small_spec().config
    check_protocol(cfg.with_registers(SPI_TIMING_MODE=1))     # the ready host: paced by the expected cycles
    with pytest.raises(InputError, match=r"^host: tick_period: = 3: the bench holds TIME_TICK high for 3 cycles "
                                         r"\(allowed: 0 or 4..4294967295\)$"):
        check_protocol(cfg, HostSpec(tick_period=3))
    check_protocol(cfg.with_registers(SPI_TIMING_MODE=1), HostSpec(tick_period=4))
    check_protocol(cfg.with_registers(SPI_LOCAL_TICK=1, SPI_TIMING_MODE=1))


@pytest.mark.parametrize("name, lines", [
    ("period", ["RESULT: PASS (3 samples checked, 3 passed, 0 failed)"]),
    ("timing_mode", ["RESULT: PASS (3 samples checked, 3 passed, 0 failed)"]),
    ("halt", ["sample 0001 (epoch 0 train #1): PASS  halted in tick 23: TIME_TICK 24 at 321 cycles, "
              "TIMING_ERROR_RDY high 4 edges later; held in IDLE for 2000 cycles (TIMING_ERROR_RDY = 1)",
              "RESULT: PASS (2 samples checked, 2 passed, 0 failed)"]),
    ("halt_tm", ["sample 0000 (epoch 0 train #0): PASS  halted in tick 24: TIME_TICK 25 at 305 cycles, "
                 "TIMING_ERROR_RDY high 3 edges later; held in IDLE for 2000 cycles (TIMING_ERROR_RDY = 1)",
                 "RESULT: PASS (1 samples checked, 1 passed, 0 failed)"]),
    ("local", ["sample 0000 (epoch 0 train #0): PASS  halted in tick 1 (local tick); held in IDLE for 2000 "
               "cycles (TIMING_ERROR_RDY = 0)", "RESULT: PASS (1 samples checked, 1 passed, 0 failed)"]),
])
def test_bench_drives_the_timing_modes_on_the_replay_dut(icarus, sets, name, lines):  # noqa: F811
    out = run(icarus, sets[name][0], status=0)
    for line in lines:
        assert line in out, out


@pytest.mark.parametrize("name", ["lost", "lost_tm", "lost_spt"])
def test_bench_raises_the_lost_ticks_on_time(icarus, sets, name):  # noqa: F811
    """The bench raises the lost ticks from its tick generator while it plays the CONFIG visit."""
    out = run(icarus, sets[name][0], "+probe_every=12", status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in out, out


def test_bench_fails_when_a_kept_tick_is_called_lost(icarus, sets, tmp_path):  # noqa: F811
    """Record 8 edited to lose tick 17 too: tick 13 is ready before its fourth early tick would come."""
    import shutil
    out = tmp_path / "more"
    shutil.copytree(sets["lost"][0], out)
    stim = out / "stimulus.hex"
    stim.write_text(stim.read_text().replace("8 6 e f 10 1a 1b 1c", "8 7 e f 10 11 1a 1b 1c", 1))
    text = run(icarus, out, status=1)
    assert "sample 0000: FAIL  tick 13 finished before the early TIME_TICK 17 (lost, period 900)" in text, text


def test_bench_fails_when_the_halt_is_not_where_the_vectors_say(icarus, sets, tmp_path):  # noqa: F811
    """The same vectors with the halt moved one tick earlier (record 7 edited): tick 22 is done in time."""
    import shutil
    out = tmp_path / "moved"
    shutil.copytree(sets["halt"][0], out)
    stim = out / "stimulus.hex"
    stim.write_text(stim.read_text().replace("7 141 17 1 0", "7 141 16 1 0"))
    text = run(icarus, out, status=1)
    assert "sample 0001: FAIL  tick 22 finished before the early TIME_TICK (period 321)" in text, text


@pytest.mark.slow                                  # ~60 s; tests/test_rtl_bench.py runs cocotb by default
def test_cocotb_bench_drives_the_timing_modes(sets, tmp_path):
    """tools/rtl/test_cocotb_reckon.py on the replay DUT: the fixed period with SPI_TIMING_MODE = 1 and the halt
    PASS; the halt moved one tick earlier FAILs."""
    import shutil
    from .test_rtl_bench import REPLAY, cocotb_module
    mod = cocotb_module()
    for name in ("timing_mode", "halt", "lost_tm"):
        assert mod.run_cocotb(sets[name][0], [REPLAY], toplevel="reckon_replay", simulator="icarus",
                              build_dir=tmp_path / name), name
    moved = tmp_path / "moved"
    shutil.copytree(sets["halt"][0], moved)
    stim = moved / "stimulus.hex"
    stim.write_text(stim.read_text().replace("7 141 17 1 0", "7 141 16 1 0"))
    assert not mod.run_cocotb(moved, [REPLAY], toplevel="reckon_replay", simulator="icarus",
                              build_dir=tmp_path / "bad")
