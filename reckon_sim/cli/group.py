"""The `reckon-sim` click group: registers every command module and turns user errors into one line (exit 2)."""
from __future__ import annotations

import click

from . import compare, coverage, curves, info, inspect, run, sweep, tasks, train, vectors
from .common import one_line_errors, signals_as_interrupt, warnings_as_lines


class _CommandGroup(click.Group):
    """Parsing errors (bad option value, missing argument, unknown command) and InputError raised by a command
    leave as one stderr line `reckon-sim CMD: error: ...`, exit status 2, no traceback; SIGTERM/SIGHUP
    unwind like Ctrl-C (exit 128 + signal number, one line)."""

    def make_context(self, info_name, args, parent=None, **extra):
        with one_line_errors(lambda: info_name):
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx):
        name = lambda: f"{ctx.command_path} {ctx.invoked_subcommand}"   # noqa: E731
        with one_line_errors(name), signals_as_interrupt(), warnings_as_lines(name):
            return super().invoke(ctx)


@click.group(name="reckon-sim", cls=_CommandGroup)
@click.version_option(package_name="reckon-sim")
def main():
    """reckon-sim: a bit-exact, cycle-level simulator of the ReckOn spiking-RNN processor."""


for command in (train.train, run.run, compare.compare, curves.curves, sweep.sweep, vectors.vectors, info.info,
                inspect.inspect, tasks.tasks, coverage.coverage):
    main.add_command(command)
