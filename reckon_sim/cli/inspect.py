"""`reckon-sim inspect`: one sample of one backend (or several side by side) as one multi-panel figure."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..backends import BACKENDS
from ..errors import InputError
from .common import DATA_DIR, SEED, atomic_dir, check_out

OUTPUTS = ("inspect*",)     # an existing --out may hold only these: it is replaced as a whole


def _names(text: str, option: str) -> tuple[str, ...]:
    names = tuple(b.strip() for b in text.split(",") if b.strip())
    bad = [b for b in names if b not in BACKENDS]
    if bad or not names:
        raise InputError(option, f"unknown backend '{bad[0] if bad else ''}' (allowed: {', '.join(BACKENDS)})")
    return names


def _neurons(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InputError("--neurons", f"'{text}' is not a comma-separated list of neuron indices") from None


def _run_dir(run_dir: Path):
    """A `train` output folder: (its report.json, its final-weight paths, the weight-file reader)."""
    from ..io.reckon_files import read_weights
    report_path = run_dir / "report.json"
    if not report_path.exists():
        raise InputError(str(run_dir), "not a `reckon-sim train` output folder (no report.json)")
    report = json.loads(report_path.read_text())
    return report, {name: run_dir / f"{name}_final.dat" for name in ("winp", "wrec", "wout")}, read_weights


@click.command()
@click.argument("run_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--preset", help="chip preset name or TOML/JSON file (default: the task preset's chip_preset)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True, help="task preset")
@click.option("--data", type=DATA_DIR, help="ReckOn data folder (default: generated; targets.txt = regression)")
@click.option("--seed", type=SEED, help="seed of the generated data and weights (default: task preset)")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@click.option("--sample", "index", type=click.IntRange(0), default=0, show_default=True, help="sample index")
@click.option("--backend", default="chip", show_default=True, type=click.Choice(list(BACKENDS)))
@click.option("--compare", help="comma-separated backends side by side on the same sample and weights")
@click.option("--neurons", help="recurrent neurons to draw, e.g. 0,5,17 (default: the 4 most active)")
@click.option("--learn/--no-learn", default=True, show_default=True, help="run the sample with learning")
@click.option("--out", "out_dir", default="runs/inspect", show_default=True, type=click.Path(file_okay=False))
def inspect(run_dir, preset, task_name, data, seed, split, index, backend, compare, neurons, learn, out_dir):
    """Draw one sample: rasters, membranes, outputs, learning signals, eligibility traces, weight changes."""
    from ..backends import make_backend
    from ..experiments.data import run_inputs, task_preset
    from ..experiments.inspect import chosen_neurons, gather, task_channel_groups
    from ..plots.inspect import write_inspect
    inputs = [run_dir, data, preset, task_name]
    check_out(out_dir, OUTPUTS, inputs)                 # before any work: never replace a foreign folder
    names = _names(compare, "--compare") if compare else (backend,)
    picked = _neurons(neurons)
    run_name = "generated data" if not data else Path(data).name
    weights = None
    if run_dir is not None:
        report, paths, read_weights = _run_dir(run_dir)
        preset, task_name = report.get("preset", preset), report.get("task", task_name)
        seed = report.get("seed", seed) if seed is None else seed
        data = data or (report.get("data") if not str(report.get("data", "")).startswith("generated") else None)
        run_name, weights = f"run {run_dir.name}", paths
    inp = run_inputs(preset, task_name, data, seed, None, None, 1)
    preset = preset or inp.task.chip_preset
    if weights is not None:
        cfg = inp.config
        shapes = {"winp": (cfg.n_inp, cfg.n_rec), "wrec": (cfg.n_rec, cfg.n_rec), "wout": (cfg.n_rec, cfg.n_out)}
        inp.weights = {k: read_weights(p, *shapes[k]) for k, p in weights.items()}
    samples = inp.train if split == "train" else inp.test
    if index >= len(samples):
        raise InputError("--sample", f"= {index} out of range 0..{len(samples) - 1} ({split} set)")
    targets = _targets(data, inp, samples[index], index, split)        # known targets (regression), else None
    title = (f"{run_name}, preset {Path(str(preset)).stem}: {split} sample {index} "
             f"({'learning' if learn else 'no learning'})")
    sent = targets if learn else None                    # sent on the learning ticks, as in training
    tables = [gather(n, make_backend(n, inp), samples[index], learn, title, sent if n != "eprop" else None)
              for n in names]
    chosen = chosen_neurons(tables[0], picked)
    if not chosen:
        raise InputError("--neurons", f"no index in 0..{inp.config.n_rec - 1}")
    groups = task_channel_groups(task_preset(task_name), inp.config.n_inp) if not data else None
    with atomic_dir(out_dir, OUTPUTS, inputs) as tmp:
        write_inspect(tables, chosen, tmp / "inspect", groups)
    for t in tables:
        click.echo(f"{t.backend:10s} {_result(t, targets, inp.config.target_tick)}; {int(t.z.sum())} spikes, "
                   f"{int(t.learning.sum())} learning ticks, "
                   f"{sum(int((t.after[k] != t.before[k]).sum()) for k in t.before)} weights changed")
    click.echo(f"wrote {out_dir}/inspect.png, inspect.svg, inspect*.csv, inspect*.npz")


def _result(table, targets, target_tick: int) -> str:
    """What the sample gave: its label and inference, or for regression its NMSE (when its targets are known)."""
    from ..experiments.inspect import regression_nmse
    if not table.regression:
        return f"label {table.label} inference {table.inference}"
    if targets is None:
        return "regression, NMSE unknown (no targets for this sample)"
    return (f"regression NMSE {regression_nmse(table, targets, target_tick):.4f} on ticks {target_tick + 1}.."
            f"{table.n_ticks - 1}")


def _targets(data, inp, sample, index: int, split: str):
    """Regression targets [T - 1 - TARGET_TICK, n_out] of the sample: a regression task's pattern (by label), or
    for a training sample the data folder's targets.txt (FORMAT §9); None if unknown or a classification."""
    if inp.regression:
        return inp.pattern_targets[int(sample.label)]
    if split != "train" or not data or not inp.config["SPI_REGRESSION"] or not (Path(data) / "targets.txt").exists():
        return None
    from ..io.reckon_files import read_targets, sample_targets
    return sample_targets(read_targets(Path(data) / "targets.txt", inp.config.n_out), index, sample.n_ticks,
                          inp.config.target_tick)
