"""BitWidths in fxpmath's notation (reports) and float -> fixed conversion of float-trained weights."""
from __future__ import annotations

import numpy as np

from .widths import SPECS, BitWidths

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


def float_to_fixed_weights(w: np.ndarray, bits: int, lsb: float = 1.0) -> np.ndarray:
    """Float weights (in units of `lsb`) to b-bit integers: round to nearest, saturate (fxpmath)."""
    from fxpmath import Fxp
    q = Fxp(np.asarray(w, dtype=np.float64) / lsb, signed=True, n_word=bits, n_frac=0, rounding="around",
            overflow="saturate")
    return np.asarray(q.val, dtype=np.int64).astype(np.int16 if bits > 8 else np.int8)
