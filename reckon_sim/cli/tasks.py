"""`reckon-sim tasks`: the shipped task presets, one line each (name, kind, source, size on its chip, T)."""
from __future__ import annotations

import click


@click.command()
def tasks():
    """List the task presets (models/*.toml with a generator or adapter): use them with --task NAME."""
    from ..config import ChipConfig
    from ..tasks.registry import shipped_specs
    for spec in shipped_specs():
        cfg = ChipConfig.from_preset(spec.chip_preset)
        shape = spec.entry.shape(spec.params)
        source = f"{'adapter' if spec.is_adapter else 'generator'} {spec.maker}"
        click.echo(f"{spec.name:20s} {spec.kind:14s} {source:30s} chip {spec.chip_preset} "
                   f"{cfg.n_inp}/{cfg.n_rec}/{cfg.n_out}, T = {shape.n_ticks[0]}: {spec.description}")
