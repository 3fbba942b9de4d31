"""Host programs: what the host does around every tick of a sample (README "Operating modes", FORMAT §Stimulus).

A `HostProgram` is explicit and per sample: step j (j = 0..T-1) is what the host does after tick j has finished
(j = 0: before tick 1, the chip in IDLE): AER input events, target transfers sent at once (`tar`), target
transfers that answer a GET_TAR request during tick j+1 (`req`, ignored when the chip does not ask), then the
SAMPLE / TARGET_VALID / INFER_ACC levels that tick j+1 sees. The model (core.chip), the RTL vectors
(vectors.writer -> stimulus.hex) and the SV bench all run the same program.

A `HostSpec` is the declarative template a user writes (TOML/JSON `[host]` table, `--host FILE`); `program()`
expands it with one dataset sample into a HostProgram. `HostSpec()` is the stock testbench protocol (golden
FORMAT §3.3): events in file order, the class label once after the marker tick (max(TARGET_TICK, last event
time before the marker)), TARGET_VALID (training) and INFER_ACC from the marker on, regression targets as
GET_TAR answers on the learning ticks, SAMPLE low on the last step.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from ..backend import Sample
from ..errors import InputError
from ..io.vector_files import LV_INFER_ACC, LV_SAMPLE, LV_TARGET_VALID
from .protocol import schedule

HOST_FORMAT = "reckon-sim-host"
HOST_VERSION = 1
LABEL_POLICIES = ("marker", "gettar", "none")      # how the class label reaches the chip
LEVEL_POLICIES = ("marker", "always", "never")     # from which step a level is high (always = from step 0)
TICK_POLICIES = ("ready",)                          # TIME_TICK after TIMING_ERROR_RDY (OUT_REQ on tick T)


@dataclass(frozen=True)
class HostStep:
    """Host actions after tick j (before tick j+1); levels bit0 SAMPLE, bit1 TARGET_VALID, bit2 INFER_ACC."""

    j: int
    levels: int
    aer: tuple = ()        # input-event addresses (AERIN_TAR_EN = 0), in order
    tar: tuple = ()        # target bytes sent before the tick (AERIN_TAR_EN = 1)
    req: tuple = ()        # target bytes sent when the chip shows REQ_TAR (GET_TAR) during tick j+1


@dataclass(frozen=True)
class HostProgram:
    n_ticks: int
    steps: tuple           # HostStep for j = 0..T-1
    tick: str = "ready"


@dataclass(frozen=True)
class HostSpec:
    """The per-sample template (README "Operating modes"); the defaults are the stock testbench protocol."""

    label: str = "marker"          # marker: one transfer after the marker tick (training); gettar: answer every
    #                                GET_TAR with the sample's label (SINGLE_LABEL = 0, test passes with e-prop);
    #                                none: never
    target_valid: str = "marker"   # TARGET_VALID in training: from the marker step, always or never (test: never)
    infer_acc: str = "marker"      # INFER_ACC: from the marker step, always or never
    targets: str = "marker"        # regression GET_TAR answers: marker (learning ticks) or gettar (every tick;
    #                                zeros outside the target window)
    tick: str = "ready"

    @property
    def stock(self) -> bool:
        return self == HostSpec()

    def to_dict(self) -> dict:
        return {"format": HOST_FORMAT, "version": HOST_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict, where: str = "host") -> "HostSpec":
        d = dict(d.get("host", d))
        if d.pop("format", HOST_FORMAT) != HOST_FORMAT:
            raise InputError(where, f"format must be '{HOST_FORMAT}'")
        version = d.pop("version", HOST_VERSION)
        if version != HOST_VERSION:
            raise InputError(f"{where}: version", f"= {version!r} is not supported (allowed: {HOST_VERSION})")
        allowed = {"label": LABEL_POLICIES, "target_valid": LEVEL_POLICIES, "infer_acc": LEVEL_POLICIES,
                   "targets": ("marker", "gettar"), "tick": TICK_POLICIES}
        names = {f.name for f in fields(cls)}
        for key, value in d.items():
            if key not in names:
                raise InputError(f"{where}: {key}", f"unknown key (allowed: {', '.join(sorted(names))})")
            if value not in allowed[key]:
                raise InputError(f"{where}: {key}", f"= {value!r} (allowed: {', '.join(allowed[key])})")
        return cls(**d)

    @classmethod
    def from_file(cls, path) -> "HostSpec":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
            d = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
        except (OSError, ValueError) as e:
            raise InputError(str(p), f"cannot read host program: {e}") from None
        return cls.from_dict(d, str(p))


def _from(policy: str, marker: int) -> int:
    return {"marker": marker, "always": 0, "never": 1 << 30}[policy]


def program(spec: HostSpec, sample: Sample, target_tick: int, learn: bool, regression: bool,
            targets: np.ndarray | None = None) -> HostProgram:
    """Expand the template with one sample; targets = regression targets [T-1-TT, NOUT] of a training sample."""
    sch = schedule(sample, target_tick)
    T, tt = sch.n_ticks, sch.marker_tick
    tv_from = _from(spec.target_valid, tt) if learn else 1 << 30
    ia_from = _from(spec.infer_acc, tt)
    aer: list[list[int]] = [[] for _ in range(T)]
    for tick, chan in zip(sch.ev_tick.tolist(), sch.ev_chan.tolist()):
        aer[tick].append(int(chan))
    tar: list[tuple] = [() for _ in range(T)]
    req: list[tuple] = [() for _ in range(T)]
    label = int(sample.label) & 0xFF
    if not regression and spec.label == "marker" and learn:
        tar[tt] = (label,)
    if not regression and spec.label == "gettar":
        req = [(label,) for _ in range(T)]
    if regression and learn and targets is not None:
        rows = np.asarray(targets, dtype=np.int64)
        first = 0 if spec.targets == "gettar" else tt
        for j in range(first, T - 1):              # answers to the requests of tick j + 1
            i = j - tt
            row = rows[i].tolist() if 0 <= i < len(rows) else [0] * rows.shape[1]
            req[j] = tuple(b for v in row for b in (v & 0xFF, (v >> 8) & 0xFF))
    steps = []
    for j in range(T):
        levels = (LV_SAMPLE if j < T - 1 else 0) | (LV_TARGET_VALID if j >= tv_from else 0)
        levels |= LV_INFER_ACC if j >= ia_from else 0
        steps.append(HostStep(j, levels, tuple(aer[j]), tar[j], req[j]))
    return HostProgram(T, tuple(steps), spec.tick)


# per-tick SEND paced by the bench's OUT_ACK (tools/rtl/reckon_vec_tb.sv: ACK at the first falling edge that
# sees OUT_REQ, dropped at the first one that sees it low; OUT_ACK has a 2-flop synchroniser): an item every
# 6 cycles, the state left 3 cycles after the last OUT_REQ rise, so n items take 6 n - 2 cycles (host constant)
SEND_HOST_ITEM_CYCLES, SEND_HOST_LAST = 6, -2


def send_host_cycles(n_items):
    """SEND cycles of n OUT_DATA items with the bench's acknowledgement timing."""
    return SEND_HOST_ITEM_CYCLES * n_items + SEND_HOST_LAST


