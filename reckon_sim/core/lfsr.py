"""The unfolded-LFSR family of ReckOn (spec §12) and its eleven instances.

Every module is a Fibonacci LFSR whose sequence obeys s[t] = s[t-a] ^ s[t-L]; one enabled clock advances the
sequence by k bits and the output bus shows the next k bits (out[j] = s[j]). The register bits map onto a
window of the sequence (`register_offsets`). Both the output and the next state are GF(2)-linear in the
register, so the kernels use byte-sliced lookup tables built here from the sequence definition.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numba import njit


@dataclass(frozen=True)
class LfsrKind:
    name: str
    length: int       # L: state bits
    tap: int          # a: s[t] = s[t-a] ^ s[t-L]
    bits: int         # k: output bits (= sequence bits consumed) per step
    oneur_layout: bool = False   # lfsr_oneur_stochround interleaves its seed bits differently

    def register_offsets(self) -> list[int]:
        """Sequence offset (relative to the first output bit s[0]) held by each register bit d_i."""
        L, a = self.length, self.tap
        if self.oneur_layout:
            offs = [0] * L
            for m in range(7):
                offs[2 * m + 1] = m - 14
                offs[2 * m + 2] = m - 7
            return offs
        return [i if i < a else i - L for i in range(L)]

    def _sequence(self, register: int, n: int) -> dict[int, int]:
        """s[t] for t in (a-L) .. n-1, from the register value."""
        s = {off: (register >> i) & 1 for i, off in enumerate(self.register_offsets())}
        for t in range(self.tap, n):
            s[t] = s[t - self.tap] ^ s[t - self.length]
        return s

    def output(self, register: int) -> int:
        """The k-bit output bus in this state (bit j = s[j])."""
        s = self._sequence(register, self.bits)
        return sum(s[j] << j for j in range(self.bits))

    def step(self, register: int) -> int:
        """The register after one enabled clock (window shifted by k)."""
        offs = self.register_offsets()
        s = self._sequence(register, self.bits + self.tap)
        return sum(s[off + self.bits] << i for i, off in enumerate(offs))


NEUR = LfsrKind("lfsr_neur_stochround", 15, 1, 15)
ONEUR = LfsrKind("lfsr_oneur_stochround", 15, 1, 7, oneur_layout=True)
NOISE = LfsrKind("lfsr_noise_neur", 17, 3, 32)
WINP_WREC = LfsrKind("lfsr_winp_wrec", 25, 3, 512)
WOUT = LfsrKind("lfsr_wout", 22, 1, 448)


@dataclass(frozen=True)
class LfsrInstance:
    name: str
    kind: LfsrKind
    reset: int
    seed_register: str
    seed_lsb: int     # the seed is bits [seed_lsb + L - 1 : seed_lsb] of the seed register


# Order = index in the kernels' LFSR state vector; the first nine are the dump order of `lfsr_small`.
INSTANCES: tuple[LfsrInstance, ...] = (
    LfsrInstance("strnd_neur0", NEUR, 0x1234, "SPI_SEED_STRND_NEUR", 0),
    LfsrInstance("strnd_neur1", NEUR, 0x70F0, "SPI_SEED_STRND_NEUR", 15),
    LfsrInstance("strnd_oneur", ONEUR, 0x7ABA, "SPI_SEED_STRND_ONEUR", 0),
    LfsrInstance("strnd_tinp0", NEUR, 0x1348, "SPI_SEED_STRND_TINP", 0),
    LfsrInstance("strnd_tinp1", NEUR, 0x7FCF, "SPI_SEED_STRND_TINP", 15),
    LfsrInstance("strnd_trec0", NEUR, 0x4321, "SPI_SEED_STRND_TREC", 0),
    LfsrInstance("strnd_trec1", NEUR, 0x7BEA, "SPI_SEED_STRND_TREC", 15),
    LfsrInstance("strnd_tout0", ONEUR, 0x3FF3, "SPI_SEED_STRND_TOUT", 0),
    LfsrInstance("strnd_tout1", ONEUR, 0x7EF0, "SPI_SEED_STRND_TOUT", 15),
    LfsrInstance("noise_neur", NOISE, 0x1F0F1, "SPI_SEED_NOISE_NEUR", 0),
    LfsrInstance("winp", WINP_WREC, 0x0000001, "SPI_SEED_INP", 0),
    LfsrInstance("wrec", WINP_WREC, 0x0424242, "SPI_SEED_REC", 0),
    LfsrInstance("wout", WOUT, 0x000001, "SPI_SEED_OUT", 0),
)
INDEX = {inst.name: i for i, inst in enumerate(INSTANCES)}


def seeded_states(registers: dict[str, int]) -> np.ndarray:
    """LFSR state vector after the seed registers were written (every instance loads its seed slice)."""
    out = np.zeros(len(INSTANCES), dtype=np.int64)
    for i, inst in enumerate(INSTANCES):
        out[i] = (registers[inst.seed_register] >> inst.seed_lsb) & ((1 << inst.kind.length) - 1)
    return out


def reset_states() -> np.ndarray:
    return np.array([inst.reset for inst in INSTANCES], dtype=np.int64)


def _basis(kind: LfsrKind):
    """Output and next state of each single-bit register (the columns of the two linear maps)."""
    return [kind.output(1 << i) for i in range(kind.length)], [kind.step(1 << i) for i in range(kind.length)]


@lru_cache(maxsize=None)
def full_tables(kind: LfsrKind) -> tuple[np.ndarray, np.ndarray]:
    """(next[state], output[state]) over all 2^L states, for the small LFSRs (L <= 17)."""
    outs, nexts = _basis(kind)
    n = 1 << kind.length
    nxt = np.zeros(n, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    for i in range(kind.length):
        half = 1 << i
        nxt[half:2 * half] = nxt[:half] ^ nexts[i]   # GF(2) linearity: add bit i to every smaller state
        out[half:2 * half] = out[:half] ^ outs[i]
    return nxt, out


def _apply(cols: list[int], vec: int) -> int:
    """The linear map with columns `cols` applied to the bit vector `vec` (GF(2))."""
    v = 0
    for i, col in enumerate(cols):
        if (vec >> i) & 1:
            v ^= col
    return v


def _byte_slices(cols: list[int]) -> list[list[int]]:
    """[c][byte] = the map applied to `byte` placed at bits 8c..8c+7 (4 slices cover any L <= 32)."""
    slices = []
    for c in range(4):
        row = [0] * 256
        for b in range(1, 256):
            low = (b & -b).bit_length() - 1        # linearity: add the column of b's lowest set bit
            i = 8 * c + low
            row[b] = row[b & (b - 1)] ^ (cols[i] if i < len(cols) else 0)
        slices.append(row)
    return slices


@lru_cache(maxsize=None)
def sliced_tables(kind: LfsrKind, lane_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte-sliced tables for the wide LFSRs: next[c, byte] and lanes[c, byte, 16] (16 lanes of lane_bits)."""
    outs, nexts = _basis(kind)
    nxt = np.array(_byte_slices(nexts), dtype=np.int64)
    lane_mask = (1 << lane_bits) - 1
    lanes = np.array([[[(ov >> (lane_bits * n)) & lane_mask for n in range(16)] for ov in row]
                      for row in _byte_slices(outs)], dtype=np.int64)
    return nxt, lanes


