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
    """With SPI_ERROR_HALT = 1 TIME_TICK 3 halts the chip in GET_TAR (a halt set: record 7); with 0 the every-tick
    targets after it would end that GET_TAR late (refused, model and vectors)."""
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


@pytest.mark.parametrize("timing_mode, miso", [(1, 1), (0, 0)])
def test_a_get_tar_hang_with_the_later_ticks_lost(tmp_path, icarus, timing_mode, miso):  # noqa: F811
    """One label, SINGLE_LABEL = 0, SPI_ERROR_HALT = 0, period 3000: tick 21 waits in GET_TAR for ever and the
    host's ticks 22..30 are lost in it. Record 8 lists them; the bench raises them at the period while it checks
    the hang (TIMING_ERROR from the first one on in mode 1). Released RTL: PASS with both timing modes and both
    SPI_GET_TAR_REQ_OUT values, also at period 700; SPI_ERROR_HALT := 1 edited into the SPI program: `FAIL  hang in
    GET_TAR of tick 21 ...: 24000 of 26984 cycles not busy and silent`."""
    spec = small_spec()
    cfg = spec.config.with_registers(SPI_SINGLE_LABEL=0, SPI_ERROR_HALT=0, SPI_TIMING_MODE=timing_mode,
                                     SPI_GET_TAR_REQ_OUT=miso)
    m = write_vectors(tmp_path, replace(spec, config=cfg), host=HostSpec(tick_period=3000))
    (row,) = m["samples"]
    assert (row["halt"]["tick"], row["halt"]["state"]) == (21, "GET_TAR")
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [x for x in lines if x[:2] in ("7 ", "8 ", "b ")] == [f"7 bb8 0 0 {timing_mode}",
                                                                 "8 9 16 17 18 19 1a 1b 1c 1d 1e", f"b 1 {miso}"]
    assert vf.read_gettar(tmp_path / "expect" / "gettar_0000.hex") == [(21, 18, 0)]
    assert (tmp_path / "expect" / "cycles_0000.hex").read_text().splitlines()[-1] == "12 0"   # up to GET_TAR
    out = run(icarus, tmp_path, "+verbose", status=0)
    assert ("PASS  hangs in GET_TAR of tick 21: from 20 edges after its TIME_TICK busy and silent for 26984 cycles, "
            f"MISO = {miso} (REQ_TAR {'on' if miso else 'not on'} MISO); the host's 9 later ticks lost in it (period "
            "3000)") in out, out


def test_a_get_tar_hang_in_timing_mode_1_with_the_ready_host(tmp_path, icarus):  # noqa: F811
    """The hang set with SPI_TIMING_MODE = 1: the bench no longer ends the hung tick by its expected count (18
    cycles, 2 before it times the GET_TAR) and so checks the hang (before: it went on to a readback file the
    vectors do not have). Released RTL: the same PASS line."""
    inputs = _inputs("hang")
    write_vectors(tmp_path, replace(inputs, config=inputs.config.with_registers(SPI_TIMING_MODE=1)))
    assert "7 0 0 0 1" in (tmp_path / "stimulus.hex").read_text().splitlines()
    out = run(icarus, tmp_path, status=0)
    assert ("PASS  hangs in GET_TAR of tick 2: from 20 edges after its TIME_TICK busy and silent for 2000 cycles, "
            "MISO = 1 (REQ_TAR on MISO)") in out, out
