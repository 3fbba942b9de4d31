"""BitWidths: the width and rounding mode of every datapath field; RECKON = the taped-out chip (bit-exact).

A width change keeps each field's dynamic range and moves its LSB: a field of `b` bits instead of the chip's
`B` holds value·2^(b−B) of the chip's frame (LSBs dropped for b < B, added for b > B). Thresholds, increments
and fixed-point shifts are rescaled accordingly, so a narrower field covers the same real range with coarser
steps (README: "Bit widths"). The kernels' view of a BitWidths is core.datapath; fxpmath names are hw.fxp.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..errors import InputError

STOCHASTIC, NEAREST, TRUNCATE = "stochastic", "nearest", "truncate"
ROUNDING_MODES = (STOCHASTIC, NEAREST, TRUNCATE)


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
