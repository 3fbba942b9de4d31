"""`reckon-sim train`: the main job (testbench protocol on the chip model, learning curve and report)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..experiments.data import run_inputs, task_backend
from .common import DATA_DIR, atomic_dir, progress

@click.command()
@click.option("--preset", help="chip preset name or TOML/JSON file (default: the task preset's chip_preset)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset name or TOML file (reckon-sim tasks)")
@click.option("--data", type=DATA_DIR,
              help="folder with ReckOn dataset + initial-weight files (default: a generated, seeded dataset)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=int, help="seed of the generated dataset and weights (default: task preset)")
@click.option("--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-inspect", is_flag=True, help="skip the weight histograms and the inspect figure (sweeps)")
def train(preset, task_name, data, epochs, ntrain, ntest, seed, out_dir, no_inspect):
    """Train the chip model with on-chip e-prop: per epoch a training pass and a test pass."""
    from ..plots.curves import learning_curve
    from ..backends import CHIP
    from ..experiments.train import train as run_training
    from ..io.reckon_files import write_weights
    from ..io.results import write_curve_csv, write_report
    inp = run_inputs(preset, task_name, data, seed, ntrain, ntest, epochs)
    cfg, train_set, test_set, seed, epochs = inp.config, inp.train, inp.test, inp.seed, inp.epochs
    chip = task_backend(CHIP, inp)
    preset = preset or inp.task.chip_preset
    click.echo(f"task {inp.task.name}; chip {preset}: {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} neurons; data "
               f"{data or f'generated (seed {seed})'}: {len(train_set)} train + {len(test_set)} test samples")

    def on_epoch(tr, te):
        if inp.regression:
            click.echo(f"epoch {tr.epoch + 1:3d}: train NMSE {tr.loss:.3f}  test NMSE {te.loss:.3f}  "
                       f"({tr.weight_updates} weight updates, {tr.spikes + te.spikes} spikes)")
            return
        click.echo(f"epoch {tr.epoch + 1:3d}: train {100 * tr.accuracy:5.1f} %  test {100 * te.accuracy:5.1f} %  "
                   f"({tr.weight_updates} weight updates, {tr.spikes + te.spikes} spikes)")

    run = run_training(chip, train_set, test_set, epochs, on_epoch,
                       lambda e: progress(len(train_set) + len(test_set), f"epoch {e + 1}/{epochs}"))
    with atomic_dir(Path(out_dir)) as tmp:
        write_curve_csv(tmp / "curve.csv", run.rows)
        if inp.regression:                   # the last test sample's outputs (chip.last_outputs) vs its targets
            from ..plots.regression import regression_figure
            for ext in ("png", "svg"):
                regression_figure(run, chip.last_outputs, chip.last_targets, cfg.target_tick, tmp / f"curve.{ext}")
        else:
            learning_curve(run, tmp / "curve.png")
            learning_curve(run, tmp / "curve.svg")
        for name, w in chip.weights().items():
            write_weights(tmp / f"{name}_final.dat", w)
        report = run.report()
        if inp.regression:
            report["test_nmse_per_epoch"] = [r.loss for r in run.rows if r.phase == "test"]
            report["train_nmse_per_epoch"] = [r.loss for r in run.rows if r.phase == "train"]
        report.update(task=inp.task.name, preset=preset, seed=seed,
                      data=str(data) if data else f"generated(seed={seed})", epochs=epochs)
        write_report(tmp / "report.json", report)
        if not no_inspect:
            from ..plots.inspect import write_end_of_run
            write_end_of_run(tmp, "chip", chip, inp.weights, inp, task_name, data, f"train {Path(out_dir).name}")
    click.echo(f"synaptic operations {report['synaptic_operations']:,}; energy estimate "
               f"{report['energy_estimate_J'] * 1e6:.2f} uJ (5.3 pJ/SOP at 0.5 V, an estimate)")
    click.echo(f"cycles per tick min/median/max {report['tick_cycles_min']}/{report['tick_cycles_median']:.0f}/"
               f"{report['tick_cycles_max']}; real-time 1 ms ticks need >= "
               f"{report['min_clock_hz_realtime'] / 1e6:.3f} MHz")
    extra = "" if no_inspect else ", weights_chip.png, inspect_chip.png"
    click.echo(f"wrote {out_dir}/curve.csv, curve.png, report.json, *_final.dat{extra}")
    final = ({"final_test_nmse": [r.loss for r in run.rows if r.phase == "test"][-1]} if inp.regression
             else {"final_test_accuracy": run.accuracy("test")[-1]})
    click.echo(json.dumps(final))
