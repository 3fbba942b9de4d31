"""SIGTERM and SIGKILL in the middle of `run`, `vectors` and `sweep` (issue 10): SIGTERM unwinds like Ctrl-C
(one line, exit 143, no temporary folder); after SIGKILL the next run of the same command removes the dead
run's temporary folder, and a sweep's local workers exit with their parent, leaving nothing in /dev/shm."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import DATA, ROOT

CASE = DATA / "golden" / "pub_regression"
COMMANDS = {
    "run": (["run", str(CASE), "--epochs", "60"], ["run", str(CASE), "--ntrain", "1", "--ntest", "0"]),
    "vectors": (["vectors", "--samples", "20", "--epochs", "3"], ["vectors", "--samples", "1"]),
}


def _start(args, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "reckon_sim.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "reckon-sim-tmp" in p.name)


def _last_line(err: str) -> str:
    """The last line of stderr that is not a (cleared) progress bar."""
    return [s for s in re.split(r"[\r\n]", err) if s.strip()][-1]


def _wait_for(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sigterm_and_sigkill_leave_nothing_after_the_next_run(command, tmp_path):
    long_args, short_args = COMMANDS[command]
    p = _start(long_args + ["--out", "o"], tmp_path)
    assert _wait_for(lambda: _temps(tmp_path), 60), p.communicate()
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert _last_line(err) == (f"reckon-sim {command}: error: interrupted by SIGTERM; "
                                                        f"no partial output is left")
    assert "Traceback" not in err and _temps(tmp_path) == [] and not (tmp_path / "o").exists()

    p = _start(long_args + ["--out", "o"], tmp_path)
    assert _wait_for(lambda: _temps(tmp_path), 60), p.communicate()
    p.kill()
    p.communicate(timeout=30)
    assert len(_temps(tmp_path)) == 1                      # what a SIGKILL leaves ...
    done = subprocess.run([sys.executable, "-m", "reckon_sim.cli", *short_args, "--out", "o"], cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _temps(tmp_path) == [] and (tmp_path / "o").is_dir()   # ... the next run removes


def test_sweep_workers_exit_with_a_killed_parent_and_sigterm_keeps_finished_points(tmp_path):
    args = ["sweep", "--grid", "weight=2..12 trace=6..14", "--jobs", "2", "--epochs", "3", "--ntrain", "20", "--ntest", "6",
            "--no-reference", "--out", "sw"]
    shm_before = set(os.listdir("/dev/shm"))
    p = _start(args, tmp_path)
    assert _wait_for(lambda: len(_children(p.pid)) >= 2 and (tmp_path / "sw" / "points").is_dir(), 90)
    time.sleep(3)
    workers = _children(p.pid)
    p.kill()
    p.communicate(timeout=30)
    assert _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), 10), workers
    p = _start(args, tmp_path)
    assert _wait_for(lambda: len(_children(p.pid)) >= 2, 90)
    time.sleep(2)
    workers = _children(p.pid)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert _last_line(err) == "reckon-sim sweep: error: interrupted by SIGTERM; no " \
                                                        "partial output is left"
    assert _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), 10), workers
    assert not list((tmp_path / "sw" / "points").glob("*.part"))
    ours = [n for n in set(os.listdir("/dev/shm")) - shm_before if str(p.pid) in n]
    assert ours == []


def test_a_signal_handled_as_a_numba_call_returns_is_still_an_interruption():
    from reckon_sim.cli.common import OneLineError, Terminated, one_line_errors
    try:
        with one_line_errors(lambda: "reckon-sim run"):
            try:
                try:
                    raise Terminated(signal.SIGTERM)
                except Terminated as t:           # what CPython makes of a handler's exception in a C call
                    raise SystemError("_numba_unpickle returned a result with an exception set") from t
            except SystemError as inner:          # ... and once more per enclosing Numba call (seen in CI)
                raise SystemError("CPUDispatcher(...) returned a result with an exception set") from inner
    except OneLineError as e:
        assert (e.command_path, e.message, e.exit_code) == ("reckon-sim run", "interrupted by SIGTERM; no partial output is left",
                                         128 + signal.SIGTERM)
    else:
        raise AssertionError("no OneLineError")


def test_a_system_error_without_an_interruption_behind_it_is_not_hidden():
    from reckon_sim.cli.common import one_line_errors
    with pytest.raises(SystemError, match="unrelated"):
        with one_line_errors(lambda: "reckon-sim run"):
            try:
                raise ValueError("x")
            except ValueError as v:
                raise SystemError("unrelated") from v


def test_a_sigterm_while_compiled_code_boxes_its_result_waits_until_it_has_returned():
    """Numba calls numba.core.serialize._numba_unpickle as a kernel returns its arrays: a SIGTERM handled there used
    to come back as a SystemError (11 runs in 12) or a segfault; now it is raised once the call has returned."""
    import numpy as np

    from reckon_sim.cli.common import Terminated, signals_as_interrupt
    from reckon_sim.core import lfsr
    nxt = np.roll(np.arange(64), 1)
    lfsr._cycle_layout(nxt, 4)                            # compiled (or loaded) before the signals start
    for i in range(20):
        calls = 0
        timer = threading.Timer(0.002 * i + 0.01, os.kill, (os.getpid(), signal.SIGTERM))
        with pytest.raises(Terminated) as caught:
            with signals_as_interrupt():
                timer.start()
                while True:
                    pos, seq = lfsr._cycle_layout(nxt, 4)
                    calls += 1
        assert caught.value.signum == signal.SIGTERM and calls > 0 and pos.shape == (64,)
        assert caught.value.__context__ is None           # raised in this frame, not inside the Numba call
