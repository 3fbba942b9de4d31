"""Dataset adapters of the registry: the user's local copy of an event dataset -> ReckOn samples (never downloaded).

* ``spike-hdf5``: Spiking Heidelberg Digits / Spiking Speech Commands (HDF5 `spikes/times` in s, `spikes/units`,
  `labels`; 700 channels), read with h5py; channel = unit // channel_bin.
* ``dvs-gesture``: DVS128 Gesture as tonic stores it (FOLDER/ibmGestureTrain|ibmGestureTest/userNN_light/L.npy,
  columns x, y, p, t in ms, L = class); 128 x 128 x 2 pooled to blocks; ticks from the sample's first event.
* ``nmnist``: N-MNIST as distributed (FOLDER/Train|Test/DIGIT/*.bin, 5 bytes per event, t in us), read with
  tonic's reader when tonic is installed, else the same format in numpy; 34 x 34 x 2 pooled to blocks.
Mapping rules: tasks.events. Each split is shuffled with `shuffle_seed` and cut to max_train / max_test.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from .base import Maker, TaskData, TaskShape
from .events import cached_convert, class_index, pooled_channels, pooled_count, shuffled, to_sample
from .generators import params_of


@dataclass(frozen=True)
class EventParams:
    """Fields every adapter shares: the tick grid, the target window and the class subset."""

    n_ticks: int = 1000
    target_tick: int = 500
    tick_ms: float = 1.0
    classes: list | None = None       # dataset classes kept, in label order (None: all)
    max_train: int = 0                # 0: all
    max_test: int = 0
    shuffle_seed: int = 0


@dataclass(frozen=True)
class SpikeHdf5Params(EventParams):
    train_file: str = "shd_train.h5"
    test_file: str = "shd_test.h5"
    n_units: int = 700
    n_classes: int = 20
    channel_bin: int = 4


@dataclass(frozen=True)
class SensorParams(EventParams):
    """DVS128 Gesture: a 128 x 128 x 2 sensor, 11 classes."""

    sensor: int = 128                 # sensor width = height
    n_classes: int = 11
    pool: int = 8
    polarity: str = "merge"           # merge | split


@dataclass(frozen=True)
class NmnistParams(SensorParams):
    """N-MNIST: a 34 x 34 x 2 sensor, 10 classes."""

    sensor: int = 34
    n_classes: int = 10
    pool: int = 4


def _n_classes(p) -> int:
    return p.n_classes if p.classes is None else len(p.classes)


def _hdf5_shape(params: dict) -> TaskShape:
    p = params_of(SpikeHdf5Params, params, "spike-hdf5")
    return TaskShape((-(-p.n_units // p.channel_bin), "task.channel_bin"), (_n_classes(p), "task.classes"),
                     (p.n_ticks, "task.n_ticks"), (p.target_tick, "task.target_tick"))


def _sensor_shape(params: dict, what: str) -> TaskShape:
    p = params_of(NmnistParams if what == "nmnist" else SensorParams, params, what)
    if p.polarity not in ("merge", "split"):
        raise InputError("task.polarity", f"= '{p.polarity}' (allowed: merge, split)")
    return TaskShape((pooled_count(p.sensor, p.pool, p.polarity), "task.pool / task.polarity"),
                     (_n_classes(p), "task.classes"), (p.n_ticks, "task.n_ticks"), (p.target_tick, "task.target_tick"))


def _need(path: Path, what: str) -> Path:
    if not path.exists():
        raise InputError(str(path), f"not found ({what}; the adapters read a local copy, they never download)")
    return path


def _read_hdf5(path: Path, p: SpikeHdf5Params):
    try:
        import h5py
    except ImportError:
        raise InputError("spike-hdf5", "needs h5py: pip install 'reckon-sim[data]'") from None
    keep = class_index(p.classes, p.n_classes)
    out = []
    with h5py.File(_need(path, "an SHD/SSC HDF5 file"), "r") as f:
        times, units, labels = f["spikes"]["times"], f["spikes"]["units"], np.asarray(f["labels"])
        for i, lab in enumerate(labels):
            if int(lab) in keep:                     # s -> ms in float64 (float32 files round at tick edges)
                t_ms = np.asarray(times[i], np.float64) * 1000.0
                out.append(to_sample(np.asarray(units[i]) // p.channel_bin, t_ms,
                                     keep[int(lab)], p.n_ticks, p.target_tick, p.tick_ms))
    return out


def read_nmnist_bin(path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, p, t_us) of an N-MNIST .bin: 5 bytes per event (x, y, p << 7 | t[22:16], t[15:8], t[7:0]);
    y = 240 marks a timestamp overflow (+2^13 us to every later event), as tonic.io.read_mnist_file."""
    try:
        from tonic.io import read_mnist_file
    except ImportError:
        raw = np.fromfile(path, dtype=np.uint8).astype(np.int64)
        x, y = raw[0::5], raw[1::5]
        p, t = (raw[2::5] & 128) >> 7, ((raw[2::5] & 127) << 16) | (raw[3::5] << 8) | raw[4::5]
        t = t + np.cumsum(y == 240) * (1 << 13)
        ok = y != 240
        return x[ok], y[ok], p[ok], t[ok]
    ev = read_mnist_file(str(path), dtype=np.dtype([("x", int), ("y", int), ("t", int), ("p", int)]))
    return ev["x"], ev["y"], ev["p"], ev["t"]


