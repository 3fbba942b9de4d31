"""The precision sweep: grid of datapath widths x seeds, each point a full `train` run on the chip model.

Grid syntax (``reckon-sim sweep --grid``): space-separated terms ``FIELD=VALUES`` where FIELD is a
:class:`~reckon_sim.hw.widths.BitWidths` field (``weight``, ``membrane``, ``trace_inp``, ``trace_rec``,
``trace_out``, ``learn_sig``, ``ste``, ``alpha_frac``, ``kappa_frac``, ``prob``, ``prob_out``) or the alias
``trace`` (trace_inp and trace_rec together), and VALUES a comma-separated list of integers and inclusive ranges
``a..b`` (``weight=2..10``, ``ste=1,3,5``, ``membrane=8..12,16``). By default the grid is the union of
one-dimensional sweeps around the ReckOn point (each term varied alone, every other field at its ReckOn width);
``product=True`` takes the full Cartesian product of the terms instead.

A *point* is a JSON-able dict that fully describes one run (chip register values, task parameters or a data
folder's digest, widths, seed, epochs, sample counts); :func:`run_point` is a pure function of it, so a point
gives the same row bit for bit in this process, a loky worker or a Dask worker. Seeding: the generated dataset
and the initial weights come from ``seed`` (exactly as ``reckon-sim train --seed``); the chip's LFSR seeds stay
the preset's register values, so seed = the task preset's seed at ReckOn widths reproduces ``reckon-sim train``.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backends import CHIP, CHIP_FLOAT, make_backend
from ..config import ChipConfig
from ..errors import InputError
from ..hw.widths import RECKON, SPEC, SPECS, BitWidths
from ..io.data_folder import data_digest
from .data import RunInputs, run_inputs, task_preset
from .train import train

WIDTH_FIELDS = tuple(s.name for s in SPECS)
ALIASES = {"trace": ("trace_inp", "trace_rec")}
POINT_SCHEMA = 1                 # bump when the meaning of a point (or of run_point's row) changes


@dataclass(frozen=True)
class GridAxis:
    """One grid term: a label (field name or alias), the BitWidths fields it sets, the widths it takes."""

    label: str
    fields: tuple[str, ...]
    values: tuple[int, ...]

    @property
    def reckon_value(self) -> int:
        return SPEC[self.fields[0]].chip


def _parse_values(term: str, text: str) -> list[int]:
    values: list[int] = []
    for part in text.split(","):
        part = part.strip()
        bounds = part.split("..", 1)
        try:
            numbers = [int(b) for b in bounds]
        except ValueError:
            raise InputError(f"grid '{term}'", f"'{part}' is not an integer, a range a..b or a list a,b,c") from None
        if len(numbers) == 2 and numbers[1] < numbers[0]:
            raise InputError(f"grid '{term}'", f"empty range {part} (write a..b with a <= b)")
        values.extend(range(numbers[0], numbers[-1] + 1))
    return values


def parse_grid(text: str, product: bool = False) -> list[GridAxis]:
    """Grid terms -> axes (repeated terms of one label merge); every error is an InputError naming the term."""
    terms = text.split()
    if not terms:
        raise InputError("grid", "empty (expected terms like 'weight=2..10 trace=6..12')")
    merged: dict[str, list[int]] = {}
    for term in terms:
        if term.count("=") != 1 or not term.split("=")[0] or not term.split("=")[1]:
            raise InputError(f"grid '{term}'", "expected FIELD=VALUES (e.g. weight=2..10, ste=1,3,5)")
        label, values_text = term.split("=")
        if label not in SPEC and label not in ALIASES:
            raise InputError(f"grid '{term}'", f"unknown field '{label}' (known: {', '.join(WIDTH_FIELDS)}; "
                                               f"alias trace = trace_inp + trace_rec)")
        fields = ALIASES.get(label, (label,))
        for v in _parse_values(term, values_text):
            for f in fields:
                s = SPEC[f]
                if not s.lo <= v <= s.hi:
                    raise InputError(f"grid '{term}'", f"width {v} of '{f}' out of the supported range "
                                                       f"{s.lo}..{s.hi} (ReckOn: {s.chip})")
            merged.setdefault(label, [])
            if v not in merged[label]:
                merged[label].append(v)
    axes = [GridAxis(label, ALIASES.get(label, (label,)), tuple(sorted(vals))) for label, vals in merged.items()]
    if product:
        seen: dict[str, str] = {}
        for a in axes:
            for f in a.fields:
                if f in seen:
                    raise InputError(f"grid '{a.label}'", f"sets '{f}' like '{seen[f]}' does: with --product each "
                                                          f"field may be swept by one term only")
                seen[f] = a.label
    return axes


def grid_widths(axes: list[GridAxis], product: bool = False) -> list[dict[str, int]]:
    """Unique width dicts of the grid, in a stable order (the ReckOn point appears once)."""
    base = {f: SPEC[f].chip for f in WIDTH_FIELDS}
    out: list[dict[str, int]] = []
    if product:
        combos = itertools.product(*[a.values for a in axes])
        candidates = [{**base, **{f: v for a, v in zip(axes, combo) for f in a.fields}} for combo in combos]
    else:
        candidates = [{**base, **{f: v for f in a.fields}} for a in axes for v in a.values]
    for w in candidates:
        if w not in out:
            BitWidths(**w)          # same validation as the chip (InputError before any work)
            out.append(w)
    return out


# ---------------------------------------------------------------------------------------------- points
def base_point(preset: str, task_name: str, data, epochs, n_train, n_test) -> tuple[dict, int]:
    """Validate preset/task/data/sizes (InputError) -> (point template without widths/seed, the task preset's
    seed). Defaults as `reckon-sim train`, through the same set-up path (`run_inputs`)."""
    task = task_preset(task_name)
    inputs = run_inputs(preset, task_name, data, None, n_train, n_test, epochs, task=task)
    data_spec = {"dir": str(Path(data).resolve()), "digest": data_digest(data)} if data else None
    point = {"schema": POINT_SCHEMA, "backend": CHIP, "preset": str(preset), "chip_config": inputs.config.to_dict(),
             "task": str(task_name), "task_params": dict(task.get("task", {})), "data": data_spec,
             "epochs": inputs.epochs, "n_train": len(inputs.train), "n_test": len(inputs.test)}
    return json.loads(json.dumps(point)), inputs.seed


def make_points(template: dict, widths_list: list[dict], seeds: list[int], reference: bool = False) -> list[dict]:
    """Every (widths, seed) point, plus one float-reference point per seed if `reference`."""
    points = [{**template, "widths": dict(w), "seed": int(s)} for w in widths_list for s in seeds]
    if reference:
        points += [{**template, "backend": CHIP_FLOAT, "widths": None, "seed": int(s)} for s in seeds]
    return points


def point_key(point: dict) -> str:
    """Hash of everything that determines a point's result (display names and the data path excluded)."""
    content = {k: v for k, v in point.items() if k not in ("preset", "task")}
    if content.get("data"):
        content["data"] = {"digest": content["data"]["digest"]}
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def point_inputs(point: dict) -> RunInputs:
    """The run a point describes, through the set-up path of `reckon-sim train`."""
    cfg = ChipConfig.from_dict(point["chip_config"], where="point")
    return run_inputs(cfg, point["task"], point["data"]["dir"] if point["data"] else None, point["seed"],
                      point["n_train"], point["n_test"], point["epochs"], task={"task": point["task_params"]})


