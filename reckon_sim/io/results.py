"""Result files of the training-style commands: learning curves (`train` curve.csv, `curves` curves.csv), the
sweep's results.csv, the JSON report, and the atomic text writer the sweep's files share."""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

CURVE_FIELDS = ("epoch", "phase", "accuracy", "loss", "mean_tick_cycles", "spikes", "weight_updates", "sops")
CURVES_FIELDS = ("backend", "epoch", "phase", "accuracy", "loss", "spikes", "weight_updates", "sops")


def write_atomic(path, text: str) -> None:
    """Write `text` to a temporary sibling, fsync, then rename over `path` (readers never see half a file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_curve_csv(path, rows) -> None:
    """One training run's learning curve: a row per epoch and phase (experiments.train.PhaseStats)."""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CURVE_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(asdict(r))


def write_curves_csv(path, runs: dict) -> None:
    """Several backends' learning curves ({backend name: experiments.train.TrainRun}), without the cycle column."""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CURVES_FIELDS, extrasaction="ignore")
        w.writeheader()
        for name, run in runs.items():
            for row in run.rows:
                w.writerow({"backend": name, **asdict(row)})


def write_results_csv(rows: list[dict], path) -> None:
    """Tidy CSV, one row per point and seed; columns in first-appearance order, missing values empty."""
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, restval="", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    write_atomic(path, buf.getvalue())


def write_report(path, report: dict) -> None:
    """`train`'s energy / latency report (experiments.train.TrainRun.report) as JSON."""
    Path(path).write_text(json.dumps(report, indent=1))
