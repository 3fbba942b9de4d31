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
from ..core.protocol import schedule
from ..errors import InputError
from ..io.vector_files import LV_INFER_ACC, LV_SAMPLE, LV_TARGET_VALID, Step

# register values the tick-stream protocol (ticks on TIME_TICK, ready on TIMING_ERROR_RDY, one SEND per sample)
# cannot drive; FORMAT §2.1 lists the same restrictions for the golden runs
UNSUPPORTED = {"SPI_LOCAL_TICK": 0, "SPI_TIMING_MODE": 0, "SPI_SEND_PER_TIMESTEP": 0}


def check_protocol(cfg: ChipConfig) -> None:
    """InputError if the configuration cannot be run by the tick-stream protocol."""
    for name, ok in UNSUPPORTED.items():
        if cfg[name] != ok:
            raise InputError(name, f"= {cfg[name]} is not supported by the RTL test vectors (allowed: {ok})")
    if cfg["SPI_REGRESSION"] and not cfg["SPI_GET_TAR_REQ_OUT"]:
        raise InputError("SPI_GET_TAR_REQ_OUT", "= 0 with SPI_REGRESSION = 1: the bench sees the chip's target "
                                                "requests only on MISO (allowed: 1)")
    if cfg["SPI_REGRESSION"] and (cfg["SPI_REGUL_MODE"] >> 1) == 3 and cfg.do_eprop_train and cfg.target_tick > 1:
        raise InputError("TARGET_TICK", f"= {cfg.target_tick} with SPI_REGRESSION = 1 and SPI_REGUL_MODE[2:1] = 11: "
                                        "the chip requests targets from tick 2 on, the bench sends them only after "
                                        "TARGET_TICK (allowed: 1)")


def n_items(cfg: ChipConfig) -> int:
    """OUT_DATA items sent at the end of a sample (spec §13)."""
    return 1 if cfg["SPI_SEND_LABEL_ONLY"] else 2 * cfg.n_out


def sample_steps(cfg: ChipConfig, sample: Sample, learn: bool, targets: np.ndarray | None = None) -> list[Step]:
    """The T steps of one sample; `targets` = regression targets [T-1-TT, NOUT] of a training sample."""
    sch = schedule(sample, cfg.target_tick)
    T, tt = sch.n_ticks, sch.marker_tick
    regression = bool(cfg["SPI_REGRESSION"])
    steps = []
    for j in range(T):
        levels = (LV_SAMPLE if j < T - 1 else 0)
        if j >= tt:
            levels |= LV_INFER_ACC | (LV_TARGET_VALID if learn else 0)
        steps.append(Step(j, levels))
    for tick, chan in zip(sch.ev_tick.tolist(), sch.ev_chan.tolist()):
        steps[tick].aer.append(int(chan))
    if learn and not regression:
        steps[tt].tar.append(int(sample.label) & 0xFF)
    if learn and regression and targets is not None:
        for i, row in enumerate(np.asarray(targets, dtype=np.int64)):
            j = tt + i                      # transfers requested during tick tt + 1 + i
            if j < T - 1:
                steps[j].req.extend(b for v in row.tolist() for b in (v & 0xFF, (v >> 8) & 0xFF))
    return steps
