"""`reckon-sim train`: the main job (testbench protocol on the chip model, learning curve and report)."""
from __future__ import annotations

import json

import click

from ..experiments.data import run_inputs
from .common import DATA_DIR, SEED, atomic_dir, progress

OUTPUTS = ("curve.csv", "curve.png", "curve.svg", "report.json", "*_final.dat")   # an existing --out may hold


@click.command()
@click.option("--preset", default="reckon-tbench", show_default=True, help="chip preset name or TOML/JSON file")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset (models/*.toml)")
@click.option("--data", type=DATA_DIR,
              help="folder with ReckOn dataset + initial-weight files (default: a generated, seeded dataset)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=SEED, help="seed of the generated dataset and weights (default: task preset)")
@click.option("--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False))
def train(preset, task_name, data, epochs, ntrain, ntest, seed, out_dir):
    """Train the chip model with on-chip e-prop: per epoch a training pass and a test pass."""
    with atomic_dir(out_dir, OUTPUTS, inputs=[data, preset, task_name]) as tmp:
        run, report, chip = _train(preset, task_name, data, seed, ntrain, ntest, epochs, tmp)
    click.echo(f"synaptic operations {report['synaptic_operations']:,}; energy estimate "
               f"{report['energy_estimate_J'] * 1e6:.2f} uJ (5.3 pJ/SOP at 0.5 V, an estimate)")
    click.echo(f"cycles per tick min/median/max {report['tick_cycles_min']}/{report['tick_cycles_median']:.0f}/"
               f"{report['tick_cycles_max']}; real-time 1 ms ticks need >= "
               f"{report['min_clock_hz_realtime'] / 1e6:.3f} MHz")
    click.echo(f"wrote {out_dir}/curve.csv, curve.png, report.json, *_final.dat")
    click.echo(json.dumps({"final_test_accuracy": run.accuracy("test")[-1]}))


def _train(preset, task_name, data, seed, ntrain, ntest, epochs, tmp):
    """The training run and its files in the temporary output folder `tmp` -> (run, report, chip)."""
    from ..backends import CHIP, make_backend
    from ..experiments.train import train as run_training
    from ..io.reckon_files import sample_targets, write_weights
    from ..io.results import write_curve_csv, write_report
    from ..plots.curves import learning_curve
    inp = run_inputs(preset, task_name, data, seed, ntrain, ntest, epochs)
    cfg, train_set, test_set, seed, epochs = inp.config, inp.train, inp.test, inp.seed, inp.epochs
    chip = make_backend(CHIP, inp)
    click.echo(f"chip {preset}: {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} neurons; data "
               f"{data or f'generated (seed {seed})'}: {len(train_set)} train + {len(test_set)} test samples")

    def on_epoch(tr, te):
        click.echo(f"epoch {tr.epoch + 1:3d}: train {100 * tr.accuracy:5.1f} %  test {100 * te.accuracy:5.1f} %  "
                   f"({tr.weight_updates} weight updates, {tr.spikes + te.spikes} spikes)")

    targets_for = None if inp.targets is None else \
        (lambda i, s: sample_targets(inp.targets, i, s.n_ticks, cfg.target_tick))
    run = run_training(chip, train_set, test_set, epochs, on_epoch,
                       lambda e: progress(len(train_set) + len(test_set), f"epoch {e + 1}/{epochs}"), targets_for)
    write_curve_csv(tmp / "curve.csv", run.rows)
    learning_curve(run, tmp / "curve.png")
    learning_curve(run, tmp / "curve.svg")
    for name, w in chip.weights().items():
        write_weights(tmp / f"{name}_final.dat", w)
    report = run.report()
    report.update(preset=preset, data=str(data) if data else f"generated(seed={seed})", epochs=epochs)
    write_report(tmp / "report.json", report)
    return run, report, chip
