"""Text formats of the RTL test vectors (`reckon-sim vectors`): writers, the matching parsers (every token is
hexadecimal) and the constants the bench shares with them.

All files are plain ASCII, LF line endings, lower-case hex without ``0x``; numbers are separated by single
spaces. Every file except the ``.md``/``.json``/``.vcd`` ones is readable by ``$readmemh`` (a flat stream of
words) and by ``$fscanf(fd, "%h", x)`` token by token. The full description is ``vector_files_doc.FORMAT_DOC``
(written as ``FORMAT.md`` into every vector folder).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT_VERSION = 6      # 2: host programs (per-tick SEND, CONFIG visits); 3: tick period, timing mode, halts (record 7);
#                         4: SAMPLE falling mid-tick (record 9); 5: cut ticks (record 8), free run (record 7 bit 1),
#                         local ticks from a visit (record 10), GET_TAR entries the bench cannot see, hangs (record 11);
#                         6: undefined (don't-care) CONFIG read words (record 12)

# stimulus opcodes (first token of a stimulus record)
OP_END, OP_SPI, OP_SAMPLE, OP_STEP, OP_SAMPLE_END, OP_TICK_SEND, OP_CONFIG, OP_TIMING, OP_LOST, OP_FALL = range(10)
OP_LOCAL = 10                                   # record 10: SPI_LOCAL_TICK := 1 in a visit (local ticks from then on)
OP_GETTAR = 11                                  # record 11 (b): GET_TARs the bench is told of
OP_UNDEF = 12                                   # record 12 (c): the next record 6's read words are don't-care
FALL_NEXT, FALL_ENDS, FALL_HANG = range(3)      # record 9 `end`: tick k+1 is the last; tick k is; EPROP hang
LV_SAMPLE, LV_TARGET_VALID, LV_INFER_ACC = 1, 2, 4
# bench timing constants: clock edges from the TIME_TICK rise to TIMING_ERROR_RDY (ticks < T) / OUT_REQ (tick T)
# seen high, minus the tick's cycle count (2-flop synchroniser + edge detector; OUT_REQ is registered in SEND)
EDGES_TO_READY, EDGES_TO_OUT_REQ = 2, 3
# clock edges from the early TIME_TICK rise to TIMING_ERROR_RDY high: SPI_TIMING_MODE = 1 (TIMING_ERROR is set at
# the end of the time_tick cycle) / 0 with SPI_ERROR_HALT = 1 (one more FSM step, then IDLE)
EDGES_TO_ERROR, EDGES_TO_HALT = 3, 4
# a read word with no defined value (a code-0 read before any SPI read since reset: SRNN_READBACK has no reset);
# in Transaction.data, SampleResult.config_reads and golden `config_read`; record 12 marks it, compare skips it
UNDEFINED_WORD = -1


def _write(path: Path, lines) -> None:
    Path(path).write_text("".join(f"{line}\n" for line in lines), encoding="ascii")


def _tokens(path: Path) -> list[int]:
    return [int(t, 16) for t in Path(path).read_text(encoding="ascii").split()]


# ------------------------------------------------------------------------------------------- $readmemh images
def write_image(path: Path, image: np.ndarray) -> None:
    """SRAM image [words, 16] uint8 as one 32-digit hex word per line (bits 127:0, byte 15 first)."""
    rows = np.ascontiguousarray(image, dtype=np.uint8)[:, ::-1]
    _write(path, (bytes(r).hex() for r in rows))


def read_image(path: Path) -> np.ndarray:
    """Inverse of `write_image`: [words, 16] uint8."""
    words = Path(path).read_text(encoding="ascii").split()
    return np.array([list(bytes.fromhex(w.rjust(32, "0")))[::-1] for w in words], dtype=np.uint8).reshape(-1, 16)


# --------------------------------------------------------------------------------------- SPI transaction files
@dataclass(frozen=True)
class Transaction:
    """One SPI transaction: command word + data words (count = len(data))."""

    cmd: int
    data: tuple[int, ...]

    @property
    def read(self) -> bool:
        return bool(self.cmd >> 31)

    @property
    def code(self) -> int:
        return (self.cmd >> 28) & 7

    @property
    def addr(self) -> int:
        return self.cmd & 0xFFFF

    def words(self) -> list[int]:
        return [self.cmd, *self.data]


def write_transactions(path: Path, seq: list[Transaction]) -> None:
    """One transaction per line: command word then its data words (8 hex digits each)."""
    _write(path, (" ".join(f"{w:08x}" for w in t.words()) for t in seq))


def read_transactions(path: Path) -> list[Transaction]:
    """Parse a transaction file as a flat word stream: command, then count = cmd[27:16] data words."""
    words = _tokens(path)
    out, i = [], 0
    while i < len(words):
        cmd = words[i]
        n = (cmd >> 16) & 0xFFF
        if i + 1 + n > len(words):
            raise ValueError(f"{path}: transaction at word {i} announces {n} data words, file ends")
        out.append(Transaction(cmd, tuple(words[i + 1: i + 1 + n])))
        i += 1 + n
    return out


# ------------------------------------------------------------------------------------------------ stimulus
@dataclass
class Step:
    """Host actions before tick `j` + 1 (or, for `req`, during it)."""

    j: int
    levels: int                    # bit0 SAMPLE, bit1 TARGET_VALID, bit2 INFER_ACC (applied after aer/tar)
    aer: list[int] = field(default_factory=list)     # input events (AERIN_TAR_EN = 0), in order
    tar: list[int] = field(default_factory=list)     # target transfers before the tick (AERIN_TAR_EN = 1)
    req: list[int] = field(default_factory=list)     # target transfers sent when REQ_TAR (MISO) rises in the tick
    config: list = field(default_factory=list)       # Transactions played in CONFIG during the tick (reads: expected)

    def tokens(self) -> list[int]:
        return [OP_STEP, self.j, self.levels, len(self.aer), len(self.tar), len(self.req),
                *self.aer, *self.tar, *self.req]


@dataclass(frozen=True)
class Timing:
    """Record 7 (version 3): how the host paces ticks and where the chip halts (see FORMAT_DOC)."""

    period: int = 0                # TIME_TICK every `period` cycles (between rises); 0: when TIMING_ERROR_RDY is high
    halt_tick: int = 0             # the chip ends held in IDLE during this tick (0: never)
    timing_error: int = 0          # TIMING_ERROR set while held (the pin's level with SPI_TIMING_MODE = 1)
    timing_mode: int = 0           # SPI_TIMING_MODE: 1 = TIMING_ERROR_RDY shows TIMING_ERROR, not readiness

    def tokens(self) -> list[int]:
        return [OP_TIMING, self.period, self.halt_tick, self.timing_error, self.timing_mode]


@dataclass(frozen=True)
class Fall:
    """Record 9 (version 4): SAMPLE falls `cycle` clock edges after the TIME_TICK rise of tick `tick`; `end` says
    what the model predicts (FALL_NEXT, FALL_ENDS, FALL_HANG; see FORMAT_DOC)."""

    tick: int
    cycle: int
    end: int

    def tokens(self) -> list[int]:
        return [OP_FALL, self.tick, self.cycle, self.end]


@dataclass(frozen=True)
class GetTar:
    """Record 11 (version 5): the sample's `n` rows of expect/gettar_NNNN.hex (GET_TAR entries the bench must be
    told: REQ_TAR not on MISO, or a hang); miso: REQ_TAR shows on MISO (SPI_GET_TAR_REQ_OUT)."""

    n: int
    miso: int

    def tokens(self) -> list[int]:
        return [OP_GETTAR, self.n, self.miso]


@dataclass
class SampleStim:
    gidx: int
    epoch: int
    phase: int                     # 0 train, 1 test
    index: int                     # sample index in its dataset file
    n_ticks: int
    n_items: int                   # OUT_DATA items the chip sends at the end
    pre_spi: list[Transaction] = field(default_factory=list)   # host SPI writes before the sample
    steps: list[Step] = field(default_factory=list)
    tick_items: int = 0            # SEND_PER_TIMESTEP: OUT_DATA items the chip sends in every tick 2..T-1
    timing: Timing | None = None    # record 7: tick period, timing mode, halt (None: ready-paced, no halt)
    lost: list[int] = field(default_factory=list)   # record 8: host ticks lost (early, SPI_ERROR_HALT = 0)
    fall: Fall | None = None        # record 9: SAMPLE falls mid-tick
    local: tuple | None = None      # record 10: (tick k of the visit, tick k+1's start offset, SPI_CYCLES_PER_TICK)
    gettar: GetTar | None = None    # record 11: GET_TAR entries in expect/gettar_NNNN.hex


def write_stimulus(path: Path, samples: list[SampleStim]) -> None:
    lines = []
    for s in samples:
        for t in s.pre_spi:
            lines.append(f"{OP_SPI:x} " + " ".join(f"{w:08x}" for w in t.words()))
        lines.append(" ".join(f"{v:x}" for v in (OP_SAMPLE, s.gidx, s.epoch, s.phase, s.index, s.n_ticks, s.n_items)))
        if s.tick_items:
            lines.append(f"{OP_TICK_SEND:x} {s.tick_items:x}")
        if s.timing is not None:
            lines.append(" ".join(f"{v:x}" for v in s.timing.tokens()))
        if s.lost:
            lines.append(" ".join(f"{v:x}" for v in (OP_LOST, len(s.lost), *s.lost)))
        if s.fall is not None:
            lines.append(" ".join(f"{v:x}" for v in s.fall.tokens()))
        if s.local is not None:
            lines.append(" ".join(f"{v:x}" for v in (OP_LOCAL, *s.local)))
        if s.gettar is not None:
            lines.append(" ".join(f"{v:x}" for v in s.gettar.tokens()))
        for st in s.steps:
            lines.extend(line for t in st.config for line in _config_lines(t))
            lines.append(" ".join(f"{v:x}" for v in st.tokens()))
        lines.append(f"{OP_SAMPLE_END:x} {s.gidx:x}")
    lines.append(f"{OP_END:x}")
    _write(path, lines)


def _config_lines(t: Transaction) -> list[str]:
    """Record 6 of one CONFIG transaction, after a record 12 if its read words are undefined (written as 0)."""
    undef = t.read and any(w == UNDEFINED_WORD for w in t.data)
    words = [t.cmd, *(0 if w == UNDEFINED_WORD else w for w in t.data)]
    return [f"{OP_UNDEF:x}"] * undef + [f"{OP_CONFIG:x} " + " ".join(f"{w:08x}" for w in words)]


def read_stimulus(path: Path) -> list[SampleStim]:
    """Parse a stimulus file back into SampleStim records (token stream, as the bench reads it)."""
    tok = _tokens(path)
    out: list[SampleStim] = []
    pending: list[Transaction] = []
    visit: list[Transaction] = []
    i, undef = 0, False

    def take(n: int) -> list[int]:
        nonlocal i
        if i + n > len(tok):
            raise ValueError(f"{path}: truncated record at token {i}")
        v = tok[i: i + n]
        i += n
        return v

    while True:
        (op,) = take(1)
        if op == OP_END:
            return out
        if op == OP_SPI:
            cmd, data = take(2)
            pending.append(Transaction(cmd, (data,)))
        elif op == OP_SAMPLE:
            out.append(SampleStim(*take(6), pre_spi=pending))
            pending = []
        elif op == OP_STEP:
            j, lv, na, nt, nr = take(5)
            out[-1].steps.append(Step(j, lv, take(na), take(nt), take(nr), visit))
            visit = []
        elif op == OP_CONFIG:
            (cmd,) = take(1)
            data = take((cmd >> 16) & 0xFFF)
            visit.append(Transaction(cmd, tuple(UNDEFINED_WORD for _ in data) if undef else tuple(data)))
            undef = False
        elif op == OP_UNDEF:
            undef = True
        elif op == OP_TICK_SEND:
            (out[-1].tick_items,) = take(1)
        elif op == OP_TIMING:
            out[-1].timing = Timing(*take(4))
        elif op == OP_LOST:
            out[-1].lost = take(take(1)[0])
        elif op == OP_FALL:
            out[-1].fall = Fall(*take(3))
        elif op == OP_LOCAL:
            out[-1].local = tuple(take(3))
        elif op == OP_GETTAR:
            out[-1].gettar = GetTar(*take(2))
        elif op == OP_SAMPLE_END:
            (g,) = take(1)
            if g != out[-1].gidx:
                raise ValueError(f"{path}: sample end {g} does not close sample {out[-1].gidx}")
        else:
            raise ValueError(f"{path}: unknown opcode {op:x} at token {i - 1}")


# ---------------------------------------------------------------------------------------- expected responses
def write_outputs(path: Path, rows: list[tuple[int, list[int]]]) -> None:
    """Per sample: gidx, number of OUT_DATA items, the items."""
    _write(path, (" ".join(f"{v:x}" for v in (g, len(items), *items)) for g, items in rows))


def read_outputs(path: Path) -> list[tuple[int, list[int]]]:
    tok, out, i = _tokens(path), [], 0
    while i < len(tok):
        g, n = tok[i], tok[i + 1]
        out.append((g, tok[i + 2: i + 2 + n]))
        i += 2 + n
    return out


def write_tick_sends(path: Path, n: np.ndarray, data: np.ndarray, ticks=None, last: bool = False) -> None:
    """Per tick k with a per-tick SEND (SEND_PER_TIMESTEP): k, the number of OUT_DATA items, the items; every
    tick 2..T-1 of the rows has a line (n = 0 while a CONFIG visit had SEND_PER_TIMESTEP = 0), the last row too
    when `last` (a tick that hangs in GET_TAR: the bench reads its line, 0 items).
    ticks: the host tick number of each row (default 1, 2, ..; with lost ticks, the chip's ticks' host numbers)."""
    ticks = np.arange(1, len(n) + 1) if ticks is None else np.asarray(ticks)
    end = len(n) if last else len(n) - 1
    _write(path, (" ".join(f"{v:x}" for v in (int(ticks[c]), int(n[c]), *data[c, : n[c]].tolist()))
                  for c in range(len(n)) if n[c] or 0 < c < end))


def read_tick_sends(path: Path) -> dict[int, list[int]]:
    """Inverse of `write_tick_sends`: tick k -> its items."""
    tok, out, i = _tokens(path), {}, 0
    while i < len(tok):
        k, n = tok[i], tok[i + 1]
        out[k] = tok[i + 2: i + 2 + n]
        i += 2 + n
    return out


def write_timing(path: Path, rows: list) -> None:
    """Per sample with a record 7 (Timing): gidx and the record's four fields, for the replay DUT."""
    _write(path, (" ".join(f"{v:x}" for v in (g, *t.tokens()[1:])) for g, t in enumerate(rows) if t is not None))


