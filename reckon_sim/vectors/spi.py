"""SPI transactions of the ReckOn slave (spec §4.1) and the memory regions the vectors program and read back.

A transaction is a command word ``{rw, code[2:0], count[11:0], addr[15:0]}`` followed by ``count`` 32-bit data
words; memory addresses auto-increment per data word (``addr[1:0]`` = 32-bit quarter of the 128-bit word).

Programming writes the *reachable region* of every SRAM — every word the chip can read or write under the
configuration — so that a simulator without zero-initialised memories (Icarus: X) starts from exactly the
zero-convention state the model assumes (golden FORMAT §3.1). Writing zeros where the golden protocol writes
nothing changes no behaviour: a programmed all-zero neuron word reads like an unprogrammed one (the model is
given the same dirty flags anyway, see ``program_dirty_words``).
"""
from __future__ import annotations

import numpy as np

from ..config import ChipConfig
from ..hw.registers import BY_NAME, CONFIG_REGISTERS, spi_words
from ..io.vector_files import Transaction

CODE = {"config": 0, "neur": 1, "oneur": 2, "winp": 3, "wrec": 4, "wout": 5}
MEMS = ("neur", "winp", "wrec", "wout")          # order of images, read-back and programming listings
MEM_WORDS = {"neur": 128, "winp": 4096, "wrec": 4096, "wout": 512}
MAX_BURST = 64                                    # data words per memory transaction


def command(code: int, count: int, addr: int, read: bool = False) -> int:
    """The 32-bit SPI command word."""
    if not 0 <= count < 4096 or not 0 <= addr < 65536:
        raise ValueError(f"count {count} / addr {addr} out of range")
    return (int(read) << 31) | (code << 28) | (count << 16) | addr


def config_write(addr: int, value: int) -> Transaction:
    return Transaction(command(CODE["config"], 1, addr), (value & 0xFFFFFFFF,))


def config_writes(cfg: ChipConfig) -> list[Transaction]:
    """SPI_EN_CONF = 1, every configured register in table order (= golden ``spi_conf_writes``), SPI_EN_CONF = 0.

    SPI_GET_TAR_REQ_OUT is written only when it differs from its reset value (the golden runs never write it)."""
    out = [config_write(0, 1)]
    for reg in CONFIG_REGISTERS:
        if reg.name == "SPI_GET_TAR_REQ_OUT" and cfg[reg.name] == reg.reset:
            continue
        out.extend(config_write(a, d) for a, d in spi_words(reg, cfg[reg.name]))
    out.append(config_write(0, 0))
    return out


def do_eprop_writes(value: int) -> list[Transaction]:
    """The phase switch of the stock bench: SPI_EN_CONF 1, SPI_DO_EPROP, SPI_EN_CONF 0."""
    return [config_write(0, 1), config_write(BY_NAME["SPI_DO_EPROP"].addr, value), config_write(0, 0)]


# ------------------------------------------------------------------------------------------------- regions
def regions(cfg: ChipConfig) -> dict[str, list[int]]:
    """128-bit word indices the chip can access, per SRAM (spec §8, §9, §11; see module docstring).

    Weight rows 0..NUM_NEUR (EVT reads rows of any channel / spiking neuron <= NUM_NEUR), posts in whole blocks of
    16 up to 16*((NUM_REC>>4)+1)-1 (EPROP walks whole blocks); neuron words up to the highest neuron STEP, a PROP
    pass or a SUPP write touches, and at least the NEUR_INIT_WORDS programmed words."""
    r = cfg.registers
    num_rec = r["SPI_NUM_REC_NEUR"]
    rows = cfg.num_neur + 1
    blocks = (num_rec >> 4) + 1
    top = max(cfg.num_recout, num_rec | 1)
    n_neur = min(128, max(cfg.neur_init_words, (top >> 1) + 1))
    wmat = [(pre << 4) | b for pre in range(rows) for b in range(blocks)]
    return {"neur": list(range(n_neur)), "winp": wmat, "wrec": list(wmat), "wout": list(range(rows))}


def program_dirty_words(cfg: ChipConfig) -> int:
    """Number of neuron words the programming sequence writes (their neurons are dirty until the first IDLE)."""
    return len(regions(cfg)["neur"])


def _runs(words: list[int]) -> list[tuple[int, int]]:
    """Consecutive word indices grouped as (first, length) runs."""
    runs: list[tuple[int, int]] = []
    for w in words:
        if runs and runs[-1][0] + runs[-1][1] == w:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((w, 1))
    return runs


def memory_transactions(mem: str, words: list[int], image: np.ndarray, read: bool) -> list[Transaction]:
    """Bursts of 32-bit quarters covering `words` of an SRAM image [n, 16] uint8 (write or read-back).

    For a read the data words are the expected read-back values."""
    quarters = np.ascontiguousarray(image, dtype=np.uint8).view("<u4").reshape(-1, 4)
    out = []
    for first, n in _runs(words):
        flat = [int(q) for w in range(first, first + n) for q in quarters[w]]
        for off in range(0, len(flat), MAX_BURST):
            chunk = flat[off: off + MAX_BURST]
            out.append(Transaction(command(CODE[mem], len(chunk), 4 * first + off, read), tuple(chunk)))
    return out


def program_sequence(cfg: ChipConfig, images: dict[str, np.ndarray], reach: ChipConfig | None = None
                     ) -> list[Transaction]:
    """Full programming: configuration, then (EN_CONF = 1) weights and neuron words of the regions (of `reach`:
    cfg with the largest sizes a CONFIG visit writes; default cfg), EN_CONF = 0."""
    reg = regions(reach or cfg)
    seq = config_writes(cfg) + [config_write(0, 1)]
    for mem in ("winp", "wrec", "wout", "neur"):
        seq += memory_transactions(mem, reg[mem], images[mem], read=False)
    return seq + [config_write(0, 0)]


def readback_sequence(cfg: ChipConfig, images: dict[str, np.ndarray], oneur=None) -> list[Transaction]:
    """Read-back of every region with the expected words (the bench wraps it in SPI_EN_CONF 1 / 0), then of the
    16 output membranes when `oneur` (their expected values) is given."""
    reg = regions(cfg)
    seq = [t for mem in MEMS for t in memory_transactions(mem, reg[mem], images[mem], read=True)]
    return seq if oneur is None else seq + [oneur_readback(oneur)]


def oneur_readback(values) -> Transaction:
    """All 16 output membranes (srnn.v SRNN_READBACK = {16'd0, oneur_u[SPI_ADDR[3:0]]}), one data word each."""
    words = np.zeros(16, dtype=np.int64)
    words[: len(values)] = np.asarray(values, dtype=np.int64)
    return Transaction(command(CODE["oneur"], 16, 0, read=True), tuple(int(v) & 0xFFFF for v in words))


def describe_address(code: int, spi_addr: int) -> str:
    """Human-readable location of a 32-bit SRAM quarter (used in reports and tests; mirrors the bench)."""
    word, q = spi_addr >> 2, spi_addr & 3
    if code == CODE["neur"]:
        return f"neuron SRAM word {word} (neurons {2 * word}, {2 * word + 1}) bits {32 * q + 31}:{32 * q}"
    if code == CODE["oneur"]:
        return f"output membrane {spi_addr & 15} bits 15:0"
    if code == CODE["wout"]:
        return f"wout SRAM word {word} (pre {word}, outputs {4 * q}..{4 * q + 3})"
    name = "winp" if code == CODE["winp"] else "wrec"
    post = ((word & 15) << 4) + 4 * q
    return f"{name} SRAM word {word} (pre {word >> 4}, posts {post}..{post + 3})"
