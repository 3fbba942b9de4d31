"""Early TIME_TICKs that cut the PROP scan short (SPI_ERROR_HALT = 0, core.cycle.cut) and the local-tick free run
(core.local_tick): exact tick tables, cuts, refusals and hang lines. The small_spec values at period 220 are the
ones the SV bench checked on the released RTL (README "Operating modes": cut PROP scans)."""
from dataclasses import replace

import numpy as np
import pytest

from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip, ChipHang
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.core.lost_ticks import merge
from reckon_sim.errors import InputError
from reckon_sim.vectors.writer import write_vectors

from .test_vectors import small_spec


def _chip(period: int, **regs) -> tuple[Chip, object]:
    inputs = small_spec()
    d = inputs.config.to_dict()
    d.update(SPI_ERROR_HALT=0, **regs)
    chip = Chip(ChipConfig.from_dict(d), host=HostSpec(tick_period=period))
    chip.load_weights(inputs.weights["winp"], inputs.weights["wrec"], inputs.weights["wout"])
    return chip, inputs


def test_cut_scans_period_220():
    chip, inputs = _chip(220, DO_EPROP_TRAIN=0)
    res = chip.run_sample(inputs.train[0], True, dump=True)
    assert res.cut_ticks == tuple((h, 220) for h in range(11, 30, 2)) and res.lost_ticks == ()
    tk = res.tick_table
    # tick 10 is cut in PROP cycle 202; tick 11's STEP runs beside the rest of its scan, which ends 4 cycles
    # into tick 11's PROP (no new scan): tick 11 is ready 22 cycles after its TIME_TICK
    assert tk[9:12].tolist() == [[10, 220, 16, 1, 0, 0, 0, 202, 1], [11, 22, 16, 1, 0, 0, 0, 4, 1],
                                 [12, 220, 16, 1, 0, 0, 0, 202, 1]]
    assert int(tk[:, 1].sum()) == 4151 and res.n_spikes == 376 and res.out_bytes.tolist() == [1]
    assert chip.state.lfsr.tolist() == [4864, 15448, 2508, 19744, 30164, 25136, 20754, 28963, 26185, 4080, 61680,
                                        61937, 62194]


def test_cut_tick_steps_follow_it():
    """A cut tick finds no host step played since the busy tick: those steps follow it (merged)."""
    prog = HostProgram(5, np.array([1, 1, 1, 1, 0]), np.array([0, 1, 2, 3]), np.array([5, 6, 7, 8]), {}, {},
                       "ready", {})
    merged, host_of = merge(prog, frozenset({3}), cuts=frozenset({4}))
    assert host_of.tolist() == [1, 2, 4, 5]
    # step 1 (before tick 2) stays; steps 2 and 3 (tick 3 lost: its successor wipes nothing of tick 2's) wait
    # for tick 4's readiness; tick 2 loses tick 3, so its events (step 1) are wiped
    assert merged.ev_step.tolist() == [0, 3, 3] and merged.ev_chan.tolist() == [5, 7, 8]
    assert merged.levels.tolist() == [1, 1, 1, 0]


def test_cut_scan_into_eprop_refused():
    chip, inputs = _chip(300)
    with pytest.raises(InputError) as e:
        chip.run_sample(inputs.train[0], True)
    assert str(e.value) == ("host: tick_period: tick 25: the cut scan leaves CNT (an event pass, its write enable "
                            "or output-weight read) in EPROP of tick 26: not modelled (allowed: a period that lets the "
                            "cut scan end before the next tick's SDONE leaves for CONFIG / GET_TAR / EPROP / SEND)")


def test_last_tick_cutting_hangs_in_prop():
    chip, inputs = _chip(250, DO_EPROP_TRAIN=0)
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inputs.train[0], True)
    assert (e.value.state, e.value.tick) == ("PROP", 30)
    assert "TIME_TICK 30, the host's last, arrives while tick 29 is busy and cuts its PROP scan" in str(e.value)


