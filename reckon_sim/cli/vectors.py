"""`reckon-sim vectors`: write RTL test vectors (and a drop-in set for the ReckOn testbench) from a model run, or
(--suite) a coverage-driven regression suite of vector sets."""
from __future__ import annotations

from dataclasses import replace

import click

from ..config import ChipConfig
from .common import DATA_DIR, SEED, atomic_dir, coverage_context, echo_coverage, progress

# what an existing --out may hold: the files and folders `write_vectors` makes (a suite: sets + reports)
OUTPUTS = ("FORMAT.md", "manifest.json", "model.vcd", "*.hex", "expect", "mem", "tbench", "coverage.json")
SUITE_OUTPUTS = ("set_*", "suite.json", "coverage.json")


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
@click.option("--seed", type=SEED, help="seed of the generated dataset and weights (default: task preset; "
                                        "--suite: 1)")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--host", "host_file", type=click.Path(exists=True, dir_okay=False),
              help="host program template (TOML/JSON, README \"Operating modes\"; default: the stock protocol)")
@click.option("--probe-every", type=click.IntRange(1, 65535),
              help="per-tick state probes: a CONFIG visit reading every neuron word and output membrane in ticks "
                   "N+1, 2N+1, .. (= host config_every = N; the bench checks each word, tools/rtl/)")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="count the coverage bins of the run: OUT/coverage.json and the table of missed bins")
@click.option("--suite", is_flag=True, help="a regression suite of constrained-random vector sets chosen to hit "
                                            "every reachable coverage bin (OUT/set_NN, suite.json, coverage.json)")
@click.option("--budget-ticks", type=click.IntRange(100), help="--suite: total simulated ticks allowed, each set "
              "also charged its overhead  [default: 6000, about 2-3 min of Verilator with the build]")
@click.option("--candidates", type=click.IntRange(1, 5000), default=300, show_default=True,
              help="--suite: random candidate sets drawn before the greedy choice")
def vectors(preset, data, samples, epochs, task_name, seed, out_dir, host_file, probe_every, with_coverage, suite,
            budget_ticks, candidates):
    """Write RTL test vectors for a run of the model: SPI programming, $readmemh SRAM images, the tick stream,
    expected responses, a VCD, a ReckOn-testbench drop-in set and manifest.json (see tools/rtl/)."""
    if suite:
        return _suite(out_dir, 1 if seed is None else seed, budget_ticks, candidates)
    from ..experiments.data import run_inputs
    from ..vectors import write_vectors
    from ..vectors.stimulus import check_protocol
    from ..tasks.registry import load_spec
    from ..core.host import HostSpec
    with atomic_dir(out_dir, OUTPUTS, inputs=[data, preset, task_name, host_file]) as tmp:
        preset = preset or load_spec(task_name).chip_preset
        cfg = ChipConfig.from_preset(preset)
        host = HostSpec.from_file(host_file) if host_file else HostSpec()
        if probe_every:
            host = replace(host, config_every=probe_every)
        check_protocol(cfg, host)                     # before any data is read or generated
        inp = run_inputs(cfg, task_name, data, seed, samples, samples, epochs)
        source = f"data {data}" if data else f"generated {task_name} (seed {inp.seed})"
        spec = replace(inp, source=f"preset {preset}; {source}")
        with progress(epochs * (len(spec.train) + len(spec.test)), "vectors") as bar, \
                coverage_context(with_coverage) as cov:
            manifest = write_vectors(tmp, spec, bar.update, host)
        if cov is not None:
            echo_coverage(cov, tmp / "coverage.json", missed_only=True)
    n = manifest["run"]["samples"]
    for s in manifest["samples"]:                     # a halt ends the run (the chip stays in IDLE until reset)
        if "halt" in s:
            click.echo(f"sample {s['gidx']} halts: {s['halt']['why']}")
    click.echo(f"wrote {out_dir}: {n} samples ({len(spec.train)} train + {len(spec.test)} test x {epochs} epochs), "
               f"{len(manifest['files'])} files; run: tools/rtl/run.sh RTL_FILES... with VEC={out_dir}")


def _suite(out_dir, seed: int, budget_ticks, n_candidates: int) -> None:
    from ..vectors import write_vectors
    from ..vectors.suite import DEFAULT_BUDGET_TICKS, generate, write_suite
    budget = budget_ticks or DEFAULT_BUDGET_TICKS
    with atomic_dir(out_dir, SUITE_OUTPUTS) as tmp:
        with progress(n_candidates, "suite candidates") as bar:
            chosen = generate(seed, budget, n_candidates, bar.update)
        manifest, merged = write_suite(tmp, chosen, seed, budget, write_vectors)
        echo_coverage(merged)
    s = manifest["coverage"]
    click.echo(f"wrote {out_dir}: {len(manifest['sets'])} vector sets, {manifest['ticks']} ticks "
               f"(budget {budget}); {s['reachable_hit']} of {s['reachable']} reachable bins ({s['percent']} %); "
               f"run: tools/rtl/run_suite.sh RTL_FILES... with SUITE={out_dir}")
