"""Where the sweep's points run: in this process, joblib/loky worker processes, or an existing Dask cluster."""
from __future__ import annotations

from ..errors import InputError
from .sweep import point_key, run_point_safe


def connect_dask(address: str):
    """A `distributed.Client` of an existing cluster; an unreachable address is an InputError (before any work)."""
    if "://" not in address:
        raise InputError(f"--scheduler '{address}'", "expected an address like tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "needs dask[distributed] (pip install 'reckon-sim[dask]')") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError(f"--scheduler '{address}'", f"cannot connect ({type(e).__name__}: {e})") from None


def execute(points: list[dict], on_result, jobs: int = 1, client=None) -> None:
    """Run `run_point_safe` on every point and call `on_result(result)` here, as each one finishes.

    client: a `distributed.Client` (the tasks go to its cluster); otherwise joblib/loky with `jobs` worker
    processes (jobs = 1: in this process). Completion order varies; results do not."""
    if client is not None:
        from distributed import as_completed
        futures = client.map(run_point_safe, points, key=[f"reckon-sweep-{point_key(p)}" for p in points],
                             pure=False)
        for fut in as_completed(futures):
            on_result(fut.result())
            fut.release()
        return
    if jobs == 1:
        for p in points:
            on_result(run_point_safe(p))
        return
    import joblib
    unordered = tuple(int(x) for x in joblib.__version__.split(".")[:2]) >= (1, 4)
    with joblib.Parallel(n_jobs=jobs, backend="loky", batch_size=1,
                         return_as="generator_unordered" if unordered else "generator") as parallel:
        for res in parallel(joblib.delayed(run_point_safe)(p) for p in points):
            on_result(res)
