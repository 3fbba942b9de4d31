"""`reckon-sim compare`: key-by-key conformance check of an output folder against a golden one."""
from __future__ import annotations

import sys

import click


@click.command()
@click.argument("ref_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--strict", is_flag=True, help="also compare the raw SRAM images (zero-memory convention)")
def compare(ref_dir, out_dir, strict):
    """Compare OUT_DIR with the golden REF_DIR key by key; exit 1 at the first divergence."""
    from ..io.compare import compare_dirs
    div, n_samples, n_keys = compare_dirs(ref_dir, out_dir, strict)
    if div:
        click.echo(str(div))
        sys.exit(1)
    click.echo(f"identical: {n_samples} samples, {n_keys} keys")
