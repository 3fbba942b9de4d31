"""Host programs: what the host does around every tick of a sample (README "Operating modes", FORMAT §Stimulus).

A `HostProgram` is explicit and per sample: step j (j = 0..T-1) is what the host does after tick j has finished
(j = 0: before tick 1, the chip in IDLE): AER input events, target transfers sent at once (`tar`), target
transfers that answer a GET_TAR request during tick j+1 (`req`, ignored when the chip does not ask), then the
SAMPLE / TARGET_VALID / INFER_ACC levels that tick j+1 sees. The model (core.chip), the RTL vectors
(vectors.writer -> stimulus.hex) and the SV bench all run the same program.

SAMPLE falling (README "Operating modes"): SAMPLE is high on steps 0..j-1 and low from the first low step j
(1 <= j <= T-1) on; it never rises again. `fall_cycle` = -1: it falls in step j, after tick j is done, so tick j+1
(STEP, SDONE -> SEND) is the sample's last. `fall_cycle` = N >= 0: it falls N clock cycles after the TIME_TICK rise
of tick j (SAMPLE and TIME_TICK have equal 2-flop synchronisers, so SAMPLE_sync is low from the cycle N after
tick j's time_tick cycle, the tick-table convention of core.tick_period.state_at): low at tick j's SDONE (N <=
NUM_RECOUT + 2) -> the sample ends in tick j; otherwise, without SEND_PER_TIMESTEP, low at the last EPROP cycle
-> the chip hangs in EPROP (core.chip.ChipHang), with it low at SEND's first cycle -> SEND -> IDLE (that SEND is
the sample's final one); later falls -> tick j+1 is the last. The host plays no step after the sample's end.

A `HostSpec` is the declarative template a user writes (TOML/JSON `[host]` table, `--host FILE`); `program()`
expands it with one dataset sample into a HostProgram. `HostSpec()` is the stock testbench protocol (golden
FORMAT §3.3): events in file order, the class label once after the marker tick (max(TARGET_TICK, last event
time before the marker)), TARGET_VALID (training) and INFER_ACC from the marker on, regression targets as
GET_TAR answers on the learning ticks, SAMPLE low on the last step.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
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
# integer HostSpec fields: (bottom, top)
_INT_RANGES = {"config_every": (0, 65535), "tick_period": (0, 2**32 - 1), "sample_low_step": (0, 2**32 - 1),
               "sample_fall_cycle": (-1, 2**32 - 1)}


@dataclass(frozen=True)
class HostStep:
    """Host actions after tick j (before tick j+1); levels bit0 SAMPLE, bit1 TARGET_VALID, bit2 INFER_ACC."""

    j: int
    levels: int
    aer: tuple = ()        # input-event addresses (AERIN_TAR_EN = 0), in order
    tar: tuple = ()        # target bytes sent before the tick (AERIN_TAR_EN = 1)
    req: tuple = ()        # target bytes sent when the chip shows REQ_TAR (GET_TAR) during tick j+1


@dataclass(frozen=True, eq=False)
class HostProgram:
    """A host program in array form (numpy, so a 2250-tick sample costs no per-tick Python); `steps` is the
    HostStep view the vector writer uses. tar / req: step j -> target bytes (sparse)."""

    n_ticks: int
    levels: np.ndarray     # int64 [T] levels of step j
    ev_step: np.ndarray    # int64 [E] step of each input event, sorted (stable: file order within a step)
    ev_chan: np.ndarray    # int64 [E] its AER address
    tar: dict = field(default_factory=dict)
    req: dict = field(default_factory=dict)
    tick: str = "ready"
    config: dict = field(default_factory=dict)   # step j -> SPI transactions ((cmd, data), ..) played in CONFIG
    #                                              during tick j+1 (SPI_EN_CONF set in step j, cleared after)
    fall_cycle: int = -1   # SAMPLE falls this many cycles after TIME_TICK j (j = first SAMPLE-low step); -1: in step j

    @property
    def steps(self) -> tuple:
        aer: list[list[int]] = [[] for _ in range(self.n_ticks)]
        for j, a in zip(self.ev_step.tolist(), self.ev_chan.tolist()):
            aer[j].append(a)
        return tuple(HostStep(j, int(lv), tuple(aer[j]), tuple(self.tar.get(j, ())), tuple(self.req.get(j, ())))
                     for j, lv in enumerate(self.levels.tolist()))

    @classmethod
    def from_steps(cls, steps, tick: str = "ready", config: dict | None = None,
                   fall_cycle: int = -1) -> "HostProgram":
        ev = [(s.j, int(a)) for s in steps for a in s.aer]
        return cls(len(steps), np.array([s.levels for s in steps], np.int64),
                   np.array([e[0] for e in ev], np.int64), np.array([e[1] for e in ev], np.int64),
                   {s.j: tuple(s.tar) for s in steps if s.tar}, {s.j: tuple(s.req) for s in steps if s.req}, tick,
                   config or {}, fall_cycle)

    @property
    def fall_step(self) -> int:
        """The first step with SAMPLE low (n_ticks when there is none)."""
        low = np.flatnonzero((np.asarray(self.levels) & LV_SAMPLE) == 0)
        return int(low[0]) if low.size else self.n_ticks

    def split(self) -> list["HostProgram"]:
        """One program per sample: SAMPLE rising again in step r (the chip in IDLE after the sample's SEND) starts
        a new sample at tick r+1 whose step 0 is step r (only step r's events are latched by that tick: the idle
        ticks before wipe theirs); fall_cycle belongs to the first fall."""
        high = (np.asarray(self.levels) & LV_SAMPLE) != 0
        rises = np.flatnonzero(high[1:] & ~high[:-1]) + 1
        cuts = [0, *rises.tolist(), self.n_ticks]
        return [self._window(a, b, self.fall_cycle if i == 0 else -1) for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]

    def _window(self, a: int, b: int, fall_cycle: int) -> "HostProgram":
        """Steps a..b-1 as a program of their own (step a -> step 0)."""
        ev = np.asarray(self.ev_step)
        keep = (ev >= a) & (ev < b)
        def shift(table):
            return {j - a: d for j, d in table.items() if a <= j < b}
        return HostProgram(b - a, np.asarray(self.levels)[a:b].copy(), ev[keep] - a, np.asarray(self.ev_chan)[keep],
                           shift(self.tar), shift(self.req), self.tick, shift(self.config), fall_cycle)

    def truncated(self, n: int) -> "HostProgram":
        """The first n steps (what the host plays when the sample ends in tick n)."""
        ev = np.asarray(self.ev_step)
        keep = ev < n
        return HostProgram(n, np.asarray(self.levels)[:n].copy(), ev[keep], np.asarray(self.ev_chan)[keep],
                           {j: d for j, d in self.tar.items() if j < n}, {j: d for j, d in self.req.items() if j < n},
                           self.tick, {j: t for j, t in self.config.items() if j < n}, self.fall_cycle)


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
    tick_period: int = 0           # 0: TIME_TICK when the chip is ready; N: every N clock cycles (core.tick_period)
    config_every: int = 0          # CONFIG visit (state probe: read the neuron words and output membranes) in
    #                                every tick k = N+1, 2N+1, .. < T (0: never)
    config_txns: tuple = ()        # SPI transactions ((cmd, data..), ..) each visit plays before the probe's reads
    sample_low_step: int = 0       # SAMPLE low from step j = min(this, T-1) on (0: T-1, the stock end)
    sample_fall_cycle: int = -1    # SAMPLE falls this many cycles after TIME_TICK j (-1: in step j; HostProgram)

    @property
    def stock(self) -> bool:
        return self == HostSpec()

    def to_dict(self) -> dict:
        d = {"format": HOST_FORMAT, "version": HOST_VERSION, **asdict(self)}
        d["config_txns"] = [[cmd, *data] for cmd, data in self.config_txns]   # the from_dict form
        return d

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
            if key == "config_txns":
                d[key] = _transactions(value, f"{where}: {key}")
            elif key in _INT_RANGES:
                bottom, top = _INT_RANGES[key]
                if not isinstance(value, int) or isinstance(value, bool) or not bottom <= value <= top:
                    raise InputError(f"{where}: {key}", f"= {value!r} (allowed: an integer {bottom}..{top})")
            elif value not in allowed[key]:
                raise InputError(f"{where}: {key}", f"= {value!r} (allowed: {', '.join(allowed[key])})")
        if d.get("config_txns") and not d.get("config_every"):
            raise InputError(f"{where}: config_txns", "are played in the config_every visits (allowed: with "
                                                      "config_every = N > 0)")
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


def _transactions(value, where: str) -> tuple:
    """config_txns as ((cmd, (data, ..)), ..): each [cmd, data..] with count = cmd[27:16] data words (a read's
    data words may be left out: zeros)."""
    if not isinstance(value, (list, tuple)):
        raise InputError(where, f"= {value!r} (allowed: a list of transactions [cmd, data..])")
    out = []
    for i, t in enumerate(value):
        ok = isinstance(t, (list, tuple)) and t and all(isinstance(w, int) and not isinstance(w, bool)
                                                        and 0 <= w < 2**32 for w in t)
        if not ok:
            raise InputError(f"{where}[{i}]", f"= {t!r} (allowed: [cmd, data..], 32-bit integers)")
        cmd, data, n = t[0], tuple(t[1:]), (t[0] >> 16) & 0xFFF
        if cmd >> 31 and not data:
            data = (0,) * n
        if len(data) != n or n == 0:
            raise InputError(f"{where}[{i}]", f"{len(data)} data words for command 0x{cmd:08x} (count "
                                              f"cmd[27:16] = {n}; allowed: 1..4095, as many as the data)")
        out.append((cmd, data))
    return tuple(out)


def _from(policy: str, marker: int) -> int:
    return {"marker": marker, "always": 0, "never": 1 << 30}[policy]


def program(spec: HostSpec, sample: Sample, target_tick: int, learn: bool, regression: bool,
            targets: np.ndarray | None = None, probe: tuple = (), n_out: int = 16) -> HostProgram:
    """Expand the template with one sample; targets = regression targets [T-1-TT, NOUT] of a training sample
    (None: zeros for n_out outputs);
    probe: the transactions of a state probe (config_visit.probe_transactions)."""
    sch = schedule(sample, target_tick)
    T, tt = sch.n_ticks, sch.marker_tick
    tv_from = _from(spec.target_valid, tt) if learn else 1 << 30
    low = min(spec.sample_low_step or T - 1, T - 1)
    levels = np.zeros(T, np.int64)                 # SAMPLE on steps 0..low-1; the others from their first step
    levels[:low] = LV_SAMPLE
    levels[tv_from:] |= LV_TARGET_VALID
    levels[_from(spec.infer_acc, tt):] |= LV_INFER_ACC
    tar, req = {}, {}
    label = int(sample.label) & 0xFF
    if not regression and spec.label == "marker" and learn:
        tar[tt] = (label,)
    if not regression and spec.label == "gettar":
        req = {k: (label,) for k in range(T)}
    if regression and learn:                       # no targets given: zeros (the model's API default)
        rows = np.asarray(targets, dtype=np.int64) if targets is not None else np.zeros((0, n_out), np.int64)
        for k in range(0 if spec.targets == "gettar" else tt, T - 1):    # answers to the requests of tick k+1
            i = k - tt
            row = rows[i].tolist() if 0 <= i < len(rows) else [0] * rows.shape[1]
            req[k] = tuple(b for v in row for b in (v & 0xFF, (v >> 8) & 0xFF))
    n = spec.config_every                          # visits need an SDONE that does not end the sample
    top = low - 1 if spec.sample_fall_cycle < 0 else low - 2
    config = {k: tuple(probe) for k in range(n, top + 1, n)} if n and probe else {}
    return HostProgram(T, levels, sch.ev_tick, sch.ev_chan, tar, req, spec.tick, config,   # ev_tick: in step order
                       spec.sample_fall_cycle)


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
    lv = np.asarray(prog.levels)
    if T < 2 or lv.shape != (T,):
        raise InputError("host program", f"{lv.size} steps for T = {T} (need T >= 2 steps)")
    bad = np.flatnonzero((lv < 0) | (lv > 7))
    if bad.size:
        raise InputError(f"host program step {bad[0]}: levels", f"= {lv[bad[0]]} out of range 0..7")
    j = _check_sample_levels(prog)
    ev = np.asarray(prog.ev_step)
    if ev.size and (np.any(np.diff(ev) < 0) or ev[0] < 0 or ev[-1] >= T):
        raise InputError("host program: aer", f"event steps must be sorted within 0..{T - 1}")
    chan = np.asarray(prog.ev_chan)
    if chan.size and (chan.min() < 0 or chan.max() > 255):
        raise InputError(f"host program step {ev[np.argmax((chan < 0) | (chan > 255))]}: aer",
                         "byte out of range 0..255")
    top = j - 1 if prog.fall_cycle < 0 else j - 2     # a mid-tick fall in tick j may end it at its SDONE
    bad = [c for c in prog.config if not 1 <= c <= top]
    if bad:
        raise InputError(f"host program step {bad[0]}: config", f"a CONFIG visit needs an SDONE that does not end "
                                                                 f"the sample (allowed steps: 1..{top})")
    need = gettar_bytes(regression, num_out)
    for name, table in (("tar", prog.tar), ("req", prog.req)):
        for j, data in sorted(table.items()):
            where = f"host program step {j}: {name}"
            if not 0 <= j < T or any(not 0 <= int(b) <= 255 for b in data):
                raise InputError(where, f"step out of range 0..{T - 1} or byte out of range 0..255")
            if name == "tar" and regression and data:
                raise InputError(where, "regression targets are sent as GET_TAR answers (req), not tar")
            if name == "req" and len(data) > need:
                raise InputError(where, f"{len(data)} bytes; one GET_TAR takes {need} (allowed: 0..{need})")


def _check_sample_levels(prog: HostProgram) -> int:
    """The first SAMPLE-low step j (README "Operating modes": high on 0..j-1, low from j on, 1 <= j <= T-1)."""
    high = (np.asarray(prog.levels) & LV_SAMPLE) != 0
    j, T, n = prog.fall_step, prog.n_ticks, prog.fall_cycle
    if j == T:
        raise InputError(f"host program step {T - 1}: levels", "SAMPLE is high on every step (the sample ends when "
                                                               "SAMPLE is low: on some step 1..T-1)")
    if j == 0:
        raise InputError("host program step 0: levels", "SAMPLE must be high on step 0 (IDLE -> PROP at tick 1 "
                                                        "needs SAMPLE)")
    rise = np.flatnonzero(high[j:])
    if rise.size:
        raise InputError(f"host program step {j + int(rise[0])}: levels",
                         f"SAMPLE rises again after falling in step {j}: that starts a new sample (the chip is in "
                         "IDLE after the SEND); run the program with Chip.run_program, one result per sample "
                         "(allowed here: SAMPLE low on every step after the first low one)")
    if not isinstance(n, int) or not -1 <= n <= 2**32 - 1 or (j == 1 and n == 0):
        raise InputError("host program: fall_cycle", f"= {n!r} (allowed: -1, or 0..4294967295 cycles after "
                                                     f"TIME_TICK {j}; 1.. in tick 1: SAMPLE low at its time_tick "
                                                     "cycle keeps the chip in IDLE)")
    return j


def sdone_offset(num_recout: int) -> int:
    """Cycles from a tick's time_tick cycle to its SDONE cycle: STEP takes NUM_RECOUT + 1 cycles."""
    return num_recout + 2


def played(prog: HostProgram, num_recout: int) -> tuple[HostProgram, int]:
    """The steps the host plays (up to the sample's end) and the tick whose end the kernel decides (0: none).

    SAMPLE low from step j ends the sample in tick j+1; a fall N cycles into tick j >= 2 ends it in tick j when
    SAMPLE_sync is low at SDONE (N <= sdone_offset), else core.sample_kernel decides after tick j's EPROP."""
    j, n = prog.fall_step, prog.fall_cycle
    if n >= 0 and j >= 2 and n <= sdone_offset(num_recout):
        return prog.truncated(j), 0
    return (prog.truncated(j + 1) if j + 1 < prog.n_ticks else prog), (j if n >= 0 and j >= 2 else 0)


def drive_arrays(prog: HostProgram, regression: bool) -> dict:
    """The program as the kernel's per-step arrays (records.Drive fields)."""
    T = prog.n_ticks
    tar_label = np.full(T, -1, np.int64)
    req_n, req_label = np.zeros(T, np.int64), np.zeros(T, np.int64)
    targets = np.zeros((T if regression else 1, 16), np.int64)    # read only in regression
    config_at = np.zeros(T, np.int64)
    config_at[list(prog.config)] = 1
    for j, data in prog.tar.items():
        if data:
            tar_label[j] = int(data[-1])
    for j, data in prog.req.items():
        req_n[j] = len(data)
        if data and not regression:
            req_label[j] = int(data[-1])
        if data and regression:
            b = np.asarray(tuple(data) + (0,) * (len(data) % 2), np.int64)
            v = int16_le(b[0::2], b[1::2])
            targets[j, : len(v)] = v
    return dict(ev_tick=np.ascontiguousarray(prog.ev_step, np.int64),
                ev_chan=np.ascontiguousarray(prog.ev_chan, np.int64), levels=np.ascontiguousarray(prog.levels,
                np.int64), tar_label=tar_label, req_n=req_n, req_label=req_label, targets=targets,
                config_at=config_at, fall_cycle=int(prog.fall_cycle))


def int16_le(low, high) -> np.ndarray:
    """16-bit two's complement values sent as (low byte, high byte) pairs: GET_TAR targets, OUT_DATA membranes."""
    v = np.asarray(low, np.int64) | (np.asarray(high, np.int64) << 8)
    return np.where(v >= 0x8000, v - 0x10000, v)
