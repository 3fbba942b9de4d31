"""Random bytes and near-valid edits into the readers (dataset, weight file, config, grid): a parsed result or
an InputError naming the input, never another exception, and bounded memory (issue 10)."""
from __future__ import annotations

import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from reckon_sim import presets
from reckon_sim.config import ChipConfig
from reckon_sim.errors import InputError
from reckon_sim.experiments.grid import grid_widths, parse_grid
from reckon_sim.io.reckon_files import read_dataset, read_weights

DATASET = b"2\r\n3, 0\r\n-2, 1\r\n7, 5\r\n-1, 9\r\n-2, 0\r\n1, 1\r\n-1, 2\r\n"
WEIGHTS = b"1\n-2\n3\n127\n"
CONFIG = presets.find("reckon-tbench").read_bytes()
GRID = "weight=2..10 trace=6..12 ste=1,3,5"
PEAK_BYTES = 32 << 20          # a reader may hold its input a few times over, never a size bomb's worth

# near-valid edits: tokens that break counts, ranges, separators, encodings and sizes
TOKENS = [b"", b"-1", b"-2", b"2000000000", b"99999999999999999999", b", ", b",", b" ", b"\r", b"\n", b"\r\n",
          b"\x00", b"\xff", "\uff12".encode(), b"0", b"256", b"..", b"=", b"[", b"]", b'"', b"true", b"1e9", b"-"]


@st.composite
def edited(draw, base: bytes):
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(data)))
        j = min(len(data), i + draw(st.integers(0, 8)))
        data[i:j] = draw(st.sampled_from(TOKENS) | st.binary(max_size=6))
    return bytes(data)


def _bounded(fn):
    """fn() -> result or InputError (returned), with peak traced memory checked."""
    tracemalloc.start()
    try:
        try:
            out = fn()
        except InputError as e:
            assert "\n" not in str(e) and len(str(e)) < 600, str(e)
            out = e
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, peak
    return out


@settings(max_examples=150)
@given(st.one_of(edited(DATASET), st.binary(max_size=300)))
def test_dataset_reader(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("d") / "x.dat"
    p.write_bytes(data)
    out = _bounded(lambda: read_dataset(p, n_channels=40, n_labels=2, min_ticks=2))
    if not isinstance(out, InputError):
        assert all(s.n_ticks >= 2 and 0 <= s.label <= 1 for s in out)
    else:
        assert str(p) in str(out)


@settings(max_examples=100)
@given(st.one_of(edited(WEIGHTS), st.binary(max_size=100)))
def test_weight_reader(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("w") / "w.dat"
    p.write_bytes(data)
    out = _bounded(lambda: read_weights(p, 2, 2))
    if not isinstance(out, InputError):
        assert out.shape == (2, 2) and out.dtype.name == "int8"


@settings(max_examples=100)
@given(st.one_of(edited(CONFIG), st.binary(max_size=200)), st.sampled_from(["p.toml", "p.json"]))
def test_config_reader(tmp_path_factory, data, name):
    p = tmp_path_factory.mktemp("c") / name
    p.write_bytes(data)
    out = _bounded(lambda: ChipConfig.from_file(p))
    if not isinstance(out, InputError):
        assert 1 <= out.n_out <= 16


@settings(max_examples=150)
@given(st.one_of(edited(GRID.encode()), st.binary(max_size=60)), st.booleans())
def test_grid_parser(data, product):
    text = data.decode("utf-8", "replace")
    out = _bounded(lambda: grid_widths(parse_grid(text, product), product))
    if not isinstance(out, InputError):
        assert out and all(isinstance(w, dict) for w in out)


def test_size_bombs_are_errors_before_allocation(tmp_path):
    p = tmp_path / "bomb.dat"
    p.write_bytes(b"1\r\n3, 0\r\n-2, 1\r\n-1, 2000000000\r\n")
    assert isinstance(_bounded(lambda: read_dataset(p)), InputError)
    p.write_bytes(b"1\r" + b"3, 0\r" * 200_000)                         # CR-only: one 1 MB "line"
    assert "line longer than 200 characters" in str(_bounded(lambda: read_dataset(p)))
    assert "out of the supported range" in str(_bounded(lambda: parse_grid("weight=2..2000000000", True)))


def test_a_big_dataset_is_streamed_and_only_the_used_samples_parsed(tmp_path):
    """2 samples out of a 40 MB file: read in milliseconds with a few kB, not the whole file."""
    import time
    sample = "".join(f"{c % 40}, {t}\r\n" for t in range(0, 2100, 3) for c in range(3)) + "-2, 1\r\n-1, 2250\r\n"
    p = tmp_path / "big.dat"
    with open(p, "w", newline="") as f:
        f.write("2000\r\n")
        for _ in range(2000):
            f.write(sample)
    assert p.stat().st_size > 35e6
    t0 = time.process_time()
    tracemalloc.start()
    got = read_dataset(p, limit=2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(got) == 2 and got[1].events.shape == (2100, 2) and time.process_time() - t0 < 1.0
    assert peak < 1 << 20, peak