def test_local_tick_free_run(tmp_path):
    inputs = small_spec()
    d = inputs.config.to_dict()
    d.update(SPI_ERROR_HALT=0, SPI_LOCAL_TICK=1, SPI_CYCLES_PER_TICK=1)
    cfg = ChipConfig.from_dict(d)
    with pytest.raises(ChipHang) as e:
        Chip(cfg).run_sample(inputs.train[0], True)
    assert e.value.free_run and e.value.timing_error and (e.value.state, e.value.tick) == ("PROP", 1)
    assert "TIMING_ERROR_RDY never rises after IDLE: the host never plays step 1" in str(e.value)
    man = write_vectors(tmp_path / "v", replace(inputs, config=cfg), None, HostSpec())
    assert man["samples"][0]["halt"]["tick"] == 1
    assert "7 0 1 3 0" in (tmp_path / "v" / "stimulus.hex").read_text()   # record 7: free run (bit 1) + error
    d.update(SPI_SEND_PER_TIMESTEP=1)
    with pytest.raises(InputError, match="the free run sends OUT_DATA every tick"):
        write_vectors(tmp_path / "w", replace(inputs, config=ChipConfig.from_dict(d)), None, HostSpec())


def _case(tmp_path, **regs):
    """pub_regul's folder with registers changed (config.json keys at the top level)."""
    import json
    import shutil
    from .conftest import DATA
    case = tmp_path / "case"
    shutil.copytree(DATA / "golden" / "pub_regul", case)
    cfg = json.loads((case / "config.json").read_text())
    cfg.update(regs)
    (case / "config.json").write_text(json.dumps(cfg))
    return case


