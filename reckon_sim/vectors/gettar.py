"""GET_TAR entries the bench must be told of (stimulus record 11, expect/gettar_NNNN.hex; issue #11).

With SPI_GET_TAR_REQ_OUT = 0 REQ_TAR is not on MISO (reckon.v L216), so the bench cannot see the chip's target
requests: it sends the answers at the cycle the model says GET_TAR starts. srnn.v counts target transfers
outside GET_TAR too (target_cnt resets only in IDLE and when GET_TAR is left) but ends GET_TAR only on the
last one arriving inside it, so a too-early last byte hangs the chip and a late one lengthens the tick. A
GET_TAR the host's transfers do not end (it sends too few) hangs the chip: its row has n = 0.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import ChipConfig
from ..core.host import gettar_bytes
from ..core.records import TK
from ..io import vector_files as fmt


def blind(*cfgs: ChipConfig) -> bool:
    """REQ_TAR is off MISO in any of the configurations a sample runs under (its start, after its visits)."""
    return any(not c["SPI_GET_TAR_REQ_OUT"] for c in cfgs)


def entry_cycle(row: np.ndarray) -> int:
    """The core cycle GET_TAR starts in: the tick-start cycle is 0, STEP runs from 1, then SDONE (CONFIG cycles
    not counted: the bench adds the SPI_RDY cycles it measured)."""
    return 1 + int(row[TK.step]) + int(row[TK.sdone])


def rows(cfg: ChipConfig, tk: np.ndarray, host_ticks, is_blind: bool) -> list[tuple[int, int, int]]:
    """(host tick, entry cycle, transfers that end it) of every GET_TAR of a finished sample the bench cannot see."""
    if not is_blind:
        return []
    n = gettar_bytes(bool(cfg["SPI_REGRESSION"]), cfg.n_out - 1)
    return [(int(host_ticks[c]), entry_cycle(tk[c]), n) for c in range(len(tk)) if tk[c, TK.gettar] > 0]


def hang_rows(cfg: ChipConfig, tk: np.ndarray, is_blind: bool, host_ticks) -> list[tuple[int, int, int]]:
    """The rows of a sample that hangs in GET_TAR of its last chip tick len(tk) (the blind ones before it, then
    the hung one with g = 0); host_ticks: the host tick of each chip tick (the lost ones left out); sets tk's last
    row to count up to GET_TAR's first cycle (CONFIG included, as in every row). With a tick period the host's
    later ticks are lost in that GET_TAR (record 8: the bench raises them while it checks the hang)."""
    c = len(tk) - 1
    tk[c, TK.cycles] = entry_cycle(tk[c]) + tk[c, TK.config]
    tk[c, TK.gettar] = 0                             # not one of GET_TAR's cycles is counted (the period's run was)
    return rows(cfg, tk[:c], host_ticks, is_blind) + [(int(host_ticks[c]), entry_cycle(tk[c]), 0)]


def write(out: Path, add, gidx: int, found: list, miso: bool) -> fmt.GetTar | None:
    """expect/gettar_NNNN.hex of a sample and its record 11 (None: no such GET_TAR)."""
    if not found:
        return None
    path = out / "expect" / f"gettar_{gidx:04d}.hex"
    fmt.write_gettar(path, found)
    add(path, "expected_gettar", "gettar", gidx=gidx)
    return fmt.GetTar(len(found), int(miso))
