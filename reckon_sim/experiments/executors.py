"""Where the sweep's points run: in this process, joblib/loky worker processes, or an existing Dask cluster."""
from __future__ import annotations

import os
import queue
import socket
import threading
import time

from ..errors import InputError
from .sweep import point_key, run_point_safe

CONNECT_S = 3.0                 # a Dask scheduler that does not accept a TCP connection by then is unreachable
_watching = threading.Event()


def _exit_with_parent(parent_pid: int) -> None:
    """In a worker process: exit as soon as the sweep process that started it is gone (killed, even by
    SIGKILL), instead of finishing its point for nobody."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(0.5)


def run_point_watched(point: dict, parent_pid: int) -> dict:
    """`run_point_safe` in a local worker, which first starts the parent watch of its process (once)."""
    if not _watching.is_set() and os.getpid() != parent_pid:
        _watching.set()
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    return run_point_safe(point)


def _start_quiet_resource_tracker() -> None:
    """Start loky's resource tracker with its stderr on /dev/null: after workers are killed on purpose (Ctrl-C,
    SIGTERM) it warns about their semaphores after the command's last line, which must stay the error line."""
    from joblib.externals.loky.backend import resource_tracker
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def connect_dask(address: str):
    """A `distributed.Client` of an existing cluster; an unreachable address is an InputError (before any work)."""
    if "://" not in address:
        raise InputError(f"--scheduler '{address}'", "expected an address like tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "needs dask[distributed] (pip install 'reckon-sim[dask]')") from None
    host, _, port = address.split("://", 1)[1].rpartition(":")
    if address.startswith("tcp://") and port.isdigit():   # fail in seconds, saying what we waited for
        try:
            socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=CONNECT_S).close()
        except OSError as e:
            raise InputError(f"--scheduler '{address}'", f"no Dask scheduler answers at {host}:{port} (waited up "
                                                         f"to {CONNECT_S:.0f} s: {e.strerror or e})") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError(f"--scheduler '{address}'", f"cannot connect ({type(e).__name__}: {e})") from None
    except Exception as e:                               # something answers but speaks no Dask (garbage frames)
        raise InputError(f"--scheduler '{address}'", f"the peer at {host}:{port} is not a Dask scheduler "
                                                     f"({type(e).__name__}: {str(e)[:80]})") from None


def execute_threads(points: list[dict], on_result, threads: int) -> None:
    """`run_point_safe` on `threads` threads of this process (no worker start-up; the chip kernels release the
    GIL, core.multichip), `on_result` called in this thread. Daemon threads: Ctrl-C does not wait for them."""
    todo: queue.Queue = queue.Queue()
    done: queue.Queue = queue.Queue()
    for p in points:
        todo.put(p)

    def worker() -> None:
        while True:
            try:
                p = todo.get_nowait()
            except queue.Empty:
                return
            done.put(run_point_safe(p))

    for i in range(min(threads, len(points))):
        threading.Thread(target=worker, name=f"reckon-sweep-{i}", daemon=True).start()
    for _ in points:
        on_result(done.get())


def execute(points: list[dict], on_result, jobs: int = 1, client=None, threads: bool = False) -> None:
    """Run `run_point_safe` on every point and call `on_result(result)` here, as each one finishes.

    client: a `distributed.Client` (the tasks go to its cluster); otherwise `jobs` local workers: joblib/loky
    processes, or threads of this process if `threads` (jobs = 1: in this process). Completion order varies;
    results do not."""
    if client is not None:
        from distributed import as_completed
        futures = client.map(run_point_safe, points, key=[f"reckon-sweep-{point_key(p)}" for p in points],
                             pure=False)
        for fut in as_completed(futures):
            on_result(fut.result())
            fut.release()
        return
    if threads and jobs > 1:
        execute_threads(points, on_result, jobs)
        return
    if jobs == 1:
        for p in points:
            on_result(run_point_safe(p))
        return
    import joblib
    unordered = tuple(int(x) for x in joblib.__version__.split(".")[:2]) >= (1, 4)
    me = os.getpid()
    _start_quiet_resource_tracker()
    # max_nbytes=None: points are small dicts, so no memmapping folder in /dev/shm to leave behind
    with joblib.Parallel(n_jobs=jobs, backend="loky", batch_size=1, max_nbytes=None,
                         return_as="generator_unordered" if unordered else "generator") as parallel:
        for res in parallel(joblib.delayed(run_point_watched)(p, me) for p in points):
            on_result(res)
