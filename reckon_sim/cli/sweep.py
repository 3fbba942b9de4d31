"""`reckon-sim sweep`: accuracy vs datapath width (grid x seeds), local (joblib/loky) or on a Dask cluster.

Everything is validated before any work starts (bad grid, preset, task, data, scheduler, output folder:
one error line, exit status 2). Finished points are stored one file each under OUT/points/ as they complete,
so re-running the same command resumes; results.csv and sweep.png/.svg are (re)written from the store at the
end."""
from __future__ import annotations

import os
import sys

import click

from ..errors import InputError
from .common import DATA_DIR, SEED, check_out, fail

SWEEP_OUTPUTS = ("points", "results.csv", "sweep.png", "sweep.svg", ".*.part")   # an existing --out may hold


def _reference_note(template: dict) -> str | None:
    """None if the float reference (the registry's chip_float backend) can be built, else why not."""
    try:
        import numpy as np

        from ..backends import CHIP_FLOAT, make_backend
        from ..config import ChipConfig
        from ..experiments.data import RunInputs
        cfg = ChipConfig.from_dict(template["chip_config"])
        zeros = {"winp": np.zeros((cfg.n_inp, cfg.n_rec)), "wrec": np.zeros((cfg.n_rec, cfg.n_rec)),
                 "wout": np.zeros((cfg.n_rec, cfg.n_out))}
        make_backend(CHIP_FLOAT, RunInputs(cfg, [], [], zeros))
    except Exception as e:  # noqa: BLE001 - any failure only drops the reference line
        return f"{type(e).__name__}: {e}"
    return None


def _prepare(grid, product, seeds, first_seed, epochs, ntrain, ntest, preset, task_name, data, jobs, scheduler,
             no_reference, out_dir):
    """All validation (InputError) -> (axes, widths, points, reference note or None, Dask client or None)."""
    from ..experiments.executors import connect_dask
    from ..experiments.grid import grid_widths, parse_grid
    from ..experiments.sweep import base_point, make_points
    if jobs is not None and scheduler:
        raise InputError("--jobs/--scheduler", "give one of them (local workers or a Dask cluster)")
    check_out(out_dir, SWEEP_OUTPUTS, [data])
    axes = parse_grid(grid, product)
    widths = grid_widths(axes, product)
    template, task_seed = base_point(preset, task_name, data, epochs, ntrain, ntest)
    if template["chip_config"].get("SPI_REGRESSION"):
        raise InputError("SPI_REGRESSION", "= 1: the sweep trains classifiers (allowed: 0)")
    if data and seeds > 1:
        raise InputError("--seeds", f"= {seeds} with --data: the folder fixes the dataset and the initial weights, "
                                    f"so every seed would repeat the same run (allowed: 1)")
    first = task_seed if first_seed is None else first_seed
    note = "disabled (--no-reference)" if no_reference else _reference_note(template)
    points = make_points(template, widths, list(range(first, first + seeds)), reference=note is None)
    client = connect_dask(scheduler) if scheduler else None
    return axes, widths, points, note, client


@click.command()
@click.option("--grid", required=True, help="widths to sweep, e.g. \"weight=2..10 trace=6..12 ste=1,3,5\"")
@click.option("--product", is_flag=True, help="full Cartesian product of the grid terms (default: each term "
                                              "varied alone around the ReckOn widths)")
@click.option("--seeds", type=click.IntRange(1), default=1, show_default=True, help="seeds per width point")
@click.option("--first-seed", type=SEED, help="first seed (default: the task preset's seed, as `train`)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: task preset / all)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: task preset / all)")
@click.option("--preset", default="reckon-tbench", show_default=True, help="chip preset name or TOML/JSON file")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True,
              help="task preset name or TOML file")
@click.option("--data", type=DATA_DIR,
              help="folder with ReckOn dataset + initial-weight files (default: generated from each seed)")
