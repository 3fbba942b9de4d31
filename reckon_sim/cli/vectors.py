"""`reckon-sim vectors`: write RTL test vectors (and a drop-in set for the ReckOn testbench) from a model run."""
from __future__ import annotations

from dataclasses import replace

import click

from ..config import ChipConfig
from .common import DATA_DIR, SEED, atomic_dir, progress

# what an existing --out may hold: the files and folders `write_vectors` makes
OUTPUTS = ("FORMAT.md", "manifest.json", "model.vcd", "*.hex", "expect", "mem", "tbench")


@click.command()
@click.option("--preset", help="chip preset name or a TOML / config.json file (default: the task's chip_preset)")
@click.option("--data", type=DATA_DIR,
              help="folder with datasets + initial weights (stock ReckOn or golden-case names); "
                   "default: the generated task dataset")
@click.option("--samples", type=click.IntRange(1), default=3, show_default=True,
              help="samples per phase (the first K training and the first K test samples)")
@click.option("--epochs", type=click.IntRange(1), default=1, show_default=True, help="epochs (train + test pass)")
@click.option("--task", "task_name", default="cue-accumulation", show_default=True,
              help="task preset name or TOML file (reckon-sim tasks)")
@click.option("--seed", type=SEED, help="seed of the generated dataset and weights (default: task preset)")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--host", "host_file", type=click.Path(exists=True, dir_okay=False),
              help="host program template (TOML/JSON, README \"Operating modes\"; default: the stock protocol)")
def vectors(preset, data, samples, epochs, task_name, seed, out_dir, host_file):
    """Write RTL test vectors for a run of the model: SPI programming, $readmemh SRAM images, the tick stream,
    expected responses, a VCD, a ReckOn-testbench drop-in set and manifest.json (see tools/rtl/)."""
    from ..experiments.data import run_inputs
    from ..vectors import write_vectors
    from ..vectors.stimulus import check_protocol
    from ..tasks.registry import load_spec
    from ..core.host import HostSpec
    with atomic_dir(out_dir, OUTPUTS, inputs=[data, preset, task_name, host_file]) as tmp:
        preset = preset or load_spec(task_name).chip_preset
        cfg = ChipConfig.from_preset(preset)
        host = HostSpec.from_file(host_file) if host_file else HostSpec()
        check_protocol(cfg, host)                     # before any data is read or generated
        inp = run_inputs(cfg, task_name, data, seed, samples, samples, epochs)
        source = f"data {data}" if data else f"generated {task_name} (seed {inp.seed})"
        spec = replace(inp, source=f"preset {preset}; {source}")
        with progress(epochs * (len(spec.train) + len(spec.test)), "vectors") as bar:
            manifest = write_vectors(tmp, spec, bar.update, host)
    n = manifest["run"]["samples"]
    click.echo(f"wrote {out_dir}: {n} samples ({len(spec.train)} train + {len(spec.test)} test x {epochs} epochs), "
               f"{len(manifest['files'])} files; run: tools/rtl/run.sh RTL_FILES... with VEC={out_dir}")
