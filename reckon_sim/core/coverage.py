"""Coverage counters of a run: kernel bins (counted by the kernels), sample bins (per sample, vectorised over the
tick table) and config bins (the registers), all named in hw.coverage.BINS.

`collect()` switches coverage on for every Chip made inside it (the CLI's --coverage); `Chip.enable_coverage()`
for one chip. Counts are plain ints in BINS order, so reports merge by addition.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..hw.coverage import BINS, INDEX, N_KERNEL, REACHABLE, register_default
from .records import STATE_SEND, TK

_ACTIVE: list["Coverage"] = []      # the collector of the innermost collect(), if any


class Coverage:
    """Hit counts of every bin; `kernel` is the array the kernels increment (Params.cov)."""

    def __init__(self, counts=None):
        self.counts = np.zeros(len(BINS), np.int64) if counts is None else np.asarray(counts, np.int64).copy()
        self.kernel = np.zeros(N_KERNEL, np.int64)

    def _bump(self, name: str, n: int = 1) -> None:
        self.counts[INDEX[name]] += int(n)

    def add_config(self, registers: dict) -> None:
        """Config bins: every register programmed to a non-default value."""
        for name, value in registers.items():
            if f"reg_{name}" in INDEX and int(value) != register_default(name):
                self._bump(f"reg_{name}")

    def add_sample(self, tk: np.ndarray, do_eprop: int, votes: np.ndarray, n_out: int, label_only: bool,
                   regression: bool, spt_ticks: int = 0, lost: int = 0) -> None:
        """Sample bins from the tick table (FSM transitions the sample took) and the SEND item; spt_ticks: ticks
        with a per-tick SEND, lost: ticks lost to an early TIME_TICK (each set TIMING_ERROR)."""
        step, ep, gt = tk[:, TK.step] > 0, tk[:, TK.eprop] > 0, tk[:, TK.gettar] > 0
        self._bump("fsm_sdone_config", np.count_nonzero(tk[:, TK.config] > 0))
        self._bump("fsm_send_per_timestep", spt_ticks)
        self._bump("fsm_timing_error", lost)
        self._bump("fsm_gettar_wait_label", 0 if regression else np.count_nonzero(gt))
        prop = tk[:, TK.prop] > 0
        self._bump("fsm_idle_prop", len(tk) > 0 and prop[0])
        self._bump("fsm_prop_step", np.count_nonzero(step))
        self._bump("fsm_sdone_prop", np.count_nonzero(step & ~ep & prop))
        self._bump("fsm_sdone_eprop", np.count_nonzero(ep & ~gt))
        self._bump("fsm_sdone_gettar", np.count_nonzero(ep & gt))
        self._bump("fsm_eprop_output_only", np.count_nonzero(ep) if do_eprop == 4 else 0)
        self._bump("fsm_sdone_send", np.count_nonzero(tk[:, TK.end] == STATE_SEND))
        self._bump("send_label" if label_only else "send_membranes")
        if label_only and not regression:
            v = votes[:n_out]
            self._bump("send_vote_tie", np.count_nonzero(v == v.max()) > 1)

    def add_hang(self, timing_error: bool, local_tick: bool, state: str = "") -> None:
        """A sample that ends in a hang (core.chip.ChipHang) in `state`: its kernel counts and timing bins."""
        self.fold_kernel()
        self._bump("fsm_gettar_hang", state == "GET_TAR")
        self._bump("fsm_timing_error", timing_error)
        self._bump("fsm_local_tick", local_tick)

    def fold_kernel(self) -> None:
        """Move the kernel counters into counts (after a sample)."""
        self.counts[:N_KERNEL] += self.kernel
        self.kernel[:] = 0

    def merge(self, other: "Coverage") -> "Coverage":
        return Coverage(self.counts + other.counts)

    # ---- report ----
    def hit(self) -> set[str]:
        return {b.name for b, c in zip(BINS, self.counts) if c > 0}

    def summary(self) -> dict:
        hit = self.hit()
        reach = [n for n in REACHABLE if n in hit]
        return {"bins": len(BINS), "reachable": len(REACHABLE), "reachable_hit": len(reach),
                "percent": round(100.0 * len(reach) / len(REACHABLE), 2),
                "missed": [n for n in REACHABLE if n not in hit]}

    def to_json(self) -> dict:
        rows = [{"name": b.name, "source": b.source, "meaning": b.meaning, "hits": int(c),
                 "reachable": b.reachable, **({"reason": b.reason} if b.reason else {})}
                for b, c in zip(BINS, self.counts)]
        return {"format": "reckon-sim-coverage", "format_version": 1, "summary": self.summary(), "bins": rows}

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="ascii")

    @classmethod
    def read(cls, path: Path) -> "Coverage":
        doc = json.loads(Path(path).read_text(encoding="ascii"))
        hits = {r["name"]: r["hits"] for r in doc["bins"]}
        return cls([hits.get(b.name, 0) for b in BINS])

    def table(self, missed_only: bool = False) -> str:
        """Text table: one line per bin (hit count or MISSED / unreachable with the reason), then the summary."""
        lines = []
        for b, c in zip(BINS, self.counts):
            if missed_only and (c > 0 or not b.reachable):
                continue
            state = f"{int(c):>10d}" if c > 0 else ("    MISSED" if b.reachable else " unreachable")
            note = b.meaning if b.reachable else f"{b.meaning} -- {b.reason}"
            lines.append(f"{state}  {b.name:<28s} {note}")
        s = self.summary()
        lines.append(f"coverage: {s['reachable_hit']} of {s['reachable']} reachable bins hit ({s['percent']} %), "
                     f"{len(BINS) - s['reachable']} unreachable")
        return "\n".join(lines)


def active() -> Coverage | None:
    return _ACTIVE[-1] if _ACTIVE else None


@contextmanager
def collect():
    """Every Chip constructed inside counts into the yielded Coverage."""
    cov = Coverage()
    _ACTIVE.append(cov)
    try:
        yield cov
    finally:
        _ACTIVE.remove(cov)
