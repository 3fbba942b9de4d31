"""`reckon-sim run`: the golden protocol on a golden case folder (or its files given one by one)."""
from __future__ import annotations

import click

from .common import atomic_dir, coverage_context, echo_coverage, progress

# what an existing --out may hold
OUTPUTS = ("init.npz", "sample_*.npz", "inferences.txt", "summary.json", "coverage.json")


def _file_option(name: str, what: str):
    return click.option(f"--{name}", type=click.Path(exists=True, dir_okay=False), help=f"{what} (default: in CASE)")


@click.command()
@click.argument("case", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="config.json / TOML preset (default: CASE/config.json)")
@_file_option("train", "training dataset")
@_file_option("test", "test dataset")
@_file_option("winp", "initial input weights")
@_file_option("wrec", "initial recurrent weights")
@_file_option("wout", "initial output weights")
@_file_option("targets", "regression targets.txt")
@click.option("--epochs", type=click.IntRange(1), help="override the case's epochs")
@click.option("--ntrain", type=click.IntRange(-1), help="training samples per epoch (-1: all)")
@click.option("--ntest", type=click.IntRange(-1), help="test samples per epoch (-1: all)")
@click.option("--dump", type=click.IntRange(0, 1), help="dump level: 1 per-tick arrays, 0 state + tk_table only")
@click.option("--host", "host_file", type=click.Path(exists=True, dir_okay=False),
              help="host program template (TOML/JSON, README \"Operating modes\"; default: the stock protocol)")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="count the coverage bins; write OUT/coverage.json and print the hit/missed table")
def run(case, out_dir, config, train, test, winp, wrec, wout, targets, epochs, ntrain, ntest, dump, host_file,
        with_coverage):
    """Run the golden protocol on CASE (a folder with config.json, train/test .dat, winp/wrec/wout .dat) or on
    the files given one by one."""
    from ..experiments.run_case import run_case
    from ..io.golden import load_case
    from ..core.host import HostSpec
    files = dict(train=train, test=test, winp=winp, wrec=wrec, wout=wout, targets=targets)
    with atomic_dir(out_dir, OUTPUTS, inputs=[case, config, host_file, *files.values()]) as tmp:
        host = HostSpec.from_file(host_file) if host_file else None
        c = load_case(case, config, files, dict(epochs=epochs, ntrain=ntrain, ntest=ntest))
        total = c.epochs * (len(c.phase_samples("train")) + len(c.phase_samples("test")))
        # the bar is closed (cleared) on an error too
        with progress(total, f"run {c.name}") as bar, coverage_context(with_coverage) as cov:
            rows = run_case(c, tmp, dump, bar.update, host)
        if cov is not None:
            echo_coverage(cov, tmp / "coverage.json", missed_only=True)
    done = [r for r in rows if "halt_tick" not in r]
    for r in rows[len(done):]:                        # a halt ends the run (the chip stays in IDLE until reset)
        click.echo(f"sample {r['gidx']} halts: {r['why']}")
    click.echo(f"{len(done)} samples, {sum(r['correct'] for r in done)} correct; wrote {out_dir}")
