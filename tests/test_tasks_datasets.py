"""Dataset adapters on small synthetic files in each real format: SHD-layout HDF5, N-MNIST .bin, DVS Gesture as
tonic stores it (npy). The mapping is checked exactly (channels, ticks, labels), the cache is reused, and a short
training run starts from the converted data (the shipped presets' training runs: test_tasks_datasets_train.py)."""
from __future__ import annotations

import numpy as np
import pytest

from reckon_sim.config import ChipConfig
from reckon_sim.errors import InputError
from reckon_sim.backends import task_backend
from reckon_sim.experiments.data import run_inputs
from reckon_sim.experiments.train import train
from reckon_sim.tasks.events import CACHE_DIR
from tests.synthetic_datasets import expected_events as _expected, nmnist_bytes as _nmnist_bytes


def _task(tmp_path, name, adapter, table):
    p = tmp_path / f"{name}.toml"
    p.write_text(f'adapter = "{adapter}"\n[run]\nseed = 1\n[task]\n{table}')
    return str(p)


def _write_shd(path, rng, n=30):
    h5py = pytest.importorskip("h5py", reason="h5py not installed (pip install -e '.[data]')")
    times, units = [], []
    labels = np.arange(n) % 20
    with h5py.File(path, "w") as f:
        vl_f, vl_u = h5py.vlen_dtype(np.float32), h5py.vlen_dtype(np.uint16)
        t_ds = f.create_dataset("spikes/times", (n,), dtype=vl_f)
        u_ds = f.create_dataset("spikes/units", (n,), dtype=vl_u)
        for i in range(n):
            m = int(rng.integers(20, 80))
            t = np.sort(rng.uniform(0, 0.15, m)).astype(np.float32)
            u = rng.integers(0, 700, m).astype(np.uint16)
            t_ds[i], u_ds[i] = t, u
            times.append(t), units.append(u)
        f.create_dataset("labels", data=labels.astype(np.uint16))
    return times, units, labels


