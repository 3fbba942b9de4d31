"""Regression figures: NMSE per epoch, and the chip's outputs against the targets for one test sample."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .save import save_figure


def regression_figure(run, outputs: np.ndarray, targets: np.ndarray, target_tick: int, path,
                      title: str = "ReckOn on-chip e-prop, regression") -> None:
    """Left: NMSE per epoch (train, test); right: outputs [TPS, n_out] vs targets of one test sample, ticks
    target_tick+1 .. (one colour per output neuron, target dashed)."""
    fig = Figure(figsize=(11, 4))
    ax_nmse, ax_out = fig.subplots(1, 2)
    for phase, style in (("train", "o-"), ("test", "s--")):
        loss = [r.loss for r in run.rows if r.phase == phase]
        ax_nmse.plot(range(1, len(loss) + 1), loss, style, label=phase)
    ax_nmse.set(xlabel="epoch", ylabel="NMSE", title="normalised MSE per epoch")
    ax_nmse.set_ylim(bottom=0)
    ax_nmse.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_nmse.legend()
    ticks = np.arange(target_tick + 1, target_tick + 1 + len(targets))
    for k in range(targets.shape[1]):
        ax_out.plot(ticks, targets[:, k], "--", color=f"C{k}", lw=1, label=f"target {k}")
        ax_out.plot(ticks, outputs[:, k], "-", color=f"C{k}", lw=0.8, alpha=0.8, label=f"output {k}")
    ax_out.set(xlabel="tick (1 ms)", ylabel="output membrane (LSB)", title="test sample: outputs vs targets")
    ax_out.legend(fontsize=7, ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
