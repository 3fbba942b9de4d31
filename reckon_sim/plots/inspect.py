"""The inspect figure: one sample of one or more backends, one column each (experiments.inspect tables)."""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..experiments.inspect import InspectTable, eligibility_pairs
from .save import save_figure

_ROWS = (1.3, 1.3, 1.1, 1.1, 1.0, 1.0, 1.0, 1.4)     # height ratios of the panels below
_GROUP_COLORS = ("C0", "C1", "C2", "0.6")


def _legend(ax, ncol: int) -> None:
    """Legend in one row above the panel (never over the data)."""
    ax.legend(fontsize=6, ncol=ncol, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False,
              borderaxespad=0.1, handlelength=1.5, columnspacing=1.0)


def _raster(ax, spikes: np.ndarray, color: str, ms: float = 1.2) -> None:
    t, j = np.nonzero(spikes)
    ax.plot(t + 1, j, "|", ms=ms, mew=0.6, color=color, rasterized=False)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)


def _input_panel(ax, tab: InspectTable, groups) -> None:
    for i, (name, lo, hi) in enumerate(groups or ()):
        ax.axhspan(lo - 0.5, hi - 0.5, color=_GROUP_COLORS[i % 4], alpha=0.15, lw=0)
        ax.text(1.005, (lo + hi - 1) / 2 / max(1, tab.inp.shape[1] - 1), name, transform=ax.transAxes,
                fontsize=6, va="center", ha="left", color=_GROUP_COLORS[i % 4])
    _raster(ax, tab.inp, "k")
    ax.set_ylabel("input\nchannel")


def _window(ax, tab: InspectTable) -> None:
    """Shade the learning (or vote) window on a full-length time axis."""
    rows = np.nonzero(tab.learning if tab.learning.any() else tab.vote >= 0)[0]
    if len(rows):
        ax.axvspan(rows[0] + 1, rows[-1] + 1, color="gold", alpha=0.15, lw=0)


def _zoom(ax, tab: InspectTable) -> np.ndarray:
    """Restrict the x axis to the learning ticks (or the vote ticks); returns the rows shown."""
    rows = np.nonzero(tab.learning if tab.learning.any() else tab.vote >= 0)[0]
    if len(rows) == 0:
        rows = np.arange(tab.n_ticks)
    ax.set_xlim(rows[0] + 0.5, rows[-1] + 1.5)
    return rows


def _membrane_panel(ax, tab, neurons) -> None:
    t = np.arange(1, tab.n_ticks + 1)
    for i, j in enumerate(neurons):
        ax.plot(t, tab.u[:, j], lw=0.6, color=f"C{i}", label=f"n{j}")
        ax.axhline(tab.thr[j], color=f"C{i}", lw=0.6, ls="--")
    ax.set_ylabel(f"membrane u\n({tab.units['membrane']})")
    ax.plot([], [], "k--", lw=0.6, label="threshold")
    _legend(ax, len(neurons) + 1)


def _output_panel(ax, tab) -> None:
    rows = _zoom(ax, tab)
    t = rows + 1
    for k in range(tab.y.shape[1]):
        ax.plot(t, tab.y[rows, k], lw=0.9, color=f"C{k}", label=f"y{k}")
        ax.plot(t, tab.target[rows, k], lw=0.9, ls="--", color=f"C{k}", label=f"target {k}")
    voted = tab.vote[rows] >= 0
    if voted.any() and not tab.regression:              # a regression sample has no vote to show
        lo, hi = ax.get_ylim()
        lo -= 0.08 * (hi - lo)                           # vote marks below the curves, not on a target line
        ax.set_ylim(lo, hi)
        for k in range(tab.y.shape[1]):
            mine = voted & (tab.vote[rows] == k)
            ax.plot(t[mine], np.full(mine.sum(), lo), "|", ms=5, color=f"C{k}", label=f"vote {k}")
    kind = "raw output" if tab.regression else "activation"
    ax.set_ylabel(f"output {kind}\n({tab.units['output']})")
    _legend(ax, 5)


def _learning_panel(ax, tab, neurons, what: str) -> None:
    rows = _zoom(ax, tab)
    data = tab.signal if what == "signal" else tab.h
    for i, j in enumerate(neurons):
        ax.plot(rows + 1, data[rows, j], lw=0.7, color=f"C{i}", label=f"n{j}")
    if what == "signal":
        ax.set_ylabel(f"learning signal\n({tab.units['signal']})")
    else:
        ax.set_ylabel(f"pseudo-deriv. h\n({tab.units['h']})")
    if not tab.learning.any():
        ax.text(0.5, 0.5, "no learning ticks in this sample", transform=ax.transAxes, ha="center", fontsize=7)
    _legend(ax, len(neurons))


def _eligibility_panel(ax, tab, neurons) -> None:
    rows = _zoom(ax, tab)
    for i, (q, p) in enumerate(eligibility_pairs(tab, neurons)):
        ax.plot(rows + 1, tab.h[rows, p] * tab.tinp[rows, q], lw=0.7, color=f"C{i + 4}", label=f"in{q}→n{p}")
    ax.set_ylabel(f"eligibility h·ε_in\n({tab.units['trace']})")
    ax.set_xlabel("tick (learning window)")
    _legend(ax, 3)


