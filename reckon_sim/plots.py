"""Every figure of reckon-sim, headless (Agg)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def learning_curve(run, path, title: str = "ReckOn on-chip e-prop") -> None:
    """Accuracy per epoch, train and test (curve.png / curve.svg)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for phase, style in (("train", "o-"), ("test", "s--")):
        acc = run.accuracy(phase)
        ax.plot(range(1, len(acc) + 1), [100 * a for a in acc], style, label=phase)
    ax.axhline(50, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
