#!/usr/bin/env python3
"""Benchmark of the float references on the cue-accumulation size (40 inputs, 100 recurrent, 2 outputs, T 2250).

Prints ms per training sample (median of --repeat runs after a warm-up that also compiles the Numba kernels)
for vanilla e-prop (float64 and float32) and for the chip's rule in float, the peak Python-heap memory of the
timed loops (tracemalloc) and the process peak RSS (resource.getrusage), and the cosine between the plain e-prop
and exact BPTT gradients of one sample. Inputs: the stock dataset if present, else numpy Poisson spikes at ~10 Hz.

    python tools/bench_reference.py [--repeat 7] [--data /path/to/dataset_cueAcc_train.dat]

Targets (issue 4): <= 50 ms per e-prop training sample, <= 200 MB.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from reckon_sim.backend import Sample
from reckon_sim.config import ChipConfig
from reckon_sim.reference.bptt import compare_eprop_bptt
from reckon_sim.reference.chip_float import ChipFloat
from reckon_sim.reference.eprop import EpropNetwork, EpropParams
from reckon_sim.io.reckon_files import read_dataset

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "reckon-data" / "dataset_cueAcc_train.dat"


def poisson_samples(n: int, n_in=40, n_ticks=2250, rate_hz=10.0, seed=0) -> list[Sample]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t, c = np.nonzero(rng.random((n_ticks, n_in)) < rate_hz * 1e-3)
        out.append(Sample(np.stack([c, t], axis=1).astype(np.int32), i % 2, n_ticks, 0))
    return out


def time_backend(backend, samples, repeat: int) -> tuple[float, float]:
    """(median ms per learn=True sample, tracemalloc peak MB of the timed loop) after one warm-up sample."""
    backend.run_sample(samples[0], learn=True)
    tracemalloc.start()
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        backend.run_sample(samples[(i + 1) % len(samples)], learn=True)
        times.append((time.perf_counter() - t0) * 1e3)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return float(np.median(times)), peak


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed samples per backend (>= 5)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ReckOn .dat training set (optional)")
    args = ap.parse_args(argv)
    repeat = max(5, args.repeat)
    if args.data.exists():
        samples, source = read_dataset(args.data), f"{args.data.name}"
    else:
        samples, source = poisson_samples(repeat + 1), "numpy Poisson spikes at 10 Hz"
    print(f"inputs: {source}; {len(samples)} samples, T = {samples[0].n_ticks}, 40 in / 100 rec / 2 out")
    rows = []
    for dtype in ("float64", "float32"):
        net = EpropNetwork.from_params(EpropParams(dtype=dtype))
        rows.append((f"e-prop ({dtype}, Adam, batch 5)",) + time_backend(net, samples, repeat))
    rng = np.random.default_rng(0)
    chip = ChipFloat.from_config(ChipConfig.from_preset("reckon-tbench"), rng.integers(-50, 50, (40, 100)),
                                 rng.integers(-6, 9, (100, 100)), rng.integers(-33, 21, (100, 2)))
    rows.append(("chip rule in float (ChipFloat)",) + time_backend(chip, samples, repeat))
    for name, ms, peak in rows:
        print(f"{name:36s} {ms:8.2f} ms/sample (median of {repeat})   tracemalloc peak {peak:6.2f} MB")
    params = EpropParams()
    net = EpropNetwork.from_params(params)
    x = samples[0].event_matrix(40)[:, :40].astype(float)
    t0 = time.perf_counter()
    cmp = compare_eprop_bptt(params, net.weights(), x, samples[0].label)
    print(f"plain e-prop vs BPTT cosine (1 sample, eprop-PyTorch init): "
          + ", ".join(f"{k} {v:.4f}" for k, v in cmp["cosine"].items())
          + f"; e-prop with total signal vs BPTT max rel err "
          + ", ".join(f"{k} {v:.1e}" for k, v in cmp["exact_rel_error"].items())
          + f" ({(time.perf_counter() - t0) * 1e3:.0f} ms)")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    print(f"process peak RSS (ru_maxrss, incl. numpy/numba/LLVM): {maxrss:.1f} MB")
    ok = rows[0][1] <= 50.0 and maxrss <= 200.0
    print("targets (<= 50 ms/sample, <= 200 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
