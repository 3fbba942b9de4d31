"""What the model runs but the vectors do not write (one-line InputErrors naming why; README "Operating modes")."""
from __future__ import annotations

from ..config import ChipConfig
from ..core.hang import ChipHang
from ..errors import InputError


def _what(hang: ChipHang) -> str:
    return str(hang).split(": ", 1)[1]


def check_halt(hang: ChipHang) -> bool:
    """Refuse the halts and hangs the bench does not play; returns whether the halt comes inside its visit (a
    local tick's, record 7 bit 2)."""
    sched = hang.local_schedule                      # a resumed fixed-period host's halt comes after the local ticks
    by_local = hang.local and not (sched is not None and sched.ended_before(hang.tick))
    in_visit = bool(by_local and hang.cut is not None and hang.cut[0] == "CONFIG" and hang.cut[1] >= 0)
    if in_visit and hang.local[2] == 1:               # C = 1: time_tick stays high in IDLE (tick_cnt held at 1)
        raise InputError("host program", f"{_what(hang)}: a halt inside the visit with C = 1 is not written "
                                         "(held in IDLE with time_tick and SAMPLE high, nextstate is PROP every "
                                         "cycle, so the event FSM scans the neurons again and again, srnn.v L981, "
                                         "and the visit's later reads see it; model only)")
    if hang.state == "GET_TAR" and any(t == hang.tick for t, _ in hang.cut_ticks):
        raise InputError("host program", f"{_what(hang)}: the cut tick is raised inside the busy "
                                         "one, where the bench does not check a hang: not written (model only)")
    return in_visit


def check_free_run(cfg: ChipConfig, prog, learn: bool) -> None:
    """The bench checks a free run as busy and silent (OUT_REQ and REQ_TAR low): no SEND or GET_TAR in it."""
    do_eprop = cfg.do_eprop_train if learn else cfg.do_eprop_test
    asks = do_eprop and ((int(prog.levels[0]) >> 1) & 1 or (cfg["SPI_REGUL_MODE"] >> 1) == 3)
    if cfg["SPI_SEND_PER_TIMESTEP"] or asks:
        raise InputError("SPI_LOCAL_TICK", "= 1 with SPI_CYCLES_PER_TICK = 1 and SPI_ERROR_HALT = 0: the free run "
                         f"{'sends OUT_DATA every tick' if cfg['SPI_SEND_PER_TIMESTEP'] else 'requests targets'}"
                         ", which the bench's busy-and-silent check does not follow (allowed: "
                         "SPI_SEND_PER_TIMESTEP = 0 and no GET_TAR from step 0)")

