"""Drop-in files for the released ReckOn testbench: `tbench.h` with every SPI_* define, datasets and weights.

The stock `tbench.sv` includes `tbench.h` and reads `../src/data/{dataset_cueAcc_*, init_rand_weights_*}.dat`;
copying this folder's files over those reproduces the run with the stock bench. The stock bench hard-codes the
cue-accumulation sizes (40/100/2 neurons, tick 2100/2250, neuron words 0xFEF/614, DO_EPROP 111/000), so with
another configuration those lines of `tbench.sv` must be edited too; the extra defines at the end of the header
(`TARGET_TICK`, `N_TICKS`, ...) carry the values to use.
"""
from __future__ import annotations

from pathlib import Path

from ..config import ChipConfig
from ..hw.registers import CONFIG_REGISTERS
from ..io.data_folder import DATA_FILES
from ..io.reckon_files import write_dataset, write_weights


def define_value(width: int, signed: bool, value: int) -> str:
    """A register value as a sized Verilog literal (signed registers wrapped in $signed, like the stock header)."""
    lit = f"{width}'h{value & ((1 << width) - 1):X}"
    return f"$signed({lit})" if signed else lit


def tbench_header(cfg: ChipConfig, epochs: int, n_ticks: int, clk_half: int = 10, sck_half: int = 50) -> str:
    lines = ["// tbench.h for the released ReckOn testbench, written by `reckon-sim vectors`.",
             "// Every SPI_* register of the configuration; the stock bench writes them in this order.", "",
             f"`define CLK_HALF_PERIOD             {clk_half}", f"`define SCK_HALF_PERIOD             {sck_half}", "",
             f"`define EPOCHS                      {epochs}", ""]
    for reg in CONFIG_REGISTERS:
        lines.append(f"`define {reg.name:<27} {define_value(reg.width, reg.signed, cfg[reg.name])}")
    thr = sorted(set(int(x) for x in cfg.neur_thr[: cfg.neur_init_words]))
    alpha = sorted(set(int(x) for x in cfg.neur_alpha_lsb[: cfg.neur_init_words]))
    lines += ["", "// Protocol values the stock tbench.sv hard-codes (edit it when they differ from the stock ones).",
              f"`define TARGET_TICK                 {cfg.target_tick}",
              f"`define N_TICKS                     {n_ticks}",
              f"`define N_INP                       {cfg.n_inp}",
              f"`define N_REC                       {cfg.n_rec}",
              f"`define N_OUT                       {cfg.n_out}",
              f"`define DO_EPROP_TRAIN              3'd{cfg.do_eprop_train}",
              f"`define DO_EPROP_TEST               3'd{cfg.do_eprop_test}",
              f"`define NEUR_INIT_WORDS             {cfg.neur_init_words}"]
    if len(thr) == 1 and len(alpha) == 1:
        lines += [f"`define NEUR_THR                    16'h{thr[0] & 0xFFFF:X}",
                  f"`define NEUR_ALPHA_LSB              12'h{alpha[0]:X}"]
    else:
        lines.append("// NEUR_THR / NEUR_ALPHA_LSB differ per word: see ../spi_program.hex or mem/neur_init.mem")
    return "\n".join(lines) + "\n"


def write_dropin(folder: Path, cfg: ChipConfig, train, test, weights: dict, epochs: int) -> list[Path]:
    """Write tbench.h, the two datasets (stock CRLF format) and the three weight files; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    n_ticks = (train or test)[0].n_ticks
    (folder / "tbench.h").write_text(tbench_header(cfg, epochs, n_ticks), encoding="ascii")
    write_dataset(folder / DATA_FILES["train"].stock, train)
    write_dataset(folder / DATA_FILES["test"].stock, test)
    for key in ("winp", "wrec", "wout"):
        write_weights(folder / DATA_FILES[key].stock, weights[key])
    return [folder / "tbench.h", *(folder / f.stock for f in DATA_FILES.values())]
