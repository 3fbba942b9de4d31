"""Which loops of the chip kernels LLVM vectorised: its loop-vectorize remarks, by source line.

Usage: python tools/check_vectorised.py
Compiles the kernels afresh (a temporary Numba cache, debug line info on) for the stock preset, runs one
training sample and prints, for core/rows.py, core/kernels.py, core/kernels_eprop.py and core/sample_kernel.py, each line where LLVM
reports "vectorized loop (vectorization width: W, interleaved count: I)". Numba's inliner keeps an inlined
helper's line numbers under the caller's file name, so each line is also shown as a line of core/rows.py. The hot loops (rows.step_row, gate_row, integrate_row, update_rows' lane
loop) should all be listed; a missing one has regressed to scalar code.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import llvmlite.binding as llvm
llvm.set_option("", "-pass-remarks=loop-vectorize")
from reckon_sim.config import ChipConfig
from reckon_sim.core.chip import Chip
from reckon_sim.backend import Sample
import numpy as np
cfg = ChipConfig.from_dict(dict(ChipConfig.from_preset("reckon-tbench").to_dict(), TARGET_TICK=100))
rng = np.random.default_rng(0)
w = {k: rng.integers(-20, 20, s).astype(np.int8) for k, s in (("winp", (cfg.n_inp, cfg.n_rec)),
     ("wrec", (cfg.n_rec, cfg.n_rec)), ("wout", (cfg.n_rec, cfg.n_out)))}
ev = np.stack([rng.integers(0, cfg.n_inp, 400), np.sort(rng.integers(0, 200, 400))], 1).astype(np.int32)
Chip.from_config(cfg, **w).run_sample(Sample(ev, 1, 200, int(np.sum(ev[:, 1] < 100))), True)
"""


def main() -> None:
    env = dict(os.environ, NUMBA_DEBUGINFO="1", NUMBA_CACHE_DIR=tempfile.mkdtemp(), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True)
    hits = sorted({(m.group(1), int(m.group(2)), m.group(3)) for m in re.finditer(
        r"remark: (rows\.py|kernels\.py|sample_kernel\.py|fixedpoint\.py):(\d+):\d+: vectorized loop \((.*?)\)",
        out.stderr)})
    if out.returncode != 0:
        sys.exit(out.stderr[-2000:])
    src = {f: (ROOT / "reckon_sim" / "core" / f).read_text().splitlines()
           for f in ("rows.py", "kernels.py", "kernels_eprop.py", "sample_kernel.py", "fixedpoint.py")}

    def text(f, line):
        return src[f][line - 1].strip()[:60] if line <= len(src[f]) else "-"
    for f, line, what in hits:
        # Numba's inliner keeps a helper's line numbers but names the caller's file: show rows.py's line too
        alt = f"   | rows.py:{line}: {text('rows.py', line)}" if f != "rows.py" else ""
        print(f"{f}:{line}: {what}: {text(f, line)}{alt}")


if __name__ == "__main__":
    main()