def test_shd_hdf5_maps_exactly_caches_and_trains(tmp_path):
    rng = np.random.default_rng(0)
    times, units, labels = _write_shd(tmp_path / "shd_train.h5", rng)
    _write_shd(tmp_path / "shd_test.h5", rng, 10)
    task = _task(tmp_path, "shd-small", "spike-hdf5",
                 "classes = [3, 0, 7]\nchannel_bin = 4\nn_ticks = 100\ntarget_tick = 60\nmax_train = 0\n")
    cfg = ChipConfig.from_preset("reckon-shd").with_registers(TARGET_TICK=60, SPI_NUM_OUT_NEUR=2)
    inp = run_inputs(cfg, task, tmp_path, None, None, None, 1)
    kept = [i for i in range(30) if labels[i] in (3, 0, 7)]
    assert len(inp.train) == len(kept) == 6
    by_events = {tuple(map(tuple, s.events.tolist())): s for s in inp.train}
    for i in kept:
        ticks = np.floor(times[i].astype(np.float64) * 1000.0).astype(np.int64)
        exp = _expected(units[i].astype(np.int64) // 4, ticks, 100)
        s = by_events[tuple(map(tuple, exp.tolist()))]
        assert s.label == [3, 0, 7].index(labels[i]) and s.n_ticks == 100
        assert s.marker_index == int(np.sum(exp[:, 1] < 60))
    caches = list((tmp_path / CACHE_DIR).iterdir())
    assert len(caches) == 1 and (caches[0] / "train.dat").is_file()
    again = run_inputs(cfg, task, tmp_path, None, None, None, 1)
    assert [s.events.tolist() for s in again.train] == [s.events.tolist() for s in inp.train]
    run = train(task_backend("chip", inp), inp.train[:2], inp.test[:2], 1)
    assert [r.phase for r in run.rows] == ["train", "test"] and run.rows[0].spikes > 0


def test_spike_time_just_below_a_tick_edge_stays_on_the_earlier_tick(tmp_path):
    h5py = pytest.importorskip("h5py", reason="h5py not installed (pip install -e '.[data]')")
    t = np.nextafter(np.float32(0.017), np.float32(0))          # in float32, t * 1000 rounds up to 17.0
    for name in ("shd_train.h5", "shd_test.h5"):
        with h5py.File(tmp_path / name, "w") as f:
            f.create_dataset("spikes/times", (1,), dtype=h5py.vlen_dtype(np.float32))[0] = np.array([t])
            f.create_dataset("spikes/units", (1,), dtype=h5py.vlen_dtype(np.uint16))[0] = np.array([9], np.uint16)
            f.create_dataset("labels", data=np.zeros(1, np.uint16))
    task = _task(tmp_path, "edge", "spike-hdf5", "classes = [0]\nn_ticks = 100\ntarget_tick = 60\n")
    cfg = ChipConfig.from_preset("reckon-shd").with_registers(TARGET_TICK=60)
    assert run_inputs(cfg, task, tmp_path, None, None, None, 1).train[0].events.tolist() == [[2, 16]]


def test_shd_too_many_channels_is_refused(tmp_path):
    task = _task(tmp_path, "shd-wide", "spike-hdf5", "channel_bin = 2\nclasses = [0]\nn_ticks = 1000\n"
                                                    "target_tick = 600\n")
    with pytest.raises(InputError) as e:
        run_inputs("reckon-shd", task, tmp_path, None, None, None, 1)
    assert str(e.value) == ("task 'shd-wide': task.channel_bin: 350 input channels exceed the chip's NUM_INP + 1 = "
                            "175 (allowed: 1..175)")


def test_nmnist_bin_maps_exactly_with_pooling_and_polarity_split(tmp_path):
    rng = np.random.default_rng(1)
    truth = {}
    for split in ("Train", "Test"):
        for digit in (1, 4):
            d = tmp_path / split / str(digit)
            d.mkdir(parents=True)
            for k in range(2):
                m = 50
                x, y, p = rng.integers(0, 34, m), rng.integers(0, 34, m), rng.integers(0, 2, m)
                t = np.sort(rng.integers(0, 330_000, m))
                (d / f"{k:05d}.bin").write_bytes(_nmnist_bytes(x, y, p, t))
                truth[(split, digit, k)] = (x, y, p, t)
    task = _task(tmp_path, "nm", "nmnist", 'classes = [4, 1]\npool = 4\npolarity = "split"\nn_ticks = 320\n'
                                          "target_tick = 200\n")
    inp = run_inputs("reckon-nmnist", task, tmp_path, None, None, None, 1)
    assert len(inp.train) == 4 and len(inp.test) == 4
    got = {tuple(map(tuple, s.events.tolist())): s.label for s in inp.train}
    for digit in (1, 4):
        for k in range(2):
            x, y, p, t = truth[("Train", digit, k)]
            ch = ((y // 4) * 9 + x // 4) * 2 + p
            exp = _expected(ch.astype(np.int64), (t // 1000).astype(np.int64), 320)
            assert got[tuple(map(tuple, exp.tolist()))] == [4, 1].index(digit)


def test_nmnist_numpy_reader_equals_tonic(tmp_path, monkeypatch):
    tonic_io = pytest.importorskip("tonic.io", reason="tonic not installed (pip install -e '.[data]')")
    from reckon_sim.tasks import adapters
    rng = np.random.default_rng(2)
    x, y, p, t = rng.integers(0, 34, 40), rng.integers(0, 34, 40), rng.integers(0, 2, 40), np.sort(
        rng.integers(0, 8000, 40))
    data = bytearray(_nmnist_bytes(x, y, p, t))
    data[25:30] = bytes([0, 240, 0, 0, 0])          # a timestamp-overflow event: +2^13 us afterwards
    (tmp_path / "a.bin").write_bytes(bytes(data))
    with_tonic = adapters.read_nmnist_bin(tmp_path / "a.bin")
    monkeypatch.setitem(__import__("sys").modules, "tonic.io", None)
    without = adapters.read_nmnist_bin(tmp_path / "a.bin")
    for a, b in zip(with_tonic, without):
        assert np.array_equal(np.asarray(a, np.int64), np.asarray(b, np.int64))
    assert without[3][5] == t[6] + 8192 and len(without[0]) == 39 and tonic_io is not None


def test_dvs_gesture_npy_maps_exactly(tmp_path):
    rng = np.random.default_rng(3)
    truth = {}
    for split in ("ibmGestureTrain", "ibmGestureTest"):
        d = tmp_path / split / "user01_fluorescent"
        d.mkdir(parents=True)
        for label in (0, 5, 10):
            m = 80
            ev = np.stack([rng.integers(0, 128, m), rng.integers(0, 128, m), rng.integers(0, 2, m),
                           np.sort(rng.uniform(3000, 3500, m))], axis=1)
            np.save(d / f"{label}.npy", ev)
            truth[(split, label)] = ev
    task = _task(tmp_path, "dvs", "dvs-gesture", 'pool = 16\npolarity = "merge"\nclasses = [10, 5, 0]\n'
                                                "n_ticks = 400\ntarget_tick = 300\n")
    cfg = ChipConfig.from_preset("reckon-dvs-gesture").with_registers(TARGET_TICK=300)
    inp = run_inputs(cfg, task, tmp_path, None, None, None, 1)
    got = {s.label: s for s in inp.test}
    for label in (0, 5, 10):
        ev = truth[("ibmGestureTest", label)]
        ch = (ev[:, 1].astype(np.int64) // 16) * 8 + ev[:, 0].astype(np.int64) // 16
        exp = _expected(ch, np.floor(ev[:, 3] - ev[:, 3].min()).astype(np.int64), 400)
        s = got[[10, 5, 0].index(label)]
        assert s.events.tolist() == exp.tolist() and s.events[:, 0].max() < 64


def test_adapter_without_data_is_refused():
    with pytest.raises(InputError, match="--data: the nmnist adapter reads your local copy"):
        run_inputs(None, "nmnist", None, None, None, None, 1)
