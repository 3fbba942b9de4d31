"""`reckon-sim train`: the main job (testbench protocol on the chip model, learning curve and report)."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import click

from .cli import atomic_dir, main, progress
from .config import MODELS_DIR, ChipConfig
from .errors import InputError

DATA_NAMES = {"train": ("dataset_cueAcc_train.dat", "train.dat"), "test": ("dataset_cueAcc_test.dat", "test.dat"),
              "winp": ("init_rand_weights_inp_cueAcc.dat", "winp.dat"),
              "wrec": ("init_rand_weights_rec_cueAcc.dat", "wrec.dat"),
              "wout": ("init_rand_weights_out_cueAcc.dat", "wout.dat")}


def task_preset(name: str = "cue-accumulation") -> dict:
    p = Path(name) if Path(name).exists() else MODELS_DIR / f"{name}.toml"
    try:
        return tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise InputError(str(p), "task preset not found") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(p), f"malformed TOML ({e})") from None


def load_data_dir(folder, cfg: ChipConfig):
    """Datasets and initial weights from a folder with the stock ReckOn names or the golden-case names."""
    from .tasks.reckon_files import read_dataset, read_weights
    folder = Path(folder)
    paths = {}
    for key, names in DATA_NAMES.items():
        found = [folder / n for n in names if (folder / n).exists()]
        if not found:
            raise InputError(str(folder), f"no {key} file (expected one of {', '.join(names)})")
        paths[key] = found[0]
    return (read_dataset(paths["train"]), read_dataset(paths["test"]),
            {"winp": read_weights(paths["winp"], cfg.n_inp, cfg.n_rec),
             "wrec": read_weights(paths["wrec"], cfg.n_rec, cfg.n_rec),
             "wout": read_weights(paths["wout"], cfg.n_rec, cfg.n_out)})


def generated_data(cfg: ChipConfig, task: dict, seed: int, n_train: int, n_test: int):
    from .tasks.cue_accumulation import CueAccumulationParams, make_dataset_pair
    from .tasks.init_weights import generate_initial_weights
    params = CueAccumulationParams(**task.get("task", {}))
    if params.target_tick != cfg.target_tick:
        raise InputError("task.target_tick", f"= {params.target_tick} differs from the chip's TARGET_TICK "
                                             f"{cfg.target_tick}")
    train_set, test_set = make_dataset_pair(n_train, n_test, seed, params)
    return train_set, test_set, generate_initial_weights(cfg.n_inp, cfg.n_rec, cfg.n_out, seed)


@main.command()
@click.option("--preset", default="reckon-tbench", show_default=True, help="chip preset name or TOML/JSON file")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset (models/*.toml)")
@click.option("--data", type=click.Path(exists=True, file_okay=False),
              help="folder with ReckOn dataset + initial-weight files (default: a generated, seeded dataset)")
@click.option("--epochs", type=click.IntRange(1), help="epochs (default: task preset, 10)")
@click.option("--ntrain", type=click.IntRange(1), help="training samples per epoch (default: all / 50)")
@click.option("--ntest", type=click.IntRange(1), help="test samples per epoch (default: all / 50)")
@click.option("--seed", type=int, help="seed of the generated dataset and weights (default: task preset)")
@click.option("--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False))
def train(preset, task_name, data, epochs, ntrain, ntest, seed, out_dir):
    """Train the chip model with on-chip e-prop: per epoch a training pass and a test pass."""
    from . import plots
    from .core.chip import Chip
    from .experiments.train import train as run_training
    from .experiments.train import write_report
    from .tasks.reckon_files import write_weights
    task = task_preset(task_name)
    run_cfg = task.get("run", {})
    cfg = ChipConfig.from_preset(preset)
    epochs = epochs or int(run_cfg.get("epochs", 10))
    seed = int(run_cfg.get("seed", 1)) if seed is None else seed
    if data:
        train_set, test_set, weights = load_data_dir(data, cfg)
    else:
        train_set, test_set, weights = generated_data(cfg, task, seed, ntrain or int(run_cfg.get("n_train", 50)),
                                                      ntest or int(run_cfg.get("n_test", 50)))
    train_set, test_set = train_set[:ntrain] if ntrain else train_set, test_set[:ntest] if ntest else test_set
    chip = Chip.from_config(cfg, **weights)
    click.echo(f"chip {preset}: {cfg.n_inp}/{cfg.n_rec}/{cfg.n_out} neurons; data "
               f"{data or f'generated (seed {seed})'}: {len(train_set)} train + {len(test_set)} test samples")

    def on_epoch(tr, te):
        click.echo(f"epoch {tr.epoch + 1:3d}: train {100 * tr.accuracy:5.1f} %  test {100 * te.accuracy:5.1f} %  "
                   f"({tr.weight_updates} weight updates, {tr.spikes + te.spikes} spikes)")

    run = run_training(chip, train_set, test_set, epochs, on_epoch,
                       lambda e: progress(len(train_set) + len(test_set), f"epoch {e + 1}/{epochs}"))
    with atomic_dir(Path(out_dir)) as tmp:
        run.write_csv(tmp / "curve.csv")
        plots.learning_curve(run, tmp / "curve.png")
        plots.learning_curve(run, tmp / "curve.svg")
        for name, w in chip.weights().items():
            write_weights(tmp / f"{name}_final.dat", w)
        report = run.report()
        report.update(preset=preset, data=str(data) if data else f"generated(seed={seed})", epochs=epochs)
        write_report(tmp / "report.json", report)
    click.echo(f"synaptic operations {report['synaptic_operations']:,}; energy estimate "
               f"{report['energy_estimate_J'] * 1e6:.2f} uJ (5.3 pJ/SOP at 0.5 V, an estimate)")
    click.echo(f"cycles per tick min/median/max {report['tick_cycles_min']}/{report['tick_cycles_median']:.0f}/"
               f"{report['tick_cycles_max']}; real-time 1 ms ticks need >= "
               f"{report['min_clock_hz_realtime'] / 1e6:.3f} MHz")
    click.echo(f"wrote {out_dir}/curve.csv, curve.png, report.json, *_final.dat")
    click.echo(json.dumps({"final_test_accuracy": run.accuracy("test")[-1]}))
