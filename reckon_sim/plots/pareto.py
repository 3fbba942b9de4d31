"""The accuracy-vs-memory figure of a product sweep (pareto.png / .svg): every width point at its SRAM size,
mean final test accuracy with its bootstrap 95 % interval, the Pareto front joined, the ReckOn point starred."""
from __future__ import annotations

from matplotlib.figure import Figure

from .save import save_figure


def pareto_figure(entries: list[dict], path, reference_accuracy: float | None = None, title: str | None = None,
                  metric=None) -> None:
    """entries: [{'label', 'sram_kB', 'mean', 'lo', 'hi' (the metric as stored: accuracy 0..1 or NMSE),
    'front', 'reckon'}]; metric: a study.Metric (default accuracy)."""
    from ..experiments.study import ACCURACY
    metric = metric or ACCURACY
    sc = metric.scale
    title = title or f"ReckOn e-prop: {metric.label.replace('final test ', '')} vs on-chip memory"
    fig = Figure(figsize=(7.0, 4.6))
    ax = fig.subplots()
    xs = [e["sram_kB"] for e in entries]
    ys = [sc * e["mean"] for e in entries]
    err = [[sc * (e["mean"] - e["lo"]) for e in entries], [sc * (e["hi"] - e["mean"]) for e in entries]]
    ax.errorbar(xs, ys, yerr=err, fmt="o", ms=4, capsize=2, color="tab:blue", alpha=0.6, label="width points")
    front = sorted((e for e in entries if e["front"]), key=lambda e: e["sram_kB"])
    if front:
        ax.plot([e["sram_kB"] for e in front], [sc * e["mean"] for e in front], "-", color="tab:orange",
                lw=1.5, label="Pareto front")
        for e in front:
            ax.annotate(e["label"], (e["sram_kB"], sc * e["mean"]), fontsize=6, xytext=(3, -9),
                        textcoords="offset points")
    for e in entries:
        if e["reckon"]:
            ax.plot([e["sram_kB"]], [sc * e["mean"]], "*", ms=15, color="gold", mec="k", zorder=5,
                    label="ReckOn widths")
    if reference_accuracy is not None:
        ax.axhline(sc * reference_accuracy, color="k", ls="--", lw=1, label="float reference")
    ax.set_xlabel("SRAM (kB: neuron + input, recurrent and output weight macros)")
    ax.set_ylabel(f"{metric.label} ({metric.unit})" if metric.unit != metric.diff_unit else metric.label)
    if not metric.lower_is_better:
        ax.set_ylim(0, 102)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)
