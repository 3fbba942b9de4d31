"""SRAM layouts of ReckOn (spec §3) and pack/unpack between the logical arrays and 128-bit words.

The model keeps memories as logical arrays (neuron fields [4, 256], weights [pre, post]); these functions
give the exact bit images the RTL holds, for golden dumps, $readmemh vectors and SPI read-back.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Field:
    name: str
    lsb: int
    width: int
    signed: bool = False


@dataclass(frozen=True)
class MemoryLayout:
    name: str
    words: int
    word_bits: int
    description: str


# Neuron word w holds neurons 2w (slot 0, bits 49:0) and 2w+1 (slot 1, bits 99:50) plus pair-shared fields.
NEURON_SLOT_FIELDS = (Field("u", 0, 16, True), Field("tinp", 16, 12), Field("trec", 28, 12), Field("tout", 40, 10))
NEURON_SLOT_BITS = 50
NEURON_PAIR_FIELDS = (Field("thr", 100, 16, True), Field("alpha_lsb", 116, 12))

MEMORIES = (
    MemoryLayout("neuron", 128, 128, "word w: slot n at bits 50n+49:50n (u 16s, tinp 12, trec 12, tout 10), "
                                     "thr 115:100 (16s), alpha_lsb 127:116"),
    MemoryLayout("winp", 4096, 128, "word {pre[7:0], post[7:4]}, byte post[3:0] = Winp[pre][post] (int8)"),
    MemoryLayout("wrec", 4096, 128, "word {pre[7:0], post[7:4]}, byte post[3:0] = Wrec[pre][post] (int8)"),
    MemoryLayout("wout", 512, 128, "word {1'b0, pre[7:0]}, byte k = Wout[pre][k] (int8); words 256..511 unused"),
)


def neuron_word(fields: np.ndarray, thr: np.ndarray, alpha_lsb: np.ndarray, w: int) -> int:
    """Neuron word w as a Python int from raw fields [4, 256] (u, tinp, trec, tout), thr and alpha_lsb [128]."""
    v = (int(alpha_lsb[w]) & 0xFFF) << 116 | (int(thr[w]) & 0xFFFF) << 100
    for n in range(2):
        for f, fld in enumerate(NEURON_SLOT_FIELDS):
            v |= (int(fields[f, 2 * w + n]) & ((1 << fld.width) - 1)) << (NEURON_SLOT_BITS * n + fld.lsb)
    return v


def neuron_words(fields: np.ndarray, thr: np.ndarray, alpha_lsb: np.ndarray) -> list[int]:
    """The 128 neuron words (`neuron_word` of each)."""
    return [neuron_word(fields, thr, alpha_lsb, w) for w in range(128)]


def unpack_neuron_word(v: int) -> tuple[list[list[int]], int, int]:
    """Inverse of `neuron_word`: (fields [slot][u, tinp, trec, tout] signed as stored, thr, alpha_lsb)."""
    v = int(v)
    slots = []
    for n in range(2):
        row = []
        for fld in NEURON_SLOT_FIELDS:
            x = (v >> (NEURON_SLOT_BITS * n + fld.lsb)) & ((1 << fld.width) - 1)
            row.append(x - (1 << fld.width) if fld.signed and x >> (fld.width - 1) else x)
        slots.append(row)
    t = (v >> 100) & 0xFFFF
    return slots, (t - 65536 if t >> 15 else t), (v >> 116) & 0xFFF


def unpack_neuron_words(words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of `neuron_words`: (fields [4, 256] int64, thr [128], alpha_lsb [128])."""
    fields = np.zeros((4, 256), dtype=np.int64)
    thr = np.zeros(128, dtype=np.int64)
    alpha = np.zeros(128, dtype=np.int64)
    for w, v in enumerate(words):
        slots, thr[w], alpha[w] = unpack_neuron_word(v)
        fields[:, 2 * w: 2 * w + 2] = np.array(slots, dtype=np.int64).T
    return fields, thr, alpha


def words_to_bytes(words) -> np.ndarray:
    """[n, 16] uint8, byte b = bits 8b+7..8b of each 128-bit word."""
    return np.array([list(int(v).to_bytes(16, "little")) for v in words], dtype=np.uint8).reshape(-1, 16)


def bytes_to_words(image: np.ndarray) -> list[int]:
    return [int.from_bytes(bytes(row.astype(np.uint8)), "little") for row in image]


def weight_image(weights: np.ndarray, words: int) -> np.ndarray:
    """Raw SRAM image [words, 16] uint8 of a weight matrix stored [pre, post] with 16 posts per word."""
    flat = np.zeros(words * 16, dtype=np.uint8)
    w = np.ascontiguousarray(weights).view(np.uint8).reshape(-1)
    flat[: w.size] = w
    return flat.reshape(words, 16)


def weights_from_image(image: np.ndarray, n_pre: int, n_post: int, row_len: int) -> np.ndarray:
    """Decode an SRAM image into the int8 matrix [n_pre, n_post] (row_len = posts per pre: 256 or 16)."""
    flat = np.ascontiguousarray(image, dtype=np.uint8).reshape(-1).view(np.int8)
    return flat[: 256 * row_len].reshape(256, row_len)[:n_pre, :n_post].copy()
