"""The sweep's resumable store: one JSON file per finished point (OUT/points/KEY.json), written atomically.

KEY = `sweep.point_key(point)`, a hash of everything that determines the result, so re-running a command finds
its finished points, a killed run loses only the points that were in flight, and no point is ever stored twice.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

STALE_PART_S = 600     # leftover *.part files (a run killed while writing) older than this are removed


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


class PointStore:
    """Finished points of the sweeps written to one output folder."""

    def __init__(self, out_dir):
        self.dir = Path(out_dir) / "points"
        self.dir.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for part in self.dir.glob("*.part"):
            if now - part.stat().st_mtime > STALE_PART_S:
                part.unlink(missing_ok=True)

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The stored row of `key`, or None if absent or unreadable (then the point simply runs again)."""
        try:
            data = json.loads(self.path(key).read_text())
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        return data.get("row") if isinstance(data, dict) and data.get("key") == key else None

    def save(self, key: str, point: dict, row: dict) -> None:
        write_atomic(self.path(key), json.dumps({"key": key, "point": point, "row": row}, indent=1) + "\n")

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.dir.glob("*.json"))


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


def read_results_csv(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
