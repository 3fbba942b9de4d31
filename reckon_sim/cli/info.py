"""`reckon-sim info`: the hardware tables (register map, memory layouts, datapath formats) as text."""
from __future__ import annotations

import click

from ..errors import InputError


@click.command()
@click.option("--widths", "width_args", multiple=True, metavar="FIELD=BITS",
              help="show the fixed-point formats for these widths (e.g. --widths weight=6)")
def info(width_args):
    """Print the SPI register map, memory layouts and datapath formats (generated from the hardware tables)."""
    from ..hw.memories import MEMORIES
    from ..hw.registers import markdown_table
    from ..hw.fxp import fxp_formats
    from ..hw.widths import RECKON
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
