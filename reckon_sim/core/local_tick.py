"""SPI_LOCAL_TICK = 1: the internal tick generator (srnn.v "Time handling", README "Operating modes").

srnn.v:  tick_cnt <= (SPI_LOCAL_TICK && state != IDLE && tick_cnt != SPI_CYCLES_PER_TICK) ? tick_cnt + 1 : 1;
         time_tick = SPI_LOCAL_TICK ? (tick_cnt == SPI_CYCLES_PER_TICK) : TIME_TICK_new;
In IDLE tick_cnt is held at 1, and IDLE is only left on SAMPLE_sync && time_tick. So:
- SPI_CYCLES_PER_TICK != 1: time_tick never rises in IDLE; the chip stays in IDLE before tick 1 (a hang).
- SPI_CYCLES_PER_TICK = 1: tick_cnt stays 1, time_tick is high every cycle. IDLE -> PROP on tick 1 enters the
  PROP scan with state_evt = CNT (nextstate_evt = CNT on the IDLE -> PROP edge), so the time_tick of the first
  PROP cycle sets TIMING_ERROR (state == PROP && state_evt != WAIT) and moves the FSM to STEP (PROP: time_tick ->
  STEP). ERROR_HALT = 1 then forces IDLE from the next cycle on; TIMING_ERROR is cleared only by reset, so the
  chip stays in IDLE (path IDLE, PROP 1 cycle, STEP 1 cycle, IDLE): a hang in tick 2.
  ERROR_HALT = 0 free-runs with a tick every cycle: each PROP lasts one cycle (-> STEP) while the state_evt scan
  runs on beside STEP. Every PROP starts with state_evt != WAIT (CNT from the edge into PROP, or the scan still
  running: it is not restarted), so TIMING_ERROR_RDY (TIMING_MODE = 0) never rises after IDLE: the host, whose
  step 1 follows tick 1's readiness, never plays it and SAMPLE never falls. AER input events are acknowledged
  but never latched (the time_tick branch of inp_events has priority over aerin_new). The sample never ends:
  reported as a hang at host step 1 (`free_run`: TIMING_ERROR set, the pin low, or high with TIMING_MODE = 1).
"""
from __future__ import annotations


def check_local_tick(cfg, hang, sticky: bool = False) -> None:
    """Raise what the chip does with the local tick generator before any tick is processed; nothing when
    SPI_LOCAL_TICK = 0. hang: the ChipHang class (state, tick, why); sticky: TIMING_ERROR set by an earlier
    sample (a lost tick; cleared only by reset), still set in the IDLE hold."""
    if not cfg["SPI_LOCAL_TICK"]:
        return
    cpt = int(cfg["SPI_CYCLES_PER_TICK"])
    if cpt != 1:
        raise hang("IDLE", 1, f"SPI_LOCAL_TICK = 1 with SPI_CYCLES_PER_TICK = {cpt}: tick_cnt is held at 1 in IDLE, "
                              "so time_tick never rises and IDLE is never left (srnn.v time handling)", timing_error=sticky)
    if cfg["SPI_ERROR_HALT"]:
        raise hang("IDLE", 2, "SPI_LOCAL_TICK = 1 with SPI_CYCLES_PER_TICK = 1: time_tick every cycle; the tick in "
                              "the first PROP cycle (state_evt = CNT) sets TIMING_ERROR and SPI_ERROR_HALT = 1 holds "
                              "IDLE from the next cycle on (path IDLE, PROP 1 cycle, STEP 1 cycle, IDLE)", timing_error=True,
                   cut=("PROP", 0))
    free = hang("PROP", 1, "SPI_LOCAL_TICK = 1 with SPI_CYCLES_PER_TICK = 1 and SPI_ERROR_HALT = 0: time_tick every "
                           "cycle; the chip free-runs (PROP 1 cycle, STEP, SDONE, PROP, ..: every PROP starts with "
                           "state_evt != WAIT, input events are never latched), so TIMING_ERROR_RDY never rises after "
                           "IDLE: the host never plays step 1 and SAMPLE never falls (TIMING_ERROR is set)",
                timing_error=True, cut=("PROP", 0))
    free.free_run = True
    raise free
