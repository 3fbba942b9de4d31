"""Test accuracy per epoch over several seeds: mean ± standard deviation band per backend."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .save import save_figure


def seed_spread(acc: dict[str, np.ndarray], path, title: str = "", regression: bool = False) -> None:
    """acc: backend -> [n_seeds, n_epochs] test accuracy (0..1), or test NMSE if `regression`; one line (mean)
    and band (± std) per backend."""
    fig = Figure(figsize=(6, 4))
    _panel(fig.subplots(), acc, title, regression)
    fig.tight_layout()
    save_figure(fig, path)


def seed_panels(conditions: dict[str, dict[str, np.ndarray]], path) -> None:
    """One panel per condition (title -> acc as in seed_spread), side by side, in one figure."""
    fig = Figure(figsize=(5 * len(conditions), 4))
    axes = np.atleast_1d(fig.subplots(1, len(conditions)))
    for ax, (title, acc) in zip(axes, conditions.items()):
        _panel(ax, acc, title)
    fig.tight_layout()
    save_figure(fig, path)


COLORS = {"chip": "C0", "chip_float": "C1", "eprop": "C2"}     # the same backend has one colour in every panel


def _panel(ax, acc: dict[str, np.ndarray], title: str, regression: bool = False) -> None:
    scale = 1.0 if regression else 100.0
    for i, (name, a) in enumerate(acc.items()):
        color = COLORS.get(name, f"C{3 + i}")
        epochs = np.arange(1, a.shape[1] + 1)
        mean, std = scale * a.mean(axis=0), scale * a.std(axis=0)
        ax.plot(epochs, mean, "o-", color=color, label=f"{name} (n = {a.shape[0]} seeds)")
        ax.fill_between(epochs, mean - std, mean + std, color=color, alpha=0.2, lw=0)
    if regression:
        ax.set(xlabel="epoch", ylabel="test NMSE, mean ± std over seeds", title=title)
    else:
        ax.axhline(50, color="grey", lw=0.8, ls=":")
        ax.set(xlabel="epoch", ylabel="test accuracy (%), mean ± std over seeds", ylim=(0, 100), title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)
