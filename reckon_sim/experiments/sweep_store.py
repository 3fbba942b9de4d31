"""The sweep's resumable store: one JSON file per finished point (OUT/points/KEY.json), written atomically.

KEY = `sweep.point_key(point)`, a hash of everything that determines the result, so re-running a command finds
its finished points, a killed run loses only the points that were in flight, and no point is ever stored twice.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ..io.results import write_atomic

STALE_PART_S = 600     # leftover *.part files (a run killed while writing) older than this are removed


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
