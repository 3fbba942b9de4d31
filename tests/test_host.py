"""Host programs (core.host): the stock template, its file form, and the GET_TAR modes it opens
(SPI_SINGLE_LABEL = 0, e-prop in test passes with every-tick regularisation), with hand-checked tick cycles."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reckon_sim.cli import main
from reckon_sim.core.chip import Chip, ChipHang
from reckon_sim.core.host import HostProgram, HostSpec, HostStep, check_program
from reckon_sim.core.records import STATE_PROP, TK
from reckon_sim.errors import InputError
from reckon_sim.io.golden import load_case

from .conftest import DATA

REGUL = DATA / "golden" / "pub_regul"              # 24/40/2 neurons, T = 360, TARGET_TICK 260, REGUL_MODE 3
EVERY = DATA / "golden" / "pub_regul_everytick"    # 24/40/2 neurons, T = 300, TARGET_TICK 1, REGUL_MODE 7
GETTAR = HostSpec(label="gettar")
# 40 neurons: STEP 40 cycles (NUM_RECOUT + 1), SDONE 1, EPROP 3 blocks x (32 + 2 x 40) = 336, an empty PROP scan
# 40 (NUM_NEUR + 1), the ready cycle 1, GET_TAR 4 (one label byte with the bench's handshake, a host constant;
# reckon_vec_tb +verbose on the released RTL printed "GET_TAR 4" for every such tick)
STEP, SDONE, EPROP, SCAN, GET = 40, 1, 336, 40, 4


def _chip(folder, host=None, **cfg):
    case = load_case(folder)
    regs = {k: v for k, v in cfg.items() if k.startswith("SPI_")}
    config = case.config.with_registers(**regs).replace(**{k.lower(): v for k, v in cfg.items() if k not in regs})
    chip = Chip.from_config(config, case.winp, case.wrec, case.wout)
    if host is not None:
        chip.host = host
    return case, chip


def test_stock_template_is_the_golden_protocol():
    case, chip = _chip(REGUL)
    s = case.train[0]
    prog = chip.host_program(s, True)
    assert HostSpec().stock and not GETTAR.stock and prog.n_ticks == s.n_ticks == 360
    # levels: SAMPLE on steps 0..T-2; TARGET_VALID | INFER_ACC from the marker step 260; the label once, there
    assert [st.levels for st in prog.steps[258:262]] == [1, 1, 7, 7] and prog.steps[-1].levels == 6
    assert [j for j, st in enumerate(prog.steps) if st.tar] == [260] and prog.steps[260].tar == (s.label,)
    assert not any(st.req for st in prog.steps)
    assert chip.host_program(s, False).steps[260].levels == 5      # test: no TARGET_VALID, no label


def test_host_file_round_trip_and_errors(tmp_path):
    f = tmp_path / "h.toml"
    f.write_text('[host]\nformat = "reckon-sim-host"\nversion = 1\nlabel = "gettar"\n')
    assert HostSpec.from_file(f) == GETTAR
    (tmp_path / "h.json").write_text(json.dumps(GETTAR.to_dict()))
    assert HostSpec.from_file(tmp_path / "h.json") == GETTAR
    with pytest.raises(InputError, match=r"label: = 'often' \(allowed: marker, gettar, none\)"):
        HostSpec.from_dict({"label": "often"})
    with pytest.raises(InputError, match="tock: unknown key"):
        HostSpec.from_dict({"tock": "ready"})
    with pytest.raises(InputError, match=r"version: = 2 is not supported \(allowed: 1\)"):
        HostSpec.from_dict({"version": 2})


def test_program_checks_name_the_step():
    steps = (HostStep(0, 1), HostStep(1, 1, req=(1, 2)), HostStep(2, 0))
    with pytest.raises(InputError, match=r"step 1: req: 2 bytes; one GET_TAR takes 1 \(allowed: 0..1\)"):
        check_program(HostProgram.from_steps(steps), False, 1)
    check_program(HostProgram.from_steps(steps), True, 1)         # regression: 4 bytes per GET_TAR
    assert HostProgram.from_steps(steps).steps == steps
    check_program(HostProgram.from_steps((HostStep(0, 1), HostStep(1, 0), HostStep(2, 0))), False, 1)  # ends in tick 2
    with pytest.raises(InputError, match="step 2: levels: SAMPLE rises again after falling in step 1: that starts a new sample"):
        check_program(HostProgram.from_steps((HostStep(0, 1), HostStep(1, 0), HostStep(2, 1))), False, 1)
    with pytest.raises(InputError, match="step 0: tar: regression targets are sent as GET_TAR answers"):
        check_program(HostProgram.from_steps((HostStep(0, 1, tar=(3,)), HostStep(1, 1), HostStep(2, 0))), True, 1)


def test_single_label_0_hangs_with_the_stock_host():
    _, chip = _chip(REGUL, SPI_SINGLE_LABEL=0)
    case = load_case(REGUL)
    with pytest.raises(ChipHang, match="the chip hangs in GET_TAR in tick 261") as e:
        chip.run_sample(case.train[0], True)
    assert (e.value.state, e.value.tick) == ("GET_TAR", 261)


def test_single_label_0_learns_exactly_like_one_label_plus_get_tar_cycles():
    """SINGLE_LABEL = 0 answered on every learning tick: same class label, so the same learning as the stock
    run, and each learning tick 4 GET_TAR cycles longer."""
    case, ref = _chip(REGUL)
    _, got = _chip(REGUL, host=GETTAR, SPI_SINGLE_LABEL=0)
    for s in case.train[:2]:
        a, b = ref.run_sample(s, True, dump=True), got.run_sample(s, True, dump=True)
        for key in ("winp_sram", "wrec_sram", "wout_sram", "neur_sram"):
            assert np.array_equal(a.end_state[key], b.end_state[key]), key
        learn = a.tick_table[:, TK.eprop] > 0
        assert learn.sum() == b.eprop_ticks == 360 - 261 and learn[260:-1].all()
        assert np.array_equal(b.tick_table[:, TK.gettar], np.where(learn, GET, 0))
        assert np.array_equal(b.tick_table[:, TK.cycles] - a.tick_table[:, TK.cycles], np.where(learn, GET, 0))
    quiet = np.flatnonzero(learn & (b.tick_table[:, TK.prop] == SCAN))[0]      # no event, no spike
    row = b.tick_table[quiet].tolist()
    assert row == [quiet + 1, STEP + SDONE + GET + EPROP + SCAN + 1, STEP, SDONE, EPROP, GET, 0, SCAN, STATE_PROP]


def test_eprop_in_test_pass_with_every_tick_regularisation():
    """DO_EPROP_TEST = 7 with REGUL_MODE[2:1] = 11: the stock host hangs in GET_TAR in tick 2; answering it
    once (SINGLE_LABEL = 1) lets every tick 2..T-1 run EPROP with regularisation only (TARGET_VALID low)."""
    case = load_case(EVERY)
    _, stock = _chip(EVERY, DO_EPROP_TEST=7)
    with pytest.raises(ChipHang, match="hangs in GET_TAR in tick 2:"):
        stock.run_sample(case.test[0], False)
    _, chip = _chip(EVERY, host=GETTAR, DO_EPROP_TEST=7, SPI_REGUL_F0=0)     # F0 = 0: the rate term fires
    before = chip.weights()
    r = chip.run_sample(case.test[0], False)
    tk = r.tick_table
    assert r.eprop_ticks == 300 - 2 and (tk[1:-1, TK.eprop] == EPROP).all() and tk[[0, -1], TK.eprop].sum() == 0
    assert tk[:, TK.gettar].tolist() == [0, GET] + [0] * 298
    after = chip.weights()                           # REGUL_W = 1: input rows only
    assert r.n_updates == 7 and (after["winp"] != before["winp"]).sum() == 5   # 7 updates on 5 synapses
    assert np.array_equal(after["wrec"], before["wrec"]) and np.array_equal(after["wout"], before["wout"])
    assert int(tk[1, TK.cycles]) == STEP + SDONE + GET + EPROP + int(tk[1, TK.prop]) + 1


def test_run_cli_records_a_non_stock_host(tmp_path):
    cfg = json.loads((EVERY / "config.json").read_text())
    cfg["DO_EPROP_TEST"] = 7
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    (tmp_path / "host.toml").write_text('label = "gettar"\n')
    args = ["run", str(EVERY), "--config", str(tmp_path / "cfg.json"), "--ntrain", "1", "--ntest", "1",
            "--dump", "0"]
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "o"), "--host", str(tmp_path / "host.toml")])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["meta"]["host"]["label"] == "gettar"
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "o2")])   # the stock host: written as a hang
    assert res.exit_code == 0 and "sample 1 halts: host program: the chip hangs in GET_TAR in tick 2:" in res.output
    assert "1 samples, 1 correct" in res.output      # the training sample; the test pass hangs (e-prop in test)
    z = np.load(tmp_path / "o2" / "sample_0001.npz")
    assert (int(z["halt_tick"]), int(z["halt_state"]), z["tk_table"].shape[0]) == (2, 4, 1)


def test_send_per_timestep_items_and_cycles():
    """SEND_PER_TIMESTEP: SDONE / EPROP -> SEND -> PROP in ticks 2..T-1. The state and learning are those of the
    stock run; each such tick is 6 n - 2 cycles longer (n items, the bench's OUT_ACK pacing) and sends the
    leaked output membranes (after STEP) low byte first; tick 1 and tick T (SEND -> IDLE) are unchanged."""
    case, ref = _chip(REGUL)
    _, spt = _chip(REGUL, SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=0)
    s = case.train[0]
    a, b = ref.run_sample(s, True, dump=True), spt.run_sample(s, True, dump=True)
    for key in a.end_state:
        assert np.array_equal(a.end_state[key], b.end_state[key]), key
    ts = b.tick_send
    assert ts["n"].tolist() == [0] + [4] * 358 + [0] and ts["cycles"].tolist() == [0] + [22] * 358 + [0]
    assert np.array_equal(b.tick_table[:, TK.cycles] - a.tick_table[:, TK.cycles], ts["cycles"])
    quiet = np.flatnonzero(b.tick_table[1:-1, TK.prop] == SCAN)[0] + 1       # an empty tick: 40 + 1 + 22 + 40 + 1
    assert int(b.tick_table[quiet, TK.cycles]) == STEP + SDONE + 22 + SCAN + 1 == 104
    u = b.records.oneur[1:-1, 0, :2]                                        # AT_STEP, outputs 0 and 1
    assert np.array_equal(ts["data"][1:-1, :4], np.stack([u[:, 0] & 255, u[:, 0] >> 8 & 255,
                                                          u[:, 1] & 255, u[:, 1] >> 8 & 255], axis=1))
    last = b.records.oneur[-1, 0, :2]                                      # tick T: the usual final SEND
    assert b.out_bytes.tolist() == [last[0] & 255, last[0] >> 8 & 255, last[1] & 255, last[1] >> 8 & 255]


def test_send_per_timestep_label_only_sends_the_running_vote():
    case, _ = _chip(REGUL)
    _, spt = _chip(REGUL, SPI_SEND_PER_TIMESTEP=1)
    s = case.test[0]
    r = spt.run_sample(s, False)
    ts = r.tick_send
    assert ts["n"][1:-1].tolist() == [1] * 358 and set(ts["cycles"][1:-1].tolist()) == {4}
    items = ts["data"][1:-1, 0]
    assert (items[:259] == 0).all()          # ticks 2..260: no vote before INFER_ACC (raised in step 260): winner 0
    assert items[-1] == r.inference and set(items.tolist()) <= {0, 1}


def test_send_per_timestep_golden_keys_and_compare(tmp_path):
    from reckon_sim.experiments.run_case import run_case
    from reckon_sim.io.compare import compare_dirs
    cfg = json.loads((REGUL / "config.json").read_text())
    cfg.update(SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=0)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    case = load_case(REGUL, tmp_path / "cfg.json", None, dict(epochs=1, ntrain=1, ntest=0))
    run_case(case, tmp_path / "a", 0)
    run_case(case, tmp_path / "b", 0)
    z = dict(np.load(tmp_path / "a" / "sample_0000.npz"))
    assert z["tick_send_n"].dtype == np.int32 and z["tick_send_data"].shape == (360, 4)
    assert compare_dirs(tmp_path / "a", tmp_path / "b")[0] is None
    z["tick_send_data"][5, 1] ^= 1
    np.savez(tmp_path / "b" / "sample_0000.npz", **z)
    div = compare_dirs(tmp_path / "a", tmp_path / "b")[0]
    assert div is not None and div.key == "tick_send_data" and div.tick == 6


def test_stimulus_round_trip_keeps_the_per_tick_send_record(tmp_path):
    from reckon_sim.io import vector_files as vf
    stim = [vf.SampleStim(0, 0, 0, 0, 3, 4, [], [vf.Step(0, 1, [3], [], []), vf.Step(1, 1, [], [], [2]),
                                                 vf.Step(2, 0)], tick_items=4)]
    vf.write_stimulus(tmp_path / "s.hex", stim)
    assert (tmp_path / "s.hex").read_text().splitlines()[1] == "5 4"
    assert vf.read_stimulus(tmp_path / "s.hex") == stim
    vf.write_tick_sends(tmp_path / "t.hex", np.array([0, 2, 0]), np.array([[0, 0], [7, 255], [0, 0]]))
    assert (tmp_path / "t.hex").read_text() == "2 2 7 ff\n"
    assert vf.read_tick_sends(tmp_path / "t.hex") == {2: [7, 255]}


def test_config_probe_reads_the_live_state_and_changes_nothing():
    """config_every = 50: ticks 51, 101, .. 351 stop in CONFIG after SDONE; the host reads the 20 neuron words
    (raw SRAM, after STEP) and both output membranes; learning is that of the stock run and only the CONFIG
    cycles (a host constant: 128 + 64 x 84 words + 8 x 82 reads = 6160) are added."""
    from reckon_sim.hw import memories
    case, ref = _chip(REGUL)
    _, probed = _chip(REGUL, host=HostSpec(config_every=50))
    s = case.train[0]
    a, b = ref.run_sample(s, True, dump=True), probed.run_sample(s, True, dump=True)
    for key in a.end_state:
        assert np.array_equal(a.end_state[key], b.end_state[key]), key
    extra = b.tick_table[:, TK.cycles] - a.tick_table[:, TK.cycles]
    assert (np.flatnonzero(extra) + 1).tolist() == list(range(51, 360, 50)) and set(extra[extra > 0]) == {6160}
    assert [k for k, _ in b.config_reads] == list(range(51, 360, 50))
    for k, ((neur_cmd, words), (oneur_cmd, outs)) in b.config_reads:
        assert (neur_cmd, oneur_cmd) == (0x9050_0000, 0xA002_0000) and len(words) == 80
        fields, _, _ = memories.unpack_neuron_words([sum(words[4 * i + q] << (32 * q) for q in range(4))
                                                     for i in range(20)])
        assert np.array_equal(fields[:, :40], b.records.step[k - 1])
        assert [v - 65536 if v >= 32768 else v for v in outs] == b.records.oneur[k - 1, 0, :2].tolist()


def test_config_writes_take_effect_and_are_read_back():
    case, ref = _chip(REGUL)
    s = case.train[0]
    a = ref.run_sample(s, True, dump=True)
    w_oneur = (0x2002_0000, (0x1234, 0xFFFF))                 # output membranes 0, 1 := 0x1234, -1
    w_winp = (0x3001_0000 | 4 * 17 + 1, (0x7F80_01FF,))       # winp word 17 (pre 1, posts 16..31), quarter 1
    reads = [(0xA002_0000, (0, 0)), (0xB001_0000 | 4 * 17 + 1, (0,))]
    prog = ref.host_program(s, True)
    prog = HostProgram(prog.n_ticks, prog.levels, prog.ev_step, prog.ev_chan, prog.tar, prog.req,
                       config={99: (w_oneur, w_winp, *reads)})
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=prog)
    ((k, txns),) = b.config_reads
    assert k == 100 and txns[2][1] == (0x1234, 0xFFFF) and txns[3][1] == (0x7F80_01FF,)
    assert b.records.oneur[99, 1, :2].tolist() == [
        0x1234 + a.records.oneur[99, 1, 0] - a.records.oneur[99, 0, 0],   # PROP adds the same spikes' weights
        -1 + a.records.oneur[99, 1, 1] - a.records.oneur[99, 0, 1]]
    with pytest.raises(InputError, match="step 0: config: a CONFIG visit needs an SDONE"):
        chip.run_sample(s, True, program=HostProgram(prog.n_ticks, prog.levels, prog.ev_step, prog.ev_chan,
                                                     prog.tar, prog.req, config={0: reads}))
    c = chip.run_sample(s, True, program=HostProgram(prog.n_ticks, prog.levels, prog.ev_step, prog.ev_chan,
                                                     prog.tar, prog.req, config={5: ((0x8002_0009, (0, 0)),)}))
    assert c.config_reads == [(6, ((0x8002_0009, (0x7F80_01FF,) * 2),))]   # a code-0 read: the last read word
    with pytest.raises(InputError, match=r"config_every: = -1 \(allowed: an integer 0..65535\)"):
        HostSpec.from_dict({"config_every": -1})


@given(st_visits=st.sets(st.integers(1, 358), max_size=6), every=st.integers(0, 1))
@settings(max_examples=15)
def test_random_read_visits_never_change_learning(st_visits, every):
    """Hypothesis over host programs: CONFIG read visits on random ticks (REGUL_MODE 3: EPROP only with
    TARGET_VALID, which reloads the SRAM output register) leave every state key as in the stock run and add
    exactly their CONFIG cycles; each visit's words are the state after STEP of its tick."""
    from reckon_sim.core import config_visit
    case, ref = _chip(REGUL)
    s = case.train[0]
    a = ref.run_sample(s, True, dump=True)
    probe = config_visit.probe_transactions(ref.config)[every % 2:]
    prog = ref.host_program(s, True)
    prog = HostProgram(prog.n_ticks, prog.levels, prog.ev_step, prog.ev_chan, prog.tar, prog.req,
                       config={j: tuple(probe) for j in st_visits})
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=prog)
    for key in a.end_state:
        assert np.array_equal(a.end_state[key], b.end_state[key]), key
    extra = b.tick_table[:, TK.cycles] - a.tick_table[:, TK.cycles]
    assert sorted(np.flatnonzero(extra).tolist()) == sorted(st_visits)
    assert set(extra[extra != 0].tolist()) <= {config_visit.visit_cycles(probe)}
    assert len(b.config_reads or ()) == len(st_visits)
    for k, txns in b.config_reads or ():
        outs = txns[-1][1]
        assert [v - 65536 if v >= 32768 else v for v in outs] == b.records.oneur[k - 1, 0, :2].tolist()


def test_config_read_golden_key(tmp_path):
    from reckon_sim.experiments.run_case import run_case
    case = load_case(REGUL, None, None, dict(epochs=1, ntrain=1, ntest=0))
    run_case(case, tmp_path / "a", 0, host=HostSpec(config_every=100))
    z = np.load(tmp_path / "a" / "sample_0000.npz")
    rows = z["config_read"]
    assert rows.dtype == np.int64 and rows.shape == (3 * 82, 4)     # ticks 101, 201, 301: 80 + 2 words each
    assert rows[0, :3].tolist() == [101, 1, 0] and rows[80, :3].tolist() == [101, 2, 0]
    assert rows[81, :3].tolist() == [101, 2, 1] and rows[-1, 0] == 301
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["meta"]["host"]["config_every"] == 100
