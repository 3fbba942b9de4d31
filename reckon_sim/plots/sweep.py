"""The precision-sweep figure (sweep.png / sweep.svg): per swept field, final test accuracy vs width (top row)
and, when given, the paired difference to the ReckOn point of the same seed (bottom row), both with bootstrap
95 % intervals of the mean over seeds."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..experiments.study import ACCURACY, Metric, bootstrap_mean
from .save import save_figure


def _draw_series(ax, series: list[dict], chip_w: int, mark_reckon: bool, scale: float = 100.0) -> None:
    """Mean and bootstrap 95 % interval per width of every series; the ReckOn point starred."""
    for entry in series:
        pts = [(w, bootstrap_mean(a)) for w, a in entry["points"] if a]
        if not pts:
            continue
        xs = [w for w, _ in pts]
        mean = [scale * iv.mean for _, iv in pts]
        err = [[scale * (iv.mean - iv.lo) for _, iv in pts], [scale * (iv.hi - iv.mean) for _, iv in pts]]
        line = ax.errorbar(xs, mean, yerr=err, fmt="o-", capsize=3, ms=4,
                           label=entry["name"] if len(series) > 1 else None)
        if mark_reckon and entry["reckon"] and chip_w in xs:
            ax.plot([chip_w], [mean[xs.index(chip_w)]], "*", ms=14, color=line[0].get_color(), mec="k", zorder=5,
                    label="ReckOn widths")


def sweep_figure(panels: dict, reckon_widths: dict, path, reference_accuracy: float | None = None,
                 chance: float | None = None, title: str | None = None,
                 diff_panels: dict | None = None, tolerance: float | None = None, metric: Metric = ACCURACY) -> None:
    """panels: {field label: [{'name', 'points': [(width, [metric values over seeds])], 'reckon'}]}
    (grid.panel_series); diff_panels: the same with paired differences to ReckOn (a second row of panels, the
    tolerance −δ, or +δ for a lower-is-better metric such as NMSE, as a dashed line). The float reference's
    value (if given) is a dashed horizontal line."""
    sc, name = metric.scale, metric.label.replace("final test ", "")
    title = title or f"ReckOn e-prop: {name} vs datapath width"
    value_label = f"{metric.label} ({metric.unit})" if metric.unit != metric.diff_unit else metric.label
    n = max(1, len(panels))
    cols = min(n, 3)
    blocks = math.ceil(n / cols)
    rows = blocks * (2 if diff_panels else 1)
    fig = Figure(figsize=(4.6 * cols, 3.4 * rows))
    grid = fig.subplots(rows, cols, squeeze=False)
    for i, (label, series) in enumerate(panels.items()):
        r, c = divmod(i, cols)
        ax = grid[r * (2 if diff_panels else 1), c]
        chip_w = reckon_widths[label]
        _draw_series(ax, series, chip_w, True, sc)
        ax.axvline(chip_w, color="grey", ls=":", lw=1)
        if reference_accuracy is not None:
            ax.axhline(sc * reference_accuracy, color="k", ls="--", lw=1, label="float reference")
        if chance is not None:
            ax.axhline(100 * chance, color="grey", lw=0.6, ls="-.", label="chance")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"{label} width (bits)")
        ax.set_ylabel(value_label)
        if not metric.lower_is_better:
            ax.set_ylim(0, 102)
        ax.set_title(f"{label} (ReckOn: {chip_w}), mean and 95 % CI", fontsize=9)
        ax.legend(fontsize=7, loc="best")
        if diff_panels:
            dax = grid[r * 2 + 1, c]
            _draw_series(dax, diff_panels.get(label, []), chip_w, True, sc)
            dax.axhline(0, color="k", lw=0.6)
            if tolerance is not None:
                sign = "+" if metric.lower_is_better else "−"
                dax.axhline((1 if metric.lower_is_better else -1) * sc * tolerance, color="tab:red", ls="--",
                            lw=1, label=f"{sign}δ = {sign}{sc * tolerance:g} {metric.diff_unit}")
            dax.axvline(chip_w, color="grey", ls=":", lw=1)
            dax.xaxis.set_major_locator(MaxNLocator(integer=True))
            dax.set_xlabel(f"{label} width (bits)")
            dax.set_ylabel(f"paired Δ {name} to ReckOn ({metric.diff_unit})")
            dax.legend(fontsize=7, loc="best")
    used = {(divmod(i, cols)[0] * (2 if diff_panels else 1) + k, divmod(i, cols)[1])
            for i in range(len(panels)) for k in range(2 if diff_panels else 1)}
    for (r, c), ax in ((rc, grid[rc]) for rc in ((r, c) for r in range(rows) for c in range(cols))):
        if (r, c) not in used:
            ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


SATURATION_KINDS = ("membrane", "trace", "weight")


def saturation_series(axes, rows: list[dict]) -> dict:
    """{field label: {kind: [(width, [saturation counts over seeds])]}} of the chip rows with every other field
    at its ReckOn width (the usual reason a narrow width fails)."""
    from ..experiments.grid import WIDTH_FIELDS
    from ..hw.widths import SPEC
    out = {}
    for axis in axes:
        others = [f for f in WIDTH_FIELDS if f not in axis.fields]
        pts: dict = {kind: {} for kind in SATURATION_KINDS}
        for r in rows:
            if r.get("backend") != "chip" or any(int(r[f]) != SPEC[f].chip for f in others):
                continue
            for kind in SATURATION_KINDS:
                pts[kind].setdefault(int(r[axis.fields[0]]), []).append(int(r.get(f"saturations_{kind}") or 0))
        out[axis.label] = {kind: sorted(p.items()) for kind, p in pts.items()}
    return out


def saturation_figure(series: dict, reckon_widths: dict, path,
                      title: str = "ReckOn e-prop: saturation events vs datapath width") -> None:
    """One panel per swept field: mean saturation events per run (all epochs) of each kind vs width."""
    n = max(1, len(series))
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.6 * cols, 3.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, (label, kinds) in zip(axes.flat, series.items()):
        for kind, pts in kinds.items():
            if pts:
                ax.plot([w for w, _ in pts], [float(np.mean(c)) for _, c in pts], "o-", ms=4, label=kind)
        ax.axvline(reckon_widths[label], color="grey", ls=":", lw=1)
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel=f"{label} width (bits)", ylabel="saturation events per run",
               title=f"{label} (ReckOn: {reckon_widths[label]})")
        ax.legend(fontsize=7, loc="best")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def write_saturation_csv(series: dict, path) -> None:
    with open(path, "w") as fh:
        fh.write("field,kind,width,mean_saturations,runs\n")
        for label, kinds in series.items():
            for kind, pts in kinds.items():
                for w, c in pts:
                    fh.write(f"{label},{kind},{w},{float(np.mean(c))!r},{len(c)}\n")
