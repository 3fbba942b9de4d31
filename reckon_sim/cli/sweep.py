"""`reckon-sim sweep`: accuracy (NMSE for regression tasks) vs datapath width (grid x seeds), local (joblib/loky) or on a Dask cluster.

Everything is validated before any work starts (bad grid, preset, task, data, scheduler, output folder:
one error line, exit status 2). Finished points are stored one file each under OUT/points/ as they complete,
so re-running the same command resumes (--until-decided rounds included, recomputed from the store); results.csv,
summary.json, the paired-statistics and minimum-width tables and the figures are (re)written from the store at
the end (experiments/sweep_report.py)."""
from __future__ import annotations

import os

import click

from ..errors import InputError
from .common import DATA_DIR, SEED, check_out, fail

SWEEP_OUTPUTS = ("points", "results.csv", "summary.json", "sweep.png", "sweep.svg", "sweep_saturations.*",
                 "pareto.*", ".*.part")   # an existing --out may hold


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
             no_reference, until_decided, max_seeds, out_dir):
    """All validation (InputError) -> (axes, widths, points, reference note or None, Dask client or None, first
    seed, template). The ReckOn point is always run: every other point's paired difference is taken to it."""
    from ..experiments.executors import connect_dask
    from ..experiments.grid import WIDTH_FIELDS, grid_widths, parse_grid
    from ..experiments.sweep import base_point, make_points
    from ..hw.widths import SPEC
    if jobs is not None and scheduler:
        raise InputError("--jobs/--scheduler", "give one of them (local workers or a Dask cluster)")
    if until_decided and max_seeds < seeds:
        raise InputError("--max-seeds", f"= {max_seeds} is below --seeds {seeds} (allowed: >= {seeds})")
    check_out(out_dir, SWEEP_OUTPUTS, [data])
    axes = parse_grid(grid, product)
    widths = grid_widths(axes, product)
    reckon = {f: SPEC[f].chip for f in WIDTH_FIELDS}
    if reckon not in widths:
        widths.append(reckon)
    template, task_seed = base_point(preset, task_name, data, epochs, ntrain, ntest)
    if data and "adapter" not in template["task_spec"] and (seeds > 1 or until_decided):
        what = f"= {seeds}" if seeds > 1 else "--until-decided"   # a dataset task's seeds vary the weights
        raise InputError("--seeds", f"{what} with --data: the folder fixes the dataset and the initial weights, "
                                    f"so every seed would repeat the same run (allowed: 1 seed)")
    first = task_seed if first_seed is None else first_seed
    note = "disabled (--no-reference)" if no_reference else _reference_note(template)
    points = make_points(template, widths, list(range(first, first + seeds)), reference=note is None)
    client = connect_dask(scheduler) if scheduler else None
    return axes, widths, points, note, client, first, template


@click.command()
@click.option("--grid", required=True, help="widths to sweep, e.g. \"weight=2..10 trace=6..12 ste=1,3,5\"")
@click.option("--product", is_flag=True, help="full Cartesian product of the grid terms (default: each term "
                                              "varied alone around the ReckOn widths); adds pareto.csv/.png")
@click.option("--seeds", type=click.IntRange(1), default=1, show_default=True, help="seeds per width point")
@click.option("--first-seed", type=SEED, help="first seed (default: the task preset's seed, as `train`)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: task preset / all)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: task preset / all)")
@click.option("--preset", help="chip preset name or TOML/JSON file (default: the task preset's chip_preset)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True,
              help="task preset name or TOML file")
@click.option("--data", type=DATA_DIR,
              help="folder with ReckOn dataset + initial-weight files (default: generated from each seed)")
@click.option("--out", "out_dir", default="runs/sweep", show_default=True, type=click.Path(file_okay=False))
@click.option("--jobs", type=click.IntRange(1), help="local worker processes (default: CPU count)")
@click.option("--threads", is_flag=True, help="run the --jobs local workers as threads of this process (no "
              "worker start-up; the chip kernels release the GIL, float-reference points do not overlap)")
@click.option("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://HOST:PORT")
@click.option("--no-reference", is_flag=True, help="skip the float-reference runs (the horizontal line)")
@click.option("--tolerance", type=click.FloatRange(0, 100, min_open=True), default=1.0, show_default=True,
              help="δ in percentage points: a width is acceptable if its paired accuracy difference to the "
                   "ReckOn point is >= −δ pp at 95 % confidence; regression tasks: its paired NMSE difference "
                   "is <= +δ/100 (1 = +0.01 NMSE)")
@click.option("--until-decided", is_flag=True, help="add seeds to the points that leave a minimum width "
                                                    "undecided, up to --max-seeds (resumable)")
@click.option("--max-seeds", type=click.IntRange(1), default=40, show_default=True,
              help="seed limit per point for --until-decided")
