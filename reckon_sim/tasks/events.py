"""Event streams -> ReckOn samples, and the converted-once cache beside the user's data.

Mapping rules shared by every dataset adapter (documented in README "Tasks"):
* an event at time t (ms) lands on tick floor(t / tick_ms); events at ticks >= n_ticks are dropped;
* events of one channel within one tick merge (the chip's input is one AER event per channel and tick here,
  as the generated tasks); events are sorted by (tick, channel);
* the "-2" label marker follows every event before `target_tick`; labels are indices into the preset's class
  subset `classes` (in its order); samples of other classes are left out.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..backend import Sample
from ..errors import InputError

CACHE_DIR = ".reckon-cache"
CACHE_VERSION = 2                 # bump when a mapping rule changes (old caches are then ignored); 2: HDF5 times in f64


def to_sample(channels, times_ms, label: int, n_ticks: int, target_tick: int, tick_ms: float = 1.0) -> Sample:
    """One sample from event channels and times (ms), by the rules above."""
    ch = np.asarray(channels, dtype=np.int64)
    ticks = np.floor(np.asarray(times_ms, dtype=np.float64) / tick_ms).astype(np.int64)
    keep = (ticks >= 0) & (ticks < n_ticks)
    key = np.unique(ticks[keep] * 256 + ch[keep])            # sorted by (tick, channel), duplicates merged
    events = np.stack([key % 256, key // 256], axis=1).astype(np.int32).reshape(-1, 2)
    marker = int(np.searchsorted(events[:, 1], target_tick, side="left"))
    return Sample(events=events, label=int(label), n_ticks=int(n_ticks), marker_index=marker)


def pooled_channels(x, y, p, width: int, pool: int, polarity: str) -> np.ndarray:
    """Spatial pooling of a width x width sensor by pool x pool blocks; polarity 'merge' (one channel per
    block) or 'split' (two: 2 * block + p). Block index = (y // pool) * ceil(width / pool) + x // pool."""
    side = -(-width // pool)
    block = (np.asarray(y, np.int64) // pool) * side + np.asarray(x, np.int64) // pool
    return block * 2 + np.asarray(p, np.int64).astype(bool) if polarity == "split" else block


def pooled_count(width: int, pool: int, polarity: str) -> int:
    return (-(-width // pool)) ** 2 * (2 if polarity == "split" else 1)


def class_index(classes: list[int] | None, n_classes: int, field: str = "task.classes") -> dict[int, int]:
    """{dataset label: ReckOn label} of the class subset (all classes if None)."""
    chosen = list(range(n_classes)) if classes is None else [int(c) for c in classes]
    bad = [c for c in chosen if not 0 <= c < n_classes]
    if bad or len(set(chosen)) != len(chosen) or not chosen:
        raise InputError(field, f"= {classes} must list distinct dataset classes in 0..{n_classes - 1}")
    return {c: i for i, c in enumerate(chosen)}


def shuffled(samples: list[Sample], seed: int, limit: int) -> list[Sample]:
    """A seeded permutation of the samples (datasets are stored class by class), the first `limit` if > 0."""
    order = np.random.default_rng(seed).permutation(len(samples))
    picked = [samples[i] for i in order]
    return picked[:limit] if limit > 0 else picked


def preset_hash(adapter: str, params: dict) -> str:
    blob = json.dumps({"adapter": adapter, "params": params, "version": CACHE_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cached_convert(data_dir, adapter: str, params: dict, convert) -> tuple[list[Sample], list[Sample], Path]:
    """(train, test, cache folder): the ReckOn dataset files cached in DATA/.reckon-cache/ADAPTER-HASH/ (hash of
    the mapping parameters), made by `convert()` -> (train, test) on the first run and read back after."""
    from ..io.reckon_files import read_dataset, write_dataset
    cache = Path(data_dir) / CACHE_DIR / f"{adapter}-{preset_hash(adapter, params)}"
    if not (cache / "meta.json").is_file():
        train, test = convert()
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{cache.name}.", dir=cache.parent))
        try:
            write_dataset(tmp / "train.dat", train)
            write_dataset(tmp / "test.dat", test)
            meta = {"adapter": adapter, "params": params, "version": CACHE_VERSION,
                    "n_train": len(train), "n_test": len(test)}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
            os.replace(tmp, cache)              # atomic: a concurrent run sees the whole cache or none
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not (cache / "meta.json").is_file():
                raise
    return read_dataset(cache / "train.dat"), read_dataset(cache / "test.dat"), cache