def read_timing(path: Path) -> dict[int, Timing]:
    """Inverse of `write_timing`: gidx -> Timing."""
    tok = _tokens(path)
    return {tok[i]: Timing(*tok[i + 1: i + 5]) for i in range(0, len(tok), 5)}


def write_gettar(path: Path, rows: list[tuple[int, int, int]]) -> None:
    """Per GET_TAR the bench must be told of (record 11): host tick k, the core cycle c its GET_TAR starts
    (CONFIG cycles not counted), the target transfers n that end it (0: the host's do not, the chip hangs)."""
    _write(path, (f"{k:x} {c:x} {n:x}" for k, c, n in rows))


def read_gettar(path: Path) -> list[tuple[int, int, int]]:
    """Inverse of `write_gettar`."""
    tok = _tokens(path)
    return [tuple(tok[i: i + 3]) for i in range(0, len(tok), 3)]


def write_cycles(path: Path, cycles: np.ndarray, gettar: np.ndarray) -> None:
    """Per tick k = 1..T: clock cycles of the tick (golden `tick_cycles`) and its host-paced cycles (GET_TAR
    and per-tick SEND: they depend on the host's handshakes; the bench measures and excludes them)."""
    _write(path, (f"{int(c):x} {int(g):x}" for c, g in zip(cycles, gettar)))


