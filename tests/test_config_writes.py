"""SPI writes of the neuron SRAM (code 1) and of configuration registers (code 0) in a mid-sample CONFIG visit
(core.config_visit, core.config_regs): exact read-back, effects checked by hand or against a chip configured
with the written values from the start, and the exact refusals."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from reckon_sim.config import ChipConfig
from reckon_sim.core import config_visit
from reckon_sim.core.host import HostProgram, HostSpec
from reckon_sim.core.records import NF, TK
from reckon_sim.core.state import ChipState
from reckon_sim.errors import InputError
from reckon_sim.hw import memories

from .test_host import REGUL, _chip

REG, NEUR_W, NEUR_R = 0x0001_0000, 0x1001_0000, 0x9004_0000   # one-word register / neuron write, 4-word read


def _program(chip, s, config):
    p = chip.host_program(s, True)
    return HostProgram(p.n_ticks, p.levels, p.ev_step, p.ev_chan, p.tar, p.req, config=config)


@pytest.fixture(scope="module")
def regul():
    """pub_regul's first training sample: the stock run (dumped) and its host program."""
    case, ref = _chip(REGUL)
    s = case.train[0]
    return case, s, ref.run_sample(s, True, dump=True)


def test_neuron_write_is_read_back_and_keeps_the_old_word_in_the_output_register():
    st = ChipState.after_init(ChipConfig.from_preset("reckon-tbench"))
    st.membrane[6], st.trace_inp[7], st.dirty[:] = -5, 99, 0
    old = memories.neuron_word(st.neurons, st.thr, st.alpha_lsb, 3)
    out = config_visit.play(st, [(NEUR_W | 4 * 3 + 1, (0xDEADBEEF,)), (NEUR_R | 4 * 3, (0,) * 4)], "visit", [])
    new = old & ~(0xFFFFFFFF << 32) | 0xDEADBEEF << 32
    assert out[1][1] == tuple((new >> (32 * q)) & 0xFFFFFFFF for q in range(4))
    assert st.dirty.nonzero()[0].tolist() == [6, 7]                        # both neurons of word 3
    assert memories.neuron_word(st.neurons, st.thr, st.alpha_lsb, 3) == new
    # the write saw the old word first (read-before-write), the read then loaded the new one
    st2 = ChipState.after_init(ChipConfig.from_preset("reckon-tbench"))
    st2.membrane[6], st2.trace_inp[7] = -5, 99
    config_visit.play(st2, [(NEUR_W | 4 * 3 + 3, (0x8007FFF0,))], "visit", [])
    assert st2.qreg.tolist() == [[-5, 0, 0, 0], [0, 99, 0, 0]]
    assert (st2.thr[3], st2.alpha_lsb[3]) == (0x7FFF, 0x800)


def test_code0_read_shows_the_last_read_word_and_changes_nothing():
    """srnn.v L1389-L1399: no READ_* pulse for code 0, so SRNN_READBACK keeps the last read's last word, across
    writes, visits and samples (no reset, no IDLE clear); the register is not written (spi_slave.v bit 31)."""
    st = ChipState.after_init(ChipConfig.from_preset("reckon-tbench"))
    st.membrane[6] = -5
    reads = config_visit.play(st, [(NEUR_R | 4 * 3, (0,) * 4), (0x8003_0009, (0,) * 3)], "visit", [])
    word = memories.neuron_word(st.neurons, st.thr, st.alpha_lsb, 3)
    assert reads[1][1] == (word >> 96,) * 3
    writes = []
    oneur = 0xA002_0004                                     # output membranes 4, 5
    st.oneur[5] = -3
    out = config_visit.play(st, [(oneur, (0, 0)), (NEUR_W | 4 * 3 + 3, (1,)), (0x8001_0045, (0,))], "v", writes)
    assert out[0][1] == (0, 0xFFFD) and out[2][1] == (0xFFFD,) and writes == []
    st.enter_idle()
    assert config_visit.play(st, [(0x8001_0000, (0,))], "v", [])[0][1] == (0xFFFD,)


