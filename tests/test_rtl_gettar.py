"""Issue #11: register values the vectors used to refuse for protocol reasons (format version 5).

SPI_TIMING_MODE = 1 with the ready host (ticks paced by the expected cycles), SPI_GET_TAR_REQ_OUT = 0 with
regression or GET_TAR labels (record 11: the bench sends the answers at the model's GET_TAR cycle) and a chip
that hangs in GET_TAR (regression, every-tick targets, TARGET_TICK > 1: a hang set). Checked here against the
replay DUT; README "Operating modes" lists the runs on the released RTL.

small_spec: 15+1 recurrent neurons, so STEP takes 16 cycles and GET_TAR starts at core cycle 1 + 16 + 1 = 18."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from reckon_sim.core.host import HostSpec
from reckon_sim.io import vector_files as vf
from reckon_sim.vectors import write_vectors
from reckon_sim.vectors.stimulus import check_protocol

from .test_rtl_bench import icarus, run   # noqa: F401  (the Icarus bench fixture)
from .test_vectors import TT, T, small_spec


def _inputs(item: str):
    spec = small_spec()
    if item == "timing_mode":
        return replace(spec, config=spec.config.with_registers(SPI_TIMING_MODE=1))
    if item == "label":
        return replace(spec, config=spec.config.with_registers(SPI_GET_TAR_REQ_OUT=0, SPI_SINGLE_LABEL=0),
                       host=HostSpec(label="gettar"))
    cfg = spec.config.with_registers(SPI_REGRESSION=1, SPI_REGUL_MODE=6 if item == "hang" else 0,
                                     SPI_GET_TAR_REQ_OUT=int(item == "hang"), SPI_SEND_LABEL_ONLY=0)
    targets = np.random.default_rng(3).integers(-3000, 3001, (2 * (T - 1 - TT), 2)).astype(np.int64)
    return replace(spec, config=cfg, targets=targets,   # the blind set: CONFIG visits in ticks 11, 21 (a GET_TAR)
                   host=HostSpec(config_every=10) if item == "blind" else None)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gettar")
    out = {}
    for item in ("timing_mode", "blind", "label", "hang"):
        out[item] = tmp / item
        out[item].mkdir()
        write_vectors(out[item], _inputs(item))
    return out


def _manifest(path):
    return json.loads((path / "manifest.json").read_text())


def test_no_register_value_is_refused_for_protocol_reasons():
    cfg = small_spec().config
    check_protocol(cfg.with_registers(SPI_TIMING_MODE=1))
    check_protocol(cfg.with_registers(SPI_REGRESSION=1, SPI_GET_TAR_REQ_OUT=0))
    check_protocol(cfg.with_registers(SPI_GET_TAR_REQ_OUT=0), HostSpec(label="gettar"))
    check_protocol(cfg.with_registers(SPI_REGRESSION=1, SPI_REGUL_MODE=6))   # TARGET_TICK 20: a hang set


def test_timing_mode_with_the_ready_host_is_record_7_with_period_0(sets):
    stim = vf.read_stimulus(sets["timing_mode"] / "stimulus.hex")
    assert [s.timing for s in stim] == [vf.Timing(0, 0, 0, 1)] * 3
    assert vf.read_timing(sets["timing_mode"] / "expect" / "timing.hex") == {g: vf.Timing(0, 0, 0, 1) for g in range(3)}


def test_get_tar_off_miso_is_announced_by_record_11(sets):
    out = sets["blind"]
    stim = vf.read_stimulus(out / "stimulus.hex")
    assert [s.gettar for s in stim] == [vf.GetTar(9, 0), vf.GetTar(9, 0), None]   # learning ticks 21..29
    assert vf.read_gettar(out / "expect" / "gettar_0000.hex") == [(k, 18, 4) for k in range(21, 30)]
    assert "b 9 0" in (out / "stimulus.hex").read_text().splitlines()
    assert vf.read_gettar(sets["label"] / "expect" / "gettar_0001.hex") == [(k, 18, 1) for k in range(21, 30)]
    assert _manifest(out)["format_version"] == 6


def test_a_get_tar_hang_is_a_hang_set(sets):
    out = sets["hang"]
    (row,) = _manifest(out)["samples"]
    assert row["halt"] == {"tick": 2, "state": "GET_TAR", "why": (
        "host program: the chip hangs in GET_TAR in tick 2: no target transfer answers its request (add GET_TAR "
        "answers: host targets = 'gettar')")}
    lines = [line for line in (out / "stimulus.hex").read_text().splitlines() if not line.startswith("3 ")]
    assert lines == ["1 00010000 00000001", "1 00010009 00000007", "1 00010000 00000000", "2 0 0 0 0 1e 0",
                     "b 1 1", "4 0", "0"]
    assert [s.j for s in vf.read_stimulus(out / "stimulus.hex")[0].steps] == [0, 1]
    assert (out / "expect" / "cycles_0000.hex").read_text() == "21 0\n12 0\n"   # row 2: up to GET_TAR's start
    assert vf.read_gettar(out / "expect" / "gettar_0000.hex") == [(2, 18, 0)]
    assert vf.read_outputs(out / "expect" / "outputs.hex") == [(0, [])]
    assert not (out / "expect" / "readback_0000.hex").exists()


def test_a_get_tar_hang_with_a_tick_period_halts_or_is_refused(tmp_path):
    """With SPI_ERROR_HALT = 1 TIME_TICK 3 halts the chip in GET_TAR (a halt set: record 7); with 0 the host's
    later ticks are lost in that GET_TAR, which the bench does not play."""
    inputs = _inputs("hang")
    halting = replace(inputs, config=inputs.config.with_registers(SPI_ERROR_HALT=1))
    write_vectors(tmp_path / "halt", halting, host=HostSpec(tick_period=5000))
    (row,) = _manifest(tmp_path / "halt")["samples"]
    assert (row["halt"]["tick"], row["halt"]["state"]) == (2, "IDLE")
    assert "TIME_TICK 3 arrives 5000 cycles after tick 2's, in GET_TAR cycle 4982 of tick 2" in row["halt"]["why"]
    assert "7 1388 2 1 0" in (tmp_path / "halt" / "stimulus.hex").read_text().splitlines()
    with pytest.raises(Exception) as e:                # the every-tick targets from step 20 would end it late
        write_vectors(tmp_path / "late", replace(inputs, config=inputs.config.with_registers(SPI_ERROR_HALT=0)),
                      host=HostSpec(tick_period=5000))
    assert str(e.value) == ("host program step 20: tar: target bytes after tick 2, whose GET_TAR no transfer "
                            "answers, with a tick_period and SPI_ERROR_HALT = 0: they would end that GET_TAR late: "
                            "not modelled (allowed: no target bytes after the hung tick, or SPI_ERROR_HALT = 1)")
    spec = small_spec()                                # one label, SINGLE_LABEL = 0: tick 21 waits, 22..30 lost
    with pytest.raises(Exception) as e:
        write_vectors(tmp_path / "lost", replace(spec, config=spec.config.with_registers(
            SPI_SINGLE_LABEL=0, SPI_ERROR_HALT=0)), host=HostSpec(tick_period=5000))
    assert str(e.value) == ("host: tick_period: = 5000 with a GET_TAR no transfer answers (SPI_ERROR_HALT = 0): the "
                            "host's later ticks are lost in that GET_TAR, which the bench does not play: not "
                            "supported by the vectors (allowed: 0, or SPI_ERROR_HALT = 1: a halt)")


@pytest.mark.parametrize("name, lines", [
    ("timing_mode", ["SPI_TIMING_MODE = 1: ticks paced by the expected cycles, 7 of them raised at the earliest "
                     "edge the model allows", "RESULT: PASS (3 samples checked, 3 passed, 0 failed)"]),
    ("blind", ["RESULT: PASS (3 samples checked, 3 passed, 0 failed)"]),
    ("label", ["RESULT: PASS (3 samples checked, 3 passed, 0 failed)"]),
    ("hang", ["sample 0000 (epoch 0 train #0): PASS  hangs in GET_TAR of tick 2: from 20 edges after its TIME_TICK "
              "busy and silent for 2000 cycles, MISO = 1 (REQ_TAR on MISO)",
              "RESULT: PASS (1 samples checked, 1 passed, 0 failed)"]),
])
def test_bench_drives_them_on_the_replay_dut(icarus, sets, name, lines):  # noqa: F811
    out = run(icarus, sets[name], "+verbose", status=0)
    for line in lines:
        assert line in out, out
    if name == "blind":
        assert ("tick 22: 290 cycles (expected 290); GET_TAR 25 (sent at the model's GET_TAR cycle), SEND 0, "
                "CONFIG 0 cycles") in out, out
        # after tick 21's CONFIG visit GET_TAR counts one edge more, as on MISO (the released RTL's 26)
        assert "tick 21: 290 cycles (expected 290); GET_TAR 26 (sent at the model's GET_TAR cycle), SEND 0" in out


def _edited(src, dst, name: str, old: str, new: str):
    shutil.copytree(src, dst)
    path = dst / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return dst


def test_bench_catches_a_dut_one_cycle_slow_in_timing_mode(icarus, sets):  # noqa: F811
    """Tick 6 of sample 0 one cycle longer on the DUT (step 6 changes nothing): tick 7 rises at the model's earliest
    edge, one early for this DUT, and sets TIMING_ERROR; tick 5 (step 5 sends events) one longer goes unseen."""
    text = run(icarus, sets["timing_mode"], "+replay_corrupt=3", "+replay_corrupt_tick=6", status=1)
    assert "sample 0000: FAIL  TIMING_ERROR_RDY 1 in tick 7 (cycle 3, expected 0)" in text, text
    text = run(icarus, sets["timing_mode"], "+replay_corrupt=3", "+replay_corrupt_tick=5", status=0)
    assert "RESULT: PASS (3 samples checked, 3 passed, 0 failed)" in text, text


@pytest.mark.parametrize("item, name, old, new, line", [
    # the expected cycles of tick 6 one short: tick 7 rises one edge early and sets TIMING_ERROR
    ("timing_mode", "expect/cycles_0000.hex", "a2 0\nd2 0\nd2 0\n", "a2 0\nd2 0\nd1 0\n",
     "sample 0000: FAIL  TIMING_ERROR_RDY 1 in tick 7 (cycle 3, expected 0)"),
    # GET_TAR of tick 21 announced 30 cycles late: the tick is measured 30 cycles long
    ("blind", "expect/gettar_0000.hex", "15 12 4", "15 30 4", "cycles: 1 ticks differ; first tick 21: 320 cycles, "
                                                               "expected 290"),
    # the hang announced one edge late: REQ_TAR was high one cycle before
    ("hang", "expect/gettar_0000.hex", "2 12 0", "2 13 0",
     "sample 0000: FAIL  hang in GET_TAR of tick 2 (from 21 edges after its TIME_TICK): 0 of 2000 cycles not busy "
     "and silent with MISO = 1, REQ_TAR high 1 cycles before"),
])
def test_bench_fails_on_a_wrong_expectation(icarus, sets, tmp_path, item, name, old, new, line):  # noqa: F811
    """The bench reads the edited expectation, the replay DUT the model's (+replay_vec)."""
    text = run(icarus, _edited(sets[item], tmp_path / item, name, old, new), f"+replay_vec={sets[item]}", status=1)
    assert line in text, text


