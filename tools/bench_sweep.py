"""Sweep throughput: samples per second of independent chips in one process (ChipBatch threads) and points per
minute of the sweep's local executors, each with 1 and 2 cores.

    python tools/bench_sweep.py [--chips 4] [--samples 4] [--sizes stock,full,full-reset]
                                [--grid "weight=6..8"] [--seeds 4] [--epochs 1] [--ntrain 10] [--ntest 10]
                                [--jobs 1,2] [--skip-points]

Chips: N chips (seeds 1..N of the generated cue-accumulation task) each run --samples training samples,
advanced by a ChipBatch with 1 and 2 threads (the kernels release the GIL); "stock" is reckon-tbench
(40/100/2), "full" reckon-full (256/256/16, ~0.2 % of the neurons fire per tick on this task) and "full-reset"
reckon-reset (256/256/16, the reset thresholds: ~half the neurons fire every tick). Wall and CPU time of the
same work back to back, so the scaling is read under the same load.
Points: each worker count runs the grid twice: "cold" includes starting the worker processes (imports, loading
the Numba cache), "warm" reuses joblib's loky executor, i.e. the steady state of a long sweep; "threads" runs
the points on threads of this process (sweep --threads). Nothing is stored.
"""
from __future__ import annotations

import argparse
import os
import time

from reckon_sim.experiments.executors import execute
from reckon_sim.experiments.grid import grid_widths, parse_grid
from reckon_sim.experiments.sweep import base_point, make_points

SIZES = {"stock": "reckon-tbench", "full": "reckon-full", "full-reset": "reckon-reset"}


def time_points(points: list[dict], jobs: int, threads: bool = False) -> float:
    """Wall time of running every point with `jobs` local workers; raises if any point failed."""
    errors = []
    t0 = time.perf_counter()
    execute(points, lambda res: errors.append(res["error"]) if "error" in res else None, jobs, threads=threads)
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} point(s) failed: {errors[0]}")
    return dt


def bench_chips(size: str, n_chips: int, n_samples: int, cores: list[int]) -> dict[int, float]:
    """Samples/s (wall) of n_chips chips x n_samples training samples with a ChipBatch of each thread count."""
    from reckon_sim import Chip, ChipBatch, load_task
    inputs = [load_task("cue-accumulation", preset=SIZES[size], seed=s, n_train=n_samples, n_test=1)
              for s in range(1, n_chips + 1)]
    cfg = inputs[0].config
    Chip.from_config(cfg, **inputs[0].weights).run_sample(inputs[0].train[0], True)   # compile / load cache
    rates = {}
    for threads in cores:
        batch = ChipBatch([Chip.from_config(i.config, **i.weights) for i in inputs], threads=threads)
        t0, c0 = time.perf_counter(), time.process_time()
        results = batch.run_streams([i.train for i in inputs], True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = n_chips * n_samples
        spikes = sum(r.n_spikes for rs in results for r in rs) / (n * inputs[0].train[0].n_ticks * cfg.n_rec)
        rates[threads] = n / wall
        print(f"  {size:10s} {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} {threads} core(s): {n / wall:7.1f} samples/s "
              f"({1e3 * wall / n:6.1f} ms wall, {1e3 * cpu / n:6.1f} ms CPU per sample; {100 * spikes:.1f} % "
              f"firing per tick)")
    if 1 in rates:
        for threads, rate in rates.items():
            if threads != 1:
                print(f"  {size:10s} scaling 1 -> {threads} cores: x{rate / rates[1]:.2f}")
    return rates


def bench_points(args) -> None:
    template, _ = base_point("reckon-tbench", "cue-accumulation", None, args.epochs, args.ntrain, args.ntest)
    points = make_points(template, grid_widths(parse_grid(args.grid)), list(range(1, args.seeds + 1)))
    print(f"points: grid '{args.grid}' x {args.seeds} seed(s) = {len(points)} points, {args.epochs} epoch(s), "
          f"{args.ntrain} + {args.ntest} samples")
    time_points(points[:1], 1)                      # compile / load the Numba cache in this process
    rates = {}
    for jobs in (int(j) for j in args.jobs.split(",")):
        cold = time_points(points, jobs)
        warm = time_points(points, jobs)
        rates[jobs] = 60 * len(points) / warm
        line = (f"  {jobs} worker(s): cold {60 * len(points) / cold:7.1f} points/min ({cold:.2f} s), "
                f"warm {rates[jobs]:7.1f} points/min ({warm:.2f} s)")
        if jobs > 1:
            thr = time_points(points, jobs, threads=True)
            line += f", threads {60 * len(points) / thr:7.1f} points/min ({thr:.2f} s)"
        print(line)
    base = rates.get(1)
    if base:
        for jobs, rate in rates.items():
            if jobs != 1:
                print(f"  scaling 1 -> {jobs} workers: x{rate / base:.2f} (efficiency {rate / base / jobs:.0%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chips", type=int, default=4)
    ap.add_argument("--samples", type=int, default=4, help="training samples per chip")
    ap.add_argument("--sizes", default="stock,full,full-reset", help=f"comma-separated subset of {','.join(SIZES)}")
    ap.add_argument("--grid", default="weight=6..8")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--ntrain", type=int, default=10)
    ap.add_argument("--ntest", type=int, default=10)
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker / core counts")
    ap.add_argument("--skip-points", action="store_true", help="only the ChipBatch figures")
    args = ap.parse_args()
    cores = [int(j) for j in args.jobs.split(",")]
    print(f"chips: {args.chips} chips x {args.samples} training samples (2250 ticks); {os.cpu_count()} CPU(s)")
    for size in (s.strip() for s in args.sizes.split(",") if s.strip()):
        bench_chips(size, args.chips, args.samples, cores)
    if not args.skip_points:
        bench_points(args)


if __name__ == "__main__":
    main()