def test_neuron_debug_write_sets_z_and_dirty_of_one_neuron_and_still_writes_a_word():
    """addr[9]: neur_z / neur_dirty of neuron addr[7:0] := data[0] / data[1]; the SRAM write to word addr[8:2]
    (quarter addr[1:0]) happens too, setting that word's two dirty flags."""
    st = ChipState.after_init(ChipConfig.from_preset("reckon-tbench"))
    st.dirty[:], st.trace_inp[5] = 0, 0xABC
    config_visit.play(st, [(NEUR_W | 0x200 | 10, (0b01,))], "visit", [])    # word 2, quarter 2; neuron 10
    assert (st.z[10], st.dirty[10]) == (1, 0)
    assert st.dirty.nonzero()[0].tolist() == [4, 5] and st.trace_inp[5] == 0 and st.membrane[5] == 1 << 14


def _wrap16(v: int) -> int:
    v &= 0xFFFF
    return v - 65536 if v >> 15 else v


def _word(res, k: int, w: int) -> int:
    """Neuron word w after STEP of tick k+1 in a run (every neuron dirty; pub_regul's thr 800, alpha LSBs 3904)."""
    f = np.zeros((4, 256), np.int64)
    f[:, : res.records.step.shape[2]] = res.records.step[k]
    return memories.neuron_word(f, np.full(128, 800), np.full(128, 3904), w)


def test_neuron_writes_take_effect_in_the_ticks_after(regul):
    """Tick 100 (no EPROP before 261): neuron 2w's membrane := -1000 (PROP then adds the stock run's input),
    word w+1's threshold := 0x7FFF and alpha LSBs := 0x123 (no spike after; the next STEP is u * alpha >> 15)."""
    case, s, a = regul
    w = next(j // 2 for j in range(0, 36, 2) if a.records.z[100:, j + 2:j + 4].any())   # word w+1 spikes later
    old = _word(a, 99, w + 1)
    q0 = _word(a, 99, w) & 0xFFFF0000 | (-1000 & 0xFFFF)
    q3 = old >> 96 & 0xF | 0x7FFF << 4 | 0x123 << 20
    txns = ((NEUR_W | 4 * w, (q0,)), (NEUR_W | 4 * (w + 1) + 3, (q3,)), (NEUR_R | 4 * (w + 1), (0,) * 4))
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=_program(chip, s, {99: txns}))
    (_, played), = b.config_reads
    assert played[2][1] == (*(old >> (32 * q) & 0xFFFFFFFF for q in range(3)), q3)
    j = 2 * w
    assert b.records.prop[99, NF.membrane, j] == -1000 + a.records.prop[99, 0, j] - a.records.step[99, 0, j]
    assert not b.records.z[100:, j + 2:j + 4].any()
    u = int(b.records.prop[99, NF.membrane, j + 2])
    assert b.records.step[100, NF.membrane, j + 2] == _wrap16(u * (0x7000 | 0x123) >> 15)
    assert chip.state.thr[w + 1] == 0x7FFF and chip.state.alpha_lsb[w + 1] == 0x123   # the SRAM keeps them


def test_register_writes_equal_a_chip_configured_with_them(regul):
    """EPROP-only registers and two seeds written in tick 100 (before the first EPROP, tick 261): the sample
    ends as on a chip configured with those values; the registers stay for the next sample."""
    case, s, a = regul
    writes = ((REG | 79, (3,)), (REG | 18, (2,)), (REG | 85, (0x123457,)), (REG | 86, (0xFFABCDE,)), (REG | 500, (1,)))
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=_program(chip, s, {99: writes}))
    _, ref = _chip(REGUL, SPI_LR_R_WINP=3, SPI_LEARN_SIG_SCALE=2, SPI_SEED_INP=0x123457, SPI_SEED_REC=0x1FABCDE)
    c = ref.run_sample(s, True, dump=True)
    assert [k for k in c.end_state if not np.array_equal(c.end_state[k], b.end_state[k])] == []
    assert not np.array_equal(a.end_state["winp"], b.end_state["winp"])
    assert {k: chip.config[k] for k in ("SPI_LR_R_WINP", "SPI_SEED_REC")} == {"SPI_LR_R_WINP": 3,
                                                                             "SPI_SEED_REC": 0x1FABCDE}
    assert b.config_reads[0][1][3] == (REG | 86, (0xFFABCDE,))