# ----------------------------------------------------------------------------------------- one point
class _CountingBackend:
    """Delegates to a backend and sums what the per-sample results report about saturation."""

    def __init__(self, backend):
        self.backend = backend
        self.saturations: dict[str, int] | None = None

    def run_sample(self, sample, learn, **kw):
        res = self.backend.run_sample(sample, learn, **kw)
        sat = res.extra.get("saturations") if res.extra else None
        if sat is not None:
            self.saturations = self.saturations or {}
            items = sat.items() if isinstance(sat, dict) else [("", sat)]
            for name, n in items:
                self.saturations[str(name)] = self.saturations.get(str(name), 0) + int(np.sum(n))
        return res

    def weights(self):
        return self.backend.weights()


def run_point(point: dict) -> dict:
    """Train one point (epochs x (train pass, test pass)) and return its flat results row."""
    t0 = time.perf_counter()
    inputs = point_inputs(point)
    bw = RECKON if point["widths"] is None else RECKON.with_(**point["widths"])
    backend = make_backend(point["backend"], inputs, widths=bw)
    widths = dict.fromkeys(bw.as_dict()) if point["widths"] is None else bw.as_dict()   # float points: no widths
    train_set, test_set = inputs.train, inputs.test
    counting = _CountingBackend(backend)
    run = train(counting, train_set, test_set, inputs.epochs)
    row = {"key": point_key(point), "backend": point["backend"], "preset": point["preset"], "task": point["task"],
           "data": point["data"]["dir"] if point["data"] else "generated", "seed": point["seed"],
           "epochs": point["epochs"], "n_train": len(train_set), "n_test": len(test_set), **widths}
    for phase in ("train", "test"):
        for e, acc in enumerate(run.accuracy(phase), 1):
            row[f"{phase}_acc_e{e}"] = acc
    row["final_train_accuracy"] = run.accuracy("train")[-1]
    row["final_test_accuracy"] = run.accuracy("test")[-1]
    train_rows = [r for r in run.rows if r.phase == "train"]
    row["weight_updates"] = int(sum(r.weight_updates for r in train_rows))
    for r in train_rows:
        row[f"weight_updates_e{r.epoch + 1}"] = int(r.weight_updates)
    row["spikes"] = int(sum(r.spikes for r in run.rows))
    row["sops"] = int(sum(r.sops for r in run.rows))
    sat = counting.saturations
    row["saturations"] = None if sat is None else int(sum(sat.values()))
    for name, n in sorted((sat or {}).items()):
        if name:
            row[f"saturations_{name}"] = n
    row["wall_time_s"] = round(time.perf_counter() - t0, 4)
    return row


