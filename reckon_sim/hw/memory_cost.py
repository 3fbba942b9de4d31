"""Memory cost of a set of datapath widths: SRAM bits of weights, neuron state and traces, plus the registers
and LFSR output bits the widths imply, in bits, kB and relative to ReckOn.

The model keeps ReckOn's organisation (hw/memories.py, spec §3) and scales each macro's word width with the
fields it stores; the word counts stay those of the chip:

* neuron SRAM, 128 words of two neurons each: per neuron membrane + trace_inp + trace_rec + trace_out bits,
  per pair a threshold (membrane frame, so `membrane` bits) and the 12 SRAM LSBs of alpha (alpha_frac − 3:
  the integer bit and the 3 fraction MSBs come from SPI_ALPHA_CONF). ReckOn: 2·50 + 16 + 12 = 128 bits, 2 kB.
* input / recurrent weight SRAMs, 4096 words of 16 weights: 64 kB each at 8 bits.
* output weight SRAM, 512 words of 16 weights (the macro; only 256 words are used): 8 kB at 8 bits.
* registers: the 16 output-neuron membranes (register file, `membrane` bits each).
* LFSR output bits per update: 16 probabilities of `prob` bits for each of the input and recurrent LFSRs
  (512 bits at ReckOn), 16 of `prob_out` bits for the output LFSR (448 bits); the LFSR states are not counted.
ReckOn's documentation (doc/README.md): 2-kB neuron SRAM, 64-kB input and recurrent SRAMs, 8-kB output SRAM.
"""
from __future__ import annotations

from dataclasses import dataclass

from .memories import MEMORIES
from .widths import RECKON, BitWidths

KB_BITS = 8 * 1024                       # bits per kB (the documentation's 2 kB = 128 x 128 bits)
_WORDS = {m.name: m.words for m in MEMORIES}
WEIGHTS_PER_WORD = 16
N_OUTPUT_NEURONS = 16
ALPHA_CONF_BITS = 3                      # alpha fraction MSBs held in SPI_ALPHA_CONF, not in the neuron SRAM


@dataclass(frozen=True)
class MemoryCost:
    """Bits of every macro and of the register/LFSR side for one set of widths."""

    neuron_word_bits: int
    neuron_bits: int          # whole neuron SRAM (membranes, thresholds, alpha LSBs, traces)
    neuron_state_bits: int    # of which membranes, thresholds and alpha LSBs
    trace_bits: int           # of which the three eligibility traces
    winp_bits: int
    wrec_bits: int
    wout_bits: int            # the 512-word macro (256 words used)
    register_bits: int        # output-neuron membranes
    lfsr_output_bits: int     # random bits drawn per weight-update row (input + recurrent + output LFSRs)

    @property
    def weight_bits(self) -> int:
        return self.winp_bits + self.wrec_bits + self.wout_bits

    @property
    def sram_bits(self) -> int:
        return self.neuron_bits + self.weight_bits

    @property
    def sram_kB(self) -> float:
        return self.sram_bits / KB_BITS

    def as_row(self) -> dict:
        """Flat columns for results.csv / pareto.csv / summary.json (kB figures and the ratio to ReckOn)."""
        reckon = memory_cost(RECKON)
        return {"sram_kB": round(self.sram_kB, 4), "sram_rel_reckon": round(self.sram_bits / reckon.sram_bits, 6),
                "sram_bits": self.sram_bits, "weight_sram_bits": self.weight_bits,
                "neuron_state_sram_bits": self.neuron_state_bits, "trace_sram_bits": self.trace_bits,
                "neuron_sram_kB": round(self.neuron_bits / KB_BITS, 4),
                "winp_sram_kB": round(self.winp_bits / KB_BITS, 4), "wrec_sram_kB": round(self.wrec_bits / KB_BITS, 4),
                "wout_sram_kB": round(self.wout_bits / KB_BITS, 4), "register_bits": self.register_bits,
                "lfsr_output_bits": self.lfsr_output_bits}


def memory_cost(widths: BitWidths = RECKON) -> MemoryCost:
    """The memory model above for `widths`."""
    w = widths
    traces_per_neuron = w.trace_inp + w.trace_rec + w.trace_out
    state_per_pair = 2 * w.membrane + w.membrane + (w.alpha_frac - ALPHA_CONF_BITS)
    words = _WORDS["neuron"]
    weight_word = WEIGHTS_PER_WORD * w.weight
    return MemoryCost(
        neuron_word_bits=state_per_pair + 2 * traces_per_neuron,
        neuron_bits=words * (state_per_pair + 2 * traces_per_neuron),
        neuron_state_bits=words * state_per_pair, trace_bits=words * 2 * traces_per_neuron,
        winp_bits=_WORDS["winp"] * weight_word, wrec_bits=_WORDS["wrec"] * weight_word,
        wout_bits=_WORDS["wout"] * weight_word, register_bits=N_OUTPUT_NEURONS * w.membrane,
        lfsr_output_bits=WEIGHTS_PER_WORD * (2 * w.prob + w.prob_out))


def memory_row(widths: dict | None) -> dict:
    """`MemoryCost.as_row` of a results row's width columns (None: a float point, no memory figures)."""
    if widths is None:
        return {}
    from .widths import SPECS
    return memory_cost(RECKON.with_(**{s.name: int(widths[s.name]) for s in SPECS})).as_row()
