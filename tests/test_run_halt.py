"""`reckon-sim run` with a host whose TIME_TICK comes at a fixed period: an early tick with SPI_ERROR_HALT = 1
ends the run held in IDLE, recorded in the golden format (halt_tick, halt_state, timing_error, cut_state,
cut_cycle, tk_table of the finished ticks) and checked by `compare`.

stock_3 with SPI_ERROR_HALT = 1, first training sample: tick 2101 takes 1826 cycles (STEP 100, SDONE 1, EPROP
1624, PROP 100; the first learning tick), every earlier tick at most 1002, so a period of 1700 lands in EPROP cycle
1598 of tick 2101 and 1800 in PROP cycle 74."""
from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from reckon_sim.cli import main

from .conftest import GOLDEN, need_shared


def _run(tmp_path, period: int, name: str):
    stock = need_shared(GOLDEN / "stock_3")
    cfg = tmp_path / "config.json"
    if not cfg.exists():
        cfg.write_text(json.dumps({**json.loads((stock / "config.json").read_text()), "SPI_ERROR_HALT": 1}))
    host = tmp_path / f"{name}.toml"
    host.write_text(f"tick_period = {period}\n")
    out = tmp_path / name
    r = CliRunner().invoke(main, ["run", str(stock), "--config", str(cfg), "--host", str(host), "--out", str(out),
                                  "--ntrain", "2", "--ntest", "1", "--dump", "0"])
    assert r.exit_code == 0, r.output
    return out, r.output


def test_run_records_the_halt_and_compare_checks_it(tmp_path):
    eprop, text = _run(tmp_path, 1700, "eprop")
    assert ("sample 0 halts: host program: the chip hangs in IDLE in tick 2101: TIME_TICK 2102 arrives 1700 cycles "
            "after tick 2101's, in EPROP cycle 1598 of tick 2101 (1826 cycles)") in text
    assert text.rstrip().endswith(f"0 samples, 0 correct; wrote {eprop}")
    z = np.load(eprop / "sample_0000.npz")
    assert {k: int(z[k]) for k in ("halt_tick", "halt_state", "timing_error", "cut_state", "cut_cycle", "ticks")} \
        == {"halt_tick": 2101, "halt_state": 0, "timing_error": 1, "cut_state": 6, "cut_cycle": 1598, "ticks": 2250}
    assert z["tk_table"].shape == (2100, 9) and int(z["tk_table"][:, 1].max()) == 1002
    assert not (eprop / "sample_0001.npz").exists()
    (row,) = json.loads((eprop / "summary.json").read_text())["samples"]
    assert (row["halt_tick"], row["cut_state"], row["cut_cycle"]) == (2101, 6, 1598)

    prop, _ = _run(tmp_path, 1800, "prop")
    runner = CliRunner()
    r = runner.invoke(main, ["compare", str(eprop), str(eprop)])
    assert r.exit_code == 0 and r.output.startswith("identical: 1 samples"), r.output
    r = runner.invoke(main, ["compare", str(eprop), str(prop)])
    assert r.exit_code == 1
    assert r.output.strip() == "first divergence: sample 0, key cut_state, index [], expected 6, got 1"

    ready, _ = _run(tmp_path, 3300, "ready")       # every tick fits: no halt, three samples
    assert (ready / "sample_0002.npz").exists()
    r = runner.invoke(main, ["compare", str(ready), str(eprop)])
    assert r.output.strip() == ("first divergence: sample 0, key halt_tick, index [], expected no halt, got halt "
                                "in tick 2101")


def test_run_records_lost_ticks(tmp_path):
    """SPI_ERROR_HALT = 0, a probe every 700 ticks (ticks 701, 1401, 2101 spend ~14000 cycles in CONFIG), period
    3300 (every other tick fits): the four or five ticks that arrive during each visit are lost."""
    stock = need_shared(GOLDEN / "stock_3")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({**json.loads((stock / "config.json").read_text()), "SPI_ERROR_HALT": 0}))
    host = tmp_path / "host.toml"
    host.write_text("tick_period = 3300\nconfig_every = 700\n")
    out = tmp_path / "lossy"
    r = CliRunner().invoke(main, ["run", str(stock), "--config", str(cfg), "--host", str(host), "--out", str(out),
                                  "--ntrain", "1", "--ntest", "0", "--dump", "0"])
    assert r.exit_code == 0, r.output
    z = np.load(out / "sample_0000.npz")
    assert z["lost_ticks"].tolist() == [702, 703, 704, 705, 1402, 1403, 1404, 1405, 2102, 2103, 2104, 2105, 2106]
    assert int(z["ticks"]) == z["tk_table"].shape[0] == 2250 - 13
    (row,) = json.loads((out / "summary.json").read_text())["samples"]
    assert row["lost_ticks"] == z["lost_ticks"].tolist()
    r = CliRunner().invoke(main, ["compare", str(out), str(out)])
    assert r.exit_code == 0 and r.output.startswith("identical: 1 samples"), r.output


def test_run_writes_the_prop_wait_with_its_lost_ticks_and_reads(tmp_path):
    """small_spec, period 600, SPI_ERROR_HALT = 0, tick 29's visit reads 4 neuron words, writes register 11: TIME_TICK 30, the
    host's last, is lost and the chip waits in PROP after tick 29 (as the RTL does: tests/test_rtl_replay_modes).
    `run` writes it as a halted sample: state PROP = 1, TIMING_ERROR set, the 28 finished ticks, lost tick 30 and
    the visit's read words."""
    from reckon_sim.core.host import HostSpec
    from reckon_sim.experiments.run_case import run_case
    from reckon_sim.io.golden import Case
    from .test_config_writes import NEUR_R, REG
    from .test_vectors import small_spec
    inp = small_spec()
    cfg = inp.config.with_registers(SPI_ERROR_HALT=0)
    case = Case("prop_wait", cfg, inp.train[:1], [], **inp.weights, dump_level=0)
    rows = run_case(case, tmp_path, host=HostSpec(config_every=28, config_txns=((NEUR_R, (0,) * 4), (REG | 11, (0,))),
                                                  tick_period=600))
    assert rows[-1]["why"].startswith("host program: the chip hangs in PROP in tick 29: TIME_TICK 30, the host's "
                                      "last, arrives while tick 29 is busy and is lost")
    z = np.load(tmp_path / "sample_0000.npz")
    assert {k: int(z[k]) for k in ("halt_tick", "halt_state", "timing_error", "cut_state", "ticks")} == \
        {"halt_tick": 29, "halt_state": 1, "timing_error": 1, "cut_state": -1, "ticks": 30}
    assert z["tk_table"].shape == (28, 9) and z["lost_ticks"].tolist() == [30]
    reads = z["config_read"]                         # tick 29's visit: 4 neuron words, then the host's 34 probe words
    assert len(reads) == 38 and reads[:4, :3].tolist() == [[29, 1, 0], [29, 1, 1], [29, 1, 2], [29, 1, 3]]
    assert reads[:4, 3].tolist() == [3502183954, 3872114630, 2015348227, 4277146304]
