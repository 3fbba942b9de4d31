"""Seeded synthetic stand-ins of the four event datasets, in each dataset's own file format, with class structure.

    python tools/make_standins.py OUT [--train-per-class 20] [--test-per-class 5] [--seed 0]

writes OUT/shd (shd_train.h5, shd_test.h5), OUT/ssc (ssc_*.h5, 35 classes), OUT/nmnist (Train|Test/DIGIT/*.bin)
and OUT/dvs-gesture (ibmGestureTrain|ibmGestureTest/userNN_lab/CLASS.npy), so that
`reckon-sim train --task shd --data OUT/shd` (etc.) runs the shipped adapters and chip presets end to end without
the real data. They are NOT the datasets: each class is a fixed, seeded spatio-temporal pattern, and a sample is
that pattern with jitter (time warp, channel / pixel shift, dropped events) plus background noise. They were used
to choose the dataset chip presets (README 'Tasks'); accuracy on them says the chip can learn a task of that
size and timing, not what it reaches on the real recordings.

* spike-hdf5 (SHD / SSC): per class 3 formant tracks (unit centre moving linearly over a 0.5 s utterance,
  Gaussian spread 12 units) at 300 Hz per track, time warp x0.85..1.15, unit shift +-15, 2 Hz background per unit.
* nmnist: per digit a 34 x 34 template of 40 random on-pixels; 3 saccades of 100 ms each, every saccade turns
  template pixels (shifted by the saccade) on with polarity 1 and the previous ones off with polarity 0; sample
  shift +-2 px, 20 % of events dropped.
* dvs-gesture: per class a blob (radius 12 px) on a closed class-specific Lissajous path over 1.5 s; events on
  its leading (p = 1) and trailing (p = 0) edges, 30 % dropped, sample shift +-8 px.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def _formant_sample(rng, tracks, n_units: int = 700):
    """(times s float32, units uint16) of one utterance of a class given its tracks [(u0, u1), ...]."""
    warp, shift, dur = rng.uniform(0.85, 1.15), rng.integers(-15, 16), 0.5
    times, units = [], []
    for u0, u1 in tracks:
        n = rng.poisson(300 * dur * warp)
        t = rng.uniform(0, dur * warp, n)
        u = u0 + (u1 - u0) * t / (dur * warp) + shift + rng.normal(0, 12, n)
        times.append(t + 0.05), units.append(u)
    n_bg = rng.poisson(2 * n_units * 1.0)
    times.append(rng.uniform(0, 1.0, n_bg)), units.append(rng.uniform(0, n_units, n_bg))
    t, u = np.concatenate(times), np.concatenate(units)
    keep = (u >= 0) & (u < n_units)
    order = np.argsort(t[keep], kind="stable")
    return t[keep][order].astype(np.float32), u[keep][order].astype(np.uint16)


def write_spike_hdf5(folder: Path, prefix: str, n_classes: int, per_class: tuple[int, int], seed: int) -> None:
    import h5py
    rng = np.random.default_rng(seed)
    classes = [[tuple(rng.uniform(50, 650, 2)) for _ in range(3)] for _ in range(n_classes)]
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "test"), per_class):
        labels = np.repeat(np.arange(n_classes), n)
        rng.shuffle(labels)
        with h5py.File(folder / f"{prefix}_{split}.h5", "w") as f:
            t_ds = f.create_dataset("spikes/times", (len(labels),), dtype=h5py.vlen_dtype(np.float32))
            u_ds = f.create_dataset("spikes/units", (len(labels),), dtype=h5py.vlen_dtype(np.uint16))
            for i, lab in enumerate(labels):
                t_ds[i], u_ds[i] = _formant_sample(rng, classes[lab])
            f.create_dataset("labels", data=labels.astype(np.uint16))


def _nmnist_bytes(x, y, p, t_us) -> bytes:
    raw = np.zeros((len(x), 5), np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (np.asarray(p) << 7) | ((t_us >> 16) & 127)
    raw[:, 3], raw[:, 4] = (t_us >> 8) & 255, t_us & 255
    return raw.tobytes()


def write_nmnist(folder: Path, per_class: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    templates = [rng.choice(28 * 28, 40, replace=False) for _ in range(10)]
    saccades = [(0, 0), (2, 2), (4, 0)]
    for split, n in zip(("Train", "Test"), per_class):
        for digit in range(10):
            d = folder / split / str(digit)
            d.mkdir(parents=True, exist_ok=True)
            for k in range(n):
                sx, sy = rng.integers(1, 4, 2)
                px, py = templates[digit] % 28 + sx, templates[digit] // 28 + sy
                xs, ys, ps, ts = [], [], [], []
                for s, (dx, dy) in enumerate(saccades):
                    for pol, (ox, oy) in ((1, (dx, dy)), (0, saccades[s - 1] if s else (dx, dy))):
                        m = len(px)
                        xs.append(px + ox), ys.append(py + oy), ps.append(np.full(m, pol))
                        ts.append(s * 100_000 + rng.uniform(0, 100_000, m))
                x, y, p, t = (np.concatenate(a) for a in (xs, ys, ps, ts))
                keep = (rng.random(len(x)) > 0.2) & (x < 34) & (y < 34)
                order = np.argsort(t[keep], kind="stable")
                (d / f"{k:05d}.bin").write_bytes(_nmnist_bytes(x[keep][order], y[keep][order], p[keep][order],
                                                               t[keep][order].astype(np.int64)))


def write_dvs_gesture(folder: Path, per_class: tuple[int, int], seed: int, n_classes: int = 11) -> None:
    rng = np.random.default_rng(seed + 2)
    paths = [(rng.integers(1, 4), rng.integers(1, 4), rng.uniform(0, 2 * np.pi)) for _ in range(n_classes)]
    for split, n in zip(("ibmGestureTrain", "ibmGestureTest"), per_class):
        for k in range(n):
            d = folder / split / f"user{k:02d}_lab"
            d.mkdir(parents=True, exist_ok=True)
            for label, (fx, fy, ph) in enumerate(paths):
                cx, cy = 64 + rng.integers(-8, 9, 2)
                t = np.sort(rng.uniform(0, 1500, 30_000))
                a = 2 * np.pi * t / 1500
                bx, by = cx + 40 * np.sin(fx * a + ph), cy + 40 * np.sin(fy * a)
                vx, vy = 40 * fx * np.cos(fx * a + ph), 40 * fy * np.cos(fy * a)
                ang = rng.uniform(0, 2 * np.pi, len(t))
                ex, ey = bx + 12 * np.cos(ang), by + 12 * np.sin(ang)
                p = (np.cos(ang) * vx + np.sin(ang) * vy > 0).astype(np.int64)
                keep = (rng.random(len(t)) > 0.3) & (ex >= 0) & (ex < 128) & (ey >= 0) & (ey < 128)
                ev = np.stack([ex[keep].astype(np.int64), ey[keep].astype(np.int64), p[keep],
                               np.rint(t[keep]).astype(np.int64)], axis=1)
                np.save(d / f"{label}.npy", ev)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--train-per-class", type=int, default=20)
    ap.add_argument("--test-per-class", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=("shd", "ssc", "nmnist", "dvs-gesture"), action="append")
    a = ap.parse_args(argv)
    per_class = (a.train_per_class, a.test_per_class)
    which = a.only or ["shd", "ssc", "nmnist", "dvs-gesture"]
    if "shd" in which:
        write_spike_hdf5(a.out / "shd", "shd", 20, per_class, a.seed)
    if "ssc" in which:
        write_spike_hdf5(a.out / "ssc", "ssc", 35, per_class, a.seed + 10)
    if "nmnist" in which:
        write_nmnist(a.out / "nmnist", per_class, a.seed)
    if "dvs-gesture" in which:
        write_dvs_gesture(a.out / "dvs-gesture", per_class, a.seed)
    print(f"wrote {', '.join(str(a.out / w) for w in which)}")


if __name__ == "__main__":
    main()
