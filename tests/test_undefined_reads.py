"""A code-0 read before any SPI read since reset (README "Operating modes"): SRNN_READBACK has no reset (srnn.v),
so its words are undefined: -1 in the model's read words and golden `config_read`, record 12 (don't-care) in the
vectors, skipped by the bench, the cocotb test and `compare`. On the released RTL (Verilator, which reads 0
there): `CONFIG read-back: 0 of 72 words differ (live words in CONFIG), 2 undefined not compared`, PASS."""
import numpy as np

from reckon_sim.core.host import HostSpec
from reckon_sim.io import vector_files
from reckon_sim.io.compare import compare_npz

from .test_vectors import small_spec

STALE = 0x8002_0009                                   # a 2-word code-0 read (register address 9)


def test_a_code_0_read_before_any_read_is_undefined_then_the_last_read_word(tmp_path):
    from reckon_sim.core.chip import Chip
    inp = small_spec()
    chip = Chip.from_config(inp.config, **inp.weights)
    chip.host = HostSpec(config_every=10, config_txns=((STALE, (0, 0)), (0x9001_0000, (0,)), (STALE, (0, 0))))
    r = chip.run_sample(inp.train[0], True)
    (k, (a, b, c, *probe)), *later = r.config_reads
    assert k == 11 and a == (STALE, (-1, -1)) and c == (STALE, b[1] * 2)   # after the neuron read: its word
    last = [w for cmd, ws in probe if (cmd >> 28) & 7 for w in ws][-1]     # the probe's last read word
    assert later[0][0] == 21 and later[0][1][0] == (STALE, (last,) * 2)


def test_vectors_mark_the_undefined_words_and_read_them_back(tmp_path):
    from reckon_sim.vectors import write_vectors
    write_vectors(tmp_path, small_spec(), None, HostSpec(config_every=10, config_txns=((STALE, (0, 0)),)))
    lines = (tmp_path / "stimulus.hex").read_text().splitlines()
    i = lines.index("c")
    assert lines[i + 1] == "6 80020009 00000000 00000000" and lines.count("c") == 1
    stim = vector_files.read_stimulus(tmp_path / "stimulus.hex")
    assert stim[0].steps[10].config[0].data == (vector_files.UNDEFINED_WORD,) * 2
    assert stim[0].steps[20].config[0].data != (vector_files.UNDEFINED_WORD,) * 2
    probes = (tmp_path / "expect" / "config_reads.hex").read_text().splitlines()
    assert probes[0].startswith("0 b 24 00000000 00000000 ")


def test_compare_skips_an_undefined_read_word(tmp_path):
    rows = np.array([[11, 0, 9, -1], [11, 1, 0, 7]], np.int64)
    for name, word, other in (("a", -1, 5), ("b", 5, -1)):
        ref, out = rows.copy(), rows.copy()
        ref[0, 3], out[0, 3] = word, other
        np.savez(tmp_path / f"ref_{name}.npz", config_read=ref)
        np.savez(tmp_path / f"out_{name}.npz", config_read=out)
        assert compare_npz(tmp_path / f"ref_{name}.npz", tmp_path / f"out_{name}.npz") == (None, 1)
    out = rows.copy()
    out[1, 3] = 8
    np.savez(tmp_path / "out_c.npz", config_read=out)
    np.savez(tmp_path / "ref_c.npz", config_read=rows)
    d, _ = compare_npz(tmp_path / "ref_c.npz", tmp_path / "out_c.npz")
    assert d.key == "config_read" and d.index == (1, 3) and (d.expected, d.got) == (7, 8)
