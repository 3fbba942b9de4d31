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
    """InputError if the configuration cannot be run by the tick-stream protocol."""
    period = host.tick_period if host is not None else 0
    if cfg["SPI_TIMING_MODE"] and not period and not cfg["SPI_LOCAL_TICK"]:
        raise InputError("SPI_TIMING_MODE", "= 1: TIMING_ERROR_RDY shows TIMING_ERROR, not readiness, so a host "
                                            "that raises TIME_TICK when the chip is ready cannot run (allowed: 0, "
                                            "or a host tick_period)")
    if cfg["SPI_REGRESSION"] and not cfg["SPI_GET_TAR_REQ_OUT"]:
        raise InputError("SPI_GET_TAR_REQ_OUT", "= 0 with SPI_REGRESSION = 1: the bench sees the chip's target "
                                                "requests only on MISO (allowed: 1)")
    if (cfg["SPI_REGRESSION"] and (cfg["SPI_REGUL_MODE"] >> 1) == 3 and cfg.do_eprop_train and cfg.target_tick > 1
            and (host is None or host.targets != "gettar")):
        raise InputError("TARGET_TICK", f"= {cfg.target_tick} with SPI_REGRESSION = 1 and SPI_REGUL_MODE[2:1] = 11: "
                                        "the chip requests targets from tick 2 on, the bench sends them only after "
                                        "TARGET_TICK (allowed: 1, or host targets = 'gettar')")
    if 0 < period < 4:
        raise InputError("host: tick_period", f"= {period}: the bench holds TIME_TICK high for 3 cycles "
                                              "(allowed: 0 or 4..4294967295)")
    if host is not None and host.label == "gettar" and not cfg["SPI_GET_TAR_REQ_OUT"]:
        raise InputError("SPI_GET_TAR_REQ_OUT", "= 0 with host label = 'gettar': the bench sees the chip's label "
                                                "requests only on MISO (allowed: 1)")


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
