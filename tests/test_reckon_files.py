"""Tests of reckon_sim.io.reckon_files: byte-exact round trips of the stock/golden files, every validation
error (file:line, field name, allowed range) and hypothesis write->read round trips."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from reckon_sim.backend import Sample
from reckon_sim.errors import InputError
from reckon_sim.io.reckon_files import (
    check_sample, detect_newline, read_dataset, read_targets, read_weights, sample_targets, write_dataset,
    write_targets, write_weights,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "reckon-data"
GOLDEN = SHARED / "golden"
needs_shared = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared ReckOn data not found at {DATA}")
STOCK_WEIGHTS = [("inp", 40, 100), ("rec", 100, 100), ("out", 100, 2)]
GOLDEN_CASES = sorted(p.name for p in GOLDEN.glob("pub_*")) if GOLDEN.is_dir() else []


def assert_samples_equal(a: list[Sample], b: list[Sample]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.label, x.n_ticks, x.marker_index) == (y.label, y.n_ticks, y.marker_index)
        assert x.events.dtype == y.events.dtype == np.int32
        np.testing.assert_array_equal(x.events, y.events)


# ------------------------------------------------------------------------------------------ stock files
@needs_shared
@pytest.mark.parametrize("name", ["dataset_cueAcc_train.dat", "dataset_cueAcc_test.dat"])
def test_stock_dataset_round_trip_is_byte_exact(name, tmp_path):
    src = DATA / name
    samples = read_dataset(src)
    write_dataset(tmp_path / name, samples)          # default newline = the stock CRLF
    assert (tmp_path / name).read_bytes() == src.read_bytes()


@needs_shared
def test_stock_dataset_content():
    train, test = read_dataset(DATA / "dataset_cueAcc_train.dat"), read_dataset(DATA / "dataset_cueAcc_test.dat")
    assert len(train) == len(test) == 50
    assert [s.label for s in train].count(0) == 22 and [s.label for s in test].count(0) == 29  # spec §16.3
    s = train[0]
    assert s.events.shape[1] == 2 and s.events[:3].tolist() == [[30, 8], [34, 10], [34, 12]]
    for s in train + test:
        assert s.n_ticks == 2250
        assert s.events[:, 0].max() <= 39
        assert s.events[:s.marker_index, 1].max() < 2100 <= s.events[s.marker_index:, 1].min()


@needs_shared
@pytest.mark.parametrize("kind,n_pre,n_post", STOCK_WEIGHTS)
def test_stock_weights_round_trip_is_byte_exact(kind, n_pre, n_post, tmp_path):
    src = DATA / f"init_rand_weights_{kind}_cueAcc.dat"
    w = read_weights(src, n_pre, n_post)
    assert w.dtype == np.int8 and w.shape == (n_pre, n_post)
    write_weights(tmp_path / "w.dat", w)
    assert (tmp_path / "w.dat").read_bytes() == src.read_bytes()


@needs_shared
def test_stock_weight_ranges():
    ranges = {k: (lambda w: (w.min(), w.max()))(read_weights(DATA / f"init_rand_weights_{k}_cueAcc.dat", a, b))
              for k, a, b in STOCK_WEIGHTS}
    assert ranges == {"inp": (-55, 49), "rec": (-6, 8), "out": (-33, 20)}
    assert not np.diag(read_weights(DATA / "init_rand_weights_rec_cueAcc.dat", 100, 100)).any()


@needs_shared
@pytest.mark.skipif(not GOLDEN_CASES, reason=f"golden cases not found under {GOLDEN}")
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_files_round_trip_with_lf(case, tmp_path):
    d = GOLDEN / case
    for name in ("train.dat", "test.dat"):
        assert detect_newline(d / name) == "\n"
        write_dataset(tmp_path / name, read_dataset(d / name), newline="\n")
        assert (tmp_path / name).read_bytes() == (d / name).read_bytes()
    n_rec = sum(1 for _ in open(d / "wrec.dat")) ** 0.5
    n_rec = int(round(n_rec))
    n_inp = sum(1 for _ in open(d / "winp.dat")) // n_rec
    n_out = sum(1 for _ in open(d / "wout.dat")) // n_rec
    for name, shape in (("winp.dat", (n_inp, n_rec)), ("wrec.dat", (n_rec, n_rec)), ("wout.dat", (n_rec, n_out))):
        write_weights(tmp_path / name, read_weights(d / name, *shape), newline="\n")
        assert (tmp_path / name).read_bytes() == (d / name).read_bytes()
    if (d / "targets.txt").exists():
        t = read_targets(d / "targets.txt", n_out)
        assert t.dtype == np.int16 and t.shape == (237, 2)
        write_targets(tmp_path / "targets.txt", t)
        assert (tmp_path / "targets.txt").read_bytes() == (d / "targets.txt").read_bytes()


# ------------------------------------------------------------------------------------------ tolerated variants
GOOD = "2\n3, 0\n5, 1\n-2, 1\n7, 2\n-1, 4\n-2, 0\n-1, 2\n"


@pytest.mark.parametrize("text", [
    GOOD, GOOD.replace("\n", "\r\n"), GOOD.rstrip("\n"), GOOD + "\n\n", GOOD.replace("\n", " \t\n"),
])
def test_dataset_tolerates_line_endings_and_trailing_whitespace(text, tmp_path):
    p = tmp_path / "ok.dat"
    p.write_bytes(text.encode())
    a, b = read_dataset(p)
    assert a.events.tolist() == [[3, 0], [5, 1], [7, 2]] and (a.label, a.n_ticks, a.marker_index) == (1, 4, 2)
    assert b.events.shape == (0, 2) and (b.label, b.n_ticks, b.marker_index) == (0, 2, 0)


def test_dataset_allows_duplicate_events(tmp_path):
    p = tmp_path / "dup.dat"
    p.write_text("1\n3, 1\n3, 1\n-2, 0\n-1, 2\n")
    assert read_dataset(p)[0].events.tolist() == [[3, 1], [3, 1]]


# ------------------------------------------------------------------------------------------ validation errors
# (file text, line of the error, substrings the message must contain: field name and allowed range / value)
DATASET_ERRORS = [
    ("x\n-2, 0\n-1, 2\n", 1, ["'n_samples'", "'x'", "not an integer"]),
    ("-1\n", 1, ["'n_samples'", "-1", ">= 0"]),
    ("2\n3, 0\n-2, 0\n-1, 2\n", 1, ["'n_samples' = 2", "1 samples"]),
    ("1\n-2, 0\n-1, 2\n4, 0\n-2, 0\n-1, 2\n", 4, ["'n_samples' = 1", "another sample"]),
    ("1\n300, 0\n-2, 0\n-1, 2\n", 2, ["'channel' = 300", "0..255"]),
    ("1\n-5, 0\n-2, 0\n-1, 2\n", 2, ["'channel' = -5", "0..255", "-2", "-1"]),
    ("1\n1.5, 0\n-2, 0\n-1, 2\n", 2, ["'channel'", "'1.5'", "not an integer"]),
    ("1\n3, abc\n-2, 0\n-1, 2\n", 2, ["'time'", "'abc'", "not an integer"]),
    ("1\n3,0\n-2, 0\n-1, 2\n", 2, ["not exactly 'a, b'"]),
    ("1\n3 ,  0\n-2, 0\n-1, 2\n", 2, ["not exactly 'a, b'"]),
    ("1\n 3, 0\n-2, 0\n-1, 2\n", 2, ["not exactly 'a, b'"]),
    ("1\n03, 0\n-2, 0\n-1, 2\n", 2, ["'channel'", "'03'"]),
    ("1\n3 0\n-2, 0\n-1, 2\n", 2, ["is not 'a, b'"]),
    ("1\n3, 0\n\n-2, 0\n-1, 2\n", 3, ["is not 'a, b'"]),
    ("1\n3, 0, 1\n-2, 0\n-1, 2\n", 2, ["'time'", "'0, 1'"]),
    ("1\n3, -1\n-2, 0\n-1, 2\n", 2, ["'time' = -1", "0..T-1"]),
    ("1\n3, 5\n4, 4\n-2, 0\n-1, 9\n", 3, ["'time' = 4", "5..T-1", "non-decreasing", "line 2"]),
    ("1\n3, 5\n-2, 0\n4, 4\n-1, 9\n", 4, ["'time' = 4", "5..T-1"]),
    ("1\n3, 0\n4, 9\n-2, 0\n-1, 9\n", 3, ["'time' = 9", "0..8", "T = 9 on line 5"]),
    ("1\n3, 0\n-1, 2\n", 3, ["'marker'", "missing", "exactly 1"]),
    ("1\n-2, 0\n3, 0\n-2, 1\n-1, 2\n", 4, ["'marker'", "second", "line 2", "exactly 1"]),
    ("1\n-2, 16\n-1, 2\n", 2, ["'label' = 16", "0..15"]),
    ("1\n-2, -1\n-1, 2\n", 2, ["'label' = -1", "0..15"]),
    ("1\n-2, 0\n-1, 1\n", 3, ["'n_ticks' = 1", "2..1000000"]),
    ("1\n3, 0\n-2, 0\n", 3, ["'marker'", "ends inside sample 0", "'-1, T'"]),
]


@pytest.mark.parametrize("text,line,parts", DATASET_ERRORS)
def test_dataset_validation_errors(text, line, parts, tmp_path):
    p = tmp_path / "bad.dat"
    p.write_bytes(text.replace("\n", "\r\n").encode())      # CRLF like the stock files: same diagnostics
    with pytest.raises(InputError) as exc:
        read_dataset(p)
    msg = str(exc.value)
    assert msg.startswith(f"{p}:{line}: "), msg
    assert exc.value.where == f"{p}:{line}"
    assert "\n" not in msg
    for part in parts:
        assert part in msg, (part, msg)


def test_dataset_channel_range_follows_n_channels(tmp_path):
    p = tmp_path / "c.dat"
    p.write_text("1\n40, 0\n-2, 0\n-1, 2\n")
    assert read_dataset(p)[0].events.tolist() == [[40, 0]]
    with pytest.raises(InputError, match=r"c\.dat:2: field 'channel' = 40 out of range 0\.\.39"):
        read_dataset(p, n_channels=40)


WEIGHT_ERRORS = [
    ("1\n2\n3\n", None, ["'n_lines' = 3", ">= 4", "2 x 2"]),
    ("1\n200\n3\n4\n", 2, ["'weight[0][1]' = 200", "-128..127"]),
    ("1\n2\n-129\n4\n", 3, ["'weight[1][0]' = -129", "-128..127"]),
    ("1\n2\nx\n4\n", 3, ["'weight[1][0]'", "'x'", "not an integer", "-128..127"]),
    ("1\n2.0\n3\n4\n", 2, ["'weight[0][1]'", "'2.0'", "not an integer"]),
    ("1\n\n3\n4\n", 2, ["'weight[0][1]'", "''", "not an integer"]),
    ("1\n2 3\n3\n4\n", 2, ["'weight[0][1]'", "'2 3'"]),
]


@pytest.mark.parametrize("text,line,parts", WEIGHT_ERRORS)
def test_weight_validation_errors(text, line, parts, tmp_path):
    p = tmp_path / "w.dat"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_weights(p, 2, 2)
    where = f"{p}:{line}" if line else str(p)
    assert exc.value.where == where and str(exc.value).startswith(where + ": ")
    for part in parts:
        assert part in str(exc.value), (part, str(exc.value))


def test_weights_extra_lines_are_ignored(tmp_path):
    p = tmp_path / "w.dat"
    p.write_text("1\n-2\n3\n127\nnot a number\n999\n")
    assert read_weights(p, 2, 2).tolist() == [[1, -2], [3, 127]]


TARGET_ERRORS = [
    ("1 2\n3\n", 2, ["'n_values' = 1", "2..2"]),
    ("1 2\n3 4 5\n", 2, ["'n_values' = 3", "2..2"]),
    ("1 40000\n", 1, ["'target[1]' = 40000", "-32768..32767"]),
    ("-32769 0\n", 1, ["'target[0]' = -32769", "-32768..32767"]),
    ("1 2\n3 x\n", 2, ["'target[1]'", "'x'", "not an integer"]),
    ("1 2\n\n3 4\n", 2, ["'n_values' = 0"]),
]


@pytest.mark.parametrize("text,line,parts", TARGET_ERRORS)
def test_target_validation_errors(text, line, parts, tmp_path):
    p = tmp_path / "targets.txt"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_targets(p, 2)
    assert exc.value.where == f"{p}:{line}"
    for part in parts:
        assert part in str(exc.value), (part, str(exc.value))


def test_targets_accept_any_whitespace(tmp_path):
    p = tmp_path / "targets.txt"
    p.write_text("-63\t447\r\n41  435 \n32767 -32768")
    assert read_targets(p, 2).tolist() == [[-63, 447], [41, 435], [32767, -32768]]


def test_sample_targets_are_the_lines_of_one_training_sample():
    targets = np.arange(14, dtype=np.int16).reshape(7, 2)           # T = 6, TARGET_TICK = 2: 3 lines per sample
    assert sample_targets(targets, 1, 6, 2).tolist() == [[6, 7], [8, 9], [10, 11]]
    with pytest.raises(InputError, match="7 lines, training sample 2 needs lines 6..8"):
        sample_targets(targets, 2, 6, 2)


@pytest.mark.parametrize("reader", [lambda p: read_dataset(p), lambda p: read_weights(p, 2, 2),
                                    lambda p: read_targets(p, 2)])
@pytest.mark.parametrize("content,parts", [
    (None, ["file not found"]), (b"", ["file is empty"]), (b"\r\n \n\n", ["file is empty"]),
    (b"1\xff\n", ["not ASCII"]), ("dir", ["cannot read"]),
])
def test_all_readers_reject_missing_empty_and_binary_files(reader, content, parts, tmp_path):
    p = tmp_path / "f.dat"
    if content == "dir":
        p.mkdir()
    elif content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        reader(p)
    assert str(p) in str(exc.value)
    for part in parts:
        assert part in str(exc.value)


# ------------------------------------------------------------------------------------------ writers
def test_write_dataset_validates_samples(tmp_path):
    ev = np.array([[3, 0], [4, 5]], dtype=np.int32)
    with pytest.raises(InputError, match=r"sample 0 event 1: field 'time' = 5 out of range 0\.\.4"):
        write_dataset(tmp_path / "x.dat", [Sample(ev, 0, 5, 1)])
    with pytest.raises(InputError, match=r"sample 0: field 'label' = 16 out of range 0\.\.15"):
        write_dataset(tmp_path / "x.dat", [Sample(ev, 16, 9, 1)])
    with pytest.raises(InputError, match=r"field 'marker_index' = 3 out of range 0\.\.2"):
        check_sample(Sample(ev, 0, 9, 3))
    with pytest.raises(InputError, match=r"event 1: field 'time' = 0 out of range 5\.\.8"):
        check_sample(Sample(ev[::-1].copy(), 0, 9, 1))
    with pytest.raises(ValueError):
        write_weights(tmp_path / "w.dat", np.array([[128]]))
    with pytest.raises(ValueError):
        write_dataset(tmp_path / "x.dat", [], newline="\r")


@st.composite
def samples_strategy(draw):
    n_ticks = draw(st.integers(2, 3000))
    n = draw(st.integers(0, 30))
    times = sorted(draw(st.lists(st.integers(0, n_ticks - 1), min_size=n, max_size=n)))
    chans = draw(st.lists(st.integers(0, 255), min_size=n, max_size=n))
    ev = np.array(list(zip(chans, times)), dtype=np.int32).reshape(-1, 2)
    return Sample(events=ev, label=draw(st.integers(0, 15)), n_ticks=n_ticks,
                  marker_index=draw(st.integers(0, n)))


@settings(max_examples=60, deadline=None)
@given(samples=st.lists(samples_strategy(), max_size=5), newline=st.sampled_from(["\n", "\r\n"]))
def test_dataset_write_read_round_trip(samples, newline):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "s.dat"
        write_dataset(p, samples, newline=newline)
        back = read_dataset(p)
        assert_samples_equal(back, samples)
        assert detect_newline(p) == newline
        write_dataset(Path(d) / "t.dat", back, newline=newline)
        assert (Path(d) / "t.dat").read_bytes() == p.read_bytes()


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(st.integers(1, 12), st.integers(1, 12)), seed=st.integers(0, 2**32 - 1),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_weights_and_targets_write_read_round_trip(shape, seed, newline):
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, size=shape).astype(np.int8)
    t = rng.integers(-32768, 32768, size=shape).astype(np.int16)
    with tempfile.TemporaryDirectory() as d:
        write_weights(Path(d) / "w.dat", w, newline=newline)
        np.testing.assert_array_equal(read_weights(Path(d) / "w.dat", *shape), w)
        write_targets(Path(d) / "t.txt", t, newline=newline)
        back = read_targets(Path(d) / "t.txt", shape[1])
        assert back.dtype == np.int16
        np.testing.assert_array_equal(back, t)
