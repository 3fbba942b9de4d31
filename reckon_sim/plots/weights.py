"""Weight histograms before/after training, one panel per matrix (weights_<backend>.png/.svg of train/curves)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .save import save_figure

MATRICES = ("winp", "wrec", "wout")


def histogram_counts(before: np.ndarray, after: np.ndarray, bins: int = 41) -> tuple[np.ndarray, ...]:
    """(edges, counts before, counts after) on common bins; integer weights get one bin per value."""
    b, a = np.asarray(before, np.float64).ravel(), np.asarray(after, np.float64).ravel()
    lo, hi = float(min(b.min(), a.min())), float(max(b.max(), a.max()))
    integer = np.all(b == np.round(b)) and np.all(a == np.round(a))
    if integer:
        edges = np.arange(lo - 0.5, hi + 1.5)
    else:
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    return edges, np.histogram(b, edges)[0], np.histogram(a, edges)[0]


def weight_histograms(before: dict, after: dict, path, title: str, unit: str = "LSB") -> dict:
    """Before (grey, filled) and after (coloured step) histograms of winp, wrec, wout; returns the counts."""
    fig = Figure(figsize=(11, 3.4))
    axes = fig.subplots(1, 3)
    counts = {}
    for ax, name in zip(axes, MATRICES):
        edges, cb, ca = histogram_counts(before[name], after[name])
        counts[name] = (edges, cb, ca)
        ax.stairs(cb, edges, fill=True, color="0.75", label="before")
        ax.stairs(ca, edges, color="C3", lw=1.2, label="after")
        ax.set_yscale("symlog", linthresh=1)
        ax.set(xlabel=f"{name} ({unit})", ylabel="weights", title=f"{name} [{np.shape(after[name])[0]}×"
                                                                   f"{np.shape(after[name])[1]}]")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    return counts


def write_weight_histograms(before: dict, after: dict, stem, title: str, unit: str = "LSB") -> None:
    """stem.png, stem.svg and stem.csv (matrix, bin_lo, bin_hi, before, after)."""
    for ext in ("png", "svg"):
        counts = weight_histograms(before, after, f"{stem}.{ext}", title, unit)
    with open(f"{stem}.csv", "w") as fh:
        fh.write("matrix,bin_lo,bin_hi,before,after\n")
        for name, (edges, cb, ca) in counts.items():
            for i in range(len(cb)):
                fh.write(f"{name},{float(edges[i])!r},{float(edges[i + 1])!r},{int(cb[i])},{int(ca[i])}\n")
