"""The SPI configuration registers of ReckOn: one declarative table (spec §4.2).

Config validation, defaults, the ``tbench.h`` export, vector files and the README register table are all
generated from ``REGISTERS``. Widths and reset values are those of the released RTL; ``reset=None`` means the
register powers up undefined and must be programmed.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Register:
    name: str            # SPI_* name as in tbench.h / config.json
    addr: int            # SPI config address (first address for the 4-word SPI_ALPHA_CONF)
    width: int
    signed: bool
    reset: int | None    # reset value (None: undefined after reset)
    meaning: str
    truncate: bool = False   # accepts any 32-bit SPI data word and keeps the low `width` bits (seeds)

    @property
    def lo(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        if self.truncate:
            return (1 << max(32, self.width)) - 1
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def encode(self, value: int) -> int:
        """Bit pattern stored in the register for a (validated) value."""
        return value & ((1 << self.width) - 1)

    def decode(self, pattern: int) -> int:
        """Value seen by the datapath for a stored bit pattern (two's complement for signed registers)."""
        pattern &= (1 << self.width) - 1
        if self.signed and pattern >> (self.width - 1):
            pattern -= 1 << self.width
        return pattern


_R = Register
REGISTERS: tuple[Register, ...] = (
    _R("SPI_EN_CONF", 0, 1, False, 1, "enables SPI programming/readback; SDONE goes to CONFIG while set"),
    _R("SPI_RO_STAGE_SEL", 1, 9, False, None, "unused in the released RTL"),
    _R("SPI_GET_CLKINT_OUT", 2, 1, False, 0, "unused (clock generator removed)"),
    _R("SPI_GET_TAR_REQ_OUT", 3, 1, False, 1, "MISO also shows REQ_TAR (state GET_TAR)"),
    _R("SPI_RST_MODE", 8, 1, False, 0, "membrane reset: 1 to zero, 0 by subtraction of the threshold"),
    _R("SPI_DO_EPROP", 9, 3, False, 7, "e-prop enables: bit0 input, bit1 recurrent, bit2 output weights"),
    _R("SPI_LOCAL_TICK", 10, 1, False, 0, "internal tick generator instead of TIME_TICK"),
    _R("SPI_ERROR_HALT", 11, 1, False, 1, "a timing error forces the FSM to IDLE"),
    _R("SPI_FP_LOC_WINP", 12, 3, False, 0, "input weights are integrated as w << FP_LOC_WINP"),
    _R("SPI_FP_LOC_WREC", 13, 3, False, 0, "recurrent weights are integrated as w << FP_LOC_WREC"),
    _R("SPI_FP_LOC_WOUT", 14, 3, False, 0, "output weights are integrated as w << FP_LOC_WOUT"),
    _R("SPI_FP_LOC_TINP", 15, 3, False, 0, "input trace: +8<<FP per event, used as trace>>FP"),
    _R("SPI_FP_LOC_TREC", 16, 3, False, 0, "recurrent trace: +8<<FP per spike, used as trace>>FP"),
    _R("SPI_FP_LOC_TOUT", 17, 3, False, 0, "output trace: +2<<FP per spike, used as trace>>FP"),
    _R("SPI_LEARN_SIG_SCALE", 18, 4, False, 0, "learning signal = sum(err*wout) << SCALE >> 12"),
    _R("SPI_REGUL_MODE", 19, 3, False, 0, "bit0 multiplicative, bit1 additive regularisation; bits 2:1 = 11: e-prop every tick"),
    _R("SPI_REGUL_W", 20, 2, False, 0, "regularise bit0 input, bit1 recurrent weights"),
    _R("SPI_EN_STOCH_ROUND", 21, 1, False, 0, "stochastic rounding of membrane and trace leaks"),
    _R("SPI_SRAM_SPEEDMODE", 22, 8, False, 0, "unused"),
    _R("SPI_TIMING_MODE", 23, 1, False, 0, "TIMING_ERROR_RDY pin: 1 timing error, 0 ready-for-tick"),
    _R("SPI_REGRESSION", 25, 1, False, 0, "regression targets (16-bit per output) instead of class labels"),
    _R("SPI_SINGLE_LABEL", 26, 1, False, 1, "one class label per sample (skip GET_TAR once received)"),
    _R("SPI_NO_OUT_ACT", 27, 1, False, 0, "disable the hard-sigmoid output activation"),
    _R("SPI_SEND_PER_TIMESTEP", 30, 1, False, 0, "send the output on every timestep"),
    _R("SPI_SEND_LABEL_ONLY", 31, 1, False, 1, "OUT_DATA is the label (1) or the output membranes (0)"),
    _R("SPI_NOISE_EN", 32, 1, False, 0, "membrane noise injected once per PROP pass"),
    _R("SPI_FORCE_TRACES", 33, 1, False, 0, "increment traces even when e-prop is off"),
    _R("SPI_CYCLES_PER_TICK", 64, 32, False, None, "local tick period in clock cycles"),
    _R("SPI_ALPHA_CONF", 65, 128, False, 0, "bit w: alpha MSBs of neuron pair w are 0x8 (1) or 0x7 (0); 4 words at 65..68"),
    _R("SPI_KAPPA", 69, 8, False, 0x7A, "output leak factor, unsigned 1.7 fixed point"),
    _R("SPI_THR_H_0", 70, 16, True, None, "surrogate-derivative segment boundary 0"),
    _R("SPI_THR_H_1", 71, 16, True, None, "surrogate-derivative segment boundary 1"),
    _R("SPI_THR_H_2", 72, 16, True, None, "surrogate-derivative segment boundary 2"),
    _R("SPI_THR_H_3", 73, 16, True, None, "surrogate-derivative segment boundary 3"),
    _R("SPI_H_0", 74, 5, True, None, "surrogate-derivative value below THR_H_0"),
    _R("SPI_H_1", 75, 5, True, None, "surrogate-derivative value below THR_H_1"),
    _R("SPI_H_2", 76, 5, True, None, "surrogate-derivative value below THR_H_2"),
    _R("SPI_H_3", 77, 5, True, None, "surrogate-derivative value below THR_H_3"),
    _R("SPI_H_4", 78, 5, True, None, "surrogate-derivative value above all boundaries"),
    _R("SPI_LR_R_WINP", 79, 5, False, None, "input-weight update probability >> LR_R"),
    _R("SPI_LR_P_WINP", 80, 5, False, None, "input-weight update probability << LR_P"),
    _R("SPI_LR_R_WREC", 81, 5, False, None, "recurrent-weight update probability >> LR_R"),
    _R("SPI_LR_P_WREC", 82, 5, False, None, "recurrent-weight update probability << LR_P"),
    _R("SPI_LR_R_WOUT", 83, 5, False, None, "output-weight update probability >> LR_R"),
    _R("SPI_LR_P_WOUT", 84, 5, False, None, "output-weight update probability << LR_P"),
    _R("SPI_SEED_INP", 85, 25, False, None, "seed of the input-weight LFSR", True),
    _R("SPI_SEED_REC", 86, 25, False, None, "seed of the recurrent-weight LFSR", True),
    _R("SPI_SEED_OUT", 87, 22, False, None, "seed of the output-weight LFSR", True),
    _R("SPI_SEED_STRND_NEUR", 88, 30, False, None, "membrane-rounding LFSR seeds: bits 14:0 slot 0, 29:15 slot 1", True),
    _R("SPI_SEED_STRND_ONEUR", 89, 15, False, None, "output-membrane rounding LFSR seed", True),
    _R("SPI_SEED_STRND_TINP", 90, 30, False, None, "input-trace rounding LFSR seeds (14:0 slot 0, 29:15 slot 1)", True),
    _R("SPI_SEED_STRND_TREC", 91, 30, False, None, "recurrent-trace rounding LFSR seeds", True),
    _R("SPI_SEED_STRND_TOUT", 92, 30, False, None, "output-trace rounding LFSR seeds", True),
    _R("SPI_SEED_NOISE_NEUR", 93, 17, False, None, "membrane-noise LFSR seed", True),
    _R("SPI_NUM_INP_NEUR", 94, 8, False, 0xFF, "number of inputs - 1"),
    _R("SPI_NUM_REC_NEUR", 95, 8, False, 0xFF, "number of recurrent neurons - 1"),
    _R("SPI_NUM_OUT_NEUR", 96, 4, False, 0xF, "number of output neurons - 1"),
    _R("SPI_REGUL_F0", 98, 12, False, None, "firing-rate regularisation target"),
    _R("SPI_REGUL_K_INP_R", 99, 5, False, None, "additive input regulariser >> R"),
    _R("SPI_REGUL_K_INP_P", 100, 5, False, None, "additive input regulariser << P"),
    _R("SPI_REGUL_K_REC_R", 101, 5, False, None, "additive recurrent regulariser >> R"),
    _R("SPI_REGUL_K_REC_P", 102, 5, False, None, "additive recurrent regulariser << P"),
    _R("SPI_REGUL_K_MUL", 103, 5, False, None, "multiplicative regulariser right shift"),
    _R("SPI_NOISE_STR", 104, 4, False, None, "membrane noise arithmetic right shift"),
)

BY_NAME: dict[str, Register] = {r.name: r for r in REGISTERS}
BY_ADDR: dict[int, Register] = {r.addr: r for r in REGISTERS}
# Registers a ChipConfig holds (SPI_EN_CONF is driven by the host protocol, not configured).
CONFIG_REGISTERS: tuple[Register, ...] = tuple(r for r in REGISTERS if r.name != "SPI_EN_CONF")
# Index of each configurable register in the flat parameter vector handed to the kernels.
PARAM_INDEX: dict[str, int] = {r.name: i for i, r in enumerate(CONFIG_REGISTERS)}


def spi_words(reg: Register, value: int) -> list[tuple[int, int]]:
    """(address, 32-bit data word) SPI config writes that program `value` into `reg`."""
    pattern = reg.encode(value)
    if reg.width <= 32:
        return [(reg.addr, pattern)]
    return [(reg.addr + i, (pattern >> (32 * i)) & 0xFFFFFFFF) for i in range((reg.width + 31) // 32)]


def markdown_table() -> str:
    """The register map as a Markdown table (used in README/docs)."""
    rows = ["| addr | name | width | signed | reset | meaning |", "|---|---|---|---|---|---|"]
    for r in REGISTERS:
        reset = "—" if r.reset is None else hex(r.reset)
        rows.append(f"| {r.addr} | `{r.name}` | {r.width} | {'yes' if r.signed else 'no'} | {reset} | {r.meaning} |")
    return "\n".join(rows)
