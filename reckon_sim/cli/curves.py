"""`reckon-sim curves`: the chip model and the float references trained side by side on the same data."""
from __future__ import annotations

import click

from ..backends import BACKENDS
from ..config import ChipConfig
from ..errors import InputError
from ..experiments.data import run_inputs
from .common import DATA_DIR, SEED, atomic_dir, progress, shared_bar


@click.command()
@click.option("--preset", default="reckon-tbench", show_default=True, help="chip preset name or TOML/JSON file")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset")
@click.option("--data", type=DATA_DIR, help="ReckOn data folder (default: generated)")
@click.option("--epochs", type=click.IntRange(1), default=5, show_default=True)
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=SEED, help="seed of the generated data, initial weights and float e-prop")
@click.option("--backends", default=",".join(BACKENDS), show_default=True, help="comma-separated subset")
@click.option("--eprop-lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True,
              help="Adam learning rate of the vanilla e-prop reference")
@click.option("--out", "out_dir", default="runs/curves", show_default=True, type=click.Path(file_okay=False))
def curves(preset, task_name, data, epochs, ntrain, ntest, seed, backends, eprop_lr, out_dir):
    """Train the chip and the float references on the same data and seeds; write curves.csv and curves.png."""
    from ..experiments.curves import BACKEND_NOTES, run_curves
    from ..io.results import write_curves_csv
    from ..plots.curves import backend_curves
    names = tuple(b.strip() for b in backends.split(",") if b.strip())
    bad = [b for b in names if b not in BACKENDS]
    if bad or not names:
        raise InputError("--backends", f"unknown backend '{bad[0] if bad else ''}' (allowed: {', '.join(BACKENDS)})")
    with atomic_dir(out_dir, ("curves.csv", "curves.png", "curves.svg"), inputs=[data, preset, task_name]) as tmp:
        if ChipConfig.from_preset(preset)["SPI_REGRESSION"]:
            raise InputError("SPI_REGRESSION", "= 1: curves compares classifiers (allowed: 0)")
        inp = run_inputs(preset, task_name, data, seed, ntrain, ntest, epochs)
        per_epoch = len(inp.train) + len(inp.test)
        bar = progress(len(names) * epochs * per_epoch, "curves")
        runs = run_curves(inp, names, eprop_lr, progress=lambda name, e: shared_bar(bar))
        bar.close()
        write_curves_csv(tmp / "curves.csv", runs)
        backend_curves(runs, tmp / "curves.png", BACKEND_NOTES)
        backend_curves(runs, tmp / "curves.svg", BACKEND_NOTES)
    for name, run in runs.items():
        click.echo(f"{name:10s} test accuracy per epoch: " + " ".join(f"{100 * a:5.1f}" for a in run.accuracy("test")))
    click.echo(f"wrote {out_dir}/curves.csv, curves.png, curves.svg")
