"""What every `reckon-sim` command shares: one-line user errors, atomic output folders, progress bars and the
--data parameter type. Command modules import only this module of the CLI package (no import cycles)."""
from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from fnmatch import fnmatch
from pathlib import Path

import click
from click.exceptions import NoArgsIsHelpError

from ..errors import InputError, InputWarning


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
    except OSError as e:                         # the environment failed (disk full, I/O error): not a user error
        where = f"{e.filename}: " if e.filename else ""
        raise OneLineError(command_path(), f"{where}{e.strerror or e}", 1) from None
    except KeyboardInterrupt as e:               # Ctrl-C, or SIGTERM/SIGHUP through `signals_as_interrupt`
        raise _interrupted(command_path(), e) from None
    except SystemError as e:                     # the signal's handler ran as a Numba call returned: chained
        cause = _chained_interrupt(e)
        if cause is None:
            raise
        raise _interrupted(command_path(), cause) from None


def _chained_interrupt(e: BaseException):
    """The KeyboardInterrupt a SystemError chain (nested Numba calls chain one SystemError each) came from."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def _interrupted(path: str, e: KeyboardInterrupt) -> OneLineError:
    signum = getattr(e, "signum", signal.SIGINT)
    return OneLineError(path, f"interrupted by {signal.Signals(signum).name}; no partial output is left",
                        128 + signum)


@contextmanager
def warnings_as_lines(command_path):
    """InputWarning raised within the block: one stderr line `reckon-sim CMD: warning: MESSAGE` each."""
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, InputWarning):
                click.echo(f"{command_path()}: warning: {message}", err=True)
            else:
                shown(message, category, filename, lineno, file, line)
        warnings.showwarning = show
        warnings.simplefilter("always", InputWarning)
        yield


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so that it unwinds (and cleans up) exactly like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _called_from_native_code(frame) -> bool:
    """True within Python that compiled code or LLVM calls back (numba.core.serialize._numba_unpickle as a kernel
    boxes its result, numba.core.codegen's object-code hooks, llvmlite): an exception raised there comes back as
    a SystemError, a segfault (1 SIGTERM in 40 in `vectors`) or a broken compile ("no compiled object yet")."""
    numba = sys.modules.get("numba")
    if numba is None:
        return False
    core = os.path.join(os.path.dirname(numba.__file__), "core")
    llvmlite = os.path.dirname(sys.modules["llvmlite"].__file__) + os.sep
    callbacks = (os.path.join(core, "serialize.py"), os.path.join(core, "codegen.py"))
    while frame is not None:
        name = frame.f_code.co_filename
        if name in callbacks or name.startswith(llvmlite):
            return True
        frame = frame.f_back
    return False


def _raise_terminated(signum, frame):
    if _called_from_native_code(frame):
        again = threading.Timer(0.005, os.kill, (os.getpid(), signum))   # once the compiled code has returned
        again.daemon = True
        again.start()
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


@contextmanager
def signals_as_interrupt():
    """Within the block, SIGTERM and SIGHUP raise `Terminated` (a KeyboardInterrupt) and SIGINT a
    KeyboardInterrupt, never inside a Numba helper that compiled code called; the old handlers return."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ours = [signal.SIGTERM, signal.SIGHUP] + [signal.SIGINT] * (signal.getsignal(signal.SIGINT)
                                                               is signal.default_int_handler)
    old = {s: signal.signal(s, _raise_terminated) for s in ours}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def fail(message: str, exit_code: int) -> None:
    """Stop the current command with one error line (for failures that are not user errors, e.g. exit 1)."""
    raise OneLineError(click.get_current_context().command_path, message, exit_code)


TMP_TAG = "reckon-sim-tmp"     # names our temporary folders: .OUT.reckon-sim-tmp.HOST.PID.xxxx


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temps(parent: Path) -> None:
    """Remove temporary folders of ours in `parent` left by a killed run (this host, process no longer alive)."""
    host = socket.gethostname()
    for p in parent.glob(f".*.{TMP_TAG}.*"):
        parts = p.name.rsplit(".", 3)                    # [.OUT.TAG, HOST, PID, random]
        if len(parts) == 4 and parts[1] == host and parts[2].isdigit() and not _pid_alive(int(parts[2])):
            shutil.rmtree(p, ignore_errors=True)


def check_out(out_dir, owned, inputs) -> Path:
    """The real folder `--out` names (symlinks resolved), refused before any work if it cannot be written,
    is (or holds) an input, or holds files that are not outputs of this command."""
    if not str(out_dir).strip():
        raise InputError("--out", "empty path (give the output folder's name)")
    target = Path(os.path.realpath(Path(out_dir).expanduser()))
    for inp in inputs:
        if not inp or not os.path.exists(inp):             # a preset name, or no such input
            continue
        real = Path(os.path.realpath(inp))
        if real == target or target in real.parents:
            raise InputError("--out", f"'{out_dir}' is (or contains) the input '{inp}'; the output folder is "
                                      f"replaced as a whole, choose another one")
    if target.exists() and not target.is_dir():
        raise InputError("--out", f"'{out_dir}' exists and is not a folder")
    if target.is_dir():
        foreign = sorted(p.name for p in target.iterdir() if not any(fnmatch(p.name, g) for g in owned))
        if foreign:
            raise InputError("--out", f"'{out_dir}' holds '{foreign[0][:60]}', not an output of this command; the "
                                      f"folder is replaced as a whole: give a new or empty folder")
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _commit(tmp: Path, target: Path) -> None:
    """Put the finished temporary folder in place of `target` with one rename (old contents then deleted)."""
    try:
        os.rename(tmp, target)                            # target absent or an empty folder
        return
    except OSError as e:
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if not _exchange(tmp, target):                        # fallback: two renames, old copy kept until the end
        old = Path(tempfile.mkdtemp(prefix=tmp.name.rsplit(".", 1)[0] + ".", dir=tmp.parent))
        old.rmdir()
        os.rename(target, old)
        os.rename(tmp, target)
        tmp = old
    shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_dir(out_dir, owned, inputs=()):
    """Check `--out` (before any work: wrap the whole command), write into a temporary folder beside it and
    replace the folder as a whole, with one rename, only if everything succeeded. `owned`: glob patterns of
    this command's outputs (an existing folder holding anything else is refused); `inputs`: paths the
    output folder must not be or contain."""
    target = check_out(out_dir, owned, inputs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(target.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{TMP_TAG}.{socket.gethostname()}.{os.getpid()}.",
                                    dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)                      # mkdtemp makes it private; an output folder is not
    except OSError as e:
        raise InputError("--out", f"cannot write '{out_dir}' ({e.strerror or e})") from None
    try:
        yield tmp
        try:
            _commit(tmp, target)
        except OSError as e:
            raise InputError("--out", f"cannot replace '{out_dir}' ({e.strerror or e})") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


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


MAX_SEED = 2**32 - 1
SEED = click.IntRange(0, MAX_SEED)     # --seed: numpy's default_rng takes any non-negative integer; 32 bits suffice


def coverage_context(on: bool):
    """core.coverage.collect() (every Chip made inside counts into it) when on, else a context yielding None."""
    from contextlib import nullcontext

    from ..core.coverage import collect
    return collect() if on else nullcontext()


def echo_coverage(cov, out_file=None, missed_only: bool = False) -> None:
    """Print a coverage table (every bin, or the missed ones), writing coverage.json first if asked."""
    if out_file is not None:
        cov.write(out_file)
    click.echo(cov.table(missed_only=missed_only))
