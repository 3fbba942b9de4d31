"""A GET_TAR no transfer answers after SPI_LOCAL_TICK := 1 (was simulated as if no local tick came: the hang
was raised before the local ticks were looked at). The local ticks go on while the chip waits in GET_TAR (srnn.v
tick_cnt counts outside IDLE): the next one sets TIMING_ERROR, so SPI_ERROR_HALT = 1 holds IDLE from there and
0 loses it and every later one (core.gettar_hang, local_tick_write.into_hang). small_spec with no target bytes:
LT := 1 with C = 600 in tick 11's visit, tick 21 (TARGET_TICK + 1) asks for the label; "lost14": an 8-word neuron
read in tick 13's visit also loses local tick 14 (the lost ticks before a hang were refused by the vectors).
Released RTL: PASS in both timing modes (README "Operating modes"); the SPI program edited to SPI_ERROR_HALT = 1
FAILs the hang (`1416 of 2000 cycles not busy and silent`), `16 259` in expect/local FAILs the halt."""
import dataclasses

import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.hang import ChipHang
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.vectors import write_vectors

from .test_config_writes import REG
from .test_rtl_bench import icarus, run  # noqa: F401 (the Icarus bench fixture)
from .test_vectors import small_spec

LT1, READ8 = (REG | 10, (1,)), (0x9008_0000, (0,) * 8)
VISITS = {"halt": {10: ((REG | 64, (600,)), LT1)}, "hang": {10: ((REG | 64, (600,)), LT1)},
          "labels": {10: ((REG | 64, (600,)), LT1)},
          "lost14": {10: ((REG | 64, (600,)), LT1), 12: (READ8,)}}
LOCAL = "a b 368 258"      # record 10: LT := 1 in tick 11's visit, tick 12 872 cycles after it, C = 600
HANG_WHY = ("no target transfer answers its request; the local tick 22 arrives in it and sets TIMING_ERROR, it and "
            "every later one are lost (SPI_ERROR_HALT = 0; the host, waiting for readiness, plays no later step)")
GAPS = "c 368 d 258 e 258 {} 10 258 11 258 12 258 13 258 14 258 15 258 16 258"   # up to local tick 22


def _inputs(monkeypatch, case: str, tmode: int = 0):
    template = Chip.host_program

    def program(self, sample, learn, targets=None):         # no target bytes: tick 21's GET_TAR waits for ever
        p = template(self, sample, learn, targets)
        tar = p.tar if case == "labels" else {}
        return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, tar, p.req, config=dict(VISITS[case]))
    monkeypatch.setattr(Chip, "host_program", program)
    inp = small_spec()
    cfg = inp.config.with_registers(SPI_ERROR_HALT=int(case == "halt"), SPI_TIMING_MODE=tmode)
    return dataclasses.replace(inp, config=cfg)


@pytest.mark.parametrize("case, state, lost, why", [
    ("halt", "IDLE", (), "SPI_LOCAL_TICK := 1 in the CONFIG visit of tick 11 (SPI_CYCLES_PER_TICK = 600): the local "
                         "tick 22 arrives 600 cycles after tick 21's, in GET_TAR cycle 582 of tick 21 (601 cycles): "
                         "TIMING_ERROR is set, the FSM takes one more step and SPI_ERROR_HALT = 1 then holds IDLE "
                         "for ever (the GET_TAR phase is cut; the chip's state after the cut is not modelled)"),
    ("hang", "GET_TAR", tuple(range(22, 31)), None),
    ("lost14", "GET_TAR", (14, *range(22, 31)), None),
])
def test_the_local_ticks_reach_a_get_tar_hang(monkeypatch, case, state, lost, why):
    inp = _inputs(monkeypatch, case)
    chip = Chip.from_config(inp.config, **inp.weights)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inp.train[0], True)
    h = e.value
    assert (h.state, h.tick, h.lost_ticks, h.local, h.timing_error) == (state, 21, lost, (11, 872, 600), True)
    assert h.cut == (("GET_TAR", 582) if case == "halt" else None)
    assert str(h) == f"host program: the chip hangs in {state} in tick 21: " + (why or HANG_WHY)


