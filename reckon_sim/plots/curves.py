"""Per-epoch figures: the learning curve of `train` (curve.png/.svg) and the backend comparison of `curves`."""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .save import save_figure


def learning_curve(run, path, title: str = "ReckOn on-chip e-prop") -> None:
    """Accuracy per epoch, train and test (curve.png / curve.svg)."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
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
    save_figure(fig, path)


def backend_curves(runs: dict, path, notes: dict | None = None, regression: bool = False) -> None:
    """Two panels side by side: accuracy and loss per epoch, one colour per backend (train solid, test dashed);
    for a regression task one panel: NMSE per epoch (every backend's loss is then the same NMSE)."""
    fig = Figure(figsize=(7 if regression else 11, 4))
    if regression:
        ax_acc, ax_loss = None, fig.subplots(1, 1)
    else:
        ax_acc, ax_loss = fig.subplots(1, 2)
    for i, (name, run) in enumerate(runs.items()):
        color = f"C{i}"
        for phase, style in (("train", "o-"), ("test", "s--")):
            rows = [r for r in run.rows if r.phase == phase]
            epochs = [r.epoch + 1 for r in rows]
            if ax_acc is not None:
                ax_acc.plot(epochs, [100 * r.accuracy for r in rows], style, color=color, label=f"{name} {phase}")
            ax_loss.plot(epochs, [r.loss for r in rows], style, color=color, label=f"{name} {phase}")
    if regression:
        ax_loss.set(xlabel="epoch", ylabel="NMSE (1 = predicting the targets' mean)", ylim=(0, None),
                    title="regression: NMSE, quantized vs float")
        ax_loss.legend(fontsize=7, ncol=2)
    else:
        ax_acc.axhline(50, color="grey", lw=0.8, ls=":")
        ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", ylim=(0, 100), title="accuracy: quantized vs float")
        ax_loss.set(xlabel="epoch", ylabel="loss per sample (backend's own loss)", title="loss")
        ax_loss.set_yscale("log")
        ax_acc.legend(fontsize=7, ncol=2)
    for ax in (ax_acc, ax_loss):
        if ax is not None:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    lines = [] if regression else [f"{k}: {v}" for k, v in (notes or {}).items() if k in runs]
    for i, line in enumerate(lines):
        fig.text(0.01, 0.01 + 0.025 * (len(lines) - 1 - i), line, fontsize=7)
    fig.tight_layout(rect=(0, 0.025 * len(lines) + 0.01, 1, 1))
    save_figure(fig, path)
