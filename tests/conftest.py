"""Shared paths: ../shared (golden RTL traces, ReckOn data) beside the checkout, and tests/data."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLDEN = SHARED / "golden"
RECKON_DATA = SHARED / "reckon-data"
DATA = Path(__file__).resolve().parent / "data"


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (the golden RTL traces / ReckOn data live in ../shared beside the checkout)")
    return path

# Numba compiles (or loads from cache) on a kernel's first call: no per-example deadline, fixed derandomised runs
from hypothesis import settings  # noqa: E402

settings.register_profile("reckon", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("reckon")
