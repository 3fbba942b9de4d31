"""RTL test vectors (`reckon-sim vectors`): every file is written, parses back, and agrees with the model."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from reckon_sim.backend import Sample
from reckon_sim.cli import main
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.experiments.data import RunInputs
from reckon_sim.hw.registers import CONFIG_REGISTERS
from reckon_sim.io import vector_files
from reckon_sim.io.reckon_files import read_dataset, read_weights, write_dataset, write_weights
from reckon_sim.vectors import spi, write_vectors
from reckon_sim.vectors.stimulus import sample_steps
from reckon_sim.vectors.writer import state_columns

T, TT = 30, 20


def small_spec(epochs: int = 1) -> RunInputs:
    """8 inputs, 16 recurrent, 2 outputs, 30-tick samples: 2 train + 1 test (seconds to simulate in RTL)."""
    d = ChipConfig.from_preset("reckon-tbench").to_dict()
    d.update(SPI_NUM_INP_NEUR=7, SPI_NUM_REC_NEUR=15, SPI_NUM_OUT_NEUR=1, TARGET_TICK=TT, NEUR_INIT_WORDS=8,
             NEUR_THR=300, SPI_REGUL_F0=10)
    cfg = ChipConfig.from_dict(d)
    rng = np.random.default_rng(7)

    def sample(label: int) -> Sample:
        times = np.sort(rng.integers(0, T, 40))
        ev = np.stack([rng.integers(0, 8, 40), times], axis=1).astype(np.int32)
        return Sample(ev, label, T, int(np.sum(times < TT)))

    weights = {"winp": rng.integers(-60, 60, (8, 16)).astype(np.int8),
               "wrec": rng.integers(-30, 40, (16, 16)).astype(np.int8),
               "wout": rng.integers(-40, 40, (16, 2)).astype(np.int8)}
    return RunInputs(cfg, [sample(0), sample(1)], [sample(1)], weights, epochs, source="tests/small_spec")


@pytest.fixture(scope="module")
def vec(tmp_path_factory):
    out = tmp_path_factory.mktemp("vec")
    return out, write_vectors(out, small_spec()), small_spec()


def _apply(images: dict, seq) -> None:
    """A Python SPI slave: apply write transactions to [words, 16] uint8 images (only while SPI_EN_CONF = 1)."""
    names = {v: k for k, v in spi.CODE.items()}
    en = 1
    for t in seq:
        if t.code == 0:
            en = t.data[0] & 1 if t.addr == 0 else en
            continue
        assert en == 1 and not t.read
        q = images[names[t.code]].view("<u4").reshape(-1)
        for i, w in enumerate(t.data):
            q[t.addr + i] = w


def test_manifest_lists_every_file(vec):
    out, manifest, _ = vec
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert all(f["format_version"] == vector_files.FORMAT_VERSION for f in manifest["files"])
    assert manifest["config"] == small_spec().config.to_dict()
    assert manifest["run"] == {"epochs": 1, "ntrain": 2, "ntest": 1, "samples": 3}


def test_images_program_and_readback_agree_with_model(vec):
    out, manifest, spec = vec
    cfg = spec.config
    chip = Chip.from_config(cfg, **spec.weights)
    chip.state.dirty[: 2 * spi.program_dirty_words(cfg)] = 1
    init = chip.state.snapshot(cfg)
    images = {m: np.zeros((spi.MEM_WORDS[m], 16), np.uint8) for m in spi.MEMS}
    prog = vector_files.read_transactions(out / "spi_program.hex")
    _apply(images, prog)
    conf = [(t.addr, t.data[0]) for t in prog if t.code == 0]
    assert conf[: len(conf) - 2] == [(t.addr, t.data[0]) for t in spi.config_writes(cfg)]
    for mem in spi.MEMS:
        img = vector_files.read_image(out / "mem" / f"{mem}_init.mem")
        assert np.array_equal(img, init[f"{mem}_sram"]) and np.array_equal(images[mem], img)
    data = [(0, s) for s in spec.train] + [(1, s) for s in spec.test]
    for gidx, (phase, sample) in enumerate(data):
        res = chip.run_sample(sample, phase == 0, dump=True)
        end = res.end_state
        reg = spi.regions(cfg)
        readback = vector_files.read_transactions(out / "expect" / f"readback_{gidx:04d}.hex")
        last = readback.pop()             # the 16 output membranes, cleared when the chip re-entered IDLE
        assert (last.code, last.addr, last.read, last.data) == (spi.CODE["oneur"], 0, True, (0,) * 16)
        for t in readback:
            assert t.read
            mem = {v: k for k, v in spi.CODE.items()}[t.code]
            q = end[f"{mem}_sram"].view("<u4").reshape(-1)
            assert list(t.data) == [int(x) for x in q[t.addr: t.addr + len(t.data)]]
            assert all((a >> 2) in reg[mem] for a in range(t.addr, t.addr + len(t.data)))
        for mem in spi.MEMS:
            assert np.array_equal(vector_files.read_image(out / "mem" / f"{mem}_{gidx:04d}.mem"), end[f"{mem}_sram"])
        cyc = vector_files.read_cycles(out / "expect" / f"cycles_{gidx:04d}.hex")
        assert np.array_equal(cyc[:, 0], res.tick_cycles) and not cyc[:, 1].any()
        cols = state_columns(res, cfg)
        got = vector_files.read_state(out / "expect" / f"state_{gidx:04d}.hex",
                                 {"z": cfg.n_rec, "inp": cfg.n_inp, "u": cfg.n_rec, "tinp": cfg.n_rec,
                                  "trec": cfg.n_rec, "tout": cfg.n_rec, "oneur_u": cfg.n_out})
        assert np.array_equal(got["k"], np.arange(1, T + 1))
        for name in cols:
            assert np.array_equal(got[name], cols[name]), name
        assert manifest["samples"][gidx]["out_data"] == [res.inference]
    assert vector_files.read_outputs(out / "expect" / "outputs.hex") == [
        (s["gidx"], s["out_data"]) for s in manifest["samples"]]


def test_stimulus_parses_back(vec):
    out, _, spec = vec
    stim = vector_files.read_stimulus(out / "stimulus.hex")
    assert [(s.gidx, s.phase, s.index, s.n_ticks, s.n_items) for s in stim] == [
        (0, 0, 0, T, 1), (1, 0, 1, T, 1), (2, 1, 0, T, 1)]
    assert [t.data for t in stim[0].pre_spi] == [(1,), (7,), (0,)] and not stim[1].pre_spi
    assert [t.data for t in stim[2].pre_spi] == [(1,), (0,), (0,)]
    for s, (learn, sample) in zip(stim, [(True, spec.train[0]), (True, spec.train[1]), (False, spec.test[0])]):
        assert s.steps == sample_steps(spec.config, sample, learn)
        assert sum(len(st.aer) for st in s.steps) == len(sample.events)
        assert [st.tar for st in s.steps if st.tar] == ([[sample.label]] if learn else [])
        lv = [st.levels for st in s.steps]
        assert lv[0] & vector_files.LV_SAMPLE and not lv[-1] & vector_files.LV_SAMPLE
        assert lv[TT] & vector_files.LV_INFER_ACC and not lv[TT - 1] & vector_files.LV_INFER_ACC
        assert bool(lv[TT] & vector_files.LV_TARGET_VALID) == learn


def test_tbench_dropin(vec):
    out, _, spec = vec
    header = (out / "tbench" / "tbench.h").read_text()
    for reg in CONFIG_REGISTERS:
        assert f"`define {reg.name} " in header
    assert "`define SPI_NUM_REC_NEUR            8'hF" in header and "`define EPOCHS                      1" in header
    assert "$signed(16'hCD)" in header                      # SPI_THR_H_0 = 205
    assert [s.events.tolist() for s in read_dataset(out / "tbench" / "dataset_cueAcc_train.dat")] == [
        s.events.tolist() for s in spec.train]
    assert np.array_equal(read_weights(out / "tbench" / "init_rand_weights_rec_cueAcc.dat", 16, 16),
                          spec.weights["wrec"])


def test_vcd_header(vec):
    out, _, _ = vec
    text = (out / "model.vcd").read_text()
    assert "$enddefinitions" in text and "u_015" in text and "oneur_u_1" in text and "TARGET_VALID" in text


def test_lanes_roundtrip_and_truncated_transaction(tmp_path):
    v = np.array([[-1, 5, -32768, 32767]])
    assert np.array_equal(vector_files.unlanes_hex(vector_files.lanes_hex(v, 16)[0], 16, 4, signed=True), v[0])
    (tmp_path / "t.hex").write_text("00030000 1 2\n")
    with pytest.raises(ValueError, match="announces 3 data words"):
        vector_files.read_transactions(tmp_path / "t.hex")


def test_region_and_address_description():
    cfg = ChipConfig.from_preset("reckon-tbench")
    reg = spi.regions(cfg)
    assert len(reg["winp"]) == 100 * 7 and len(reg["neur"]) == 100 and reg["wout"] == list(range(100))
    assert spi.describe_address(spi.CODE["wrec"], (0x123 << 2) | 1) == "wrec SRAM word 291 (pre 18, posts 52..55)"


def _cli(args):
    return CliRunner().invoke(main, ["vectors", *args])


def _small_data_cli(tmp_path, **registers):
    """`vectors` on small_spec written as a data folder and a config file (with these register values)."""
    spec = small_spec()
    data = tmp_path / "data"
    data.mkdir()
    write_dataset(data / "train.dat", spec.train)
    write_dataset(data / "test.dat", spec.test)
    for k in ("winp", "wrec", "wout"):
        write_weights(data / f"{k}.dat", spec.weights[k])
    cfg_path = tmp_path / "config.json"
    cfg_path.write_text(json.dumps({**spec.config.to_dict(), **registers}))
    return _cli(["--preset", str(cfg_path), "--data", str(data), "--samples", "1", "--out", str(tmp_path / "v")])


def test_cli_writes_folder_from_data(tmp_path):
    r = _small_data_cli(tmp_path)
    assert r.exit_code == 0, r.output
    m = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert m["run"] == {"epochs": 1, "ntrain": 1, "ntest": 1, "samples": 2}


def test_cli_writes_timing_mode_with_a_ready_paced_host(tmp_path):
    """SPI_TIMING_MODE = 1 with the ready host (issue #11): ticks paced by the expected cycles (record 7, period 0)."""
    r = _small_data_cli(tmp_path, SPI_TIMING_MODE=1)
    assert r.exit_code == 0, r.output
    assert [line for line in (tmp_path / "v" / "stimulus.hex").read_text().splitlines()
            if line.startswith("7 ")] == ["7 0 0 0 1"] * 2


def test_cli_writes_a_local_tick_run_that_halts(tmp_path):
    """SPI_LOCAL_TICK = 1 with SPI_CYCLES_PER_TICK = 2: held in IDLE in the first sample (record 7 halt)."""
    cfg_path = tmp_path / "config.json"
    cfg_path.write_text(json.dumps({**ChipConfig.from_preset("reckon-tbench").to_dict(), "SPI_LOCAL_TICK": 1,
                                    "SPI_CYCLES_PER_TICK": 2}))
    r = _cli(["--preset", str(cfg_path), "--samples", "1", "--out", str(tmp_path / "v")])
    assert r.exit_code == 0, r.output
    assert (
        "sample 0 halts: host program: the chip hangs in IDLE in tick 1: SPI_LOCAL_TICK = 1 with "
        "SPI_CYCLES_PER_TICK = 2: tick_cnt is held at 1 in IDLE, so time_tick never rises and IDLE is never left "
        "(srnn.v time handling)\n") in r.output
    assert "1 samples (1 train + 1 test x 1 epochs)" in r.output


def test_cli_bad_data_folder_is_one_line_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = _cli(["--data", str(tmp_path / "empty"), "--out", str(tmp_path / "v")])
    assert r.exit_code == 2 and "no train file" in r.output and not (tmp_path / "v").exists()
