"""`reckon-sim compare`: key-by-key conformance of an output folder against a golden one (FORMAT §6)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# strict tier: raw SRAM images (deterministic under the zero-memory convention, not required)
STRICT_KEYS = {"neur_sram", "neur_u_raw", "neur_tinp_raw", "neur_trec_raw", "neur_tout_raw",
               "winp_sram", "wrec_sram", "wout_sram"}
DIAGNOSTIC_KEYS = {"sample_cycles"}
SUMMARY_FIELDS = ("inference", "label", "correct", "ticks", "sum_tick_cycles", "tick_cycles_min",
                  "tick_cycles_median", "tick_cycles_max", "tick_cycles_mean", "eprop_ticks",
                  "eprop_tick_cycles_median", "noeprop_tick_cycles_median")


@dataclass
class Divergence:
    file: str
    key: str
    sample: int | None = None
    tick: int | None = None
    index: tuple = ()
    expected: object = None
    got: object = None

    def __str__(self) -> str:
        where = f"sample {self.sample}" if self.sample is not None else self.file
        tick = f", tick {self.tick}" if self.tick is not None else ""
        return (f"first divergence: {where}{tick}, key {self.key}, index {list(self.index)}, "
                f"expected {self.expected}, got {self.got}")


def _per_tick(arr: np.ndarray, ticks: int | None) -> bool:
    return ticks is not None and arr.ndim >= 1 and arr.shape[0] == ticks


def compare_npz(ref: Path, out: Path, strict: bool = False, sample: int | None = None):
    """(first Divergence or None, number of keys compared) for one npz pair."""
    if not out.exists():
        return Divergence(out.name, "(file missing)", sample), 0
    a, b = np.load(ref), np.load(out)
    ticks = int(a["ticks"]) if "ticks" in a.files else None
    n = 0
    for key in a.files:
        if key in DIAGNOSTIC_KEYS or (key in STRICT_KEYS and not strict):
            continue
        n += 1
        x = a[key]
        if key not in b.files:
            return Divergence(ref.name, key, sample, expected="present", got="missing"), n
        y = b[key]
        if x.shape != y.shape or x.dtype != y.dtype:
            return Divergence(ref.name, key, sample, expected=f"{x.dtype}{list(x.shape)}",
                              got=f"{y.dtype}{list(y.shape)}"), n
        if not np.array_equal(x, y):
            idx = tuple(int(i) for i in np.argwhere(x != y)[0]) if x.ndim else ()
            tick = idx[0] + 1 if _per_tick(x, ticks) else None
            return Divergence(ref.name, key, sample, tick, idx, x[idx].item(), y[idx].item()), n
    return None, n


def _inference_rows(path: Path) -> list[list[str]]:
    return [line.split()[:7] for line in path.read_text().splitlines() if line and not line.startswith("#")]


def compare_dirs(ref_dir, out_dir, strict: bool = False):
    """Compare init.npz, every sample_NNNN.npz, inferences.txt columns 1-7 and summary.json sample fields.

    Returns (Divergence or None, n_samples, n_keys)."""
    ref_dir, out_dir = Path(ref_dir), Path(out_dir)
    keys = set()
    div, _ = compare_npz(ref_dir / "init.npz", out_dir / "init.npz", strict)
    if div:
        return div, 0, 0
    samples = sorted(ref_dir.glob("sample_*.npz"))
    for i, ref in enumerate(samples):
        div, _ = compare_npz(ref, out_dir / ref.name, strict, sample=i)
        if div:
            return div, i, len(keys)
        keys.update(k for k in np.load(ref).files if k not in DIAGNOSTIC_KEYS and (strict or k not in STRICT_KEYS))
    if (ref_dir / "inferences.txt").exists():
        exp, got = _inference_rows(ref_dir / "inferences.txt"), _inference_rows(out_dir / "inferences.txt") \
            if (out_dir / "inferences.txt").exists() else []
        for i, row in enumerate(exp):
            if i >= len(got) or row != got[i]:
                return Divergence("inferences.txt", "row", i, expected=" ".join(row),
                                  got=" ".join(got[i]) if i < len(got) else "missing"), len(samples), len(keys)
    if (ref_dir / "summary.json").exists() and (out_dir / "summary.json").exists():
        exp_s = json.loads((ref_dir / "summary.json").read_text())["samples"]
        got_s = json.loads((out_dir / "summary.json").read_text())["samples"]
        for i, (e, g) in enumerate(zip(exp_s, got_s)):
            for f in SUMMARY_FIELDS + (("out_bytes",) if "out_bytes" in e else ()):
                if f in e and (f not in g or g[f] != e[f]):
                    return Divergence("summary.json", f, i, expected=e[f], got=g.get(f)), len(samples), len(keys)
    return None, len(samples), len(keys)
