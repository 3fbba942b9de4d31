"""The kernels' view of a BitWidths (one Datapath record of shifts, bounds and rounding codes) and the
register/weight rescaling that a width change implies (README "Bit widths")."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..hw.widths import NEAREST, SPEC, STOCHASTIC, TRUNCATE, BitWidths
from .fixedpoint import R_NEAREST, R_STOCH, R_TRUNC, shl

ROUNDING_CODE = {STOCHASTIC: R_STOCH, NEAREST: R_NEAREST, TRUNCATE: R_TRUNC}


class Datapath(NamedTuple):
    """Shifts/bounds the kernels apply: all shifts 0 and the chip's bounds for RECKON (the bit-exact path).
    t_* are tuples of 3 ints (input, recurrent, output trace): unlike arrays they cost no reference count in loops."""

    w_sh: int          # weight LSB shift into the chip's 8-bit frame
    w_min: int
    w_max: int
    w_fire: int        # rounding code of a ±1 weight update
    m_bits: int        # membrane width
    m_sh: int          # membrane LSB shift into the 16-bit frame
    m_round: int
    t_bits: tuple
    t_sh: tuple
    t_round: tuple
    t_inc: tuple  # trace increment in the field's own LSBs
    l_min: int         # learning-signal bounds, shift and rounding
    l_max: int
    l_sh: int
    l_round: int
    p_drop: int        # probability LSBs ignored (input/recurrent, output)
    po_drop: int


def datapath(widths: BitWidths, registers: dict) -> Datapath:
    """The Datapath record of these widths under these registers (trace increments depend on FP_LOC)."""
    traces = (("trace_inp", "SPI_FP_LOC_TINP", 8), ("trace_rec", "SPI_FP_LOC_TREC", 8),
              ("trace_out", "SPI_FP_LOC_TOUT", 2))
    t_bits = tuple(getattr(widths, name) for name, _, _ in traces)
    t_sh = tuple(SPEC[name].chip - bits for (name, _, _), bits in zip(traces, t_bits))
    t_round = tuple(ROUNDING_CODE[widths.rounding_of(name)] for name, _, _ in traces)
    t_inc = tuple(int(shl(inc << registers[fp], -sh)) for (_, fp, inc), sh in zip(traces, t_sh))
    return Datapath(w_sh=8 - widths.weight, w_min=-(1 << (widths.weight - 1)), w_max=(1 << (widths.weight - 1)) - 1,
                    w_fire=ROUNDING_CODE[widths.rounding_of("weight")], m_bits=widths.membrane,
                    m_sh=16 - widths.membrane, m_round=ROUNDING_CODE[widths.rounding_of("membrane")],
                    t_bits=t_bits, t_sh=t_sh, t_round=t_round, t_inc=t_inc,
                    l_min=-(1 << (widths.learn_sig - 1)), l_max=(1 << (widths.learn_sig - 1)) - 1,
                    l_sh=16 - widths.learn_sig, l_round=ROUNDING_CODE[widths.rounding_of("learn_sig")],
                    p_drop=32 - widths.prob, po_drop=28 - widths.prob_out)


def quantize(x: int, drop: int, mode: str) -> int:
    """x with its `drop` LSBs removed (kept in the same frame): floor or round-half-up."""
    if drop <= 0:
        return x
    if mode == NEAREST:
        x += 1 << (drop - 1)
    return (x >> drop) << drop


def register_overrides(widths: BitWidths, registers: dict) -> dict:
    """Register values the datapath sees after width changes that only rescale constants.

    STE values and kappa are quantised in their own frame; STE boundaries move into the membrane's LSBs;
    the update probability of a b-bit weight is scaled by 2^(b-8) (same expected change in the 8-bit frame)."""
    out = {}
    for i in range(5):
        out[f"SPI_H_{i}"] = quantize(registers[f"SPI_H_{i}"], 5 - widths.ste, widths.rounding_of("ste"))
    for i in range(4):
        out[f"SPI_THR_H_{i}"] = shl(registers[f"SPI_THR_H_{i}"], widths.membrane - 16)
    out["SPI_KAPPA"] = min(255, quantize(registers["SPI_KAPPA"], 7 - widths.kappa_frac, widths.rounding_of("kappa_frac")))
    dw = widths.weight - 8
    for x in ("WINP", "WREC", "WOUT"):
        out[f"SPI_LR_P_{x}"] = registers[f"SPI_LR_P_{x}"] + max(0, dw)
        out[f"SPI_LR_R_{x}"] = registers[f"SPI_LR_R_{x}"] + max(0, -dw)
    return out


def quantize_alpha(alpha: np.ndarray, widths: BitWidths) -> np.ndarray:
    return np.array([quantize(int(a), 15 - widths.alpha_frac, widths.rounding_of("alpha_frac")) for a in alpha],
                    dtype=np.int64)


def scale_thresholds(thr: np.ndarray, widths: BitWidths) -> np.ndarray:
    """Thresholds moved into the membrane's LSBs."""
    return np.array([shl(int(t), widths.membrane - 16) for t in thr], dtype=np.int64)


def convert_weights(w8: np.ndarray, bits: int) -> np.ndarray:
    """8-bit weights (files, presets) into b-bit weights of the same range: round half up, saturate."""
    scaled = np.floor(np.asarray(w8, dtype=np.float64) * 2.0 ** (bits - 8) + 0.5)
    return np.clip(scaled, -(1 << (bits - 1)), (1 << (bits - 1)) - 1).astype(np.int16)
