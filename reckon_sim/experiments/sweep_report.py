"""What `reckon-sim sweep` writes and prints (through `echo`) at the end: results.csv (with memory figures),
summary.json, the paired-statistics and minimum-width tables, sweep.png/.svg and, for --product
grids, pareto.csv/.png/.svg."""
from __future__ import annotations

import json
from pathlib import Path

from ..backends import CHIP
from . import study
from .grid import WIDTH_FIELDS, panel_series
from ..hw.memory_cost import memory_row
from ..hw.widths import RECKON, SPEC
from ..io.results import write_atomic, write_results_csv

SUMMARY_SCHEMA = 1


def point_label(key: tuple) -> str:
    """'weight=6 trace_inp=9' for the fields off their ReckOn width, 'ReckOn' for the ReckOn point."""
    diff = [f"{f}={v}" for f, v in zip(WIDTH_FIELDS, key) if v != SPEC[f].chip]
    return " ".join(diff) if diff else "ReckOn"


def _ci(iv, scale=100.0, signed=False, digits=1) -> str:
    if iv is None:
        return "-"
    fmt = f"{{:{'+' if signed else ''}.{digits}f}}"
    return f"{fmt.format(scale * iv.mean)} [{fmt.format(scale * iv.lo)}, {fmt.format(scale * iv.hi)}]"


def _limit(metric: study.Metric, tolerance: float) -> str:
    """'−1 pp' (accuracy) or '+0.01 NMSE' (regression): the bound a paired difference must respect."""
    sign = "+" if metric.lower_is_better else "−"
    return f"{sign}{metric.scale * tolerance:g} {metric.diff_unit}"


def stats_lines(order: list[tuple], stats: dict, tolerance: float, metric: study.Metric = study.ACCURACY
                ) -> list[str]:
    """The per-point table: the metric and paired differences with their 95 % intervals, memory, decision."""
    sc, dig = metric.scale, metric.digits
    better = "lower" if metric.lower_is_better else "higher"
    head = metric.head
    w = 21 if dig == 1 else 24                         # a signed 3-decimal interval is 23 characters
    lines = [f"paired statistics over seeds: {metric.label} ({metric.unit}, {better} is better), Δ = paired "
             f"difference ({metric.diff_unit}), mean [95 % bootstrap CI]; δ = {sc * tolerance:g} {metric.diff_unit}",
             f"  {'point':<22} {'seeds':>5}  {head:<19} {'Δ to ReckOn ' + metric.diff_unit:<{w}} "
             f"{'Δ to float ' + metric.diff_unit:<{w}} {'SRAM kB (×ReckOn)':<18} decision"]
    for key in order:
        s = stats.get(key)
        if s is None:
            continue
        mem = memory_row(s["widths"])
        decision = s["status"] if key != study.RECKON_KEY else "(reference point)"
        if s["status"] == study.UNDECIDED and key != study.RECKON_KEY:
            extra = s["extra_seeds"]
            decision += f", ~{extra} more seeds" if extra is not None else ", mean on the δ limit"
        lines.append(f"  {point_label(key):<22} {len(s['seeds']):>5}  {_ci(s['value'], sc, digits=dig):<19} "
                     f"{_ci(s['diff_reckon'], sc, True, dig):<{w}} {_ci(s['diff_reference'], sc, True, dig):<{w}} "
                     f"{mem['sram_kB']:>7.1f} ({mem['sram_rel_reckon']:.3f})  {decision}")
    return lines


def more_seeds_hint(template: dict) -> str:
    """How an undecided width gets its seeds: --until-decided, unless a ReckOn data folder fixes every run (its
    data and initial weights; a dataset task's seeds still vary the initial weights)."""
    if template.get("data") and "adapter" not in template.get("task_spec", {}):
        return "--data allows 1 seed: sweep generated data to add seeds"
    return "--until-decided"


