"""A VCD (pyvcd) of the model's per-tick state, for GTKWave.

Time axis: model clock cycles x 20 ns (a 50 MHz CLK), cumulated over the run with no host idle time, so a value
changes at the end of the tick that produced it. Scope `reckon_model`: `gidx`, `tick`, `tick_cycles`, the host
levels, `inp_events` [NINP] and `z` [NREC] bitmaps, `oneur_u_k` per output neuron; sub-scopes `u`, `tinp`,
`trec`, `tout` with one signal per recurrent neuron (`u_007` = membrane of neuron 7, dirty-gated). Values are
those of the state file (end of tick: after PROP for ticks < T, after STEP for tick T).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from vcd import VCDWriter

CLK_NS = 20
FIELDS = (("u", 16), ("tinp", 12), ("trec", 12), ("tout", 10))


class StateVcd:
    """Append samples to one VCD file; close() (or use as a context manager) finishes it."""

    def __init__(self, path: Path, n_inp: int, n_rec: int, n_out: int):
        self._file = open(path, "w", encoding="ascii")
        self._w = VCDWriter(self._file, timescale="1 ns", date="reckon-sim vectors", version="reckon-sim")
        reg = self._w.register_var
        top = "reckon_model"
        self.scalar = {name: reg(top, name, "integer", size=32, init=0)
                       for name in ("gidx", "tick", "tick_cycles")}
        self.levels = {name: reg(top, name, "wire", size=1, init=0)
                       for name in ("SAMPLE", "TARGET_VALID", "INFER_ACC")}
        self.inp = reg(top, "inp_events", "wire", size=n_inp, init=0)
        self.z = reg(top, "z", "wire", size=n_rec, init=0)
        self.oneur = [reg(top, f"oneur_u_{k}", "integer", size=16, init=0) for k in range(n_out)]
        self.neur = {name: [reg(f"{top}.{name}", f"{name}_{n:03d}", "integer", size=bits, init=0)
                            for n in range(n_rec)] for name, bits in FIELDS}
        self.t = 0

    @staticmethod
    def _bits(row: np.ndarray) -> int:
        return int(sum(int(b) << i for i, b in enumerate(row.tolist()) if b))

    def add_sample(self, gidx: int, cols: dict[str, np.ndarray], cycles: np.ndarray, levels: list[int]) -> None:
        """cols: the state-file columns of one sample ([T, n] each); levels: host levels during each tick."""
        ch = self._w.change
        for k in range(len(cycles)):
            self.t += int(cycles[k]) * CLK_NS
            ch(self.scalar["gidx"], self.t, gidx)
            ch(self.scalar["tick"], self.t, k + 1)
            ch(self.scalar["tick_cycles"], self.t, int(cycles[k]))
            for bit, name in enumerate(("SAMPLE", "TARGET_VALID", "INFER_ACC")):
                ch(self.levels[name], self.t, (levels[k] >> bit) & 1)
            ch(self.inp, self.t, self._bits(cols["inp"][k]))
            ch(self.z, self.t, self._bits(cols["z"][k]))
            for var, v in zip(self.oneur, cols["oneur_u"][k].tolist()):
                ch(var, self.t, v)
            for name, _ in FIELDS:
                for var, v in zip(self.neur[name], cols[name][k].tolist()):
                    ch(var, self.t, v)

    def close(self) -> None:
        self._w.close(self.t + CLK_NS)
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