@pytest.mark.parametrize("tmode", [0, 1])
@pytest.mark.parametrize("case, records, last_rows, gap14, passed", [
    ("halt", ["7 0 15 1 {}"], "112 0 259 0", "f 258",
     "PASS  halted in tick 21 (local tick); held in IDLE for 2000 cycles (TIMING_ERROR_RDY = 1)"),
    ("lost14", ["7 0 0 0 {}", "8 a e 16 17 18 19 1a 1b 1c 1d 1e"], "112 0 12 0", "f 4b0",
     "PASS  hangs in GET_TAR of tick 21: from 20 edges after its TIME_TICK busy and silent for 2000 cycles, MISO = "
     "1 (REQ_TAR on MISO)"),
])
def test_vectors_of_a_get_tar_hang_with_local_ticks(tmp_path, monkeypatch, icarus, case, records, last_rows, gap14,
                                                   passed, tmode):
    """Record 7 (a halt, or TIMING_MODE 1 only), 8 (the lost local ticks), 10 and 11 (tick 21's GET_TAR, from
    core cycle 18, no byte); the halt's last row counts the chip busy up to the local tick (601 cycles, none of
    them host-timed); expect/local gives every gap up to local tick 22, tick 15 1200 cycles after 13's when 14
    is lost. The replay DUT passes in both timing modes (the bench waits for the local tick before it times the
    GET_TAR, and does not end these ticks by count in mode 1)."""
    m = write_vectors(tmp_path, _inputs(monkeypatch, case, tmode), None, HostSpec())
    (row,) = m["samples"]
    assert (row["halt"]["tick"], row["halt"]["state"]) == (21, "IDLE" if case == "halt" else "GET_TAR")
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    want = [r.format(tmode) for r in records if case == "halt" or tmode or not r.startswith("7")]
    assert [x for x in lines if x[:2] in ("7 ", "8 ", "a ", "b ")] == [*want, LOCAL] + (["b 1 1"] if case != "halt"
                                                                                         else [])
    assert " ".join((tmp_path / "expect" / "cycles_0000.hex").read_text().split()[-4:]) == last_rows
    assert " ".join((tmp_path / "expect" / "local_0000.hex").read_text().split()) == GAPS.format(gap14)
    if case != "halt":
        assert (tmp_path / "expect" / "gettar_0000.hex").read_text().split() == ["15", "12", "0"]
    out = run(icarus, tmp_path, status=0)
    assert passed in out and "RESULT: PASS (1 samples checked, 1 passed, 0 failed)" in out, out


@pytest.mark.parametrize("tmode", [0, 1])
@pytest.mark.parametrize("case, passed", [
    ("labels", "PASS  out_data 0x01, 240 read-back words"),
    ("halt", "PASS  halted in tick 21 (local tick); held in IDLE for 2000 cycles (TIMING_ERROR_RDY = 1)"),
    ("hang", "PASS  hangs in GET_TAR of tick 21: from 20 edges after its TIME_TICK busy and silent for 2000 cycles"),
])
def test_local_ticks_faster_than_a_fixed_period_host(tmp_path, monkeypatch, icarus, case, passed, tmode):
    """tick_period = 3000 up to the LT := 1 write, then C = 600: the bench no longer waits a host period before
    a tick the local tick starts (before: `FAIL  local tick 12 came 3272 cycles after tick 11's, expected 872`;
    2998 in mode 1), nor takes a local tick's halt for a period host's. "labels": the stock labels (the next
    sample is the local-tick IDLE hold). Released RTL: the same PASS lines in both timing modes."""
    m = write_vectors(tmp_path, _inputs(monkeypatch, case, tmode), None, HostSpec(tick_period=3000))
    assert m["samples"][0].get("halt", {}).get("tick") == (None if case == "labels" else 21)
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [x for x in lines if x[:2] in ("a ", "7 ")][:2] == [f"7 bb8 {'15 1' if case == 'halt' else '0 0'} {tmode}",
                                                               LOCAL]
    out = run(icarus, tmp_path, status=0)
    assert passed in out and "0 failed)" in out, out