def minimum_lines(minima: list[dict], tolerance: float, metric: study.Metric = study.ACCURACY,
                  hint: str = "--until-decided") -> list[str]:
    rel = "<=" if metric.lower_is_better else ">="
    lines = [f"minimum widths (smallest width whose paired Δ {metric.label} to ReckOn and every wider width's "
             f"is {rel} {_limit(metric, tolerance)} at 95 % confidence):"]
    for m in minima:
        head = f"  {m['field']:<10} ReckOn {m['reckon']:>2}: "
        if m["status"] == "missing":
            lines.append(head + "no results yet")
            continue
        if m["min_width"] is None and m["status"] == "none":
            lines.append(head + "no tested width is within δ")
            continue
        mem = m.get("memory") or {}
        cost = f"; SRAM {mem['sram_kB']:.1f} kB = {mem['sram_rel_reckon']:.3f} × ReckOn" if mem else ""
        if m["status"] == "undecided":
            b = m["blocking"][0]
            more = f"~{b['extra_seeds']} more seeds" if b["extra_seeds"] is not None else "more seeds (mean on the δ limit)"
            start = "UNDECIDED" if m["min_width"] is None else f"{m['min_width']} bits, UNDECIDED whether narrower"
            lines.append(head + f"{start}: width {b['width']} needs {more} ({hint}){cost}")
        else:
            note = "lowest tested width" if m["status"] == "grid edge" else "next narrower width is outside"
            lines.append(head + f"{m['min_width']} bits ({note}){cost}")
    return lines


def _minima(axes, stats) -> list[dict]:
    out = []
    for axis in axes:
        m = study.minimum_width(axis, stats)
        if m["min_width"] is not None:
            key = dict(study.axis_keys(axis))[m["min_width"]]
            m["memory"] = memory_row(stats[key]["widths"])
        out.append(m)
    return out


def _pareto(out: Path, order, stats, ref_acc, metric: study.Metric = study.ACCURACY) -> list[dict]:
    """pareto.csv + pareto.png/.svg of every point; returns the CSV rows (columns accuracy_* or nmse_*)."""
    from ..plots.pareto import pareto_figure
    keys = [k for k in order if k in stats]
    entries = [{"label": point_label(k), "sram_kB": memory_row(stats[k]["widths"])["sram_kB"],
                "mean": stats[k]["value"].mean, "lo": stats[k]["value"].lo, "hi": stats[k]["value"].hi,
                "reckon": k == study.RECKON_KEY} for k in keys]
    name = metric.name
    for e, front in zip(entries, study.pareto_front(entries, metric.lower_is_better)):
        e["front"] = front
    rows = []
    for k, e in zip(keys, entries):
        d = stats[k]["diff_reckon"]
        rows.append({"point": e["label"], **stats[k]["widths"], **memory_row(stats[k]["widths"]),
                     "seeds": len(stats[k]["seeds"]), f"{name}_mean": round(e["mean"], 6),
                     f"{name}_lo": round(e["lo"], 6), f"{name}_hi": round(e["hi"], 6),
                     "diff_reckon_mean": d and round(d.mean, 6), "diff_reckon_lo": d and round(d.lo, 6),
                     "diff_reckon_hi": d and round(d.hi, 6), "status": stats[k]["status"],
                     "pareto_front": int(e["front"]), "reckon": int(e["reckon"])})
    write_results_csv(rows, out / "pareto.csv")
    for ext in ("png", "svg"):
        pareto_figure(entries, out / f"pareto.{ext}", ref_acc, metric=metric)
    return rows


def _write_saturations(out, axes, rows, reckon) -> None:
    """sweep_saturations.png/.svg/.csv: saturation events vs width per field, beside sweep.png."""
    from ..plots.sweep import saturation_figure, saturation_series, write_saturation_csv
    series = saturation_series(axes, rows)
    for ext in ("png", "svg"):
        saturation_figure(series, reckon, out / f"sweep_saturations.{ext}")
    write_saturation_csv(series, out / "sweep_saturations.csv")