@lru_cache(maxsize=None)
def sliced_jump_tables(kind: LfsrKind, n_pows: int = 9) -> np.ndarray:
    """next-state tables [j, c, byte] of 2^j steps (j < n_pows): a jump of m steps costs popcount(m) lookups."""
    _, cols = _basis(kind)
    out = np.zeros((n_pows, 4, 256), dtype=np.int64)
    for j in range(n_pows):
        out[j] = _byte_slices(cols)
        cols = [_apply(cols, col) for col in cols]     # square the map: column i of M^2 = M(column i of M)
    return out


SEQ_EXTENSION = 256      # a sequence slice may run this many steps past its start (>= the steps of one STEP/pass)


@njit(cache=True)
def _cycle_layout(nxt, extension):
    """The cycles of the permutation `nxt` laid out one after another, each followed by its first `extension`
    states again: (pos[state], seq[position]) with seq[pos[s] + m] = nxt^m(s) for 0 <= m <= extension."""
    n = nxt.shape[0]
    pos = np.full(n, -1, np.int32)
    seq = np.zeros(2 * n + extension * n, np.int32)     # trimmed below; the bound covers n fixed points
    at = 0
    for start in range(n):
        if pos[start] >= 0:
            continue
        s, first = start, at
        while pos[s] < 0:
            pos[s] = at
            seq[at] = s
            at += 1
            s = nxt[s]
        length = at - first
        for m in range(extension + 1):
            seq[at] = seq[first + m % length]
            at += 1
    return pos, seq[:at]