def test_cli_run_records_cut_ticks_and_free_run(tmp_path):
    import json
    from click.testing import CliRunner
    from reckon_sim.cli import main
    case = _case(tmp_path, SPI_ERROR_HALT=0, DO_EPROP_TRAIN=0)
    host = tmp_path / "h.toml"
    host.write_text('[host]\nformat = "reckon-sim-host"\nversion = 1\ntick_period = 280\n')
    r = CliRunner().invoke(main, ["run", str(case), "--out", str(tmp_path / "o"), "--host", str(host)])
    assert r.exit_code == 0, r.output
    z = np.load(tmp_path / "o" / "sample_0000.npz")
    assert z["cut_ticks"].shape == (33, 2) and z["cut_ticks"][:3].tolist() == [[14, 280], [16, 280], [18, 280]]
    row = json.loads((tmp_path / "o" / "summary.json").read_text())["samples"][0]
    assert row["cut_ticks"][:2] == [[14, 280], [16, 280]]
    case = _case(tmp_path / "lt", SPI_ERROR_HALT=0, SPI_LOCAL_TICK=1, SPI_CYCLES_PER_TICK=1)
    r = CliRunner().invoke(main, ["run", str(case), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 0, r.output
    assert "sample 0 halts: host program: the chip hangs in PROP in tick 1: SPI_LOCAL_TICK = 1" in r.output
    z = np.load(tmp_path / "o2" / "sample_0000.npz")
    assert (int(z["halt_tick"]), int(z["halt_state"]), int(z["timing_error"]), int(z["free_run"])) == (1, 1, 1, 1)


def test_cut_tick_asking_for_targets_hangs_in_get_tar():
    """SINGLE_LABEL = 0: GET_TAR in every learning tick; tick 25 cuts tick 24's scan, which ends in its STEP, and
    asks for targets that the host (waiting for readiness since tick 24) never sends."""
    chip, inputs = _chip(300, SPI_SINGLE_LABEL=0)
    chip.host = HostSpec(tick_period=300, label="gettar")
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inputs.train[0], True)
    assert str(e.value) == ("host program: the chip hangs in GET_TAR in tick 25: it cut tick 24's PROP scan, so the "
                            "host has played no step since and waits for its readiness, while the chip waits for "
                            "targets")


def test_mid_tick_fall_in_a_cut_tick_ends_the_sample_by_its_sdone():
    """Period 220: tick 25 cuts tick 24's scan; SAMPLE falling n cycles into tick 25 is timed in cycles (not a step
    that waits for readiness). n = 18: tick 25's SDONE still sees SAMPLE high, tick 26 ends the sample; n = 17: it
    sees it low, the final SEND would run beside the scan (refused). The released RTL agrees at that boundary
    (README "Operating modes"); the vectors count the fall from tick 24, which the bench raised (record 9)."""
    def run(n, **regs):
        chip, inputs = _chip(220, DO_EPROP_TRAIN=0, **regs)
        chip.host = HostSpec(tick_period=220, sample_low_step=25, sample_fall_cycle=n)
        return chip.run_sample(inputs.train[0], True, dump=True)
    res = run(18)
    assert res.tick_table[-3:].tolist() == [[24, 220, 16, 1, 0, 0, 0, 202, 1], [25, 54, 16, 1, 0, 0, 0, 36, 1],
                                            [26, 18, 16, 1, 0, 0, 0, 0, 7]]
    assert res.cut_ticks == tuple((h, 220) for h in range(11, 26, 2)) and res.out_bytes == [1]
    with pytest.raises(InputError) as e:
        run(17)
    assert str(e.value) == ("host: tick_period: tick 24: the cut scan still runs at SDONE of tick 25, which goes on "
                            "to SEND: not modelled (allowed: a period that lets the cut scan end before the next "
                            "tick's SDONE leaves for CONFIG / GET_TAR / EPROP / SEND)")
    with pytest.raises(InputError) as e:                  # SEND_PER_TIMESTEP: tick 25's SEND end looks at SAMPLE
        run(100, SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=1)
    assert str(e.value).startswith("host: tick_period: tick 24: SAMPLE falls 100 cycles into tick 25, whose SEND "
                                   "runs beside the cut scan: not modelled")


def test_mid_tick_fall_in_a_cut_tick_is_counted_from_the_busy_tick_in_vectors(tmp_path):
    spec = small_spec()
    spec = replace(spec, config=spec.config.with_registers(SPI_ERROR_HALT=0, DO_EPROP_TRAIN=0))
    write_vectors(tmp_path, spec, None, HostSpec(tick_period=220, sample_low_step=25, sample_fall_cycle=18))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert lines.count("9 18 ee 0") == 3 and "8 8 b d f 11 13 15 17 19" in lines   # 18 + 220 after tick 24


def test_cut_scan_still_running_into_get_tar_hangs(tmp_path):
    """Period 270: tick 23 cuts tick 22's scan, which still runs at tick 23's SDONE -> GET_TAR: the host (waiting
    for readiness) sends no target, the chip hangs in GET_TAR, its cut listed (model only: the bench raises a cut
    tick inside the busy one, where it does not check a hang)."""
    chip, inputs = _chip(270, SPI_SINGLE_LABEL=0)
    chip.host = HostSpec(tick_period=270, label="gettar")
    with pytest.raises(ChipHang) as e:
        chip.run_sample(inputs.train[0], True)
    assert (e.value.state, e.value.tick, e.value.cut_ticks) == ("GET_TAR", 23, ((21, 270), (23, 270)))
    with pytest.raises(InputError) as v:
        write_vectors(tmp_path, replace(inputs, config=chip.config), None, chip.host)
    assert str(v.value).endswith("while the chip waits for targets: the cut tick is raised inside the busy one, "
                                 "where the bench does not check a hang: not written (model only)")
    assert e.value.tick_table[20:].tolist() == [[21, 258, 16, 1, 0, 0, 0, 240, 1], [22, 270, 16, 1, 64, 4, 0, 184, 1],
                                                [23, 0, 16, 1, 0, 0, 0, 0, 4]]


def test_cut_scan_beside_send_label_only():
    """SPI_SEND_PER_TIMESTEP = 1, SEND_LABEL_ONLY = 1, period 250: tick 12 cuts tick 11's scan, which runs on
    through tick 12's SDONE and 4-cycle SEND (the vote winner, fixed at SDONE) and ends 22 cycles into its PROP."""
    chip, inputs = _chip(250, DO_EPROP_TRAIN=0, SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=1)
    res = chip.run_sample(inputs.train[0], True, dump=True)
    assert res.cut_ticks == ((11, 250), (12, 250), (14, 250), (16, 250), (19, 250))
    assert res.tick_table[9:13].tolist() == [[10, 250, 16, 1, 0, 0, 0, 228, 1], [11, 250, 16, 1, 0, 0, 0, 228, 1],
                                             [12, 44, 16, 1, 0, 0, 0, 22, 1], [13, 250, 16, 1, 0, 0, 0, 228, 1]]
    assert int(res.tick_table[:, 1].sum()) == 5569 and res.n_spikes == 330
    assert res.tick_send["n"][9:14].tolist() == [1] * 5 and res.tick_send["data"][9:14, 0].tolist() == [0] * 5


def test_cut_scan_adding_output_weights_in_send_refused():
    chip, inputs = _chip(250, DO_EPROP_TRAIN=0, SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=0)
    with pytest.raises(InputError) as e:
        chip.run_sample(inputs.train[0], True)
    assert str(e.value) == ("host: tick_period: tick 11: the cut scan adds output weights in SEND of tick 12, whose "
                            "OUT_DATA items read the output membranes: not modelled (allowed: a period that lets the "
                            "cut scan end before the next tick's SDONE leaves for CONFIG / GET_TAR / EPROP / SEND)")


def _wide_inputs(n_inp: int = 128, winp_lo: int = 80, wrec_hi: int = -60, T: int = 25, quiet: int = 4,
                 do_eprop: int = 4):
    """n_inp inputs (events on channels 0-7 in every tick up to T-quiet-1: a scan's passes come first, then its
    quiet CNT tail), 16 recurrent, output-only e-prop by default (EPROP: 32 cycles), T-tick samples."""
    from reckon_sim.backend import Sample
    from reckon_sim.experiments.data import RunInputs
    d = ChipConfig.from_preset("reckon-tbench").to_dict()
    d.update(SPI_NUM_INP_NEUR=n_inp - 1, SPI_NUM_REC_NEUR=15, SPI_NUM_OUT_NEUR=1, TARGET_TICK=20,
             NEUR_INIT_WORDS=n_inp // 2, NEUR_THR=300, SPI_REGUL_F0=10, SPI_ERROR_HALT=0, DO_EPROP_TRAIN=do_eprop)
    rng = np.random.default_rng(7)
    ev = np.array([(c, t) for t in range(T - quiet) for c in range(8)], np.int32)
    w = {"winp": rng.integers(winp_lo, winp_lo + 40, (n_inp, 16)).astype(np.int8),
         "wrec": rng.integers(-100, wrec_hi, (16, 16)).astype(np.int8),
         "wout": rng.integers(-40, 40, (16, 2)).astype(np.int8)}
    samples = [Sample(ev, lb, T, int(np.sum(ev[:, 1] < 20))) for lb in (0, 1, 1)]
    return RunInputs(ChipConfig.from_dict(d), samples[:2], samples[2:], w, 1, source="tests/wide")


def _wide_chip(period: int, **kw) -> tuple[Chip, object]:
    inputs = _wide_inputs(**kw)
    chip = Chip(inputs.config, host=HostSpec(tick_period=period))
    chip.load_weights(inputs.weights["winp"], inputs.weights["wrec"], inputs.weights["wout"])
    return chip, inputs


def test_cut_scan_ends_in_eprop():
    """Period 307 (the values the SV bench checked on the released RTL: README "Operating modes"): tick 23 cuts
    tick 22's scan, which still counts through its quiet CNT tail at tick 23's SDONE and ends in its EPROP
    (e-prop owns the SRAM ports, the counting scan touches none): the kernel's EPROP and a new PROP scan."""
    chip, inputs = _wide_chip(307)
    res = chip.run_sample(inputs.train[0], True)
    assert res.cut_ticks == tuple((h, 307) for h in (3, 4, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24))
    assert res.tick_table[18:].tolist() == [
        [19, 307, 128, 1, 0, 0, 0, 177, 1], [20, 307, 128, 1, 0, 0, 0, 177, 1], [21, 258, 128, 1, 0, 0, 0, 128, 1],
        [22, 307, 128, 1, 32, 0, 0, 145, 1], [23, 307, 128, 1, 32, 0, 0, 145, 1], [24, 306, 128, 1, 32, 0, 0, 144, 1],
        [25, 130, 128, 1, 0, 0, 0, 0, 7]]
    assert (int(res.tick_table[:, 1].sum()), res.n_spikes, res.n_updates, res.eprop_ticks) == (6646, 439, 47, 3)
    assert chip.state.lfsr.tolist() == [26083, 32405, 21450, 4236, 1601, 27194, 14891, 30430, 5161, 4080, 61680,
                                        61937, 610195]


def test_cut_scan_runs_on_after_eprop():
    """64 inputs, period 222 (RTL-checked like the above): tick 24 cuts tick 23's scan, which counts in CNT through
    tick 24's 32 EPROP cycles (e-prop's weight updates as in the tick kernel) and ends 2 cycles into its PROP."""
    chip, inputs = _wide_chip(222, n_inp=64, winp_lo=40, wrec_hi=0, T=26, quiet=3)
    res = chip.run_sample(inputs.train[0], True)
    assert res.cut_ticks == tuple((h, 222) for h in (3, 4, 5, 7, 8, 10, 11, 13, 14, 16, 18, 19, 21, 22, 24))
    assert res.tick_table[20:].tolist() == [
        [21, 222, 64, 1, 0, 0, 0, 156, 1], [22, 162, 64, 1, 0, 0, 0, 96, 1], [23, 222, 64, 1, 32, 0, 0, 124, 1],
        [24, 100, 64, 1, 32, 0, 0, 2, 1], [25, 210, 64, 1, 32, 0, 0, 112, 1], [26, 66, 64, 1, 0, 0, 0, 0, 7]]
    assert (int(res.tick_table[:, 1].sum()), res.n_spikes, res.n_updates, res.eprop_ticks) == (4805, 240, 11, 3)
    assert chip.state.lfsr.tolist() == [31255, 16349, 23576, 31031, 7704, 30887, 20219, 30072, 26770, 4080, 61680,
                                        61937, 583626]
    assert chip.state.wout[:16, :2].astype(int).sum(axis=0).tolist() == [-62, 52]


def test_cut_scan_ends_in_full_eprop():
    """DO_EPROP_TRAIN = 7 (288 EPROP cycles), period 590 (RTL-checked): tick 23 cuts tick 22's scan, which ends in
    tick 23's EPROP; e-prop's neuron-SRAM reads and input / recurrent weight updates are the tick kernel's."""
    chip, inputs = _wide_chip(590, do_eprop=7)
    res = chip.run_sample(inputs.train[0], True)
    assert res.cut_ticks == ((22, 590), (23, 590), (24, 590)) and res.lost_ticks == ()
    assert res.tick_table[19:].tolist() == [
        [20, 450, 128, 1, 0, 0, 0, 320, 1], [21, 590, 128, 1, 288, 0, 0, 172, 1], [22, 590, 128, 1, 288, 0, 0, 172, 1],
        [23, 590, 128, 1, 288, 0, 0, 172, 1], [24, 578, 128, 1, 288, 0, 0, 160, 1], [25, 130, 128, 1, 0, 0, 0, 0, 7]]
    assert (int(res.tick_table[:, 1].sum()), res.n_spikes, res.n_updates, res.eprop_ticks) == (11333, 219, 154, 4)
    assert chip.state.lfsr.tolist()[9:] == [4080, 19848864, 27317554, 693486]
    assert int(chip.state.winp[:64].astype(int).sum()) == 102483


def test_per_tick_send_with_a_cut_is_written_for_the_bench(tmp_path):
    """SEND_PER_TIMESTEP, SEND_LABEL_ONLY, period 265: tick 21 cuts tick 20's scan and sends beside it. The bench
    takes tick 21's item inside busy tick 20 (its send line follows 20's) and measures each SEND's 4 host cycles:
    tick 20's row counts both. Checked on the released RTL (README "Operating modes")."""
    spec = small_spec()
    spec = replace(spec, config=spec.config.with_registers(SPI_ERROR_HALT=0, DO_EPROP_TRAIN=0,
                                                           SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=1))
    write_vectors(tmp_path, spec, None, HostSpec(tick_period=265))
    stim = (tmp_path / "stimulus.hex").read_text().splitlines()
    assert [line for line in stim if line.startswith("8 ")] == ["8 1 15", "8 1 18"]
    cycles = (tmp_path / "expect" / "cycles_0000.hex").read_text().splitlines()
    assert cycles[18:22] == ["d6 4", "20f 8", "0 0", "f6 4"]        # ticks 19..22: 20 holds 21's cycles
    sends = (tmp_path / "expect" / "send_0000.hex").read_text().splitlines()
    assert sends[17:21] == ["13 1 0", "14 1 0", "15 1 0", "16 1 1"] and len(sends) == 28
