"""Every figure is headless (no pyplot) and reproducible: the same data gives byte-identical PNG and SVG files."""
from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from reckon_sim.plots.curves import backend_curves, learning_curve
from reckon_sim.plots.sweep import sweep_figure


class _Run:
    """The part of a training run the figures read: per-phase accuracies and per-epoch rows."""

    def __init__(self, acc: dict[str, list[float]]):
        self._acc = acc
        self.rows = [SimpleNamespace(phase=p, epoch=e, accuracy=a, loss=1.5 - a) for p, accs in acc.items()
                     for e, a in enumerate(accs)]

    def accuracy(self, phase):
        return self._acc[phase]


RUN = _Run({"train": [0.5, 0.7, 0.9], "test": [0.45, 0.75, 0.85]})
PANELS = {"weight": [{"name": "weight", "reckon": True, "points": [(6, [0.6, 0.7]), (7, [0.8]), (8, [0.9, 0.95])]}]}
FIGURES = {
    "curve": lambda path: learning_curve(RUN, path),
    "curves": lambda path: backend_curves({"chip": RUN, "eprop": RUN}, path, {"chip": "bit-exact model"}),
    "sweep": lambda path: sweep_figure(PANELS, {"weight": 8}, path, 0.9, 0.5),
}


@pytest.mark.parametrize("figure", sorted(FIGURES))
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_same_data_same_bytes(tmp_path, figure, ext):
    first, second = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    FIGURES[figure](first)
    FIGURES[figure](second)
    data = first.read_bytes()
    assert len(data) > 1000 and data == second.read_bytes()
    if ext == "svg":
        assert b"<dc:date>" not in data                   # the same second would hide a timestamp above
    else:
        assert data.startswith(b"\x89PNG") and b"tIME" not in data


def test_drawing_never_touches_pyplot(tmp_path):
    """No pyplot import (its global figure manager and backend switch); asking for the backend would import it."""
    code = ("import sys; from reckon_sim.plots import curves; "
            f"curves.learning_curve(type('R', (), {{'accuracy': lambda self, p: [0.5, 0.6]}})(), r'{tmp_path}/c.png'); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "c.png").stat().st_size > 1000
