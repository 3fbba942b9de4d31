"""The cycle-level window (core.cycle) where the answer is known: every PROP scan of a run, and the next tick's
STEP and SDONE, on the cycle model with the ready host's tick at the ready cycle must give the tick model's
results exactly (the golden cases against the RTL's own files, small_spec against the tick model)."""
import numpy as np
import pytest

from reckon_sim.core.chip import Chip
from reckon_sim.core.cycle import cut
from reckon_sim.experiments.run_case import run_case
from reckon_sim.io.compare import compare_dirs
from reckon_sim.io.golden import load_case

from .conftest import GOLDEN
from .test_vectors import small_spec


@pytest.fixture
def every_scan_on_cycle_model(monkeypatch):
    """Every PROP scan runs on the cycle model; yields the list of windows played (tick numbers)."""
    played, play = [], cut.play

    def counted(chip, drive, tk, stats, dump, rec, send_n, inp_next, pos, k, *rest):
        played.append(k)
        return play(chip, drive, tk, stats, dump, rec, send_n, inp_next, pos, k, *rest)
    monkeypatch.setattr(cut, "play", counted)
    tick_model = Chip._simulate

    def simulate(self, prog, sample, do_eprop, dump, cut_at=None):
        every = np.full(prog.n_ticks, -1, np.int64)       # stop before every PROP scan, tick at the ready cycle
        return tick_model(self, prog, sample, do_eprop, dump, every if cut_at is None else cut_at)
    monkeypatch.setattr(Chip, "_simulate", simulate)
    yield played


def _run_all(inputs):
    chip = Chip(inputs.config)
    chip.load_weights(inputs.weights["winp"], inputs.weights["wrec"], inputs.weights["wout"])
    out = []
    for learn, s in [(True, x) for x in inputs.train] + [(False, x) for x in inputs.test]:
        res = chip.run_sample(s, learn, dump=True)
        out.append((res, chip.state.copy()))
    return out


def test_small_spec_cycle_model_equals_tick_model(request):
    inputs = small_spec()
    ref = _run_all(inputs)
    played = request.getfixturevalue("every_scan_on_cycle_model")
    got = _run_all(inputs)
    assert len(played) == 3 * 29                      # ticks 1..29 of each sample (tick 30 ends at SDONE)
    for (ra, sa), (rb, sb) in zip(ref, got):
        assert np.array_equal(ra.tick_table, rb.tick_table)
        assert np.array_equal(ra.out_bytes, rb.out_bytes) and ra.n_spikes == rb.n_spikes and ra.n_sops == rb.n_sops
        for name in sa._fields:
            if name != "work":
                assert np.array_equal(getattr(sa, name), getattr(sb, name)), name
        for name in ra.records._fields:
            assert np.array_equal(getattr(ra.records, name), getattr(rb.records, name)), name


@pytest.mark.slow
@pytest.mark.parametrize("case", ["pub_noise_reset", "pub_regression", "pub_regul", "pub_regul_everytick",
                                  "pub_supp_outonly"])
def test_golden_case_on_cycle_model(case, tmp_path, every_scan_on_cycle_model):
    played = every_scan_on_cycle_model
    if not (GOLDEN / case).exists():
        pytest.skip("needs ../shared/golden")
    run_case(load_case(GOLDEN / case), tmp_path / "out")
    assert len(played) > 100
    div, n_samples, n_keys = compare_dirs(GOLDEN / case, tmp_path / "out", strict=True)
    assert div is None, str(div)
    assert n_samples == len(list((GOLDEN / case).glob("sample_*.npz"))) and n_keys > 40