@pytest.mark.slow
def test_cocotb_bench_drives_them(sets, tmp_path):
    """tools/rtl/test_cocotb_reckon.py on the replay DUT: SPI_TIMING_MODE = 1 with the ready host, GET_TARs off
    MISO (with a CONFIG visit before one) and the GET_TAR hang PASS; the hang announced one edge late FAILs."""
    from .test_rtl_bench import REPLAY, cocotb_module
    mod = cocotb_module()
    for name in ("timing_mode", "blind", "hang"):
        assert mod.run_cocotb(sets[name], [REPLAY], toplevel="reckon_replay", simulator="icarus",
                              build_dir=tmp_path / name), name
    late = _edited(sets["hang"], tmp_path / "late", "expect/gettar_0000.hex", "2 12 0", "2 13 0")
    assert not mod.run_cocotb(late, [REPLAY], toplevel="reckon_replay", simulator="icarus",
                              build_dir=tmp_path / "bad", plusargs=[f"+replay_vec={sets['hang']}"])


def test_a_get_tar_hang_with_send_per_timestep_has_its_tick_s_send_line(tmp_path):
    """The bench reads a send line for every SEND_PER_TIMESTEP tick up to the hung one (suite seed 1 set_22 read
    past the end of an empty file): tick 2 hangs in GET_TAR before its SEND, 0 items."""
    inputs = _inputs("hang")
    write_vectors(tmp_path, replace(inputs, config=inputs.config.with_registers(SPI_SEND_PER_TIMESTEP=1)))
    assert (tmp_path / "expect" / "send_0000.hex").read_text() == "2 0\n"
    assert vf.read_tick_sends(tmp_path / "expect" / "send_0000.hex") == {2: []}