def test_do_eprop_written_mid_sample_stops_learning_for_that_sample_only(regul):
    case, s, a = regul
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=_program(chip, s, {299: ((REG | 9, (0,)),)}))
    assert a.tick_table[299:-1, TK.eprop].all() and not b.tick_table[299:, TK.eprop].any()
    assert np.array_equal(a.tick_table[:299], b.tick_table[:299])
    assert (b.records.wchk[299:-1] == b.records.wchk[298]).all()
    assert (a.eprop_ticks, b.eprop_ticks) == (99, 39)                   # ticks 261..359, 261..299
    assert chip.run_sample(case.train[1], True).eprop_ticks == 99          # the phase's value again (host)


def test_sizes_written_mid_sample_shorten_step_and_prop_without_records(regul):
    """NUM_INP 23 -> 9, NUM_REC 39 -> 29 in tick 100 of a run without records: STEP takes NUM_RECOUT + 1 = 30
    cycles from tick 101 on (40 before) and an empty PROP scan NUM_NEUR + 1 = 30."""
    case, s, a = regul
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, program=_program(chip, s, {99: ((REG | 94, (9,)), (REG | 95, (29,)))}))
    assert set(a.tick_table[1:, TK.step].tolist()) == {40} and set(b.tick_table[100:, TK.step].tolist()) == {30}
    assert np.array_equal(a.tick_table[:99], b.tick_table[:99])
    assert set(b.tick_table[100:-1, TK.prop].tolist()) >= {30} and b.tick_table[100:-1, TK.prop].min() == 30
    assert (chip.config.n_inp, chip.config.n_rec) == (10, 30)


def test_alpha_conf_word_and_kappa_writes_change_the_next_step(regul):
    """SPI_ALPHA_CONF word 65 bit 0 (pair 0: alpha MSBs 0x8) and SPI_KAPPA := 0x40 in tick 100: the next STEP
    leaks neuron 0 by 0x8000 | 3904 (reset by subtraction of 800 after a spike) and output 0 by 0x40 / 128."""
    case, s, a = regul
    _, chip = _chip(REGUL)
    b = chip.run_sample(s, True, dump=True, program=_program(chip, s, {99: ((REG | 65, (1,)), (REG | 69, (0x40,)))}))
    u = int(b.records.prop[99, NF.membrane, 0])
    spike = int(u >= 800)
    assert b.records.z[100, 0] == spike
    assert b.records.step[100, NF.membrane, 0] == _wrap16(_wrap16(u * (0x8000 | 3904) >> 15) - 800 * spike)
    assert chip.config["SPI_ALPHA_CONF"] == 1 and chip.config["SPI_KAPPA"] == 0x40
    o = int(b.records.oneur[99, 1, 0])
    assert o != 0 and b.records.oneur[100, 0, 0] == o * 0x40 >> 7
    assert a.records.oneur[100, 0, 0] == a.records.oneur[99, 1, 0]              # kappa 128: no leak


@pytest.mark.parametrize("txn, message", [
    ((0x0001_0000, (0,)), "command 0x00010000: SPI_EN_CONF is written by the host to end the visit (allowed: "
                          "register addresses 1..65535)"),
    ((0x6001_0000, (0,)), "command 0x60010000: code 6 is no SPI target (allowed: codes 0-5)"),
    ((0x1002_0000, (0,)), "command 0x10020000: 1 data words for count cmd[27:16] = 2 (allowed: as many as the "
                          "count)"),
])
def test_visit_refusals_are_exact(regul, txn, message):
    case, s, _ = regul
    _, chip = _chip(REGUL)
    with pytest.raises(InputError) as e:
        chip.run_sample(s, True, dump=True, program=_program(chip, s, {9: (txn,)}))
    assert str(e.value) == f"host program step 9: config: {message}"