@lru_cache(maxsize=None)
def sequence_tables(kind: LfsrKind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pos[state], state[position], output[position]) of a small LFSR (core.kernels reads a STEP's or a pass's
    outputs as one contiguous slice: no dependent table walk, so those loops vectorise)."""
    nxt, out = full_tables(kind)
    pos, seq = _cycle_layout(nxt, SEQ_EXTENSION)
    dt = np.int16 if kind.bits <= 15 else np.int64
    return pos, seq.astype(np.int16 if kind.length <= 15 else np.int32), out[seq].astype(dt)


def top_bytes(lanes: np.ndarray) -> np.ndarray:
    """[c, byte, h] = bits 31..24 of lanes[c, byte, 8h + i] in byte i: the XOR of four of them is the top byte of
    16 output lanes at once (the output is linear), so rows.update_rows sees in 4 loads which lanes draw < 2^24."""
    top = (lanes >> 24) & 0xFF
    packed = np.zeros(lanes.shape[:2] + (2,), np.uint64)
    for i in range(16):
        packed[:, :, i >> 3] |= top[:, :, i].astype(np.uint64) << np.uint64(8 * (i & 7))
    return packed.view(np.int64)


class LfsrTables(NamedTuple):
    """All lookup tables the kernels need, as plain arrays (one Numba record; built once per process)."""

    neur_next: np.ndarray     # int16 (the states are 15-bit) quarters the cache footprint: STEP looks them up
    neur_out: np.ndarray      # 8 times per pair
    oneur_next: np.ndarray
    oneur_out: np.ndarray
    noise_next: np.ndarray
    noise_out: np.ndarray
    wide_next: np.ndarray     # [4, 256] byte-sliced next state of lfsr_winp_wrec
    wide_lanes: np.ndarray    # [4, 256, 16] byte-sliced output lanes
    wide_jump: np.ndarray     # [j, 4, 256] next state after 2^j steps
    wout_next: np.ndarray
    wout_lanes: np.ndarray
    neur_pos: np.ndarray      # sequence_tables of lfsr_neur_stochround, _oneur_stochround, _noise_neur
    neur_seq: np.ndarray
    neur_seq_out: np.ndarray
    oneur_pos: np.ndarray
    oneur_seq: np.ndarray
    oneur_seq_out: np.ndarray
    noise_pos: np.ndarray
    noise_seq: np.ndarray
    noise_seq_out: np.ndarray
    wide_top: np.ndarray      # [4, 256, 2] bits 31..24 of wide_lanes' 16 lanes, 8 lanes packed per int64 (top_bytes)

    @classmethod
    def build(cls) -> "LfsrTables":
        neur_next, neur_out = (t.astype(np.int16) for t in full_tables(NEUR))
        oneur_next, oneur_out = (t.astype(np.int16) for t in full_tables(ONEUR))
        wide_next, wide_lanes = sliced_tables(WINP_WREC, 32)
        wout_next, wout_lanes = sliced_tables(WOUT, 28)
        return cls(neur_next, neur_out, oneur_next, oneur_out, *full_tables(NOISE), wide_next, wide_lanes,
                   sliced_jump_tables(WINP_WREC), wout_next, wout_lanes, *sequence_tables(NEUR),
                   *sequence_tables(ONEUR), *sequence_tables(NOISE), top_bytes(wide_lanes))


@lru_cache(maxsize=1)
def tables() -> LfsrTables:
    return LfsrTables.build()
