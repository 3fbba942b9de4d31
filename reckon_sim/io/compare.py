"""`reckon-sim compare`: key-by-key conformance of an output folder against a golden one (FORMAT §6)."""
from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from .reckon_files import open_regular
from .vector_files import UNDEFINED_WORD

# strict tier: raw SRAM images (deterministic under the zero-memory convention, not required)
STRICT_KEYS = {"neur_sram", "neur_u_raw", "neur_tinp_raw", "neur_trec_raw", "neur_tout_raw",
               "winp_sram", "wrec_sram", "wout_sram"}
DIAGNOSTIC_KEYS = {"sample_cycles"}
SUMMARY_FIELDS = ("inference", "label", "correct", "ticks", "sum_tick_cycles", "tick_cycles_min",
                  "tick_cycles_median", "tick_cycles_max", "tick_cycles_mean", "eprop_ticks",
                  "eprop_tick_cycles_median", "noeprop_tick_cycles_median", "halt_tick", "halt_state",
                  "timing_error", "cut_state", "cut_cycle")


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
        if self.key == "(file missing)":
            return f"first divergence: {where}: {self.file} is missing from OUT_DIR"
        return (f"first divergence: {where}{tick}, key {self.key}, index {list(self.index)}, "
                f"expected {self.expected}, got {self.got}")


def _per_tick(arr: np.ndarray, ticks: int | None) -> bool:
    return ticks is not None and arr.ndim >= 1 and arr.shape[0] == ticks


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, read eagerly; InputError "cannot read" if it is not a complete, valid .npz
    (empty, truncated, corrupt, pickled objects, a folder or a FIFO)."""
    with open_regular(path, ".npz file") as f:
        try:
            with np.load(f, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
            raise InputError(str(path), f"cannot read: not a valid .npz file ({type(e).__name__}: "
                                        f"{str(e)[:80]})") from None


def _read_json(path: Path):
    with open_regular(path, "JSON file") as f:
        raw = f.read()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise InputError(str(path), f"cannot read: malformed JSON ({str(e)[:80]})") from None


def _summary_samples(path: Path) -> list[dict]:
    data = _read_json(path)
    rows = data.get("samples") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(str(path), "cannot read: expected an object with a 'samples' list (FORMAT §5.2)")
    return rows


def compare_npz(ref: Path, out: Path, strict: bool = False, sample: int | None = None):
    """(first Divergence or None, number of keys compared) for one npz pair; InputError if one cannot be read."""
    a = load_npz(ref)
    if not out.exists():
        return Divergence(out.name, "(file missing)", sample, expected="present", got="missing"), 0
    b = load_npz(out)
    if ("halt_tick" in a) != ("halt_tick" in b):     # one side halted in this sample (held in IDLE)
        def halt(z):
            return f"halt in tick {int(z['halt_tick'])}" if "halt_tick" in z else "no halt"
        return Divergence(ref.name, "halt_tick", sample, expected=halt(a), got=halt(b)), 1
    ticks = int(a["ticks"]) if "ticks" in a and a["ticks"].size == 1 else None
    n = 0
    for key, x in a.items():
        if key in DIAGNOSTIC_KEYS or (key in STRICT_KEYS and not strict):
            continue
        n += 1
        if key not in b:
            return Divergence(ref.name, key, sample, expected="present", got="missing"), n
        y = b[key]
        if x.shape != y.shape or x.dtype != y.dtype:
            return Divergence(ref.name, key, sample, expected=f"{x.dtype}{list(x.shape)}",
                              got=f"{y.dtype}{list(y.shape)}"), n
        if key == "config_read" and x.ndim == 2:      # an undefined read word (-1 on either side) is don't-care
            x, y = _defined(x, y)
        if not np.array_equal(x, y):
            idx = tuple(int(i) for i in np.argwhere(x != y)[0]) if x.ndim else ()
            tick = idx[0] + 1 if _per_tick(x, ticks) else None
            return Divergence(ref.name, key, sample, tick, idx, x[idx].item(), y[idx].item()), n
    return None, n


def _defined(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """config_read rows (tick, code, address, word) with the words undefined on either side set to -1 on both
    (vector_files.UNDEFINED_WORD: a code-0 read before any SPI read since reset)."""
    undef = (x[:, 3] == UNDEFINED_WORD) | (y[:, 3] == UNDEFINED_WORD)
    x, y = x.copy(), y.copy()
    x[undef, 3] = y[undef, 3] = UNDEFINED_WORD
    return x, y


def _inference_rows(path: Path) -> list[list[str]]:
    with open_regular(path, "text file") as f:
        raw = f.read()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise InputError(str(path), "cannot read: not ASCII text (FORMAT §5.1)") from None
    return [line.split()[:7] for line in text.splitlines() if line and not line.startswith("#")]


def compare_dirs(ref_dir, out_dir, strict: bool = False):
    """Compare init.npz, every sample_NNNN.npz, inferences.txt columns 1-7 and summary.json sample fields.

    Returns (Divergence or None, n_samples, n_keys); InputError ("cannot read") if a file of REF_DIR, or one
    present in OUT_DIR, is not readable: that is not a divergence."""
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
        keys.update(k for k in load_npz(ref) if k not in DIAGNOSTIC_KEYS and (strict or k not in STRICT_KEYS))
    if (ref_dir / "inferences.txt").exists():
        exp, got = _inference_rows(ref_dir / "inferences.txt"), _inference_rows(out_dir / "inferences.txt") \
            if (out_dir / "inferences.txt").exists() else []
        for i, row in enumerate(exp):
            if i >= len(got) or row != got[i]:
                return Divergence("inferences.txt", "row", i, expected=" ".join(row),
                                  got=" ".join(got[i]) if i < len(got) else "missing"), len(samples), len(keys)
    if (ref_dir / "summary.json").exists():
        exp_s = _summary_samples(ref_dir / "summary.json")
        if not (out_dir / "summary.json").exists():
            return Divergence("summary.json", "(file missing)", expected="present", got="missing"), \
                len(samples), len(keys)
        got_s = _summary_samples(out_dir / "summary.json")
        for i, e in enumerate(exp_s):
            g = got_s[i] if i < len(got_s) else {}
            for f in SUMMARY_FIELDS + (("out_bytes",) if "out_bytes" in e else ()):
                if f in e and (f not in g or g[f] != e[f]):
                    return Divergence("summary.json", f, i, expected=e[f], got=g.get(f, "missing")), \
                        len(samples), len(keys)
    return None, len(samples), len(keys)