def _tolerance_fields(metric: study.Metric, tolerance: float) -> dict:
    """δ as summary.json states it: tolerance_pp (accuracy points) or tolerance_nmse (NMSE units)."""
    if metric is study.ACCURACY:
        return {"tolerance_pp": round(100 * tolerance, 6)}
    return {"tolerance_nmse": round(tolerance, 9)}


def write_outputs(out_dir, axes, order: list[tuple], rows: list[dict], product: bool, note: str | None,
                  template: dict, tolerance: float, echo=print) -> dict:
    """Every output file and the printed tables; returns the summary (as written to summary.json)."""
    from ..config import ChipConfig
    from ..plots.sweep import sweep_figure
    out = Path(out_dir)
    write_results_csv([{**r, **memory_row(r if r["backend"] == CHIP else None)} for r in rows], out / "results.csv")
    regression = bool(template["chip_config"].get("SPI_REGRESSION"))
    metric = study.task_metric(regression)
    stats = study.point_stats(rows, tolerance, metric)
    ref_rows = [float(r[metric.column]) for r in rows if r["backend"] != CHIP and metric.column in r]
    ref = study.bootstrap_mean(ref_rows) if ref_rows else None
    by_key, _ = study.by_point(rows, metric.column)
    diffs = {k: study.paired_differences(v, by_key.get(study.RECKON_KEY, {})) for k, v in by_key.items()}
    panels = panel_series(axes, rows, product, column=metric.column)
    diff_panels = panel_series(axes, rows, product, values={k: v for k, v in diffs.items() if v})
    reckon = {a.label: a.reckon_value for a in axes}
    cfg = ChipConfig.from_dict(template["chip_config"])
    chance = None if regression else 1 / cfg.n_out
    for ext in ("png", "svg"):
        sweep_figure(panels, reckon, out / f"sweep.{ext}", ref and ref.mean, chance, diff_panels=diff_panels,
                     tolerance=tolerance, metric=metric)
    _write_saturations(out, axes, rows, reckon)
    minima = _minima(axes, stats)
    hint = more_seeds_hint(template)
    for line in stats_lines(order, stats, tolerance, metric) + minimum_lines(minima, tolerance, metric, hint):
        echo(line)
    if ref is not None and regression:
        echo(f"  float reference (ChipFloat): final test NMSE {ref.mean:.3f} [{ref.lo:.3f}, "
             f"{ref.hi:.3f}] over {ref.n} seed(s)")
    elif ref is not None:
        echo(f"  float reference (ChipFloat): {100 * ref.mean:.1f} % final test accuracy "
                   f"[{100 * ref.lo:.1f}, {100 * ref.hi:.1f}] over {ref.n} seed(s)")
    else:
        echo(f"  float reference skipped, no line in the plot: {note}")
    summary = {"schema": SUMMARY_SCHEMA, "metric": metric.column, "metric_label": metric.label,
               "lower_is_better": metric.lower_is_better, "task": template["task"],
               "preset": template["preset"], "epochs": template["epochs"], "n_train": template["n_train"],
               "n_test": template["n_test"], **_tolerance_fields(metric, tolerance), "level": study.LEVEL,
               "bootstrap_resamples": study.N_BOOT, "min_seeds_to_decide": study.MIN_SEEDS,
               "reckon_memory": memory_row(RECKON.as_dict()),
               **({"float_reference_nmse": ref and ref.as_dict(1)} if regression else
                  {"float_reference_pct": ref and ref.as_dict(100)}), "float_reference_note": note,
               "minimum_widths": minima,
               "points": study.point_table({k: stats[k] for k in order if k in stats}, metric)}
    files = ["results.csv", "summary.json", "sweep.png", "sweep.svg", "sweep_saturations.png"]
    if product:
        summary["pareto"] = _pareto(out, order, stats, ref and ref.mean, metric)
        files += ["pareto.csv", "pareto.png", "pareto.svg"]
    write_atomic(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
    echo(f"wrote {', '.join(str(out / f) for f in files)} ({len(rows)} rows in results.csv)")
    return summary

