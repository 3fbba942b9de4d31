"""Benchmark of the bit-exact core: the stock configuration and the full-size chip at two activity levels.

Usage: python tools/bench_core.py [--repeats 7] [--data ../shared/reckon-data] [--ab OLD_TREE [--rounds 3]]

Times Chip.run_sample (no dumps) after a warm-up, CPU time (time.process_time) of one core, median of the
repeats. Configurations: `stock` (reckon-tbench, 40/100/2, the stock testbench samples); `full-5%` and
`full-50%` (256/256/16 on seeded random weights and Poisson inputs, 2250 ticks; reckon-full's thresholds with
weak drive, and reckon-reset's zero thresholds, where every neuron with u >= 0 fires). Per sample: ms per
training (DO_EPROP_TRAIN) and test sample, ns per synaptic operation (SOP), ns per neuron-tick (ticks x
(NUM_REC + 1 + NUM_OUT + 1)), ticks/s, and the ratio to the RTL at 100 MHz (its cycles from the tick table).
The stock line also compares with Verilator's 11.3 / 7.9 CPU-s per training / test sample.

--ab OLD_TREE: A/B against another checkout (e.g. a `git worktree` of the old commit): rounds of alternating
subprocesses (PYTHONPATH = OLD_TREE, then this tree), so both see the same load of a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RTL_VERILATOR_S = {"train": 11.3, "test": 7.9}     # stock samples, Verilator 5.006 (CPU-s per sample)
RTL_CLOCK_HZ = 100e6
FULL_TICKS = 2250
HERE = Path(__file__).resolve()


def _full_workload(preset: str, rate: float, w_mean: float, w_std: float, seed: int = 1):
    """A full-size chip on seeded random weights and 3 Poisson input samples of FULL_TICKS ticks."""
    import numpy as np
    from reckon_sim.backend import Sample
    from reckon_sim.config import ChipConfig
    from reckon_sim.core.chip import Chip
    cfg = ChipConfig.from_preset(preset)
    rng = np.random.default_rng(seed)

    def w(shape, mean):
        return np.clip(np.rint(rng.normal(mean, w_std, shape)), -128, 127).astype(np.int8)
    chip = Chip.from_config(cfg, w((256, 256), w_mean), w((256, 256), w_mean), w((256, 16), 0.0))
    samples = []
    for _ in range(3):
        hits = rng.random((FULL_TICKS - 1, 256)) < rate
        t, c = np.nonzero(hits)
        ev = np.stack([c, t], 1).astype(np.int32)
        samples.append(Sample(ev, int(rng.integers(0, 16)), FULL_TICKS, int(np.sum(t < cfg.target_tick))))
    return chip, samples, samples


def _stock_workload(data: str):
    from reckon_sim.config import ChipConfig
    from reckon_sim.core.chip import Chip
    from reckon_sim.io.data_folder import load_data_dir
    cfg = ChipConfig.from_preset("reckon-tbench")
    train_set, test_set, weights, _ = load_data_dir(data, cfg)
    return Chip.from_config(cfg, **weights), train_set, test_set


WORKLOADS = {
    "stock": lambda a: _stock_workload(a.data),
    "full-5%": lambda a: _full_workload("reckon-full", 0.07, 0.0, 6.0),
    "full-50%": lambda a: _full_workload("reckon-reset", 0.05, 0.0, 20.0),
}


def measure(name: str, args) -> dict:
    """Median CPU time per training and test sample and the per-sample counts of one workload."""
    chip, train_set, test_set = WORKLOADS[name](args)
    cfg = chip.config
    start = chip.state.copy()                  # every timed sample starts from this state (learning drifts)
    chip.run_sample(train_set[0], True)        # warm-up: compile / load the Numba cache
    chip.run_sample(test_set[0], False)
    out = {"name": name, "shape": f"{cfg.n_inp}/{cfg.n_rec}/{cfg.n_out}"}
    for phase, samples, learn in (("train", train_set, True), ("test", test_set, False)):
        times, sops, ticks, cycles, spikes = [], [], [], [], []
        for i in range(args.repeats):
            s = samples[(i + 1) % len(samples)]
            for a, b in zip(chip.state, start):
                a[...] = b
            t0 = time.process_time()
            r = chip.run_sample(s, learn)
            times.append(time.process_time() - t0)
            sops.append(r.n_sops)
            ticks.append(s.n_ticks)
            cycles.append(int(r.tick_cycles.sum()))
            spikes.append(r.n_spikes)
        t = statistics.median(times)
        n_t = statistics.mean(ticks)
        out[phase] = {"s": t, "sops": statistics.mean(sops), "ticks": n_t, "rtl_s": statistics.mean(cycles) / RTL_CLOCK_HZ,
                      "activity": statistics.mean(spikes) / (n_t * cfg.n_rec),
                      "neuron_ticks": n_t * (cfg.n_rec + cfg.n_out)}
    return out


def report(res: dict, label: str = "") -> None:
    print(f"{res['name']:8s} {res['shape']:10s} {label}")
    for phase in ("train", "test"):
        m = res[phase]
        t = m["s"]
        line = (f"  {phase:5s} {1e3 * t:8.2f} ms/sample  {1e9 * t / max(m['sops'], 1):6.2f} ns/SOP  "
                f"{1e9 * t / m['neuron_ticks']:6.2f} ns/neuron-tick  {m['ticks'] / t:9.0f} ticks/s  "
                f"{m['rtl_s'] / t:6.1f}x RTL@100MHz  activity {100 * m['activity']:4.1f} %  "
                f"{m['sops'] / 1e6:6.2f} M SOP")
        if res["name"] == "stock":
            line += f"  {RTL_VERILATOR_S[phase] / t:6.0f}x Verilator"
        print(line)


def _worker(args) -> None:
    print(json.dumps([measure(n, args) for n in args.configs]))


def _ab(args) -> None:
    """Alternate old / new subprocesses; report the median over rounds of each one's medians."""
    trees = {"old": str(Path(args.ab).resolve()), "new": str(HERE.parents[1])}
    runs = {k: [] for k in trees}
    for _ in range(args.rounds):
        for key, tree in trees.items():
            cmd = [sys.executable, str(HERE), "--worker", "--repeats", str(args.repeats), "--data", args.data,
                   "--configs", *args.configs]
            env = dict(os.environ, PYTHONPATH=tree)
            runs[key].append(json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                                       text=True).stdout.splitlines()[-1]))
    for i, name in enumerate(args.configs):
        for key in trees:
            res = dict(runs[key][0][i])
            for phase in ("train", "test"):
                res[phase] = dict(res[phase], s=statistics.median(r[i][phase]["s"] for r in runs[key]))
            report(res, f"[{key}: {trees[key]}, median of {args.rounds} rounds x {args.repeats}]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--data", default=str(HERE.parents[2] / "shared" / "reckon-data"))
    ap.add_argument("--configs", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    ap.add_argument("--ab", metavar="OLD_TREE", help="A/B against the reckon_sim of another checkout")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return _worker(args)
    if args.ab:
        return _ab(args)
    print(f"median of {args.repeats} (CPU time, one core)")
    for name in args.configs:
        report(measure(name, args))


if __name__ == "__main__":
    main()
