"""`reckon-sim curves`: the chip model and the float references trained side by side on the same data."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..backends import BACKENDS
from ..errors import InputError
from ..experiments.data import run_inputs
from .common import DATA_DIR, SEED, atomic_dir, preset_with_settings, progress, shared_bar


@click.command()
@click.option("--preset", help="chip preset name or TOML/JSON file (default: the task preset's chip_preset)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset")
@click.option("--data", type=DATA_DIR, help="ReckOn data folder (default: generated)")
@click.option("--epochs", type=click.IntRange(1), default=5, show_default=True)
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=SEED, help="seed of the generated data, initial weights and float e-prop")
@click.option("--backends", default=",".join(BACKENDS), show_default=True, help="comma-separated subset")
@click.option("--eprop-lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True,
              help="learning rate of the e-prop reference (a preset or --set lr wins)")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="physical/float option for every backend, e.g. tau_mem_ms=20, neuron=alif (repeatable)")
@click.option("--seeds", type=click.IntRange(1), help="repeat for N seeds (--seed, --seed+1, ...): writes seeds.csv "
              "and seeds.png (test accuracy, or NMSE for regression tasks, mean ± std over seeds)")
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True,
              help="seeds run at the same time on this many threads (same outputs; the chip kernels release the "
                   "GIL)")
@click.option("--out", "out_dir", default="runs/curves", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-inspect", is_flag=True, help="skip the weight histograms and inspect figures per backend")
def curves(preset, task_name, data, epochs, ntrain, ntest, seed, backends, eprop_lr, settings, seeds, threads,
           out_dir, no_inspect):
    """Train the chip and the float references on the same data and seeds; write curves.csv and curves.png."""
    from ..core.multichip import run_many
    from ..experiments.curves import BACKEND_NOTES, run_curves
    from ..io.results import write_curves_csv
    from ..plots.curves import backend_curves
    names = tuple(b.strip() for b in backends.split(",") if b.strip())
    bad = [b for b in names if b not in BACKENDS]
    if bad or not names:
        raise InputError("--backends", f"unknown backend '{bad[0] if bad else ''}' (allowed: {', '.join(BACKENDS)})")
    outputs = ("curves.csv", "curves.png", "curves.svg", "seeds.csv", "seeds.png", "weights_*", "inspect*")
    with atomic_dir(out_dir, outputs, inputs=[data, preset, task_name]) as tmp:
        config = preset_with_settings(preset, settings, task_name)
        inp = run_inputs(config, task_name, data, seed, ntrain, ntest, epochs)
        seed_list = [inp.seed + k for k in range(seeds or 1)] if inp.seed is not None else [None]
        per_epoch = len(inp.train) + len(inp.test)
        bar = progress(len(names) * inp.epochs * per_epoch * len(seed_list), "curves")
        trained: dict = {}                       # backends of the first seed, for the end-of-run figures

        def one_seed(s):
            inp_s = inp if s == inp.seed else run_inputs(config, task_name, data, s, ntrain, ntest, epochs)
            return run_curves(inp_s, names, eprop_lr, progress=lambda name, e: shared_bar(bar),
                              trained=trained if s == seed_list[0] else None)
        per_seed = run_many([lambda s=s: one_seed(s) for s in seed_list], threads)   # in seed order
        bar.close()
        runs = per_seed[0]
        write_curves_csv(tmp / "curves.csv", runs)
        if seeds:
            write_seed_table(tmp, per_seed, seed_list, " ".join(settings), inp.regression)
        for ext in ("png", "svg"):
            backend_curves(runs, tmp / f"curves.{ext}", BACKEND_NOTES, regression=inp.regression)
        if not no_inspect:
            from ..plots.inspect import write_end_of_run
            for name, (backend, initial) in trained.items():
                write_end_of_run(tmp, name, backend, initial, inp, task_name, data, f"curves {inp.task.name} seed {inp.seed}")
    for name, run in runs.items():
        if inp.regression:                   # the loss is the test sample's NMSE (tasks.regression)
            click.echo(f"{name:10s} test NMSE per epoch: " + " ".join(f"{r.loss:.3f}" for r in run.rows
                                                                    if r.phase == "test"))
        else:
            click.echo(f"{name:10s} test accuracy per epoch: " + " ".join(f"{100 * a:5.1f}"
                                                                        for a in run.accuracy("test")))
    if seeds:
        for name in names:
            final = seed_metric(per_seed, name, inp.regression)[:, -1]
            if inp.regression:
                click.echo(f"{name:10s} final test NMSE over {len(final)} seeds: {final.mean():.3f} ± "
                           f"{final.std():.3f} (min {final.min():.3f}, max {final.max():.3f})")
            else:
                click.echo(f"{name:10s} final test accuracy over {len(final)} seeds: {100 * final.mean():.1f} ± "
                           f"{100 * final.std():.1f} % (min {100 * final.min():.1f}, max {100 * final.max():.1f})")
    extra = ("" if no_inspect else ", weights_*.png, inspect_*.png") + (", seeds.csv, seeds.png" if seeds else "")
    click.echo(f"wrote {out_dir}/curves.csv, curves.png, curves.svg{extra}")


def seed_metric(per_seed: list, name: str, regression: bool) -> np.ndarray:
    """[seed, epoch] test accuracy (0..1), or test NMSE for a regression task (the test loss, tasks.regression)."""
    if regression:
        return np.array([[r.loss for r in run[name].rows if r.phase == "test"] for run in per_seed])
    return np.array([run[name].accuracy("test") for run in per_seed])


def write_seed_table(folder: Path, per_seed: list, seed_list: list, title: str, regression: bool = False) -> None:
    """seeds.csv (backend, seed, epoch, test accuracy or test NMSE) and seeds.png (mean ± std over seeds)."""
    from ..plots.seeds import seed_spread
    values = {name: seed_metric(per_seed, name, regression) for name in per_seed[0]}
    lines = [f"backend,seed,epoch,{'test_nmse' if regression else 'test_accuracy'}"]
    lines += [f"{name},{s},{e + 1},{a[i, e]:.6f}" for name, a in values.items() for i, s in enumerate(seed_list)
              for e in range(a.shape[1])]
    (folder / "seeds.csv").write_text("\n".join(lines) + "\n")
    seed_spread(values, folder / "seeds.png", title, regression=regression)
