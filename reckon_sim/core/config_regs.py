"""Register writes (SPI code 0) of a mid-sample CONFIG visit applied to a chip's registers (spi_slave.v).

Each data word of a code-0 write sets the register at the command's address to its low `width` bits (no
auto-increment; SPI_ALPHA_CONF words at 65..68); an address without a register changes nothing. Registers feed
srnn.v directly (no synchroniser), and the FSM waits in CONFIG, so a new value holds from the visit's end on:
the chip re-derives what its kernels precompute (core.chip). A seed-register write also pulses PROG_SEED_*,
which loads that seed into its LFSR(s) (even when the value is unchanged).
"""
from __future__ import annotations

from ..errors import InputError
from ..hw.registers import BY_ADDR, BY_NAME
from . import lfsr as lfsr_mod

ALPHA = BY_NAME["SPI_ALPHA_CONF"]
# registers a sample cannot change mid-way: what the host or the sample's records are fixed by
SIZED = "the sample's records (dump; run, vectors) and the bench's per-sample files are sized by it"
SIZES = {name: SIZED for name in ("SPI_NUM_INP_NEUR", "SPI_NUM_REC_NEUR", "SPI_NUM_OUT_NEUR")}
FIXED = {
    "SPI_SEND_PER_TIMESTEP": "the per-tick SEND records (model and bench record 5) are kept for whole samples",
    "SPI_LOCAL_TICK": "the host raises TIME_TICK for the whole sample",
    "SPI_TIMING_MODE": "the host reads TIMING_ERROR_RDY one way for the whole sample (record 7)",
}
PERIOD_FIXED = {"SPI_ERROR_HALT": "a host tick_period's early ticks are located for the whole sample"}


def apply(registers: dict, writes) -> tuple[dict, set]:
    """(register values after the writes [(address, data word)] in order, names of the registers written)."""
    regs, written = dict(registers), set()
    for addr, data in writes:
        if ALPHA.addr <= addr < ALPHA.addr + 4:
            sh = 32 * (addr - ALPHA.addr)
            regs[ALPHA.name] = regs[ALPHA.name] & ~(0xFFFFFFFF << sh) | (data & 0xFFFFFFFF) << sh
            written.add(ALPHA.name)
        elif addr in BY_ADDR:
            reg = BY_ADDR[addr]
            regs[reg.name] = reg.decode(data)
            written.add(reg.name)
    return regs, written


def check_fixed(before: dict, after: dict, where: str, tick_period: int, records: bool) -> None:
    """InputError for a register the visit changes that must hold for the whole sample (sizes: with records)."""
    fixed = {**FIXED, **(PERIOD_FIXED if tick_period else {}), **(SIZES if records else {})}
    for name, why in fixed.items():
        if after[name] != before[name]:
            raise InputError(where, f"{name} := {after[name]} mid-sample: {why} (allowed: its value "
                                    f"{before[name]}, or a write before the sample)")


def reload_seeds(lfsr, registers: dict, written: set) -> None:
    """PROG_SEED_*: every LFSR whose seed register was written loads its seed slice."""
    seeded = lfsr_mod.seeded_states(registers)
    for i, inst in enumerate(lfsr_mod.INSTANCES):
        if inst.seed_register in written:
            lfsr[i] = seeded[i]
