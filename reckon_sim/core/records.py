"""Records handed to and returned by the kernels (Numba-friendly NamedTuples) and the tick-table columns."""
from __future__ import annotations

from typing import NamedTuple


class TickColumns(NamedTuple):
    """Column index of each field of the per-tick cycle table (FORMAT §5.4 tk_table); every reader uses these."""

    k: int = 0          # tick index 1..T
    cycles: int = 1     # total cycles of the tick
    step: int = 2
    sdone: int = 3
    eprop: int = 4
    gettar: int = 5
    config: int = 6
    prop: int = 7
    end: int = 8        # FSM state at the end of the tick (STATE_PROP / STATE_SEND)


TK = TickColumns()
STATE_PROP, STATE_SEND = 1, 7   # srnn.v global FSM state codes stored in the end column
TICK_COLUMNS = TickColumns._fields
