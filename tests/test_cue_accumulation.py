"""Tests of the cue-accumulation generator and the initial-weight generator: conventions checked against the stock
ReckOn dataset, determinism, statistics, marker placement and stock-format round trips."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reckon_sim.errors import InputError
from reckon_sim.tasks.cue_accumulation import (
    LEFT, NOISE, RECALL, RIGHT, CueAccumulationParams, count_cues, generate, make_dataset_pair,
)
from reckon_sim.tasks.init_weights import generate_initial_weights
from reckon_sim.io.reckon_files import read_dataset, read_weights, write_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "reckon-data"
needs_shared = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared ReckOn data not found at {DATA}")
P = CueAccumulationParams()


@pytest.fixture(scope="module")
def samples200():
    return generate(200, seed=1234)


@pytest.fixture(scope="module")
def stock():
    if not DATA.is_dir():
        pytest.skip(f"shared ReckOn data not found at {DATA}")
    return read_dataset(DATA / "dataset_cueAcc_train.dat") + read_dataset(DATA / "dataset_cueAcc_test.dat")


def group_rates_hz(samples, params=P):
    """Measured rates (Hz) of each group inside / outside its active window, pooled over samples."""
    cpg, T = params.channels_per_group, params.n_ticks
    counts = dict(cue=0, cue_off=0, recall=0, recall_off=0, noise=0)
    for s in samples:
        g, t = s.events[:, 0] // cpg, s.events[:, 1]
        in_cue = np.zeros(len(t), bool)
        for k in range(params.n_cues):
            a, b = params.cue_window(k)
            in_cue |= (t >= a) & (t < b)
        cue = (g == LEFT) | (g == RIGHT)
        counts["cue"] += np.sum(cue & in_cue)
        counts["cue_off"] += np.sum(cue & ~in_cue)
        counts["recall"] += np.sum((g == RECALL) & (t >= params.target_tick))
        counts["recall_off"] += np.sum((g == RECALL) & (t < params.target_tick))
        counts["noise"] += np.sum(g == NOISE)
    n, ms = len(samples), 1000.0 / params.tick_ms
    return dict(cue=counts["cue"] / (n * params.n_cues * params.t_cue * cpg) * ms,
                recall=counts["recall"] / (n * params.t_recall * cpg) * ms,
                noise=counts["noise"] / (n * T * cpg) * ms,
                cue_off=counts["cue_off"], recall_off=counts["recall_off"])


# ------------------------------------------------------------------------------------------ stock conventions
def test_stock_data_matches_generator_conventions(stock):
    """Channel groups, cue windows, rates, label = majority side (0 left / 1 right), marker placement."""
    for s in stock:
        assert s.n_ticks == P.n_ticks and s.events[:, 0].max() < P.n_inputs
        n_left, n_right = count_cues(s)
        assert n_left + n_right == P.n_cues
        assert s.label == int(n_right > n_left)
        assert s.marker_index == np.sum(s.events[:, 1] < P.target_tick)
        cue = s.events[s.events[:, 0] < 2 * P.channels_per_group]
        assert cue[:, 1].max() < P.n_cues * P.t_interval and (cue[:, 1] % P.t_interval >= P.t_silence).all()
    rates = group_rates_hz(stock)
    assert rates["cue_off"] == 0 and rates["recall_off"] == 0
    assert rates["cue"] == pytest.approx(P.f0_hz, rel=0.05)
    assert rates["recall"] == pytest.approx(P.f0_hz, rel=0.05)
    assert rates["noise"] == pytest.approx(P.f0_hz / 4, rel=0.05)


def test_stock_minority_counts_fit_p_group(stock):
    """0/1/2/3 minority cues: p_group = 0.3 (e-prop) fits, a fair coin per cue does not."""
    counts = np.bincount([min(count_cues(s)) for s in stock], minlength=4)
    assert counts.sum() == 100
    assert counts[0] >= 4 and counts[3] <= 45            # p = 0.5 predicts ~2 and ~55


@needs_shared
def test_stock_dataset_and_generated_have_same_event_counts(stock, samples200):
    n_stock = np.mean([len(s.events) for s in stock])
    n_gen = np.mean([len(s.events) for s in samples200])
    assert n_gen == pytest.approx(n_stock, rel=0.05)


# ------------------------------------------------------------------------------------------ generator
def test_same_seed_same_samples_different_seed_differs():
    a, b, c = generate(5, 7), generate(5, 7), generate(5, 8)
    for x, y in zip(a, b):
        assert (x.label, x.n_ticks, x.marker_index) == (y.label, y.n_ticks, y.marker_index)
        np.testing.assert_array_equal(x.events, y.events)
    assert any(len(x.events) != len(z.events) or not np.array_equal(x.events, z.events) for x, z in zip(a, c))


def test_generator_does_not_touch_global_rng():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    generate(2, 3)
    assert np.random.random() == before


def test_sample_structure(samples200):
    for s in samples200:
        ev = s.events
        assert ev.dtype == np.int32 and ev.ndim == 2 and ev.shape[1] == 2
        assert s.n_ticks == 2250 and s.label in (0, 1)
        key = ev[:, 1].astype(np.int64) * 256 + ev[:, 0]
        assert (np.diff(key) > 0).all()                    # sorted by (time, channel), no duplicates
        assert ev[:, 0].min() >= 0 and ev[:, 0].max() < 40 and ev[:, 1].max() < 2250
        assert (ev[:s.marker_index, 1] < 2100).all() and (ev[s.marker_index:, 1] >= 2100).all()
        n_left, n_right = count_cues(s)
        assert n_left + n_right == 7 and s.label == int(n_right > n_left)


def test_label_balance_and_cue_statistics(samples200):
    labels = np.array([s.label for s in samples200])
    assert 0.4 <= labels.mean() <= 0.6
    minority = np.array([min(count_cues(s)) for s in samples200])
    # P(min count = 0, 1, 2, 3) for p_group = 0.3 and 7 cues: 0.083, 0.251, 0.343, 0.324
    freq = np.bincount(minority, minlength=4) / len(minority)
    np.testing.assert_allclose(freq, [0.083, 0.251, 0.343, 0.324], atol=0.1)


def test_event_rates_match_parameters(samples200):
    rates = group_rates_hz(samples200)
    assert rates["cue_off"] == 0 and rates["recall_off"] == 0
    assert rates["cue"] == pytest.approx(40.0, rel=0.05)
    assert rates["recall"] == pytest.approx(40.0, rel=0.05)
    assert rates["noise"] == pytest.approx(10.0, rel=0.05)


def test_overridden_parameters():
    p = CueAccumulationParams(n_cues=3, t_cue=20, t_interval=30, f0_hz=200.0, p_group=0.0, target_tick=100,
                              t_recall=10, channels_per_group=4, f_noise_hz=0.0)
    assert (p.n_ticks, p.n_inputs, p.t_silence, p.t_wait) == (110, 16, 10, 10)
    samples = generate(40, 5, p)
    for s in samples:
        assert s.n_ticks == 110 and s.events[:, 0].max() < 12     # noise group silent
        assert min(count_cues(s, p)) == 0                          # p_group = 0: all cues on one side
        assert s.marker_index == np.sum(s.events[:, 1] < 100)
    assert 0 < np.mean([s.label for s in samples]) < 1


@pytest.mark.parametrize("kwargs,field", [
    (dict(t_cue=200), "t_cue"), (dict(target_tick=1000), "target_tick"), (dict(p_group=1.5), "p_group"),
    (dict(f0_hz=2000.0), "f0_hz"), (dict(channels_per_group=65), "channels_per_group"), (dict(n_cues=0), "n_cues"),
])
def test_invalid_parameters_raise_input_error(kwargs, field):
    with pytest.raises(InputError, match=f"field '{field}' = .* out of range"):
        CueAccumulationParams(**kwargs)


def test_make_dataset_pair():
    train, test = make_dataset_pair(6, 4, seed=9)
    assert len(train) == 6 and len(test) == 4
    for x, y in zip(train, generate(6, 9)):
        np.testing.assert_array_equal(x.events, y.events)
    assert not any(np.array_equal(x.events, y.events) for x in train for y in test)


def test_generated_samples_have_stock_file_format(tmp_path, samples200):
    path = tmp_path / "gen.dat"
    write_dataset(path, samples200[:20])
    raw = path.read_bytes()
    assert raw.startswith(b"20\r\n") and raw.endswith(b"-1, 2250\r\n")
    back = read_dataset(path, n_channels=40)
    for x, y in zip(back, samples200[:20]):
        assert (x.label, x.n_ticks, x.marker_index) == (y.label, y.n_ticks, y.marker_index)
        np.testing.assert_array_equal(x.events, y.events)
    write_dataset(tmp_path / "again.dat", back)
    assert (tmp_path / "again.dat").read_bytes() == raw


# ------------------------------------------------------------------------------------------ initial weights
def test_initial_weights_shapes_determinism_and_stock_like_statistics():
    w = generate_initial_weights(40, 100, 2, seed=3)
    assert {k: (v.dtype, v.shape) for k, v in w.items()} == {
        "winp": (np.int8, (40, 100)), "wrec": (np.int8, (100, 100)), "wout": (np.int8, (100, 2))}
    assert not np.diag(w["wrec"]).any()
    again, other = generate_initial_weights(40, 100, 2, seed=3), generate_initial_weights(40, 100, 2, seed=4)
    assert all(np.array_equal(w[k], again[k]) for k in w)
    assert not np.array_equal(w["winp"], other["winp"])
    assert w["winp"].std() == pytest.approx(14.23, rel=0.1)
    assert w["wrec"][~np.eye(100, dtype=bool)].std() == pytest.approx(1.84, rel=0.1)
    assert w["wout"].std() == pytest.approx(9.43, rel=0.25)
    diag = generate_initial_weights(40, 100, 2, seed=3, zero_rec_diagonal=False)["wrec"]
    off = ~np.eye(100, dtype=bool)
    assert np.array_equal(diag[off], w["wrec"][off]) and np.diag(diag).any()
    big = generate_initial_weights(4, 4, 4, seed=0, gain_inp=1e4)["winp"]
    assert big.min() == -128 and big.max() == 127                  # saturates like int8 bytes


@needs_shared
def test_initial_weights_resemble_stock_files():
    w = generate_initial_weights(40, 100, 2, seed=0)
    for key, kind, shape in (("winp", "inp", (40, 100)), ("wrec", "rec", (100, 100)), ("wout", "out", (100, 2))):
        ref = read_weights(DATA / f"init_rand_weights_{kind}_cueAcc.dat", *shape).astype(float)
        assert w[key].astype(float).std() == pytest.approx(ref.std(), rel=0.25)
        assert abs(int(w[key].min())) <= 2 * abs(ref.min()) and int(w[key].max()) <= 2 * ref.max()
