"""What every `reckon-sim` command shares: one-line user errors, atomic output folders, progress bars and the
--data parameter type. Command modules import only this module of the CLI package (no import cycles)."""
from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
from click.exceptions import NoArgsIsHelpError

from ..errors import InputError


class OneLineError(click.ClickException):
    """Shown as the single stderr line `reckon-sim CMD: error: MESSAGE`: no usage banner, no help hint."""

    def __init__(self, command_path: str, message: str, exit_code: int = 2):
        super().__init__(message)
        self.command_path = command_path
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"{self.command_path}: error: {self.message}", file=file, err=True)


def _usage_message(e: click.UsageError) -> str:
    """click's message, with a bad value as `--option: why` (the InputError style) instead of 'Invalid value for'."""
    if type(e) is click.BadParameter and e.param_hint is None and e.param is not None:
        name = e.param.opts[-1] if isinstance(e.param, click.Option) else e.param.human_readable_name
        return f"{name}: {e.message}"
    return e.format_message()


@contextmanager
def one_line_errors(command_path):
    """Turn click usage errors and InputError into OneLineError; command_path() names the command (lazily: a
    subcommand is only known once the group has resolved it)."""
    try:
        yield
    except NoArgsIsHelpError:
        raise                                    # `reckon-sim` alone prints the help text, as click does
    except click.UsageError as e:
        raise OneLineError(e.ctx.command_path if e.ctx else command_path(), _usage_message(e)) from None
    except InputError as e:
        raise OneLineError(command_path(), str(e)) from None


def fail(message: str, exit_code: int) -> None:
    """Stop the current command with one error line (for failures that are not user errors, e.g. exit 1)."""
    raise OneLineError(click.get_current_context().command_path, message, exit_code)


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


class shared_bar:
    """A view of one progress bar that ignores close(): several loops advance the same bar."""

    def __init__(self, bar):
        self.update = bar.update

    def close(self):
        pass


class _DataDir(click.ParamType):
    """--data DIR | generated: a folder of ReckOn dataset/weight files, or the word 'generated' (the default)."""

    name = "DIR|generated"

    def convert(self, value, param, ctx):
        if value is None or value == "generated":
            return None
        return click.Path(exists=True, file_okay=False).convert(value, param, ctx)


DATA_DIR = _DataDir()


def preset_with_settings(preset: str | None, settings, task_name: str = "cue-accumulation"):
    """The chip preset name unchanged, or (with `--set key=value` items) the loaded ChipConfig they modify;
    preset None: the task's chip preset."""
    if not settings:
        return preset
    from ..config import ChipConfig
    from ..physical import apply_settings
    if preset is None:
        from ..tasks.registry import load_spec
        preset = load_spec(task_name).chip_preset
    config = apply_settings(ChipConfig.from_preset(preset), settings)
    echo_quantisation(config)
    return config


def echo_quantisation(config) -> None:
    """One line per physical value: the register words it became and the value they mean (and its error)."""
    from ..physical import quantisation_report
    for q in quantisation_report(config):
        words = ", ".join(f"{k} {hex(v) if v > 9 else v}" for k, v in q.words.items())
        click.echo(f"{q.key} {q.value:g} -> {words} -> {q.quantised:.6g} ({100 * q.rel_error:+.2f} %)")
