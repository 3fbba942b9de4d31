"""`reckon-sim train`: on-chip e-prop training (or a float reference) on a task, with curves and a report."""
from __future__ import annotations

import json

import click

from ..errors import InputError
from ..backends import task_backend
from ..experiments.data import run_inputs
from .common import DATA_DIR, SEED, atomic_dir, coverage_context, echo_coverage, preset_with_settings, progress

OUTPUTS = ("curve.csv", "curve.png", "curve.svg", "report.json", "*_final.dat", "weights_*", "inspect*",
           "coverage.json")  # may hold


@click.command()
@click.option("--preset", help="chip preset name or TOML/JSON file (default: the task preset's chip_preset)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset name or TOML file (reckon-sim tasks)")
@click.option("--data", type=DATA_DIR,
              help="folder with ReckOn dataset + initial-weight files (default: a generated, seeded dataset)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=SEED, help="seed of the generated dataset and weights (default: task preset)")
@click.option("--backend", default="chip", show_default=True, help="backend (chip, chip_float, eprop)")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="physical/float option, e.g. tau_mem_ms=20, neuron=alif, optimizer=rmsprop (repeatable)")
@click.option("--shuffle", is_flag=True, help="permute the training samples every epoch (seeded by --seed)")
@click.option("--validation", type=click.IntRange(1), help="hold out the last N training samples for validation")
@click.option("--patience", type=click.IntRange(1), help="early stopping: epochs without validation-loss gain")
@click.option("--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-inspect", is_flag=True, help="skip the weight histograms and the inspect figure (sweeps)")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="chip: count the coverage bins of the training run; OUT/coverage.json and the missed bins")
def train(preset, task_name, data, epochs, ntrain, ntest, seed, backend, settings, shuffle, validation, patience,
          out_dir, no_inspect, with_coverage):
    """Train the chip model with on-chip e-prop (or a float reference, --backend): per epoch a training pass and
    a test pass."""
    from ..backends import BACKENDS, CHIP
    if backend not in BACKENDS:
        raise InputError("--backend", f"unknown backend '{backend}' (allowed: {', '.join(BACKENDS)})")
    with atomic_dir(out_dir, OUTPUTS, inputs=[data, preset, task_name]) as tmp:
        inp = run_inputs(preset_with_settings(preset, settings, task_name), task_name, data, seed, ntrain, ntest,
                         epochs)
        with coverage_context(with_coverage) as cov:
            run, report, chip, initial = _train(inp, backend, preset, data, shuffle, validation, patience, tmp)
        if cov is not None:
            echo_coverage(cov, tmp / "coverage.json", missed_only=True)
        if not no_inspect:
            from ..plots.inspect import write_end_of_run
            write_end_of_run(tmp, backend, chip, initial, inp, task_name, data, f"train {inp.task.name} seed {inp.seed}")
    click.echo(f"synaptic operations {report['synaptic_operations']:,}; energy estimate "
               f"{report['energy_estimate_J'] * 1e6:.2f} uJ (5.3 pJ/SOP at 0.5 V, an estimate)")
    if "tick_cycles_min" in report:
        click.echo(f"cycles per tick min/median/max {report['tick_cycles_min']}/{report['tick_cycles_median']:.0f}/"
                   f"{report['tick_cycles_max']}; real-time 1 ms ticks need >= "
                   f"{report['min_clock_hz_realtime'] / 1e6:.3f} MHz")
    extra = "" if no_inspect else f", weights_{backend}.png, inspect_{backend}.png"
    click.echo(f"wrote {out_dir}/curve.csv, curve.png, report.json{', *_final.dat' if backend == CHIP else ''}{extra}")
    final = ({"final_test_nmse": [r.loss for r in run.rows if r.phase == "test"][-1]} if inp.regression
             else {"final_test_accuracy": run.accuracy("test")[-1]})
    click.echo(json.dumps(final))


def _train(inp, backend, preset, data, shuffle, validation, patience, tmp):
    """The training run and its files in the temporary output folder `tmp` -> (run, report, backend, its initial
    weights)."""
    from ..backends import CHIP
    from ..experiments.train import train as run_training
    from ..io.reckon_files import sample_targets, write_weights
    from ..io.results import write_curve_csv, write_report
    from ..plots.curves import learning_curve
    cfg, train_set, test_set, seed, epochs = inp.config, inp.train, inp.test, inp.seed, inp.epochs
    if validation is not None and validation >= len(train_set):
        raise InputError("--validation", f"{validation} must be below the {len(train_set)} training samples")
    if patience is not None and validation is None:
        raise InputError("--patience", "needs --validation N (early stopping watches the validation loss)")
    held_out = train_set[len(train_set) - validation:] if validation else None
    train_set = train_set[:len(train_set) - validation] if validation else train_set
    chip = task_backend(backend, inp)
    initial = chip.weights()                 # for the before/after weight histograms
    preset = preset or inp.task.chip_preset
    click.echo(f"task {inp.task.name}; {backend} {preset}: {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} neurons; data "
               f"{data or f'generated (seed {seed})'}: {len(train_set)} train + {len(test_set)} test samples")

    def on_epoch(tr, te):
        what = (f"train NMSE {tr.loss:.3f}  test NMSE {te.loss:.3f}" if inp.regression
                else f"train {100 * tr.accuracy:5.1f} %  test {100 * te.accuracy:5.1f} %")
        click.echo(f"epoch {tr.epoch + 1:3d}: {what}  ({tr.weight_updates} weight updates, "
                   f"{tr.spikes + te.spikes} spikes)")

    # a ReckOn data folder's targets.txt (FORMAT §9); a regression task's readout sends its own
    targets_for = None if inp.targets is None or inp.regression else \
        (lambda i, s: sample_targets(inp.targets, i, s.n_ticks, cfg.target_tick))
    run = run_training(chip, train_set, test_set, epochs, on_epoch,
                       lambda e: progress(len(train_set) + len(test_set), f"epoch {e + 1}/{epochs}"), targets_for,
                       shuffle_seed=(0 if seed is None else seed) if shuffle else None, validation=held_out,
                       patience=patience)
    if run.stopped_epoch is not None:
        click.echo(f"early stop after epoch {run.stopped_epoch + 1} (validation loss)")
    write_curve_csv(tmp / "curve.csv", run.rows)
    if inp.regression:                       # the last test sample's outputs (chip.last_outputs) vs its targets
        from ..plots.regression import regression_figure
        for ext in ("png", "svg"):
            regression_figure(run, chip.last_outputs, chip.last_targets, cfg.target_tick, tmp / f"curve.{ext}",
                              "ReckOn on-chip e-prop, regression" if backend == CHIP else f"{backend}, regression")
    else:
        learning_curve(run, tmp / "curve.png")
        learning_curve(run, tmp / "curve.svg")
    for name, w in chip.weights().items() if backend == CHIP else ():    # float weights are not 8-bit
        write_weights(tmp / f"{name}_final.dat", w)
    report = run.report()
    if inp.regression:
        report["test_nmse_per_epoch"] = [r.loss for r in run.rows if r.phase == "test"]
        report["train_nmse_per_epoch"] = [r.loss for r in run.rows if r.phase == "train"]
    report.update(task=inp.task.name, preset=preset, seed=seed,
                  data=str(data) if data else f"generated(seed={seed})", epochs=epochs)
    write_report(tmp / "report.json", report)
    return run, report, chip, initial