def sweep(grid, product, seeds, first_seed, epochs, ntrain, ntest, preset, task_name, data, out_dir, jobs,
          threads, scheduler, no_reference, tolerance, until_decided, max_seeds):
    """Accuracy vs datapath width: train every grid point x seed; paired statistics to the ReckOn point,
    minimum widths, memory cost; resumable (OUT/points/), results.csv, summary.json, sweep.png."""
    from ..backends import CHIP
    from ..experiments.sweep import point_key
    from ..experiments.sweep_store import PointStore
    client = None
    try:
        if threads and scheduler:
            raise InputError("--threads/--scheduler", "give one of them (local threads or a Dask cluster)")
        axes, widths, points, note, client, first, template = _prepare(
            grid, product, seeds, first_seed, epochs, ntrain, ntest, preset, task_name, data, jobs, scheduler,
            no_reference, until_decided, max_seeds, out_dir)
        store = PointStore(out_dir)
    except (InputError, OSError) as e:
        if client is not None:
            client.close()
        if isinstance(e, OSError):
            raise InputError("--out", str(e)) from None     # the results store cannot be created
        raise
    tol = tolerance / 100
    try:
        t = points[0]
        click.echo(f"sweep: {len(widths)} width points x {seeds} seed(s){'' if note else ' + float reference'} = "
                   f"{len(points)} runs of {t['epochs']} epoch(s), {t['n_train']} + {t['n_test']} samples")
        failures = _run_round(points, store, jobs, client, scheduler, threads)
        by_key = {point_key(p): p for p in points}
        while until_decided:
            extra = _more_seeds(axes, [r for r in map(store.load, by_key) if r is not None], tol, max_seeds,
                                template, first, note is None)
            extra = [p for p in extra if point_key(p) not in by_key]
            if not extra:
                break
            click.echo(f"--until-decided: {len(extra)} more run(s) for undecided points")
            failures += _run_round(extra, store, jobs, client, scheduler, threads)
            by_key.update((point_key(p), p) for p in extra)
    finally:
        if client is not None:
            client.close()
    rows = [r for r in map(store.load, by_key) if r is not None]
    chip_failures = [f for f in failures if by_key[f["key"]]["backend"] == CHIP]
    ref_failures = [f for f in failures if by_key[f["key"]]["backend"] != CHIP]
    if ref_failures and note is None:
        note = ref_failures[0]["error"]
    from ..experiments.study import widths_key
    from ..experiments.sweep_report import write_outputs
    order = [widths_key(w) for w in widths] + sorted({widths_key(r) for r in rows if r["backend"] == CHIP}
                                                     - {widths_key(w) for w in widths})
    write_outputs(out_dir, axes, order, rows, product, note, template, tol, click.echo)
    if chip_failures:
        fail(f"{len(chip_failures)} point(s) failed (first: {chip_failures[0]['key']}: "
             f"{chip_failures[0]['error']}); the others are stored, re-run to retry", 1)


def _more_seeds(axes, rows, tol, max_seeds, template, first, reference) -> list[dict]:
    """Points (and float-reference points) for the seeds `study.seeds_to_add` asks for."""
    from ..experiments.grid import WIDTH_FIELDS
    from ..experiments.study import point_stats, seeds_to_add, task_metric
    from ..experiments.sweep import make_points
    metric = task_metric(bool(template["chip_config"].get("SPI_REGRESSION")))
    targets = seeds_to_add(axes, point_stats(rows, tol, metric), max_seeds)
    points = []
    for key, n in targets.items():
        points += make_points(template, [dict(zip(WIDTH_FIELDS, key))], list(range(first, first + n)))
    if reference and targets:
        points += make_points(template, [], list(range(first, first + max(targets.values()))), reference=True)
    return points


def _run_round(points, store, jobs, client, scheduler, threads=False) -> list[dict]:
    """Run the points not yet in the store (grouped by seed: they share data), storing each as it finishes;
    returns the failures."""
    import sys

    from tqdm import tqdm

    from ..experiments.sweep import point_key
    keys = [point_key(p) for p in points]
    by_key = dict(zip(keys, points))
    todo = sorted((by_key[k] for k in dict.fromkeys(keys) if store.load(k) is None), key=lambda p: p["seed"])
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    where = (f"Dask cluster {scheduler}" if client is not None else
             f"{n_jobs} local thread(s)" if threads and n_jobs > 1 else f"{n_jobs} local worker(s)")
    click.echo(f"  {len(by_key) - len(todo)} already in {store.dir}, {len(todo)} to run on {where}")
    failures: list[dict] = []
    bar = tqdm(total=len(by_key), initial=len(by_key) - len(todo), desc="sweep", unit="point", file=sys.stderr,
               dynamic_ncols=True)

    def on_result(res: dict) -> None:
        if "row" in res:
            store.save(res["key"], by_key[res["key"]], res["row"])
        else:
            failures.append(res)
        bar.update(1)

    try:
        _execute(todo, on_result, n_jobs, client, threads)
    finally:
        bar.close()
    return failures


def _execute(todo, on_result, jobs, client, threads=False) -> None:
    """`sweep.execute`, with a dead local worker turned into one line + exit 1 (finished points are kept)."""
    from ..experiments.executors import execute
    try:
        execute(todo, on_result, jobs, client, threads)
    except Exception as e:
        if type(e).__name__ != "TerminatedWorkerError":
            raise
        fail("a worker process died (killed or out of memory); finished points are stored: re-run the same "
             "command to resume", 1)
