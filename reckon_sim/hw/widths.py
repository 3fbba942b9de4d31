"""BitWidths: the width and rounding mode of every datapath field; RECKON = the taped-out chip (bit-exact).

A width change keeps each field's dynamic range and moves its LSB: a field of `b` bits instead of the chip's
`B` holds value·2^(b−B) of the chip's frame (LSBs dropped for b < B, added for b > B). Thresholds, increments
and fixed-point shifts are rescaled accordingly, so a narrower field covers the same real range with coarser
steps (README: "Bit widths").
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..errors import InputError

STOCHASTIC, NEAREST, TRUNCATE = "stochastic", "nearest", "truncate"
ROUNDING_MODES = (STOCHASTIC, NEAREST, TRUNCATE)
ROUNDING_CODE = {STOCHASTIC: 0, NEAREST: 1, TRUNCATE: 2}


@dataclass(frozen=True)
class WidthSpec:
    name: str
    chip: int          # the ReckOn width
    lo: int            # supported range
    hi: int
    chip_rounding: str
    roundings: tuple   # rounding modes this field supports
    meaning: str


SPECS: tuple[WidthSpec, ...] = (
    WidthSpec("weight", 8, 2, 12, STOCHASTIC, ROUNDING_MODES, "synaptic weights (input, recurrent, output); "
              "rounding = how a ±1 LSB update fires (LFSR compare / p >= 1/2 / p = 1)"),
    WidthSpec("membrane", 16, 6, 20, STOCHASTIC, ROUNDING_MODES, "recurrent and output membranes; rounding of the leak"),
    WidthSpec("trace_inp", 12, 3, 16, STOCHASTIC, ROUNDING_MODES, "input traces; rounding of the decay"),
    WidthSpec("trace_rec", 12, 3, 16, STOCHASTIC, ROUNDING_MODES, "recurrent traces; rounding of the decay"),
    WidthSpec("trace_out", 10, 3, 14, STOCHASTIC, ROUNDING_MODES, "output traces; rounding of the decay"),
    WidthSpec("learn_sig", 16, 2, 16, TRUNCATE, (NEAREST, TRUNCATE), "learning signal (floor in the chip)"),
    WidthSpec("ste", 5, 1, 5, TRUNCATE, (NEAREST, TRUNCATE), "surrogate-derivative (STE) values H_0..H_4"),
    WidthSpec("alpha_frac", 15, 4, 15, TRUNCATE, (NEAREST, TRUNCATE), "fraction bits of the membrane/trace leak alpha"),
    WidthSpec("kappa_frac", 7, 2, 7, TRUNCATE, (NEAREST, TRUNCATE), "fraction bits of the output leak kappa"),
    WidthSpec("prob", 32, 4, 32, STOCHASTIC, (STOCHASTIC,), "input/recurrent update-probability bits compared with the LFSR"),
    WidthSpec("prob_out", 28, 4, 28, STOCHASTIC, (STOCHASTIC,), "output update-probability bits compared with the LFSR"),
)
SPEC = {s.name: s for s in SPECS}


@dataclass(frozen=True)
class BitWidths:
    weight: int = 8
    membrane: int = 16
    trace_inp: int = 12
    trace_rec: int = 12
    trace_out: int = 10
    learn_sig: int = 16
    ste: int = 5
    alpha_frac: int = 15
    kappa_frac: int = 7
    prob: int = 32
    prob_out: int = 28
    rounding: tuple = ()   # ((field, mode), ...) overrides of the chip's rounding modes

    def __post_init__(self):
        for s in SPECS:
            v = getattr(self, s.name)
            if isinstance(v, bool) or not isinstance(v, int) or not s.lo <= v <= s.hi:
                raise InputError(f"width '{s.name}'", f"= {v!r} out of range {s.lo}..{s.hi} "
                                                       f"(ReckOn: {s.chip})")
        for name, mode in self.rounding:
            if name not in SPEC:
                raise InputError(f"rounding '{name}'", f"unknown field (known: {', '.join(SPEC)})")
            if mode not in SPEC[name].roundings:
                raise InputError(f"rounding '{name}'", f"= {mode!r} not supported (allowed: "
                                                       f"{', '.join(SPEC[name].roundings)})")

    def rounding_of(self, name: str) -> str:
        return dict(self.rounding).get(name, SPEC[name].chip_rounding)

    @property
    def is_reckon(self) -> bool:
        return all(getattr(self, s.name) == s.chip and self.rounding_of(s.name) == s.chip_rounding for s in SPECS)

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rounding"}
        d.update({f"rounding_{s.name}": self.rounding_of(s.name) for s in SPECS})
        return d

    def with_(self, **kw) -> "BitWidths":
        rounding = dict(self.rounding)
        for k in [k for k in kw if k.startswith("rounding_")]:
            rounding[k[len("rounding_"):]] = kw.pop(k)
        return replace(self, rounding=tuple(sorted(rounding.items())), **kw)


RECKON = BitWidths()


# ---- the kernels' view: one int64 vector of shifts, bounds and rounding codes (index constants below) ----
W_SH, W_MIN, W_MAX, W_FIRE, M_BITS, M_SH, M_ROUND = range(7)
T_BITS, T_SH, T_ROUND, T_INC = 7, 10, 13, 16          # 3 entries each: input, recurrent, output trace
L_MIN, L_MAX, L_SH, L_ROUND, P_DROP, PO_DROP = range(19, 25)
KERNEL_VECTOR_LEN = 25
R_STOCH, R_NEAREST, R_TRUNC = 0, 1, 2


def kernel_vector(widths: BitWidths, registers: dict) -> "np.ndarray":
    """Shifts/bounds the kernels apply for these widths (all shifts 0 and chip bounds for RECKON)."""
    import numpy as np
    v = np.zeros(KERNEL_VECTOR_LEN, dtype=np.int64)
    v[W_SH] = 8 - widths.weight
    v[W_MIN], v[W_MAX] = -(1 << (widths.weight - 1)), (1 << (widths.weight - 1)) - 1
    v[W_FIRE] = ROUNDING_CODE[widths.rounding_of("weight")]
    v[M_BITS], v[M_SH] = widths.membrane, 16 - widths.membrane
    v[M_ROUND] = ROUNDING_CODE[widths.rounding_of("membrane")]
    for i, (name, fp, inc) in enumerate((("trace_inp", "SPI_FP_LOC_TINP", 8), ("trace_rec", "SPI_FP_LOC_TREC", 8),
                                         ("trace_out", "SPI_FP_LOC_TOUT", 2))):
        bits = getattr(widths, name)
        sh = SPEC[name].chip - bits
        v[T_BITS + i], v[T_SH + i] = bits, sh
        v[T_ROUND + i] = ROUNDING_CODE[widths.rounding_of(name)]
        v[T_INC + i] = shift(inc << registers[fp], -sh)       # the increment in this field's LSBs
    v[L_MIN], v[L_MAX] = -(1 << (widths.learn_sig - 1)), (1 << (widths.learn_sig - 1)) - 1
    v[L_SH] = 16 - widths.learn_sig
    v[L_ROUND] = ROUNDING_CODE[widths.rounding_of("learn_sig")]
    v[P_DROP], v[PO_DROP] = 32 - widths.prob, 28 - widths.prob_out
    return v


def shift(x: int, s: int) -> int:
    """x · 2^s with floor for negative s (an arithmetic shift either way)."""
    return x << s if s >= 0 else x >> -s


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
        out[f"SPI_THR_H_{i}"] = shift(registers[f"SPI_THR_H_{i}"], widths.membrane - 16)
    out["SPI_KAPPA"] = min(255, quantize(registers["SPI_KAPPA"], 7 - widths.kappa_frac, widths.rounding_of("kappa_frac")))
    dw = widths.weight - 8
    for x in ("WINP", "WREC", "WOUT"):
        out[f"SPI_LR_P_{x}"] = registers[f"SPI_LR_P_{x}"] + max(0, dw)
        out[f"SPI_LR_R_{x}"] = registers[f"SPI_LR_R_{x}"] + max(0, -dw)
    return out


def quantize_alpha(alpha: "np.ndarray", widths: BitWidths) -> "np.ndarray":
    import numpy as np
    return np.array([quantize(int(a), 15 - widths.alpha_frac, widths.rounding_of("alpha_frac")) for a in alpha],
                    dtype=np.int64)


def convert_weights(w8: "np.ndarray", bits: int) -> "np.ndarray":
    """8-bit weights (files, presets) into b-bit weights of the same range: round half up, saturate."""
    import numpy as np
    scaled = np.floor(np.asarray(w8, dtype=np.float64) * 2.0 ** (bits - 8) + 0.5)
    return np.clip(scaled, -(1 << (bits - 1)), (1 << (bits - 1)) - 1).astype(np.int16)


# ---- formats in fxpmath's notation (reports) and float -> fixed conversion of float-trained weights ----
# (signed, integer bits in the chip's frame) of each field; the fraction bits follow from the width
_FRAME = {"weight": (True, 8), "membrane": (True, 16), "trace_inp": (False, 12), "trace_rec": (False, 12),
          "trace_out": (False, 10), "learn_sig": (True, 16), "ste": (True, 5), "alpha_frac": (False, 1),
          "kappa_frac": (False, 1), "prob": (True, 32), "prob_out": (True, 28)}


def fxp_formats(widths: BitWidths) -> dict[str, str]:
    """fxpmath dtype of every field, in units of the chip's LSB (e.g. weight=6 -> 'fxp-s6/-2': LSB = 4 chip LSBs)."""
    from fxpmath import Fxp
    out = {}
    for s in SPECS:
        signed, chip_int = _FRAME[s.name]
        bits = getattr(widths, s.name)
        if s.name in ("alpha_frac", "kappa_frac"):
            out[s.name] = Fxp(None, signed=False, n_word=1 + bits, n_frac=bits).dtype
        else:
            out[s.name] = Fxp(None, signed=signed, n_word=bits, n_frac=bits - chip_int).dtype
    return out


def float_to_fixed_weights(w: "np.ndarray", bits: int, lsb: float = 1.0) -> "np.ndarray":
    """Float weights (in units of `lsb`) to b-bit integers: round to nearest, saturate (fxpmath)."""
    import numpy as np
    from fxpmath import Fxp
    q = Fxp(np.asarray(w, dtype=np.float64) / lsb, signed=True, n_word=bits, n_frac=0, rounding="around",
            overflow="saturate")
    return np.asarray(q.val, dtype=np.int64).astype(np.int16 if bits > 8 else np.int8)
