"""Small synthetic files in each real dataset format (SHD/SSC HDF5, N-MNIST .bin, DVS Gesture npy as tonic stores
it), with class-separable events: class c fires in its own region of the sensor (its own band of units), so a
short training run has something to learn. Each writer returns the raw events it wrote, for exact mapping checks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def _band(rng, label: int, n_bands: int, width: int, m: int) -> np.ndarray:
    """m positions in 0..width-1 drawn from label's band (width split into n_bands equal bands)."""
    lo = label * width // n_bands
    hi = max(lo + 1, (label + 1) * width // n_bands)
    return rng.integers(lo, hi, m)


def write_spike_hdf5(path: Path, rng, labels, t_max_s: float = 0.9, n_bands: int = 16, m=(60, 120)):
    """An SHD/SSC-layout HDF5 (vlen spikes/times in s, spikes/units in 0..699, labels): sample i has label
    labels[i] and m units from band labels[i] % n_bands. Returns [(times, units, label)]."""
    h5py = pytest.importorskip("h5py", reason="h5py not installed (pip install -e '.[data]')")
    truth = []
    with h5py.File(path, "w") as f:
        vl_f, vl_u = h5py.vlen_dtype(np.float32), h5py.vlen_dtype(np.uint16)
        t_ds = f.create_dataset("spikes/times", (len(labels),), dtype=vl_f)
        u_ds = f.create_dataset("spikes/units", (len(labels),), dtype=vl_u)
        for i, label in enumerate(labels):
            k = int(rng.integers(*m))
            t = np.sort(rng.uniform(0, t_max_s, k)).astype(np.float32)
            u = _band(rng, int(label) % n_bands, n_bands, 700, k).astype(np.uint16)
            t_ds[i], u_ds[i] = t, u
            truth.append((t, u, int(label)))
        f.create_dataset("labels", data=np.asarray(labels, np.uint16))
    return truth


def nmnist_bytes(x, y, p, t) -> bytes:
    """Events in the N-MNIST .bin layout (t in us < 2^23)."""
    raw = np.zeros((len(x), 5), np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (p << 7) | ((t >> 16) & 127)
    raw[:, 3], raw[:, 4] = (t >> 8) & 255, t & 255
    return raw.tobytes()


def write_nmnist(root: Path, rng, digits, per_digit: int, m: int = 150, t_max_us: int = 300_000):
    """ROOT/Train|Test/DIGIT/NNNNN.bin; digit d fires rows y in its band of 34 (of 10 bands), any x.
    Returns {(split, digit, k): (x, y, p, t_us)}."""
    truth = {}
    for split in ("Train", "Test"):
        for digit in digits:
            d = root / split / str(digit)
            d.mkdir(parents=True)
            for k in range(per_digit):
                x, y, p = rng.integers(0, 34, m), _band(rng, digit, 10, 34, m), rng.integers(0, 2, m)
                t = np.sort(rng.integers(0, t_max_us, m))
                (d / f"{k:05d}.bin").write_bytes(nmnist_bytes(x, y, p, t))
                truth[(split, digit, k)] = (x, y, p, t)
    return truth


def write_dvs_gesture(root: Path, rng, classes, users: int, m: int = 300, t0_ms: float = 3000.0,
                      t_max_ms: float = 1400.0):
    """ROOT/ibmGestureTrain|ibmGestureTest/userNN_fluorescent/CLASS.npy (columns x, y, p, t in ms, starting at
    t0_ms as recordings do); class c fires columns x in its band of 128 (of 11 bands).
    Returns {(split, user, class): events}."""
    truth = {}
    for split in ("ibmGestureTrain", "ibmGestureTest"):
        for user in range(1, users + 1):
            d = root / split / f"user{user:02d}_fluorescent"
            d.mkdir(parents=True)
            for c in classes:
                ev = np.stack([_band(rng, c, 11, 128, m), rng.integers(0, 128, m), rng.integers(0, 2, m),
                               np.sort(rng.uniform(t0_ms, t0_ms + t_max_ms, m))], axis=1)
                np.save(d / f"{c}.npy", ev)
                truth[(split, user, c)] = ev
    return truth


def expected_events(channels, ticks, n_ticks) -> np.ndarray:
    """The adapters' mapping rule (tasks.events): (channel, tick) pairs, ticks < n_ticks, merged, sorted."""
    keep = (ticks >= 0) & (ticks < n_ticks)
    key = np.unique(np.asarray(ticks)[keep] * 256 + np.asarray(channels)[keep])
    return np.stack([key % 256, key // 256], axis=1)
