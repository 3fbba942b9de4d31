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


def _ci(iv, scale=100.0, signed=False) -> str:
    if iv is None:
        return "-"
    fmt = "{:+.1f}" if signed else "{:.1f}"
    return f"{fmt.format(scale * iv.mean)} [{fmt.format(scale * iv.lo)}, {fmt.format(scale * iv.hi)}]"


def stats_lines(order: list[tuple], stats: dict, tolerance: float) -> list[str]:
    """The per-point table: accuracy and paired differences with their 95 % intervals, memory, decision."""
    lines = [f"paired statistics over seeds: final test accuracy (%), Δ = paired difference (pp), "
             f"mean [95 % bootstrap CI]; δ = {100 * tolerance:g} pp",
             f"  {'point':<22} {'seeds':>5}  {'accuracy %':<19} {'Δ to ReckOn pp':<21} {'Δ to float pp':<21} "
             f"{'SRAM kB (×ReckOn)':<18} decision"]
    for key in order:
        s = stats.get(key)
        if s is None:
            continue
        mem = memory_row(s["widths"])
        decision = s["status"] if key != study.RECKON_KEY else "(reference point)"
        if s["status"] == study.UNDECIDED and key != study.RECKON_KEY:
            extra = s["extra_seeds"]
            decision += f", ~{extra} more seeds" if extra is not None else ", mean on −δ"
        lines.append(f"  {point_label(key):<22} {len(s['seeds']):>5}  {_ci(s['accuracy']):<19} "
                     f"{_ci(s['diff_reckon'], signed=True):<21} {_ci(s['diff_reference'], signed=True):<21} "
                     f"{mem['sram_kB']:>7.1f} ({mem['sram_rel_reckon']:.3f})  {decision}")
    return lines


def minimum_lines(minima: list[dict], tolerance: float) -> list[str]:
    lines = [f"minimum widths (smallest width whose paired Δ to ReckOn and every wider width's is "
             f">= −{100 * tolerance:g} pp at 95 % confidence):"]
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
            more = f"~{b['extra_seeds']} more seeds" if b["extra_seeds"] is not None else "more seeds (mean on −δ)"
            start = "UNDECIDED" if m["min_width"] is None else f"{m['min_width']} bits, UNDECIDED whether narrower"
            lines.append(head + f"{start}: width {b['width']} needs {more} (--until-decided){cost}")
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


def _pareto(out: Path, order, stats, ref_acc) -> list[dict]:
    """pareto.csv + pareto.png/.svg of every point; returns the CSV rows."""
    from ..plots.pareto import pareto_figure
    keys = [k for k in order if k in stats]
    entries = [{"label": point_label(k), "sram_kB": memory_row(stats[k]["widths"])["sram_kB"],
                "mean": stats[k]["accuracy"].mean, "lo": stats[k]["accuracy"].lo, "hi": stats[k]["accuracy"].hi,
                "reckon": k == study.RECKON_KEY} for k in keys]
    for e, front in zip(entries, study.pareto_front(entries)):
        e["front"] = front
    rows = []
    for k, e in zip(keys, entries):
        d = stats[k]["diff_reckon"]
        rows.append({"point": e["label"], **stats[k]["widths"], **memory_row(stats[k]["widths"]),
                     "seeds": len(stats[k]["seeds"]), "accuracy_mean": round(e["mean"], 6),
                     "accuracy_lo": round(e["lo"], 6), "accuracy_hi": round(e["hi"], 6),
                     "diff_reckon_mean": d and round(d.mean, 6), "diff_reckon_lo": d and round(d.lo, 6),
                     "diff_reckon_hi": d and round(d.hi, 6), "status": stats[k]["status"],
                     "pareto_front": int(e["front"]), "reckon": int(e["reckon"])})
    write_results_csv(rows, out / "pareto.csv")
    for ext in ("png", "svg"):
        pareto_figure(entries, out / f"pareto.{ext}", ref_acc)
    return rows