def gettar_bytes(regression: bool, num_out: int) -> int:
    """Target transfers that end one GET_TAR (srnn.v target_done): one class label, or 2 bytes per output."""
    return 2 * (num_out + 1) if regression else 1


def check_program(prog: HostProgram, regression: bool, num_out: int) -> None:
    """InputError for a program the modelled host cannot play (each message names the step and the field)."""
    T = prog.n_ticks
    if T < 2 or len(prog.steps) != T:
        raise InputError("host program", f"{len(prog.steps)} steps for T = {T} (need T >= 2 steps)")
    need = gettar_bytes(regression, num_out)
    for j, s in enumerate(prog.steps):
        where = f"host program step {j}"
        if s.j != j:
            raise InputError(where, f"j = {s.j} out of order (allowed: {j})")
        if bool(s.levels & LV_SAMPLE) != (j < T - 1):
            raise InputError(f"{where}: levels", "SAMPLE must be high on steps 0..T-2 and low on step T-1 "
                                                 "(SAMPLE falling elsewhere is not modelled yet)")
        if not 0 <= s.levels <= 7:
            raise InputError(f"{where}: levels", f"= {s.levels} out of range 0..7")
        for name in ("aer", "tar", "req"):
            if any(not 0 <= int(b) <= 255 for b in getattr(s, name)):
                raise InputError(f"{where}: {name}", "byte out of range 0..255")
        if regression and s.tar:
            raise InputError(f"{where}: tar", "regression targets are sent as GET_TAR answers (req), not tar")
        if len(s.req) > need:
            raise InputError(f"{where}: req", f"{len(s.req)} bytes; one GET_TAR takes {need} (allowed: 0..{need})")


def drive_arrays(prog: HostProgram, regression: bool) -> dict:
    """The program as the kernel's per-step arrays (records.Drive fields)."""
    T = prog.n_ticks
    ev = [(j, int(a)) for j, s in enumerate(prog.steps) for a in s.aer]
    tar_label = np.full(T, -1, np.int64)
    req_n, req_label = np.zeros(T, np.int64), np.zeros(T, np.int64)
    targets = np.zeros((T, 16), np.int64)
    for j, s in enumerate(prog.steps):
        if s.tar:
            tar_label[j] = int(s.tar[-1])
        req_n[j] = len(s.req)
        if s.req and not regression:
            req_label[j] = int(s.req[-1])
        if s.req and regression:
            b = np.asarray(s.req + (0,) * (len(s.req) % 2), np.int64)
            v = b[0::2] | (b[1::2] << 8)
            targets[j, : len(v)] = np.where(v >= 0x8000, v - 0x10000, v)
    return dict(ev_tick=np.array([e[0] for e in ev], np.int64), ev_chan=np.array([e[1] for e in ev], np.int64),
                levels=np.array([s.levels for s in prog.steps], np.int64), tar_label=tar_label, req_n=req_n,
                req_label=req_label, targets=targets)
