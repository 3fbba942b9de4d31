"""Several independent chips in one process, advanced in parallel by threads (sweeps, seeds, ensembles).

Every Chip runs its sample kernel through `run_sample_nogil`, which releases the GIL for the whole Numba call,
so chips driven from different threads compute at the same time while each one runs exactly the code of a
single-chip run: the results of a ChipBatch are those of separate runs, bit for bit (tests/test_multichip.py).
Threads, not a `prange` kernel over chips: a parallel=True prototype (every chip's records in typed Lists,
one sample per chip per call) gave the same samples/s at 1 and 2 cores (README "Speed"), but advances all chips
in lockstep (the shortest sample waits for the longest), needs every chip's records to share one Numba type
and duplicates Chip's per-sample set-up; threads let each chip go at its own pace through Chip.run_sample
itself, and its per-sample Python (schedule, results) is small beside the kernel.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from numba import njit

from ..backend import Sample, SampleResult
from .sample_kernel import run_sample_kernel

R = TypeVar("R")


@njit(nogil=True, cache=True)
def run_sample_nogil(*args):
    """run_sample_kernel(*args) with the GIL released (the kernel touches no Python object)."""
    return run_sample_kernel(*args)


def default_threads() -> int:
    """Threads to use when none are given: the CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_many(tasks: Sequence[Callable[[], R]], threads: int | None = None) -> list[R]:
    """Call every task (no arguments) on up to `threads` threads; the results in the order of `tasks`.

    Tasks must not share mutable state (e.g. one chip each). The first exception raised by a task is raised
    here, after every task has finished. threads = 1 runs them one after another in this thread."""
    threads = default_threads() if threads is None else int(threads)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if threads == 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(threads, len(tasks)), thread_name_prefix="reckon-chip") as pool:
        futures = [pool.submit(task) for task in tasks]
        return [f.result() for f in futures]


class ChipBatch:
    """N independent chips (any configurations, weights, widths) advanced together, one thread per chip.

        batch = ChipBatch([Chip.from_config(cfg, **w) for w in weight_sets], threads=2)
        results = batch.run_samples(samples, learn=True)      # samples[i] on chip i, in parallel
    """

    def __init__(self, chips: Sequence, threads: int | None = None):
        self.chips = list(chips)
        if len({id(c) for c in self.chips}) != len(self.chips):
            raise ValueError("ChipBatch: the same chip object appears twice (chips must be independent)")
        self.threads = default_threads() if threads is None else int(threads)

    def __len__(self) -> int:
        return len(self.chips)

    def run_samples(self, samples: Sequence[Sample], learn: bool | Sequence[bool], **kw) -> list[SampleResult]:
        """Sample i on chip i (learn: one value or one per chip); keyword arguments go to every run_sample."""
        if len(samples) != len(self.chips):
            raise ValueError(f"ChipBatch: {len(samples)} samples for {len(self.chips)} chips")
        learns = [learn] * len(self.chips) if isinstance(learn, bool) else list(learn)
        return run_many([lambda c=c, s=s, lr=lr: c.run_sample(s, lr, **kw)
                         for c, s, lr in zip(self.chips, samples, learns)], self.threads)

    def run_streams(self, streams: Sequence[Sequence[Sample]], learn: bool, **kw) -> list[list[SampleResult]]:
        """Each chip runs its own list of samples in order (lists may differ in length): per-chip results."""
        if len(streams) != len(self.chips):
            raise ValueError(f"ChipBatch: {len(streams)} sample lists for {len(self.chips)} chips")
        return run_many([lambda c=c, ss=ss: [c.run_sample(s, learn, **kw) for s in ss]
                         for c, ss in zip(self.chips, streams)], self.threads)

    def train(self, train_sets: Sequence, test_sets: Sequence, epochs: int) -> list:
        """experiments.train on every chip with its own data: the TrainRun of each chip."""
        from ..experiments.train import train
        return run_many([lambda c=c, tr=tr, te=te: train(c, tr, te, epochs)
                         for c, tr, te in zip(self.chips, train_sets, test_sets)], self.threads)
