"""SAMPLE falling at any point of a tick (core.host fall_cycle, core.sample_fall): hand-checked FSM paths and
cycles on pub_regul (40 neurons: STEP 40, SDONE at cycle 41, EPROP 336 cycles from 42 in the learning ticks
261..359 of a training sample), the EPROP hang, SEND_PER_TIMESTEP, refusals, a hypothesis test over fall points,
the golden-format hang record and vector record 9."""
import dataclasses

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reckon_sim.cli import main
from reckon_sim.core.chip import ChipHang
from reckon_sim.core.host import HostSpec
from reckon_sim.core.records import STATE_EPROP, STATE_SEND, TK
from reckon_sim.errors import InputError
from reckon_sim.io import vector_files as fmt

from .test_host import REGUL, _chip

SDONE_AT, EPROP_END = 41, 378      # tick offsets: the SDONE cycle; the cycle after EPROP's last (1 + 40 + 1 + 336)


def _fall(prog, j, n=-1):
    lv = prog.levels.copy()
    lv[j:] &= ~1
    return dataclasses.replace(prog, levels=lv, fall_cycle=n)


def _run(j, n=-1, learn=True, **cfg):
    case, chip = _chip(REGUL, **cfg)
    s = case.train[0]
    return chip.run_sample(s, learn, dump=True, program=_fall(chip.host_program(s, learn), j, n))


def _same(a, b):
    assert np.array_equal(a.tick_table, b.tick_table) and a.inference == b.inference
    for key in a.end_state:
        assert np.array_equal(a.end_state[key], b.end_state[key]), key


def test_fall_before_sdone_ends_the_sample_in_that_tick():
    a = _run(300, SDONE_AT)
    assert len(a.tick_table) == 300
    assert a.tick_table[-1].tolist() == [300, 42, 40, 1, 0, 0, 0, 0, STATE_SEND]   # STEP, SDONE -> SEND
    _same(a, _run(299))                     # == SAMPLE low in step 299 (the program truncated to 300 steps)
    _same(_run(300, 0), a)
    b = _run(300, SDONE_AT + 1, learn=False)     # test pass: no EPROP, the fall lands in the PROP scan
    assert len(b.tick_table) == 301 and b.tick_table[-2, TK.end] == 1
    _same(b, _run(300, learn=False))


def test_fall_in_eprop_hangs_without_send_per_timestep():
    with pytest.raises(ChipHang) as e:
        _run(300, SDONE_AT + 1)
    h = e.value
    assert str(h) == ("host program: the chip hangs in EPROP in tick 300: SAMPLE falls 42 cycles after TIME_TICK "
                      "300, in EPROP cycle 0 of tick 300; SAMPLE is low at EPROP's last cycle (377) and "
                      "SEND_PER_TIMESTEP = 0, so EPROP waits for SAMPLE for ever (srnn.v L734-L735; its counters "
                      "cycle on: the state after is not modelled)")
    assert (h.state, h.tick, h.cut, h.timing_error) == ("EPROP", 300, ("EPROP", 0), False)
    assert h.tick_table.shape == (300, 9)
    assert h.tick_table[-1].tolist() == [300, EPROP_END, 40, 1, 336, 0, 0, 0, STATE_EPROP]
    with pytest.raises(ChipHang, match=r"in EPROP cycle 335 of tick 300"):
        _run(300, EPROP_END - 1)
    _same(_run(300, EPROP_END), _run(300))      # seen high at eprop_done: PROP, the sample ends in tick 301


SPT = dict(SPI_SEND_PER_TIMESTEP=1, SPI_SEND_LABEL_ONLY=0)


def test_send_per_timestep_fall_before_send_makes_it_the_final_send():
    a = _run(300, EPROP_END, **SPT)             # low from SEND's first cycle: send_done -> IDLE
    assert len(a.tick_table) == 300
    assert a.tick_table[-1].tolist() == [300, EPROP_END, 40, 1, 336, 0, 0, 0, STATE_SEND]
    later = _run(300, EPROP_END + 22, **SPT)    # after the 22 SEND cycles (4 items): SEND -> PROP
    assert len(later.tick_table) == 301
    assert later.tick_send["data"][299, :4].tolist() == a.out_bytes.tolist()   # that tick's SEND items
    _same(later, _run(300, **SPT))
    _same(_run(300, SDONE_AT, **SPT), _run(299, **SPT))
    for n in (EPROP_END + 1, EPROP_END + 21):   # inside the SEND, up to its last cycle (send_done): still final
        _same(_run(300, n, **SPT), a)
    _same(_run(300, EPROP_END + 22, **SPT), later)


