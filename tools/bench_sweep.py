"""Sweep throughput: points per minute with 1 and 2 local workers (joblib/loky) on a small grid; prints the scaling.

    python tools/bench_sweep.py [--grid "weight=6..8"] [--seeds 4] [--epochs 1] [--ntrain 10] [--ntest 10]
                                [--jobs 1,2]

Each worker count runs the grid twice: "cold" includes starting the worker processes (imports, loading the Numba
cache), "warm" reuses joblib's loky executor, i.e. the steady state of a long sweep. Nothing is stored.
"""
from __future__ import annotations

import argparse
import os
import time

from reckon_sim.experiments.executors import execute
from reckon_sim.experiments.grid import grid_widths, parse_grid
from reckon_sim.experiments.sweep import base_point, make_points


def time_points(points: list[dict], jobs: int) -> float:
    """Wall time of running every point with `jobs` local workers; raises if any point failed."""
    errors = []
    t0 = time.perf_counter()
    execute(points, lambda res: errors.append(res["error"]) if "error" in res else None, jobs)
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} point(s) failed: {errors[0]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", default="weight=6..8")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--ntrain", type=int, default=10)
    ap.add_argument("--ntest", type=int, default=10)
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker counts")
    args = ap.parse_args()
    template, _ = base_point("reckon-tbench", "cue-accumulation", None, args.epochs, args.ntrain, args.ntest)
    points = make_points(template, grid_widths(parse_grid(args.grid)), list(range(1, args.seeds + 1)))
    print(f"grid '{args.grid}' x {args.seeds} seed(s) = {len(points)} points, {args.epochs} epoch(s), "
          f"{args.ntrain} + {args.ntest} samples; {os.cpu_count()} CPU(s)")
    time_points(points[:1], 1)                      # compile / load the Numba cache in this process
    rates = {}
    for jobs in (int(j) for j in args.jobs.split(",")):
        cold = time_points(points, jobs)
        warm = time_points(points, jobs)
        rates[jobs] = 60 * len(points) / warm
        print(f"  {jobs} worker(s): cold {60 * len(points) / cold:7.1f} points/min ({cold:.2f} s), "
              f"warm {rates[jobs]:7.1f} points/min ({warm:.2f} s)")
    base = rates.get(1)
    if base:
        for jobs, rate in rates.items():
            if jobs != 1:
                print(f"  scaling 1 -> {jobs} workers: x{rate / base:.2f} (efficiency {rate / base / jobs:.0%})")


if __name__ == "__main__":
    main()
