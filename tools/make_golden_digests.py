"""Derive tests/data/golden/<case>/: the case's small input files plus a digest of every golden output array.

The digests let the conformance tests run where ../shared/golden is absent (CI has it; a user clone may not).
Run: python tools/make_golden_digests.py ../shared/golden
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

INPUTS = ("config.json", "meta_run.json", "train.dat", "test.dat", "winp.dat", "wrec.dat", "wout.dat", "targets.txt",
          "inferences.txt")


def array_digest(a: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:24]


def digest_dir(folder: Path) -> dict:
    out = {}
    for f in sorted(folder.glob("*.npz")):
        z = np.load(f)
        out[f.name] = {k: array_digest(z[k]) for k in z.files}
    return out


def main(golden: Path, dest: Path) -> None:
    for case in sorted(golden.glob("pub_*")):
        d = dest / case.name
        d.mkdir(parents=True, exist_ok=True)
        for name in INPUTS:
            if (case / name).exists():
                shutil.copy(case / name, d / name)
        (d / "digests.json").write_text(json.dumps(digest_dir(case), indent=0, sort_keys=True))
        print(case.name, "->", d)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "tests" / "data" / "golden")
