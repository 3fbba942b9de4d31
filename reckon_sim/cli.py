"""The `reckon-sim` command line: thin shells around the functional core (every user error: one line, exit 2)."""
from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import InputError


class _Group(click.Group):
    """Turns InputError into click's one-line usage error (exit status 2, no traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as e:
            raise click.UsageError(str(e), ctx) from None


@contextmanager
def atomic_dir(out: Path, stale=()):
    """Write into a temporary sibling folder and move it into place only if everything succeeded; files of
    `out` matching the `stale` glob patterns (a previous run's outputs) are removed first."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out.mkdir(exist_ok=True)
    for pattern in stale:
        for p in out.glob(pattern):
            p.unlink()
    for p in tmp.iterdir():
        target = out / p.name
        if target.is_dir():
            shutil.rmtree(target)
        p.replace(target)
    tmp.rmdir()


def progress(total: int, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="sample", file=sys.stderr, leave=False, dynamic_ncols=True)


class _DataDir(click.ParamType):
    """--data DIR | generated: a folder of ReckOn dataset/weight files, or the word 'generated' (the default)."""

    name = "DIR|generated"

    def convert(self, value, param, ctx):
        if value is None or value == "generated":
            return None
        return click.Path(exists=True, file_okay=False).convert(value, param, ctx)


DATA_DIR = _DataDir()


class shared_bar:
    """A view of one progress bar that ignores close(): several loops advance the same bar."""

    def __init__(self, bar):
        self.update = bar.update

    def close(self):
        pass


@click.group(cls=_Group)
@click.version_option(package_name="reckon-sim")
def main():
    """reckon-sim: a bit-exact, cycle-level simulator of the ReckOn spiking-RNN processor."""


def _file_option(name: str, what: str):
    return click.option(f"--{name}", type=click.Path(exists=True, dir_okay=False), help=f"{what} (default: in CASE)")


@main.command()
@click.argument("case", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--config", type=click.Path(exists=True, dir_okay=False), help="config.json / TOML preset (default: CASE/config.json)")
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
def run(case, out_dir, config, train, test, winp, wrec, wout, targets, epochs, ntrain, ntest, dump):
    """Run the golden protocol on CASE (a folder with config.json, train/test .dat, winp/wrec/wout .dat) or on
    the files given one by one."""
    from .experiments.run_case import run_case
    from .io.golden import load_case
    c = load_case(case, config, dict(train=train, test=test, winp=winp, wrec=wrec, wout=wout, targets=targets))
    for name, v in (("epochs", epochs), ("ntrain", ntrain), ("ntest", ntest)):
        if v is not None:
            setattr(c, name, v)
    total = c.epochs * (len(c.phase_samples("train")) + len(c.phase_samples("test")))
    bar = progress(total, f"run {c.name}")
    with atomic_dir(Path(out_dir), stale=("sample_*.npz",)) as tmp:
        rows = run_case(c, tmp, dump, bar.update)
    bar.close()
    correct = sum(r["correct"] for r in rows)
    click.echo(f"{len(rows)} samples, {correct} correct; wrote {out_dir}")


@main.command()
@click.argument("ref_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--strict", is_flag=True, help="also compare the raw SRAM images (zero-memory convention)")
def compare(ref_dir, out_dir, strict):
    """Compare OUT_DIR with the golden REF_DIR key by key; exit 1 at the first divergence."""
    from .io.compare import compare_dirs
    div, n_samples, n_keys = compare_dirs(ref_dir, out_dir, strict)
    if div:
        click.echo(str(div))
        sys.exit(1)
    click.echo(f"identical: {n_samples} samples, {n_keys} keys")


@main.command()
@click.option("--widths", "width_args", multiple=True, metavar="FIELD=BITS",
              help="show the fixed-point formats for these widths (e.g. --widths weight=6)")
def info(width_args):
    """Print the SPI register map, memory layouts and datapath formats (generated from the hardware tables)."""
    from .hw.memories import MEMORIES
    from .hw.registers import markdown_table
    from .hw.widths import RECKON, fxp_formats
    widths = RECKON
    for arg in width_args:
        name, _, value = arg.partition("=")
        if not value.lstrip("-").isdigit():
            raise InputError(f"--widths {arg}", "expected FIELD=BITS")
        try:
            widths = widths.with_(**{name: int(value)})
        except TypeError:
            raise InputError(f"--widths {arg}", f"unknown field '{name}'") from None
    click.echo(markdown_table())
    click.echo("")
    for m in MEMORIES:
        click.echo(f"{m.name}: {m.words} x {m.word_bits} bit — {m.description}")
    click.echo("")
    for name, fmt in fxp_formats(widths).items():
        click.echo(f"{name:11s} {getattr(widths, name):3d} bit  {fmt:14s} rounding {widths.rounding_of(name)}")


from . import cli_curves, cli_train  # noqa: E402,F401  (register their commands)
from . import cli_sweep  # noqa: E402,F401  (registers sweep)
from . import cli_vectors  # noqa: E402,F401  (registers vectors)
