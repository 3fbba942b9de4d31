"""The precision sweep's points: each one a full `train` run on one backend, described by a JSON-able dict.

A *point* fully describes one run (chip register values, task parameters or a data folder's digest, widths,
backend, seed, epochs, sample counts); :func:`run_point` is a pure function of it, so a point gives the same row
bit for bit in this process, a loky worker or a Dask worker. Seeding: the generated dataset and the initial
weights come from ``seed`` (exactly as ``reckon-sim train --seed``); the chip's LFSR seeds stay the preset's
register values, so seed = the task preset's seed at ReckOn widths reproduces ``reckon-sim train``.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import traceback
from pathlib import Path

import numpy as np

from ..backends import CHIP, CHIP_FLOAT, task_backend
from ..config import ChipConfig
from ..hw.widths import RECKON
from ..io.data_folder import data_digest
from .data import RunInputs, run_inputs, task_preset
from .train import train

POINT_SCHEMA = 2                 # bump when the meaning of a point (or of run_point's row) changes
INPUTS_MEMO = 4                  # RunInputs kept per process: the points of one seed share their data


def base_point(preset: str, task_name: str, data, epochs, n_train, n_test) -> tuple[dict, int]:
    """Validate preset/task/data/sizes (InputError) -> (point template without widths/seed, the task preset's
    seed). Defaults as `reckon-sim train`, through the same set-up path (`run_inputs`)."""
    task = task_preset(task_name)
    inputs = run_inputs(preset, task_name, data, None, n_train, n_test, epochs, task=task)
    preset = preset or inputs.task.chip_preset
    digest = _samples_digest(inputs) if data and inputs.task.is_adapter else data_digest(data) if data else None
    data_spec = {"dir": str(Path(data).resolve()), "digest": digest} if data else None
    point = {"schema": POINT_SCHEMA, "backend": CHIP, "preset": str(preset), "chip_config": inputs.config.to_dict(),
             "task": str(task_name), "task_spec": task, "data": data_spec,
             "epochs": inputs.epochs, "n_train": len(inputs.train), "n_test": len(inputs.test)}
    return json.loads(json.dumps(point)), inputs.seed


def _samples_digest(inputs: RunInputs) -> str:
    """sha256 of the samples an adapter made from a local dataset (what a point's result depends on)."""
    h = hashlib.sha256()
    for sample in inputs.train + inputs.test:
        h.update(np.asarray(sample.events, np.int32).tobytes() + f"|{sample.label},{sample.n_ticks}|".encode())
    return h.hexdigest()


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


_inputs_memo: dict[str, RunInputs] = {}
_memo_lock = threading.Lock()        # points may run on threads (executors.execute_threads)


def point_inputs(point: dict) -> RunInputs:
    """The run a point describes, through the set-up path of `reckon-sim train`; the last INPUTS_MEMO inputs
    are kept, so the width points of one seed generate (or read) their data and initial weights once per
    process. Backends copy what they change (Chip converts the weights, samples are read only)."""
    fields = ("chip_config", "task", "task_spec", "data", "seed", "n_train", "n_test", "epochs")
    memo_key = json.dumps({k: point[k] for k in fields}, sort_keys=True)
    with _memo_lock:                 # held while generating: the points of one seed wait for one copy
        if memo_key in _inputs_memo:
            return _inputs_memo[memo_key]
        cfg = ChipConfig.from_dict(point["chip_config"], where="point")
        inputs = run_inputs(cfg, point["task"], point["data"]["dir"] if point["data"] else None, point["seed"],
                            point["n_train"], point["n_test"], point["epochs"], task=point["task_spec"])
        while len(_inputs_memo) >= INPUTS_MEMO:
            _inputs_memo.pop(next(iter(_inputs_memo)))
        _inputs_memo[memo_key] = inputs
        return inputs


# ----------------------------------------------------------------------------------------- one point
class _CountingBackend:
    """Delegates to a backend and sums what the per-sample results report about saturation."""

    def __init__(self, backend):
        self.backend = backend
        self.saturations: dict[str, int] | None = None

    def run_sample(self, sample, learn, **kw):
        res = self.backend.run_sample(sample, learn, **kw)
        sat = res.saturations
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
    backend = task_backend(point["backend"], inputs, widths=bw)
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
        for r in (r for r in run.rows if r.phase == phase and np.isfinite(r.loss)):   # NaN: not reported
            row[f"{phase}_loss_e{r.epoch + 1}"] = round(float(r.loss), 9)
    row["final_train_accuracy"] = run.accuracy("train")[-1]
    row["final_test_accuracy"] = run.accuracy("test")[-1]
    if inputs.regression:                        # loss = NMSE (tasks.regression): also under its own name
        for r in run.rows:
            row[f"{r.phase}_nmse_e{r.epoch + 1}"] = round(float(r.loss), 9)
        row["final_test_nmse"] = [r.loss for r in run.rows if r.phase == "test"][-1]
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
