"""One figure of the seeds' claim: the seeds.csv of several `reckon-sim curves --seeds N` runs, a panel each.

    python tools/seed_claims_figure.py OUT.png DIR[=TITLE] ...   (DIR: a curves --out folder with seeds.csv)
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from reckon_sim.plots.seeds import seed_panels


def read_seeds(path: Path) -> dict[str, np.ndarray]:
    """backend -> [n_seeds, n_epochs] test accuracy from a seeds.csv."""
    table: dict[str, dict[int, dict[int, float]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            table.setdefault(row["backend"], {}).setdefault(int(row["seed"]), {})[int(row["epoch"])] = \
                float(row["test_accuracy"])
    return {name: np.array([[e[k] for k in sorted(e)] for _, e in sorted(seeds.items())])
            for name, seeds in table.items()}


def main(argv: list[str]) -> None:
    out, dirs = argv[0], argv[1:]
    conditions = {}
    for item in dirs:
        folder, _, title = item.partition("=")
        conditions[title or folder] = read_seeds(Path(folder) / "seeds.csv")
    seed_panels(conditions, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
