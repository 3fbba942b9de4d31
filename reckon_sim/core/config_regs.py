"""Register writes (SPI code 0) of a mid-sample CONFIG visit applied to a chip's registers (spi_slave.v).

Each data word of a code-0 write sets the register at the command's address to its low `width` bits (no
auto-increment; SPI_ALPHA_CONF words at 65..68); an address without a register changes nothing. Registers feed
srnn.v directly (no synchroniser), and the FSM waits in CONFIG, so a new value holds from the visit's end on:
the chip re-derives what its kernels precompute (core.chip). A seed-register write also pulses PROG_SEED_*,
which loads that seed into its LFSR(s) (even when the value is unchanged).
"""
from __future__ import annotations

from dataclasses import replace

from ..hw.registers import BY_ADDR, BY_NAME
from . import lfsr as lfsr_mod

ALPHA = BY_NAME["SPI_ALPHA_CONF"]
SIZE_REGISTERS = ("SPI_NUM_INP_NEUR", "SPI_NUM_REC_NEUR", "SPI_NUM_OUT_NEUR")
def written_values(visits, name: str) -> list[int]:
    """Every value the code-0 writes of these visits [((cmd, data), ..), ..] give register `name`, in order."""
    reg = BY_NAME[name]
    return [reg.decode(int(d)) for txns in visits for cmd, data in txns
            if not cmd >> 31 and (cmd >> 28) & 7 == 0 and cmd & 0xFFFF == reg.addr for d in data]


def record_sizes(cfg, visits):
    """cfg with each SPI_NUM_* at the largest value it has during the visits (records and the bench's per-sample
    files are sized by it, so a mid-sample change of a size is representable); cfg itself when none grows."""
    regs = {n: max([cfg[n], *written_values(visits, n)]) for n in SIZE_REGISTERS}
    if all(regs[n] == cfg[n] for n in SIZE_REGISTERS):
        return cfg
    return replace(cfg, registers={**cfg.registers, **regs})


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


def reload_seeds(lfsr, registers: dict, written: set) -> None:
    """PROG_SEED_*: every LFSR whose seed register was written loads its seed slice."""
    seeded = lfsr_mod.seeded_states(registers)
    for i, inst in enumerate(lfsr_mod.INSTANCES):
        if inst.seed_register in written:
            lfsr[i] = seeded[i]