def test_sample_level_errors():
    case, chip = _chip(REGUL)
    s = case.train[0]
    prog = chip.host_program(s, True)
    lv = prog.levels.copy()
    lv[200] &= ~1
    cases = [(dataclasses.replace(prog, levels=lv), r"step 201: levels: SAMPLE rises again after falling in step "
                                                    r"200: that starts a new sample"),
             (dataclasses.replace(prog, levels=prog.levels | 1), r"step 359: levels: SAMPLE is high on every step"),
             (dataclasses.replace(prog, levels=prog.levels & ~1), r"step 0: levels: SAMPLE must be high on step 0"),
             (_fall(prog, 1, 0), r"fall_cycle: = 0 \(allowed: -1, or 0..4294967295 cycles after TIME_TICK 1; 1.. "
                                 r"in tick 1"),
             (_fall(prog, 300, -2), r"fall_cycle: = -2")]
    for p, msg in cases:
        with pytest.raises(InputError, match=msg):
            chip.run_sample(s, True, program=p)
    assert len(chip.run_sample(s, True, program=_fall(prog, 1, 1)).tick_table) == 2   # PROP scan: tick 2 ends it
    _, chip = _chip(REGUL, host=HostSpec(tick_period=5000))
    with pytest.raises(InputError, match=r"fall_cycle: = 5000 with tick_period = 5000: SAMPLE would fall after the "
                                         r"next TIME_TICK \(allowed: -1 or 0..tick_period-1; a fall m periods later "
                                         r"is a fall in tick j\+m\)"):
        chip.run_sample(s, True, program=_fall(prog, 300, 5000))
    with pytest.raises(InputError, match=r"sample_fall_cycle: = -2 \(allowed: an integer -1..4294967295\)"):
        HostSpec.from_dict({"sample_fall_cycle": -2})


def test_a_fixed_period_host_with_every_tick_on_time_falls_as_the_ready_host():
    """Period 700 >= every tick of pub_regul (<= 658 cycles): the fall lands in the same tick cycle."""
    ready = _run(300, SDONE_AT + 1, learn=False)
    for halt in (0, 1):
        case, chip = _chip(REGUL, host=HostSpec(tick_period=700), SPI_ERROR_HALT=halt)
        s = case.train[0]
        with pytest.raises(ChipHang, match=r"in EPROP in tick 300: SAMPLE falls 42 cycles after TIME_TICK 300"):
            chip.run_sample(s, True, program=_fall(chip.host_program(s, True), 300, SDONE_AT + 1))
        case, chip = _chip(REGUL, host=HostSpec(tick_period=700), SPI_ERROR_HALT=halt)   # fresh weights
        _same(chip.run_sample(s, False, dump=True, program=_fall(chip.host_program(s, False), 300, SDONE_AT + 1)),
              ready)


@given(j=st.integers(2, 358), n=st.integers(-1, 700), learn=st.booleans())
@settings(max_examples=12, deadline=None)
def test_random_fall_points(j, n, learn):
    """Falling at SDONE or before == SAMPLE low one step earlier; before the end of an EPROP == hang in that
    tick; later == SAMPLE low in step j (the sample ends in tick j+1)."""
    ref = _run(j, learn=learn)
    if n < 0:
        return
    row = ref.tick_table[j - 1]
    if n <= SDONE_AT:
        _same(_run(j, n, learn), _run(j - 1, learn=learn))
    elif row[TK.eprop] and n < EPROP_END:
        with pytest.raises(ChipHang) as e:
            _run(j, n, learn)
        assert (e.value.state, e.value.tick, len(e.value.tick_table)) == ("EPROP", j, j)
        assert np.array_equal(e.value.tick_table[:-1], ref.tick_table[: j - 1])
    else:
        _same(_run(j, n, learn), ref)


