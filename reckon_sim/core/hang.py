"""ChipHang: what a host program that leaves the chip waiting forever raises (simulated up to there)."""
from __future__ import annotations

from ..errors import InputError


class ChipHang(InputError):
    """The host program leaves the chip waiting forever (simulated up to there): state and tick named.

    timing_error: TIMING_ERROR is set (srnn.v; the TIMING_ERROR_RDY pin with SPI_TIMING_MODE = 1); tick_table:
    the cycle table of ticks 1..tick (the last one as if uncut) when the sample ran, else None; tick_send and
    config_reads: as in SampleResult, for the ticks before the cut."""

    def __init__(self, state: str, tick: int, why: str, timing_error: bool = False, tick_table=None, cut=None,
                 lost_ticks: tuple = ()):
        self.state, self.tick, self.timing_error, self.tick_table = state, tick, timing_error, tick_table
        self.cut = cut                               # (state, cycle in it) where the early tick landed, or None
        self.local = None                            # (k, o, c) as record 10 when a local tick halted it
        self.local_changes = ()                      # later SPI_CYCLES_PER_TICK changes [(tick k2, C)] (local_tick_write)
        self.local_schedule = None                   # their tick_period.Schedule, the writes' edges too
        self.free_run = False                        # the chip runs on but is never ready again (core.local_tick)
        self.tick_send = self.config_reads = None    # set by Chip.run_sample when the sample ran (as SampleResult)
        self.lost_ticks = lost_ticks                 # host ticks lost before it (SPI_ERROR_HALT = 0, core.lost_ticks)
        self.cut_ticks = ()                          # (host tick, offset) of the ticks that cut a PROP scan before it
        self.uncut_row = None                        # the hung row before the next tick lengthened it (early_ticks)
        super().__init__("host program", f"the chip hangs in {state} in tick {tick}: {why}")
