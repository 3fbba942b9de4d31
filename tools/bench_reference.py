#!/usr/bin/env python3
"""Benchmark of the float references on the cue-accumulation size (40 inputs, 100 recurrent, 2 outputs, T 2250).

Prints ms per training sample (median of --repeat runs after a warm-up that also compiles the Numba kernels)
for vanilla e-prop (float64 and float32) and for the chip's rule in float, the peak Python-heap memory of the
timed loops (tracemalloc) and the process peak RSS (resource.getrusage), and the cosine between the plain e-prop
and exact BPTT gradients of one sample. Inputs: the stock dataset if present, else numpy Poisson spikes at ~10 Hz.

    python tools/bench_reference.py [--repeat 7] [--data /path/to/dataset_cueAcc_train.dat] [--sizes stock,full]

Targets (issue 4): <= 50 ms per e-prop training sample, <= 200 MB.

Full size (--sizes full, issue 13): every float reference at 256/256/16 (preset reckon-full; Poisson inputs on
all 256 channels at 10 Hz): ms per training sample and the peak memory of one sample at T = 2250 and at 2T.
Memory is the process's peak RSS above its resident size before the sample (/proc/self/clear_refs resets the
peak; Numba's own arrays are not seen by tracemalloc): an O(n²) method keeps it when T doubles, an O(T·n²)
one would double it (BPTT keeps its O(T·n) trajectory).
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


FULL_T = 2250


def _rss_mb(field: str) -> float:
    """VmRSS / VmHWM of this process in MB (Linux /proc), or nan."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def full_size_runners() -> dict:
    """name -> (factory of a one-sample function run(sample)) for every float reference at 256/256/16."""
    from reckon_sim.reference.bptt import bptt_gradients
    cfg = ChipConfig.from_preset("reckon-full")
    n_in, n_rec, n_out = cfg.n_inp, cfg.n_rec, cfg.n_out
    rng = np.random.default_rng(0)
    w = (rng.integers(-50, 50, (n_in, n_rec)), rng.integers(-6, 9, (n_rec, n_rec)),
         rng.integers(-33, 21, (n_rec, n_out)))
    sizes = dict(n_in=n_in, n_rec=n_rec, n_out=n_out, target_tick=cfg.target_tick)

    def backend(make):
        def factory():
            b = make()
            return lambda s: b.run_sample(s, learn=True)
        return factory

    def bptt(neuron):
        def factory():
            params = EpropParams(**sizes, neuron=neuron)
            weights = EpropNetwork.from_params(params).weights()
            return lambda s: bptt_gradients(params, weights, s.event_matrix(n_in)[:, :n_in].astype(float), s.label)
        return factory
    return {"e-prop float64 (LIF, Adam)": backend(lambda: EpropNetwork.from_params(EpropParams(**sizes))),
            "e-prop float32 (LIF, Adam)": backend(lambda: EpropNetwork.from_params(EpropParams(**sizes,
                                                                                               dtype="float32"))),
            "e-prop ALIF (general kernel)": backend(lambda: EpropNetwork.from_params(EpropParams(**sizes,
                                                                                                 neuron="alif"))),
            "chip rule in float (ChipFloat)": backend(lambda: ChipFloat.from_config(cfg, *w)),
            "BPTT gradients (LIF)": bptt("lif"), "BPTT gradients (ALIF)": bptt("alif")}


def peak_of_one_sample(name: str, n_ticks: int) -> None:
    """In a fresh child process: compile on a 50-tick sample, then print the peak RSS above the resident size
    (MB) and the tracemalloc peak (MB) of one n_ticks sample."""
    run = full_size_runners()[name]()
    run(poisson_samples(1, n_in=256, n_ticks=50)[0])
    sample = poisson_samples(1, n_in=256, n_ticks=n_ticks, seed=1)[0]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                                  # VmHWM := current RSS (Linux >= 4.0)
    start = _rss_mb("VmRSS")
    tracemalloc.start()
    run(sample)
    traced = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    print(f"{_rss_mb('VmHWM') - start:.2f} {traced:.2f}")


def _child_peak(name: str, n_ticks: int) -> tuple[float, float]:
    import subprocess
    out = subprocess.run([sys.executable, __file__, "--peak-of", name, "--ticks", str(n_ticks)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-2]), float(out[-1])


def print_full_size(repeat: int) -> None:
    print(f"full size 256/256/16 (reckon-full), Poisson inputs on 256 channels at 10 Hz; ms per training sample "
          f"(median of {repeat}, T = {FULL_T}); peak memory of one sample in a fresh process (RSS above the "
          f"resident size / tracemalloc) at T and 2T")
    samples = poisson_samples(repeat + 1, n_in=256, n_ticks=FULL_T)
    for name, factory in full_size_runners().items():
        run = factory()
        run(samples[0])
        times = []
        for i in range(repeat):
            t0 = time.perf_counter()
            run(samples[i + 1])
            times.append((time.perf_counter() - t0) * 1e3)
        (rss_t, tm_t), (rss_2t, tm_2t) = _child_peak(name, FULL_T), _child_peak(name, 2 * FULL_T)
        print(f"  {name:32s} {np.median(times):7.1f} ms/sample   peak {rss_t:6.1f} / {tm_t:6.1f} MB at T, "
              f"{rss_2t:6.1f} / {tm_2t:6.1f} MB at 2T")
    print(f"  (one 256x256 float64 matrix = {256 * 256 * 8 / 2 ** 20:.2f} MB; T·n² storage would be "
          f"{FULL_T * 256 * 256 * 8 / 2 ** 30:.1f} GB at T)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed samples per backend (>= 5)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ReckOn .dat training set (optional)")
    ap.add_argument("--sizes", default="stock,full", help="comma-separated subset of stock,full")
    ap.add_argument("--peak-of", help=argparse.SUPPRESS)          # child process of print_full_size
    ap.add_argument("--ticks", type=int, default=FULL_T, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.peak_of:
        peak_of_one_sample(args.peak_of, args.ticks)
        return 0
    repeat = max(5, args.repeat)
    sizes = {s.strip() for s in args.sizes.split(",")}
    if "full" in sizes:
        print_full_size(repeat)
    if "stock" not in sizes:
        return 0
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
