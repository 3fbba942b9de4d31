"""Benchmark of the bit-exact core on the stock testbench inputs (issue: ms per sample, ticks/s, x RTL).

Usage: python tools/bench_core.py [--repeats 7] [--data ../shared/reckon-data]
Times run_sample (no dumps) on the stock training / test samples after a warm-up, one core, and compares
with the RTL's measured 11.3 CPU-s per training sample and 7.9 CPU-s per test sample (Verilator 5.006).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

RTL_TRAIN_S, RTL_TEST_S = 11.3, 7.9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "reckon-data"))
    args = ap.parse_args()
    from reckon_sim.io.data_folder import load_data_dir
    from reckon_sim.config import ChipConfig
    from reckon_sim.core.chip import Chip
    cfg = ChipConfig.from_preset("reckon-tbench")
    train_set, test_set, weights, _ = load_data_dir(args.data, cfg)
    chip = Chip.from_config(cfg, **weights)
    chip.run_sample(train_set[0], True)       # warm-up: compile / load the Numba cache
    chip.run_sample(test_set[0], False)
    res = {}
    for phase, samples, learn in (("train", train_set, True), ("test", test_set, False)):
        times = []
        for i in range(args.repeats):
            s = samples[(i + 1) % len(samples)]
            t0 = time.process_time()
            chip.run_sample(s, learn)
            times.append(time.process_time() - t0)
        res[phase] = statistics.median(times)
    ticks = train_set[0].n_ticks
    print(f"stock testbench, {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} neurons, {ticks} ticks per sample, "
          f"median of {args.repeats} (CPU time, one core)")
    for phase, rtl in (("train", RTL_TRAIN_S), ("test", RTL_TEST_S)):
        t = res[phase]
        print(f"  {phase:5s}: {1e3 * t:7.2f} ms/sample  {ticks / t:10.0f} ticks/s  {rtl / t:8.0f}x the RTL "
              f"({rtl} CPU-s/sample)")
    full = 500 * (res["train"] + res["test"])
    print(f"  full 10-epoch testbench run (500 train + 500 test samples): {full:.1f} s (RTL ~2.6 CPU-hours)")


if __name__ == "__main__":
    main()