def _write_saturations(out, axes, rows, reckon) -> None:
    """sweep_saturations.png/.svg/.csv: saturation events vs width per field, beside sweep.png."""
    from ..plots.sweep import saturation_figure, saturation_series, write_saturation_csv
    series = saturation_series(axes, rows)
    for ext in ("png", "svg"):
        saturation_figure(series, reckon, out / f"sweep_saturations.{ext}")
    write_saturation_csv(series, out / "sweep_saturations.csv")


def write_outputs(out_dir, axes, order: list[tuple], rows: list[dict], product: bool, note: str | None,
                  template: dict, tolerance: float, echo=print) -> dict:
    """Every output file and the printed tables; returns the summary (as written to summary.json)."""
    from ..config import ChipConfig
    from ..plots.sweep import sweep_figure
    out = Path(out_dir)
    write_results_csv([{**r, **memory_row(r if r["backend"] == CHIP else None)} for r in rows], out / "results.csv")
    stats = study.point_stats(rows, tolerance)
    regression = bool(template["chip_config"].get("SPI_REGRESSION"))
    ref_rows = [float(r["final_test_accuracy"]) for r in rows if r["backend"] != CHIP]
    ref = study.bootstrap_mean(ref_rows) if ref_rows and not regression else None      # accuracy 0: no line
    ref_nmse = [float(r["final_test_nmse"]) for r in rows if r["backend"] != CHIP and "final_test_nmse" in r]
    ref_nmse = study.bootstrap_mean(ref_nmse) if ref_nmse else None
    by_key, _ = study.by_point(rows)
    diffs = {k: study.paired_differences(v, by_key.get(study.RECKON_KEY, {})) for k, v in by_key.items()}
    panels = panel_series(axes, rows, product)
    diff_panels = panel_series(axes, rows, product, values={k: v for k, v in diffs.items() if v})
    reckon = {a.label: a.reckon_value for a in axes}
    cfg = ChipConfig.from_dict(template["chip_config"])
    chance = None if regression else 1 / cfg.n_out
    for ext in ("png", "svg"):
        sweep_figure(panels, reckon, out / f"sweep.{ext}", ref and ref.mean, chance, diff_panels=diff_panels,
                     tolerance=tolerance)
    _write_saturations(out, axes, rows, reckon)
    minima = _minima(axes, stats)
    for line in stats_lines(order, stats, tolerance) + minimum_lines(minima, tolerance):
        echo(line)
    if ref_nmse is not None:
        echo(f"  float reference (ChipFloat): final test NMSE {ref_nmse.mean:.3f} [{ref_nmse.lo:.3f}, "
             f"{ref_nmse.hi:.3f}] over {ref_nmse.n} seed(s)")
    elif ref is not None:
        echo(f"  float reference (ChipFloat): {100 * ref.mean:.1f} % final test accuracy "
                   f"[{100 * ref.lo:.1f}, {100 * ref.hi:.1f}] over {ref.n} seed(s)")
    else:
        echo(f"  float reference skipped, no line in the plot: {note}")
    summary = {"schema": SUMMARY_SCHEMA, "metric": "final_test_accuracy", "task": template["task"],
               "preset": template["preset"], "epochs": template["epochs"], "n_train": template["n_train"],
               "n_test": template["n_test"], "tolerance_pp": round(100 * tolerance, 6), "level": study.LEVEL,
               "bootstrap_resamples": study.N_BOOT, "min_seeds_to_decide": study.MIN_SEEDS,
               "reckon_memory": memory_row(RECKON.as_dict()),
               "float_reference_pct": ref and ref.as_dict(100), "float_reference_note": note,
               **({"float_reference_nmse": ref_nmse.as_dict(1)} if ref_nmse is not None else {}),
               "minimum_widths": minima, "points": study.point_table({k: stats[k] for k in order if k in stats})}
    files = ["results.csv", "summary.json", "sweep.png", "sweep.svg", "sweep_saturations.png"]
    if product:
        summary["pareto"] = _pareto(out, order, stats, ref and ref.mean)
        files += ["pareto.csv", "pareto.png", "pareto.svg"]
    write_atomic(out / "summary.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
    echo(f"wrote {', '.join(str(out / f) for f in files)} ({len(rows)} rows in results.csv)")
    return summary

