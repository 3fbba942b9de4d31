"""Register table, ChipConfig validation and SRAM pack/unpack round trips."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from reckon_sim.cli import main
from reckon_sim.config import ChipConfig
from reckon_sim.errors import InputError
from reckon_sim.hw import memories
from reckon_sim.hw.registers import BY_NAME, REGISTERS, spi_words

from .conftest import GOLDEN, need_shared


def test_register_table_is_consistent():
    addrs = [r.addr for r in REGISTERS]
    assert len(addrs) == len(set(addrs)) and len(REGISTERS) == 64
    for removed in (24, 28, 29, 34, 97):
        assert removed not in addrs
    assert BY_NAME["SPI_KAPPA"].reset == 0x7A and BY_NAME["SPI_NUM_REC_NEUR"].reset == 0xFF
    assert BY_NAME["SPI_THR_H_0"].signed and BY_NAME["SPI_H_4"].width == 5


def test_stock_config_spi_words_match_rtl_run():
    stock = need_shared(GOLDEN / "stock_3")
    cfg = ChipConfig.from_json(stock / "config.json")
    meta = json.loads((stock / "meta_run.json").read_text())
    words = [[0, 1]] + [list(w) for name in json.loads((stock / "config.json").read_text())
                        if name in BY_NAME for w in spi_words(BY_NAME[name], cfg[name])]
    assert words == meta["spi_conf_writes"]


def test_presets_load_and_tbench_equals_golden_stock():
    tb = ChipConfig.from_preset("reckon-tbench")
    assert (tb.n_inp, tb.n_rec, tb.n_out, tb.num_recout) == (40, 100, 2, 99)
    assert tb["SPI_SEED_STRND_ONEUR"] == 0x74F4 and tb.alpha_words()[0] == 0x7FEF
    reset = ChipConfig.from_preset("reckon-reset")
    assert (reset.n_inp, reset.n_rec, reset.n_out) == (256, 256, 16) and reset["SPI_KAPPA"] == 0x7A


@pytest.mark.parametrize("key,value,msg", [
    ("SPI_NUM_REC_NEUR", 256, "field 'SPI_NUM_REC_NEUR' = 256 out of range 0..255 (8-bit unsigned)"),
    ("SPI_H_0", -17, "field 'SPI_H_0' = -17 out of range -16..31 (5-bit signed)"),
    ("SPI_KAPPA", "x", "field 'SPI_KAPPA' = 'x' is not an integer"),
    ("SPI_FOO", 1, "unknown field 'SPI_FOO'"),
    ("NEUR_INIT_WORDS", 129, "field 'NEUR_INIT_WORDS' = 129 out of range 0..128"),
])
def test_out_of_range_registers_are_rejected(key, value, msg):
    data = ChipConfig.from_preset("reckon-tbench").to_dict()
    data[key] = value
    with pytest.raises(InputError) as e:
        ChipConfig.from_dict(data, where="cfg.json")
    assert str(e.value).startswith("cfg.json: " + msg)


def test_signed_register_accepts_bit_pattern():
    data = ChipConfig.from_preset("reckon-tbench").to_dict()
    data["SPI_THR_H_0"] = 0xFF6A
    assert ChipConfig.from_dict(data)["SPI_THR_H_0"] == -150


def test_cli_bad_config_is_one_line_exit_2(tmp_path):
    case = need_shared(GOLDEN / "pub_regul")
    cfg = json.loads((case / "config.json").read_text())
    cfg["SPI_FP_LOC_WINP"] = 9
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cfg))
    res = CliRunner().invoke(main, ["run", str(case), "--config", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "field 'SPI_FP_LOC_WINP' = 9 out of range 0..7 (3-bit unsigned)" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


@given(st.lists(st.integers(0, (1 << 128) - 1), min_size=128, max_size=128))
def test_neuron_word_pack_unpack_round_trip(words):
    fields, thr, alpha = memories.unpack_neuron_words(words)
    assert memories.neuron_words(fields, thr, alpha) == words
    img = memories.words_to_bytes(words)
    assert memories.bytes_to_words(img) == words


@given(st.integers(0, 2**32 - 1))
def test_weight_image_round_trip(seed):
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (256, 256)).astype(np.int8)
    img = memories.weight_image(w, 4096)
    assert img.shape == (4096, 16)
    pre, post = rng.integers(0, 256, 2)
    assert img[pre << 4 | post >> 4, post & 15] == np.uint8(w[pre, post])
    assert np.array_equal(memories.weights_from_image(img, 40, 100, 256), w[:40, :100])
    wo = rng.integers(-128, 128, (256, 16)).astype(np.int8)
    assert np.array_equal(memories.weights_from_image(memories.weight_image(wo, 512), 100, 2, 16), wo[:100, :2])