def _read_sensor(folder: Path, p: SensorParams, layout: str):
    """Samples of one split folder: N-MNIST DIGIT/*.bin or DVS Gesture userNN_light/L.npy."""
    keep = class_index(p.classes, p.n_classes)
    out = []
    files = sorted(_need(folder, f"the {layout} split folder").glob("*/*.bin" if layout == "nmnist" else "*/*.npy"))
    for f in files:
        label = int(f.parent.name if layout == "nmnist" else f.stem)
        if label not in keep:
            continue
        if layout == "nmnist":
            x, y, pol, t_us = read_nmnist_bin(f)
            t_ms = t_us / 1000.0
        else:
            ev = np.load(f)
            x, y, pol, t_ms = ev[:, 0], ev[:, 1], ev[:, 2], ev[:, 3] - (ev[:, 3].min() if len(ev) else 0)
        out.append(to_sample(pooled_channels(x, y, pol, p.sensor, p.pool, p.polarity), t_ms, keep[label],
                             p.n_ticks, p.target_tick, p.tick_ms))
    return out


def _make(params: dict, seed: int, n_train: int, n_test: int, data, adapter: str, cls, read) -> TaskData:
    p = params_of(cls, params, adapter)
    if data is None:
        raise InputError("--data", f"the {adapter} adapter reads your local copy of the dataset: give its folder")

    def convert():
        train, test = read(Path(data), p, "train"), read(Path(data), p, "test")
        return shuffled(train, p.shuffle_seed, p.max_train), shuffled(test, p.shuffle_seed + 1, p.max_test)

    train, test, cache = cached_convert(data, adapter, {k: v for k, v in asdict(p).items()}, convert)
    return TaskData(train[:n_train] if n_train else train, test[:n_test] if n_test else test,
                    source=f"{adapter} {data} (cache {cache.name})")


def _hdf5_read(root: Path, p: SpikeHdf5Params, split: str):
    return _read_hdf5(root / (p.train_file if split == "train" else p.test_file), p)


def _nmnist_read(root: Path, p: SensorParams, split: str):
    return _read_sensor(root / ("Train" if split == "train" else "Test"), p, "nmnist")


def _dvs_read(root: Path, p: SensorParams, split: str):
    return _read_sensor(root / ("ibmGestureTrain" if split == "train" else "ibmGestureTest"), p, "dvs-gesture")


ADAPTERS: dict[str, Maker] = {
    "spike-hdf5": Maker(_hdf5_shape, lambda *a, **k: _make(*a, **k, adapter="spike-hdf5", cls=SpikeHdf5Params,
                                                          read=_hdf5_read), needs_data=True,
                        summary="SHD / SSC HDF5 (700 channels, binned)"),
    "dvs-gesture": Maker(lambda prm: _sensor_shape(prm, "dvs-gesture"),
                         lambda *a, **k: _make(*a, **k, adapter="dvs-gesture", cls=SensorParams, read=_dvs_read),
                         needs_data=True, summary="DVS128 Gesture, tonic's npy layout (128x128x2, pooled)"),
    "nmnist": Maker(lambda prm: _sensor_shape(prm, "nmnist"),
                    lambda *a, **k: _make(*a, **k, adapter="nmnist", cls=NmnistParams, read=_nmnist_read),
                    needs_data=True, summary="N-MNIST .bin (34x34x2, pooled)"),
}