def run_point_safe(point: dict) -> dict:
    """What the executors run: {'key', 'row'} or {'key', 'error'} (one failing point does not stop the others)."""
    try:
        return {"key": point_key(point), "row": run_point(point)}
    except Exception as e:  # noqa: BLE001 - reported per point by the caller
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        return {"key": point_key(point), "error": last}


# -------------------------------------------------------------------------------------------- panels
def panel_series(axes: list[GridAxis], rows: list[dict], product: bool = False, max_series: int = 6) -> dict:
    """Per axis label, the plot's series: [{'name', 'points': [(width, [final test accuracies over seeds])],
    'reckon': whether the series passes through the ReckOn point (all other fields at ReckOn widths)}].

    Union grids: one series (other fields at ReckOn widths). Product grids: one series per combination of the
    other axes' widths, or one pooled series ("mean over other fields") when there are more than `max_series`."""
    by_widths: dict[tuple, list[float]] = {}
    for r in rows:
        if r.get("backend", CHIP) == CHIP:
            by_widths.setdefault(tuple(int(r[f]) for f in WIDTH_FIELDS), []).append(float(r["final_test_accuracy"]))
    base = {f: SPEC[f].chip for f in WIDTH_FIELDS}
    panels = {}
    for axis in axes:
        others = [a for a in axes if a is not axis] if product else []
        combos = list(itertools.product(*[a.values for a in others]))
        pooled = len(combos) > max_series
        series: dict[str, dict] = {}
        for combo in combos:
            if not others:
                name = "others at ReckOn"
            elif pooled:
                name = "mean over other fields"
            else:
                name = ", ".join(f"{a.label}={v}" for a, v in zip(others, combo))
            at_reckon = all(v == a.reckon_value for a, v in zip(others, combo))
            entry = series.setdefault(name, {"name": name, "points": {v: [] for v in axis.values},
                                             "reckon": not pooled and at_reckon})
            fixed = {f: v for a, v in zip(others, combo) for f in a.fields}
            for v in axis.values:
                widths = {**base, **fixed, **{f: v for f in axis.fields}}
                entry["points"][v].extend(by_widths.get(tuple(widths[f] for f in WIDTH_FIELDS), []))
        panels[axis.label] = [{**e, "points": sorted(e["points"].items())} for e in series.values()]
    return panels


# ------------------------------------------------------------------------------------------ executors
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