def test_host_config_txns_play_before_the_probe_and_round_trip():
    spec = HostSpec.from_dict({"config_every": 100, "config_txns": [[REG | 9, 0], [0x9001_0000]]})
    assert spec.config_txns == ((REG | 9, (0,)), (0x9001_0000, (0,)))
    assert HostSpec.from_dict(spec.to_dict()) == spec
    case, chip = _chip(REGUL, host=spec)
    prog = chip.host_program(case.train[0], True)
    assert sorted(prog.config) == [100, 200, 300] and prog.config[100][:2] == spec.config_txns
    assert prog.config[100][2:] == tuple(config_visit.probe_transactions(chip.config))
    for bad, msg in (({"config_txns": [[REG | 9, 0]]}, "host: config_txns: are played in the config_every visits "
                                                       "(allowed: with config_every = N > 0)"),
                     ({"config_every": 5, "config_txns": [[REG | 0x20009, 0]]},
                      "host: config_txns[0]: 1 data words for command 0x00030009 (count cmd[27:16] = 3; allowed: "
                      "1..4095, as many as the data)"),
                     ({"config_every": 5, "config_txns": [["x"]]},
                      "host: config_txns[0]: = ['x'] (allowed: [cmd, data..], 32-bit integers)")):
        with pytest.raises(InputError) as e:
            HostSpec.from_dict(bad)
        assert str(e.value) == msg


def test_vectors_carry_the_writes_rewrite_do_eprop_and_follow_the_registers(tmp_path):
    """small_spec, a visit in ticks 11 and 21 writing SPI_DO_EPROP := 3, SPI_SEND_LABEL_ONLY := 0 and neuron
    word 2's quarter 0, then the probe: the writes are record 6 lines, the probe reads them back, every sample
    after a DO_EPROP write rewrites its phase's value (record 1) and sends the membranes (record 2: 4 items)."""
    from reckon_sim.io import vector_files
    from reckon_sim.vectors import write_vectors

    from .test_vectors import small_spec
    txns = ((REG | 9, (3,)), (REG | 31, (0,)), (NEUR_W | 4 * 2, (0xFC18,)))
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=txns))
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert [[(t.cmd, tuple(t.data)) for t in s.pre_spi] for s in stim] == [
        [(0x0001_0000, (1,)), (REG | 9, (7,)), (0x0001_0000, (0,))]] * 2 + [
        [(0x0001_0000, (1,)), (REG | 9, (0,)), (0x0001_0000, (0,))]]
    assert [s.n_items for s in stim] == [4, 4, 4]
    for s in stim:
        assert [j for j, st in enumerate(s.steps) if st.config] == [10, 20]
        visit = s.steps[10].config
        assert [(t.cmd, tuple(t.data)) for t in visit[:3]] == list(txns)
        assert visit[3].cmd == 0x9020_0000 and visit[3].data[8] == 0xFC18      # 8 words x 4 quarters: word 2
    outs = (tmp_path / "expect" / "outputs.hex").read_text().splitlines()
    assert [len(line.split()) for line in outs] == [6, 6, 6]


@given(ops=hst.lists(hst.tuples(hst.booleans(), hst.integers(0, 0x3FF), hst.lists(hst.integers(0, 2**32 - 1),
                                                                                   min_size=1, max_size=6)),
                     min_size=1, max_size=8))
@settings(max_examples=40, deadline=None)
def test_random_neuron_transactions_match_a_128_bit_word_model(ops):
    """Hypothesis: neuron-SRAM writes and reads (any address, addr[9] too, auto-increment) against a plain
    model of 128 words of 128 bits with 256 dirty and z flags (srnn.v L1120-L1131, L1260-L1264, L1387)."""
    st = ChipState.after_init(ChipConfig.from_preset("reckon-tbench"))
    words = memories.neuron_words(st.neurons, st.thr, st.alpha_lsb)
    dirty, z = st.dirty.astype(int).tolist(), st.z.astype(int).tolist()
    txns, expect = [], []
    for read, addr, data in ops:
        txns.append((((1 << 31) if read else 0) | 0x1000_0000 | len(data) << 16 | addr, tuple(data)))
        got = []
        for i, d in enumerate(data):
            a = addr + i
            w, q = (a >> 2) & 127, a & 3
            if read:
                got.append(words[w] >> (32 * q) & 0xFFFFFFFF)
                continue
            words[w] = words[w] & ~(0xFFFFFFFF << (32 * q)) | d << (32 * q)
            dirty[2 * w] = dirty[2 * w + 1] = 1
            if a >> 9 & 1:
                z[a & 255], dirty[a & 255] = d & 1, d >> 1 & 1
        expect.append(tuple(got) if read else tuple(data))
    out = config_visit.play(st, txns, "visit", [])
    assert [w for _, w in out] == expect
    assert memories.neuron_words(st.neurons, st.thr, st.alpha_lsb) == words
    assert st.dirty.tolist() == dirty and st.z.tolist() == z