def write_local(path: Path, rows) -> None:
    """Per local tick (record 10): `j g` = host tick j comes g cycles after the time_tick of the chip tick it lands
    in (read by tools/rtl/reckon_replay.sv)."""
    _write(path, (f"{j:x} {g:x}" for j, g in rows))


def read_local(path: Path) -> dict[int, int]:
    """expect/local_NNNN.hex as {host tick j: cycles after the time_tick of the chip tick it lands in} ({}: none)."""
    if not Path(path).exists():
        return {}
    t = _tokens(path)
    return dict(zip(t[0::2], t[1::2]))


def read_cycles(path: Path) -> np.ndarray:
    """[T, 2] int64: tick_cycles, host-paced cycles (GET_TAR + per-tick SEND)."""
    return np.array(_tokens(path), dtype=np.int64).reshape(-1, 2)


def lanes_hex(values: np.ndarray, bits: int) -> list[str]:
    """Rows of fields as big hex numbers: field n of a row in bits bits*n+bits-1 .. bits*n (field 0 = LSBs)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << bits) - 1)
    digits = -(-bits * v.shape[1] // 4)
    out = []
    for row in v.tolist():
        acc = 0
        for n, x in enumerate(row):
            acc |= x << (bits * n)
        out.append(f"{acc:0{digits}x}")
    return out


def unlanes_hex(token: str, bits: int, n: int, signed: bool = False) -> np.ndarray:
    """Inverse of `lanes_hex` for one token: n fields of `bits` bits."""
    acc = int(token, 16)
    f = np.array([(acc >> (bits * i)) & ((1 << bits) - 1) for i in range(n)], dtype=np.int64)
    return np.where(f >> (bits - 1), f - (1 << bits), f) if signed else f


STATE_COLUMNS = (  # name, bits per field, signed
    ("z", 1, False), ("inp", 1, False), ("u", 16, True), ("tinp", 12, False), ("trec", 12, False),
    ("tout", 10, False), ("oneur_u", 16, True))


def write_state(path: Path, cols: dict[str, np.ndarray]) -> None:
    """Per tick: k then the STATE_COLUMNS as lane-packed hex numbers (see FORMAT_DOC)."""
    packed = [lanes_hex(cols[name], bits) for name, bits, _ in STATE_COLUMNS]
    _write(path, (" ".join([f"{k + 1:x}", *(p[k] for p in packed)]) for k in range(len(packed[0]))))


def read_state(path: Path, widths: dict[str, int]) -> dict[str, np.ndarray]:
    """Parse a state file; widths = number of fields per column (NREC, NINP, NOUT as written)."""
    rows = [line.split() for line in Path(path).read_text(encoding="ascii").splitlines()]
    out = {"k": np.array([int(r[0], 16) for r in rows], dtype=np.int64)}
    for c, (name, bits, signed) in enumerate(STATE_COLUMNS, start=1):
        out[name] = np.array([unlanes_hex(r[c], bits, widths[name], signed) for r in rows], dtype=np.int64)
    return out
