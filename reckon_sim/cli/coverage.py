"""`reckon-sim coverage`: the hit / missed table of coverage reports (coverage.json of --coverage or a suite),
merged; --out writes the merged report."""
from __future__ import annotations

import click

from ..errors import InputError
from .common import echo_coverage


@click.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--missed", is_flag=True, help="list only the reachable bins no report hit")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="write the merged coverage.json here")
def coverage(reports, missed, out_file):
    """Merge coverage reports (coverage.json files, or folders holding one: a --coverage output or a
    `vectors --suite` folder) and print every bin with its hits, MISSED or unreachable (with the reason)."""
    from pathlib import Path

    from ..core.coverage import Coverage
    merged = Coverage()
    for r in reports:
        path = Path(r) / "coverage.json" if Path(r).is_dir() else Path(r)
        try:
            merged = merged.merge(Coverage.read(path))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError(str(path), f"not a reckon-sim coverage report ({type(e).__name__}: {e})") from None
    echo_coverage(merged, out_file, missed)