@click.option("--out", "out_dir", default="runs/sweep", show_default=True, type=click.Path(file_okay=False))
@click.option("--jobs", type=click.IntRange(1), help="local worker processes (default: CPU count)")
@click.option("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://HOST:PORT")
@click.option("--no-reference", is_flag=True, help="skip the float-reference runs (the horizontal line)")
def sweep(grid, product, seeds, first_seed, epochs, ntrain, ntest, preset, task_name, data, out_dir, jobs,
          scheduler, no_reference):
    """Accuracy vs datapath width: train every grid point x seed; resumable (OUT/points/), results.csv, sweep.png."""
    from tqdm import tqdm

    from ..backends import CHIP
    from ..experiments.sweep import point_key
    from ..experiments.sweep_store import PointStore
    client = None
    try:
        axes, widths, points, note, client = _prepare(grid, product, seeds, first_seed, epochs, ntrain, ntest,
                                                      preset, task_name, data, jobs, scheduler, no_reference,
                                                      out_dir)
        store = PointStore(out_dir)
    except (InputError, OSError) as e:
        if client is not None:
            client.close()
        if isinstance(e, OSError):
            raise InputError("--out", str(e)) from None     # the results store cannot be created
        raise
    keys = [point_key(p) for p in points]
    by_key = dict(zip(keys, points))
    todo = [by_key[k] for k in dict.fromkeys(keys) if store.load(k) is None]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    where = f"Dask cluster {scheduler}" if client is not None else f"{jobs} local worker(s)"
    t = points[0]
    click.echo(f"sweep: {len(widths)} width points x {seeds} seed(s){'' if note else ' + float reference'} = "
               f"{len(points)} runs of {t['epochs']} epoch(s), {t['n_train']} + {t['n_test']} samples; "
               f"{len(points) - len(todo)} already in {store.dir}, {len(todo)} to run on {where}")
    failures: list[dict] = []
    bar = tqdm(total=len(points), initial=len(points) - len(todo), desc="sweep", unit="point", file=sys.stderr,
               dynamic_ncols=True)

    def on_result(res: dict) -> None:
        if "row" in res:
            store.save(res["key"], by_key[res["key"]], res["row"])
        else:
            failures.append(res)
        bar.update(1)

    try:
        _execute(todo, on_result, jobs, client)
    finally:
        bar.close()
        if client is not None:
            client.close()
    rows = {k: store.load(k) for k in keys}
    chip_failures = [f for f in failures if by_key[f["key"]]["backend"] == CHIP]
    ref_failures = [f for f in failures if by_key[f["key"]]["backend"] != CHIP]
    if ref_failures and note is None:
        note = ref_failures[0]["error"]
    _write_outputs(out_dir, axes, [r for r in rows.values() if r is not None], product, note, points[0])
    if chip_failures:
        fail(f"{len(chip_failures)} point(s) failed (first: {chip_failures[0]['key']}: "
             f"{chip_failures[0]['error']}); the others are stored, re-run to retry", 1)


def _execute(todo, on_result, jobs, client) -> None:
    """`sweep.execute`, with a dead local worker turned into one line + exit 1 (finished points are kept)."""
    from ..experiments.executors import execute
    try:
        execute(todo, on_result, jobs, client)
    except Exception as e:
        if type(e).__name__ != "TerminatedWorkerError":
            raise
        fail("a worker process died (killed or out of memory); finished points are stored: re-run the same "
             "command to resume", 1)


def _write_outputs(out_dir, axes, rows, product, note, template) -> None:
    """results.csv, sweep.png/.svg and a short summary on stdout."""
    from pathlib import Path

    import numpy as np

    from ..config import ChipConfig
    from ..backends import CHIP
    from ..experiments.grid import panel_series
    from ..io.results import write_results_csv
    from ..plots.sweep import sweep_figure
    out = Path(out_dir)
    write_results_csv(rows, out / "results.csv")
    ref = [float(r["final_test_accuracy"]) for r in rows if r["backend"] != CHIP]
    ref_acc = float(np.mean(ref)) if ref else None
    panels = panel_series(axes, rows, product)
    reckon = {a.label: a.reckon_value for a in axes}
    n_out = ChipConfig.from_dict(template["chip_config"]).n_out
    chance = None if template["chip_config"].get("SPI_REGRESSION") else 1 / n_out
    for ext in ("png", "svg"):
        sweep_figure(panels, reckon, out / f"sweep.{ext}", ref_acc, chance)
    for label, series in panels.items():
        for entry in series:
            cells = [f"{w}:{100 * np.mean(a):.0f}%" for w, a in entry["points"] if a]
            click.echo(f"  {label:<10} {'' if len(series) == 1 else entry['name'] + ': '}" + "  ".join(cells))
    if ref_acc is not None:
        click.echo(f"  float reference (ChipFloat): {100 * ref_acc:.1f} % final test accuracy")
    else:
        click.echo(f"  float reference skipped, no line in the plot: {note}")
    click.echo(f"wrote {out / 'results.csv'} ({len(rows)} rows), {out / 'sweep.png'}, {out / 'sweep.svg'}")
