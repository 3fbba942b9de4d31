"""`reckon-sim coverage`: the hit / missed table of coverage reports (coverage.json of --coverage or a suite),
merged; --out writes the merged report."""
from __future__ import annotations

from contextlib import nullcontext

import click

from ..errors import InputError


def coverage_context(on: bool):
    """core.coverage.collect() (every Chip made inside counts into it) when on, else a context yielding None."""
    from ..core.coverage import collect
    return collect() if on else nullcontext()


def echo_report(cov, out_file=None, missed_only: bool = False) -> None:
    """Print the table (every bin, or the missed ones) and write coverage.json if asked."""
    if out_file is not None:
        cov.write(out_file)
    click.echo(cov.table(missed_only=missed_only))


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
    echo_report(merged, out_file, missed)