def test_run_and_vectors_record_the_hang_and_the_early_end(tmp_path):
    host = tmp_path / "h.toml"
    host.write_text("[host]\nsample_low_step = 300\nsample_fall_cycle = 42\n")
    r = CliRunner().invoke(main, ["run", str(REGUL), "--out", str(tmp_path / "o"), "--ntrain", "1", "--ntest", "1",
                                  "--epochs", "1", "--host", str(host)])
    assert r.exit_code == 0, r.output
    assert ("sample 0 halts: host program: the chip hangs in EPROP in tick 300: SAMPLE falls 42 cycles after "
            "TIME_TICK 300, in EPROP cycle 0 of tick 300;") in r.output
    z = np.load(tmp_path / "o" / "sample_0000.npz")
    assert [int(z[k]) for k in ("halt_tick", "halt_state", "timing_error", "cut_state", "cut_cycle")] == \
        [300, STATE_EPROP, 0, STATE_EPROP, 0]
    assert z["tk_table"].shape == (299, 9)
    host.write_text("[host]\nsample_low_step = 300\nsample_fall_cycle = 41\n")
    r = CliRunner().invoke(main, ["run", str(REGUL), "--out", str(tmp_path / "p"), "--ntrain", "1", "--ntest", "1",
                                  "--epochs", "1", "--host", str(host)])
    assert r.exit_code == 0, r.output
    z = np.load(tmp_path / "p" / "sample_0000.npz")
    assert int(z["ticks"]) == 300 and z["tk_table"][-1, TK.end] == STATE_SEND


def test_vector_record_9(tmp_path):
    from reckon_sim.experiments.data import RunInputs
    from reckon_sim.vectors.writer import write_vectors
    case, _ = _chip(REGUL)
    inputs = RunInputs(case.config, case.train[:1], case.test[:1], dict(winp=case.winp, wrec=case.wrec,
                       wout=case.wout), 1, None, "test")
    for n, end, ticks in ((41, fmt.FALL_ENDS, [300, 300]), (42, fmt.FALL_HANG, [300]), (378, fmt.FALL_NEXT, [301, 301])):
        out = tmp_path / f"v{n}"
        write_vectors(out, inputs, host=HostSpec(sample_low_step=300, sample_fall_cycle=n))
        stim = fmt.read_stimulus(out / "stimulus.hex")
        assert stim[0].fall == fmt.Fall(300, n, end)
        assert [len(s.steps) for s in stim] == ticks
        assert len((out / "expect" / "cycles_0000.hex").read_text().splitlines()) == ticks[0]
    assert "| `9 k n end` |" in (out / "FORMAT.md").read_text()


def test_sample_rising_again_starts_a_new_sample():
    """Two samples in one program, with two idle ticks between them whose events are wiped: the same as running
    them one after the other (Chip.run_program); run_sample refuses the rise with a pointer to it."""
    from reckon_sim.core.host import HostProgram
    case, chip = _chip(REGUL)
    a, b = chip.host_program(case.train[0], True), chip.host_program(case.train[1], True)
    idle = 2
    shift = a.n_ticks + idle
    levels = np.concatenate([a.levels, np.zeros(idle, np.int64), b.levels])
    ev_step = np.concatenate([a.ev_step, [a.n_ticks, a.n_ticks + 1], b.ev_step + shift])
    ev_chan = np.concatenate([a.ev_chan, [3, 4], b.ev_chan])
    both = HostProgram(shift + b.n_ticks, levels, ev_step, ev_chan, {**a.tar, **{j + shift: d for j, d in b.tar.items()}},
                       {}, config={})
    assert [p.n_ticks for p in both.split()] == [a.n_ticks + idle, b.n_ticks]
    with pytest.raises(InputError, match=rf"step {shift}: levels: SAMPLE rises again after falling in step "
                                         rf"{a.n_ticks - 1}: that starts a new sample .* Chip.run_program"):
        chip.run_sample(case.train[0], True, program=both)
    ra, rb = chip.run_program(case.train[0], True, both, dump=True)
    _, ref = _chip(REGUL)
    _same(ra, ref.run_sample(case.train[0], True, dump=True))
    _same(rb, ref.run_sample(case.train[1], True, dump=True))


@given(j=st.integers(2, 358), n=st.integers(0, 699), halt=st.integers(0, 1))
@settings(max_examples=10, deadline=None)
def test_random_falls_with_every_tick_on_time_match_the_ready_host(j, n, halt):
    """tick_period 700 >= every pub_regul tick: any fall (j, n < 700) does what it does on the ready host."""
    def outcome(host):
        case, chip = _chip(REGUL, host=host, SPI_ERROR_HALT=halt)
        s = case.train[0]
        try:
            return chip.run_sample(s, True, dump=True, program=_fall(chip.host_program(s, True), j, n))
        except ChipHang as e:
            return str(e)
    a, b = outcome(HostSpec(tick_period=700)), outcome(HostSpec())
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
    else:
        _same(a, b)
