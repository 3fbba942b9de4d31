"""Writing a figure so that the same data gives the same bytes: no timestamp, fixed SVG element ids."""
from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

SVG_HASH_SALT = "reckon-sim"    # SVG clip-path / glyph ids are hashed with this instead of a random uuid


def save_figure(fig: Figure, path) -> None:
    """Save as PNG or SVG (by suffix). PNG metadata holds only the Software key (never a time); SVG drops
    its Date and uses a fixed id salt."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
            fig.savefig(path, metadata={"Date": None})
    else:
        fig.savefig(path)