def _delta_panels(fig, spec, tab) -> None:
    sub = spec.subgridspec(1, 3, wspace=0.45)
    for i, name in enumerate(("winp", "wrec", "wout")):
        ax = fig.add_subplot(sub[0, i])
        d = tab.after[name] - tab.before[name]
        lim = float(np.abs(d).max()) or 1.0
        im = ax.imshow(d.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(f"Δ{name}: {np.count_nonzero(d)} changed\n({tab.units['weight']})", fontsize=7)
        ax.set_xlabel("pre", fontsize=6)
        ax.set_ylabel("post", fontsize=6)
        ax.tick_params(labelsize=5)
        if name == "wout":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        cb = fig.colorbar(im, ax=ax, fraction=0.08, pad=0.03, format="%.1g")
        cb.ax.tick_params(labelsize=5)


def _column_title(tab) -> str:
    if tab.regression:
        return f"{tab.backend}: regression sample"
    verdict = "correct" if tab.inference == tab.label else "wrong"
    return f"{tab.backend}: label {tab.label}, inferred {tab.inference} ({verdict})"


def inspect_figure(tables: list[InspectTable], neurons: list[int], path, groups=None, suptitle: str = "") -> None:
    """One column per table: input raster (task groups shaded), recurrent raster, membranes with thresholds,
    outputs with targets and the per-tick vote, learning signals, pseudo-derivatives, eligibility traces
    (the learning window) and the sample's weight changes."""
    n = len(tables)
    fig = Figure(figsize=(8 * n, 15))
    outer = fig.add_gridspec(1, n, wspace=0.3, left=0.12 / n, right=1 - 0.05 / n, top=0.93, bottom=0.04)
    for c, tab in enumerate(tables):
        col = outer[0, c].subgridspec(len(_ROWS), 1, height_ratios=_ROWS, hspace=0.75)
        ax_in = fig.add_subplot(col[0])
        _input_panel(ax_in, tab, groups)
        ax_in.set_title(_column_title(tab), fontsize=9)
        ax_z = fig.add_subplot(col[1], sharex=ax_in)
        _raster(ax_z, tab.z, "C3")
        ax_z.set_ylabel("recurrent\nneuron")
        ax_u = fig.add_subplot(col[2], sharex=ax_in)
        _membrane_panel(ax_u, tab, neurons)
        ax_u.set_xlabel("tick")
        for ax in (ax_in, ax_z, ax_u):
            _window(ax, tab)
            ax.set_xlim(0.5, tab.n_ticks + 0.5)
        _output_panel(fig.add_subplot(col[3]), tab)
        _learning_panel(fig.add_subplot(col[4]), tab, neurons, "signal")
        _learning_panel(fig.add_subplot(col[5]), tab, neurons, "h")
        _eligibility_panel(fig.add_subplot(col[6]), tab, neurons)
        _delta_panels(fig, col[7], tab)
        for ax in fig.axes:
            ax.tick_params(labelsize=6)
            ax.yaxis.label.set_size(7)
            ax.xaxis.label.set_size(7)
    fig.suptitle(textwrap.fill(suptitle or tables[0].title, 80 * n), fontsize=11)   # wrapped inside the figure
    save_figure(fig, path)


def write_inspect(tables: list[InspectTable], neurons: list[int], stem, groups=None, suptitle: str = "") -> None:
    """stem.png and stem.svg (the figure), and per table stem[_backend].csv / .npz (the numbers behind it)."""
    from ..experiments.inspect import write_table
    for ext in ("png", "svg"):
        inspect_figure(tables, neurons, f"{stem}.{ext}", groups, suptitle)
    for tab in tables:
        write_table(tab, neurons, stem if len(tables) == 1 else f"{stem}_{tab.backend}")


def write_end_of_run(out, name: str, backend, before: dict, inputs, task_name: str, data, run_name: str) -> None:
    """What train/curves write at the end for one backend: weight histograms before/after (weights_NAME.*) and
    the inspect figure of the last test sample (inspect.* or inspect_NAME.* beside other backends')."""
    from ..experiments.data import task_preset
    from ..experiments.inspect import chosen_neurons, inspect_last_test_sample, task_channel_groups
    from .weights import write_weight_histograms
    backend = getattr(backend, "backend", backend)     # a regression task's readout wrapper: show the chip it drives
    write_weight_histograms(before, backend.weights(), f"{out}/weights_{name}",
                            f"{run_name}: {name} weights before / after training", "float" if name == "eprop" else "LSB")
    table = inspect_last_test_sample(name, backend, inputs, run_name)
    groups = None if data else task_channel_groups(task_preset(task_name), inputs.config.n_inp)
    write_inspect([table], chosen_neurons(table), f"{out}/inspect_{name}", groups)
