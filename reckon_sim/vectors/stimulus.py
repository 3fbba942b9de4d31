"""The host side of one sample as a tick stream (golden FORMAT §3.3, §9): what the bench does before each tick.

Step j (j = 0..T-1) holds what the host does after tick j has finished (j = 0: before tick 1, chip IDLE):
AER input events, then target transfers, then the SAMPLE / TARGET_VALID / INFER_ACC levels; then tick j+1 is
sent. Regression targets are transfers the chip requests *during* tick j+1 (GET_TAR, visible as REQ_TAR on
MISO). After tick T the host reads the OUT_DATA items, acknowledges them and drops TARGET_VALID and INFER_ACC.
"""
from __future__ import annotations

import numpy as np

from ..backend import Sample
from ..config import ChipConfig
from ..core.host import HostProgram, HostSpec, program
from ..errors import InputError
from ..io.vector_files import Step

def check_protocol(cfg: ChipConfig, host: HostSpec | None = None) -> None:
    """InputError if the configuration cannot be run by the tick-stream protocol. Every register value can
    (issue #11): SPI_TIMING_MODE = 1 with the ready host paces ticks by the expected cycles, GET_TARs that REQ_TAR
    does not show are announced (vectors.gettar), a chip hung in GET_TAR is a hang set."""
    period = host.tick_period if host is not None else 0
    if 0 < period < 4:
        raise InputError("host: tick_period", f"= {period}: the bench holds TIME_TICK high for 3 cycles "
                                              "(allowed: 0 or 4..4294967295)")


def n_items(cfg: ChipConfig) -> int:
    """OUT_DATA items sent at the end of a sample (spec §13)."""
    return 1 if cfg["SPI_SEND_LABEL_ONLY"] else 2 * cfg.n_out


def program_steps(prog: HostProgram) -> list[Step]:
    """The stimulus steps of a host program (the same records, in the vector file's form)."""
    return [Step(s.j, s.levels, list(s.aer), list(s.tar), list(s.req)) for s in prog.steps]


def sample_steps(cfg: ChipConfig, sample: Sample, learn: bool, targets: np.ndarray | None = None,
                 host: HostSpec | None = None) -> list[Step]:
    """The T steps of one sample under a host template (default: the stock protocol); `targets` = regression
    targets [T-1-TT, NOUT] of a training sample."""
    prog = program(host or HostSpec(), sample, cfg.target_tick, learn, bool(cfg["SPI_REGRESSION"]), targets,
                   n_out=cfg.n_out)
    return program_steps(prog)
