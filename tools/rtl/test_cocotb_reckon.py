"""cocotb version of reckon_vec_tb.sv: the same protocol and checks, driven from Python through cocotb's runner.

The DUT (ReckOn's `reckon` top level, or any pin-compatible module) is the simulation top; this module programs it
over SPI, plays `stimulus.hex` and checks OUT_DATA, the cycles of every tick and the SPI read-back of every SRAM
against a vector folder written by `reckon-sim vectors` (the file formats are parsed by reckon_sim.io.vector_files).

    RECKON_VEC=DIR RECKON_RTL="rtl/reckon.v rtl/srnn.v ..." [SIM=icarus|verilator] python tools/rtl/test_cocotb_reckon.py

or, under pytest, `test_reckon_rtl` (skipped unless cocotb, the simulator, RECKON_VEC and RECKON_RTL are there).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))           # the reckon_sim package of this checkout

from reckon_sim.io import vector_files  # noqa: E402

SCK_HALF_NS, READ_GAP_CYCLES, CLK_NS, HOLD_CYCLES = 20, 8, 20, 2000

try:
    import cocotb
    from cocotb.clock import Clock
    from cocotb.triggers import FallingEdge, RisingEdge, Timer
except ImportError:                                  # the runner helpers below still import cleanly
    cocotb = None


def _ns(t: float):
    try:
        return Timer(t, unit="ns")
    except TypeError:                                # cocotb 1.x
        return Timer(t, units="ns")


class Host:
    """The bench's host side (see reckon_vec_tb.sv for the protocol and the timing conventions)."""

    def __init__(self, dut, vec: Path):
        self.dut, self.vec, self.cyc, self.req_cycles, self.in_tick = dut, vec, 0, 0, False
        self.rdy_cycles, self.t_last, self.halt = 0, 0, None   # halt: the held-in-IDLE verdict (record 7)
        self.ack_at, self.blind_cycles = 0, 0                  # the last AERIN_ACK rise; a record-11 GET_TAR's cycles
        self.gen_left, self.gen_last, self.gen_rise, self.err_from = 0, -1, -1, None   # tick generator state
        self.tmode = 0                                         # SPI_TIMING_MODE now (record 7, visit writes)
        self.lt_file = {}                                      # expect/local_NNNN.hex: where each local tick comes
        self.lt, self.lt_end, self.lt_prev, self.t_tick = None, 0, 0, 0   # record 10 (k, o, c); LT := 0's tick;
        #                                                        the last tick's host number and time_tick edge

    def lt_gap(self, k: int) -> int:
        """Cycles from tick lt_prev's time_tick edge to local tick k's (expect/local_NNNN.hex; without it from
        record 10: lost or cut ticks between)."""
        if k in self.lt_file:
            return self.lt_file[k]
        lk, o, c = self.lt
        return o + (k - lk - 1) * c if self.lt_prev == lk else (k - self.lt_prev) * c

    def lt_on(self, k: int, after: bool = True) -> bool:
        """Tick k follows the local ticks (after: started by one; else from the LT := 1 tick on)."""
        return self.lt is not None and (k > self.lt[0] if after else k >= self.lt[0]) and (not self.lt_end or
                                                                                        k <= self.lt_end)

    def visit_writes(self, t, k: int) -> int | None:
        """What the bench follows in a visit's register write: TIMING_MODE, LT := 0, a new local period (returned)."""
        if t.read or t.code != 0 or not t.data:
            return None
        v = int(t.data[-1])
        if t.addr == 23:
            self.tmode = v & 1
        if t.addr == 10 and self.lt is not None and k > self.lt[0]:
            self.lt_end = 0 if v & 1 else k
        return v if t.addr == 64 and self.lt is not None and k > self.lt[0] else None

    def pin(self, name: str) -> int:
        v = getattr(self.dut, name).value
        return int(v) if v.is_resolvable else -1

    async def count(self):
        while True:
            await RisingEdge(self.dut.CLK_EXT)
            self.cyc += 1
            if self.in_tick and self.pin("SPI_RDY") == 1:     # CONFIG (its reads drive MISO too)
                self.rdy_cycles += 1
            elif self.in_tick and self.pin("MISO") == 1:
                self.req_cycles += 1

    async def wait_pin(self, name: str, level: int, limit: int = 4_000_000) -> None:
        for _ in range(limit):
            if self.pin(name) == level:
                return
            await FallingEdge(self.dut.CLK_EXT)
        raise AssertionError(f"timeout waiting for {name} = {level}")

    async def spi_word(self, dout: int) -> int:
        d, din = self.dut, 0
        for i in range(31, -1, -1):
            d.MOSI.value = (dout >> i) & 1
            await _ns(SCK_HALF_NS)
            din = (din << 1) | max(self.pin("MISO"), 0)
            d.SCK.value = 1
            await _ns(SCK_HALF_NS)
            d.SCK.value = 0
        return din

    async def transaction(self, t) -> list[int]:
        """Run one SPI transaction; returns the read words (reads) or []."""
        await self.spi_word(t.cmd)
        got = []
        for w in t.data:
            if t.read:
                await _ns(READ_GAP_CYCLES * CLK_NS)
                got.append(await self.spi_word(0))
            else:
                await self.spi_word(w)
        return got

    async def aer(self, addr: int, tar: int) -> None:
        d = self.dut
        await self.wait_pin("AERIN_ACK", 0)
        d.AERIN_ADDR.value, d.AERIN_TAR_EN.value = addr, tar
        await FallingEdge(d.CLK_EXT)
        d.AERIN_REQ.value = 1
        await self.wait_pin("AERIN_ACK", 1)
        self.ack_at = self.cyc                                # a GET_TAR ends at its last byte's AERIN_ACK edge
        d.AERIN_REQ.value = 0
        await self.wait_pin("AERIN_ACK", 0)
        d.AERIN_TAR_EN.value = 0

    async def generator(self, t0: int, count: int, period: int) -> None:
        """The early TIME_TICKs of a busy tick (lost ones, or the halt's) at t0 + i * period, concurrently with
        the SPI / AER handshakes of the tick; times the TIMING_ERROR_RDY rise after the last one."""
        d = self.dut
        for i in range(1, count + 1):
            while self.cyc - t0 < i * period:
                await FallingEdge(d.CLK_EXT)
            d.TIME_TICK.value, self.gen_last = 1, self.cyc
            if self.err_from is None:
                self.err_from = self.cyc + vector_files.EDGES_TO_ERROR
            self.gen_left -= 1
            for n in range(1, 64):
                await FallingEdge(d.CLK_EXT)
                if n == 3:
                    d.TIME_TICK.value = 0
                if i == count and self.gen_rise < 0 and self.pin("TIMING_ERROR_RDY") == 1:
                    self.gen_rise = self.cyc - self.gen_last
                if n >= 3 and (i < count or self.gen_rise >= 0):
                    break

    def err_now(self) -> int:
        """TIMING_ERROR as expected now (sticky from 3 edges after the first early TIME_TICK)."""
        return int(self.err_from is not None and self.cyc >= self.err_from)

    async def held(self, k: int, early: bool, t0: int, tm: vector_files.Timing) -> str:
        """Record 7 halt in tick k, after the early TIME_TICK (early) from the generator or a local-tick halt:
        check the TIMING_ERROR_RDY rise and that the chip stays held in IDLE; returns the verdict line."""
        d, te, bad = self.dut, self.gen_last if early else self.cyc, 0
        free = (tm.timing_error >> 1) & 1                    # a local-tick free run: never ready (bit 1)
        want = (tm.timing_error & 1) if self.tmode else 1 - free
        want_rise = (vector_files.EDGES_TO_ERROR if self.tmode else vector_files.EDGES_TO_HALT) if early else -1
        for _ in range(64):                                  # the generator's rise watch ends
            if not early or self.gen_rise >= 0:
                break
            await FallingEdge(d.CLK_EXT)
        rise = self.gen_rise if early else -1
        for n in range(1, HOLD_CYCLES + 1):
            await FallingEdge(d.CLK_EXT)
            if n > 8 and (self.pin("TIMING_ERROR_RDY"), self.pin("OUT_REQ"), self.pin("MISO")) != (want, 0, 0):
                bad += 1
        if (early and (te - t0 != tm.period or rise != want_rise)) or bad:
            return (f"FAIL halt in tick {k}: early TIME_TICK {te - t0} cycles after tick {k}'s (expected "
                    f"{tm.period}), TIMING_ERROR_RDY rose {rise} edges after it (expected {want_rise}), {bad} "
                    "cycles not held in IDLE")
        if free:
            return f"PASS free-runs from tick {k}; never ready for {HOLD_CYCLES} cycles (TIMING_ERROR_RDY = {want})"
        return f"PASS halted in tick {k}; held in IDLE for {HOLD_CYCLES} cycles (TIMING_ERROR_RDY = {want})"

    async def drop_sample(self, t0: int, n: int) -> None:
        """Record 9: SAMPLE falls n edges after the TIME_TICK rise at t0 (the generator's edge convention)."""
        while self.cyc - t0 < n:
            await FallingEdge(self.dut.CLK_EXT)
        self.dut.SAMPLE.value = 0

    async def hung(self, k: int, n: int) -> str:
        """Record 9 hang in tick k: the chip must stay busy and silent (EPROP waits for SAMPLE)."""
        bad = 0
        for _ in range(HOLD_CYCLES):
            await FallingEdge(self.dut.CLK_EXT)
            bad += (self.pin("TIMING_ERROR_RDY"), self.pin("OUT_REQ"), self.pin("MISO"), self.pin("SPI_RDY")) != (
                self.err_now() if self.tmode else 0, 0, 0, 0)   # mode 1: TIMING_ERROR from a lost local tick
        if bad:
            return f"FAIL hang in tick {k} (SAMPLE fell {n} cycles after its TIME_TICK): {bad} cycles not busy and silent"
        return f"PASS hangs in tick {k}: SAMPLE fell {n} cycles after its TIME_TICK; busy and silent for {HOLD_CYCLES} cycles"

    async def gettar_hang(self, k: int, t0: int, miso: int) -> str:
        """Record 11 hang in tick k: from the edge GET_TAR starts busy and silent, MISO = REQ_TAR (not high before);
        with a tick period until the host's later ticks (lost in it: the generator) have come."""
        bad, early, start, n, lost = 0, self.req_cycles, self.cyc - t0, 0, self.gen_left
        while n < HOLD_CYCLES or self.gen_left > 0 or (lost and self.cyc - self.gen_last < 3):
            bad += (self.pin("TIMING_ERROR_RDY"), self.pin("OUT_REQ"), self.pin("SPI_RDY"), self.pin("MISO")) != (
                self.err_now() if self.tmode else 0, 0, 0, miso)
            await FallingEdge(self.dut.CLK_EXT)
            n += 1
        if bad or early:
            return (f"FAIL hang in GET_TAR of tick {k} (from {start} edges after its TIME_TICK): {bad} cycles not "
                    f"busy and silent with MISO = {miso}, REQ_TAR high {early} cycles before")
        return (f"PASS hangs in GET_TAR of tick {k}: from {start} edges after its TIME_TICK busy and silent for {n} "
                f"cycles" + (f"; the host's {lost} later ticks lost in it" if lost else ""))

    async def tick(self, last: bool, req: list[int], spt: bool = False, config=(), k: int = 0,
                   tm: vector_files.Timing = vector_files.Timing(), expect: int = 0, n_items: int = 0,
                   n_lost: int = 0, sfall: vector_files.Fall | None = None, blind=None, miso: int = 1) -> int:
        """One tick; returns its cycles less the host-paced ones (GET_TAR, SEND, CONFIG). config: the
        Transactions of a CONFIG visit (SPI_EN_CONF already set); self.config_got: the words read in it.
        tm: record 7 (tick period, timing mode, halt); expect: the tick's expected cycles less the host-paced
        ones (SPI_TIMING_MODE = 1 cannot see readiness); n_items: its per-tick SEND items; n_lost: the lost
        ticks that follow it (record 8), raised early by the generator; sfall: record 9 when SAMPLE falls in this tick;
        blind: record 11's (c, n) of this tick: the answers go at the model's GET_TAR cycle (n = 0: a hang)."""
        d = self.dut
        halt_local = k == tm.halt_tick and not tm.period
        spt = spt and k != tm.halt_tick                       # the halt tick's items are acknowledged only
        if tm.period and k > 1 and not self.lt_on(k):     # a local tick starts it: no period to wait for
            while self.cyc - self.t_last < tm.period:
                await FallingEdge(d.CLK_EXT)
        if not halt_local:
            assert self.pin("TIMING_ERROR_RDY") == (self.err_now() if self.tmode else 1), \
                "TIMING_ERROR_RDY before a tick"
        t0, self.req_cycles, self.in_tick, seen_low, sent = self.cyc, 0, True, False, not req
        self.blind_cycles = 0
        vis = k == tm.halt_tick and (tm.timing_error >> 2) & 1   # record 7 bit 2: halted at the visit's EH write
        waits = k == tm.halt_tick and (tm.timing_error >> 3) & 1  # bit 3: its successor (the last) lost: PROP
        local, seen = self.lt_on(k), False
        self.gen_left = 0 if self.lt_on(k, False) else (1 if tm.period and k == tm.halt_tick and not (vis or waits)
                                                         else n_lost)
        self.gen_rise = -1
        if self.gen_left:
            cocotb.start_soon(self.generator(t0, self.gen_left, tm.period))
        self.t_last = t0
        self.tick_items, rise, fall = [], 0, -1
        self.config_got, self.rdy_cycles, pending = [], 0, list(config)
        lt_edge = t0 + 3 + (self.lt[1] if self.lt else 0)   # the LT tick's first local tick edge
        if self.lt and k == self.lt[0] and n_lost and self.err_from is None:
            self.err_from = lt_edge                            # it is lost: TIMING_ERROR from its edge
        if not local:
            d.TIME_TICK.value = 1
        if sfall is not None and sfall.cycle == 0 and not local:
            d.SAMPLE.value = 0
        elif sfall is not None:                               # a local tick's: from its edge - 3
            cocotb.start_soon(self.drop_sample(self.t_tick + self.lt_gap(k) - 3 if local else t0, sfall.cycle))
        while True:
            await FallingEdge(d.CLK_EXT)
            if local and not seen and ((self.cyc - self.t_tick >= self.lt_gap(k)) if self.tmode
                                       else self.pin("TIMING_ERROR_RDY") != 1):
                seen = True                                   # the local time_tick edge was the last
                if self.cyc - self.t_tick != self.lt_gap(k):
                    self.halt = (f"FAIL local tick {k} came {self.cyc - self.t_tick} cycles after tick "
                                 f"{self.lt_prev}'s, expected {self.lt_gap(k)}")
                    return 0
                t0 = self.t_last = self.cyc - 3               # as if raised (a resumed host: a period after it)
                lt_edge = self.cyc + self.lt_file.get(k + 1, self.lt[2])   # the next one (lost or not)
                if n_lost and self.err_from is None:
                    self.err_from = lt_edge                   # a lost local tick sets TIMING_ERROR
            if (k == tm.halt_tick and not vis and self.lt and (not local or seen)
                    and self.cyc == lt_edge + (0 if self.tmode else 1)):   # a local tick finds the chip busy
                if self.pin("TIMING_ERROR_RDY") != 1:
                    self.halt = f"FAIL tick {k}: TIMING_ERROR_RDY low after the local tick"
                    return 0
                self.halt = await self.held(k, False, t0, tm)
                return 0
            if (sfall is not None and sfall.end == vector_files.FALL_HANG and (not local or seen) and k != tm.halt_tick
                    and self.cyc - t0 >= expect + self.gettar_cycles(blind) + self.rdy_cycles + vector_files.EDGES_TO_READY):
                self.halt = await self.hung(k, sfall.cycle)
                return 0
            if self.cyc - t0 == 3:                            # this tick's pulse (the generator drops its own)
                d.TIME_TICK.value = 0
            at_gettar = (blind is not None and not pending and self.pin("SPI_RDY") == 0 and (not local or seen)
                         and self.cyc - t0 >= blind[0] + self.rdy_cycles + vector_files.EDGES_TO_READY)
            if not sent and (at_gettar if blind is not None else self.pin("MISO") == 1):
                start = self.cyc
                for b in req:
                    await self.aer(b, 1)
                if blind is not None:                         # after CONFIG one edge more, as REQ_TAR counts it
                    self.blind_cycles = self.ack_at - start + (1 if self.rdy_cycles else 0)
                sent = True
            if blind is not None and blind[1] == 0 and sent and at_gettar:
                self.halt = await self.gettar_hang(k, t0, miso)
                return 0
            if pending and self.pin("SPI_RDY") == 1:          # CONFIG: play the visit, then SPI_EN_CONF = 0
                for t in pending:
                    self.config_got.append(await self.transaction(t))
                    c_new = self.visit_writes(t, k)
                    if c_new is not None and not self.lt_file:   # no local file: seen before the next local tick
                        if self.err_from == lt_edge:
                            self.err_from = lt_edge - self.lt[2] + c_new
                        lt_edge += c_new - self.lt[2]
                    if c_new is not None:
                        self.lt = (*self.lt[:2], c_new)
                await self.transaction(vector_files.Transaction(0x0001_0000, (0,)))
                pending = []
            if vis and not pending and self.config_got:         # the visit played: held in IDLE since its write
                self.halt = await self.held(k, False, t0, tm)
                return 0
            if (k == tm.halt_tick and not (vis or waits)
                    and ((not tm.period and not self.lt) or (tm.period and self.gen_left == 0 and not self.lt_on(k, False)))):
                self.halt = await self.held(k, bool(tm.period), t0, tm)
                return 0
            if k == tm.halt_tick and self.pin("OUT_REQ") == 1 and not d.OUT_ACK.value:
                d.OUT_ACK.value = 1
            elif k == tm.halt_tick and d.OUT_ACK.value and self.pin("OUT_REQ") == 0:
                d.OUT_ACK.value = 0
            if spt and self.pin("OUT_REQ") == 1 and not d.OUT_ACK.value:    # per-tick SEND: take, acknowledge
                rise = self.cyc if not self.tick_items else rise
                self.tick_items.append(self.pin("OUT_DATA"))
                d.OUT_ACK.value = 1
            elif spt and d.OUT_ACK.value and self.pin("OUT_REQ") == 0:
                d.OUT_ACK.value = 0
                fall = self.cyc
            if last and self.pin("OUT_REQ") == 1:
                break
            if not last and self.tmode:                       # the pin shows TIMING_ERROR: the expected count
                assert self.pin("TIMING_ERROR_RDY") == self.err_now(), f"TIMING_ERROR_RDY in tick {k}"
                send = fall - rise + 1 if self.tick_items else 0
                hangs = (blind is not None and blind[1] == 0) or (sfall is not None and sfall.end == vector_files.FALL_HANG)
                by_count = not hangs and not (k == tm.halt_tick and self.lt and not (vis or waits))   # their checks end it
                if (by_count and (not local or seen) and sent and not pending and not d.OUT_ACK.value and (not spt or len(self.tick_items) >= n_items)
                        and self.cyc - t0 >= expect + self.gettar_cycles(blind) + self.rdy_cycles + send
                        + vector_files.EDGES_TO_READY):
                    break
            elif not last:
                if self.pin("TIMING_ERROR_RDY") != 1:
                    seen_low = True
                elif seen_low:
                    break
        self.in_tick = False
        self.t_tick, self.lt_prev = t0 + 3, k
        if self.gen_left and (k != tm.halt_tick or waits):
            self.halt = f"FAIL tick {k} finished before the early TIME_TICK {k + n_lost - self.gen_left + 1} (lost)"
        if n_lost:
            self.t_last = self.gen_last                       # the next tick: a period after the last lost one
        if k == tm.halt_tick and waits and self.halt is None:   # ready, and no tick comes: it waits in PROP
            self.halt = (await self.held(k, False, t0, tm)).replace("halted in", "waits in PROP after", 1).replace(
                "held in IDLE", "ready and silent")
        elif k == tm.halt_tick:
            self.halt = f"FAIL tick {k} finished before the early TIME_TICK (period {tm.period})"
        edges = vector_files.EDGES_TO_OUT_REQ if last else vector_files.EDGES_TO_READY
        send = fall - rise + 1 if self.tick_items else 0
        return self.cyc - t0 - edges - self.gettar_cycles(blind) - send - self.rdy_cycles

    def gettar_cycles(self, blind) -> int:
        """This tick's GET_TAR cycles: measured on MISO, or (record 11) from the model's start to the last ACK."""
        return self.blind_cycles if blind is not None else self.req_cycles


async def read_back(host: Host, path: Path, timing_mode: bool, problems: list[str]) -> None:
    """Back in IDLE (TIMING_MODE = 1: the pin is the error, so a fixed wait), the SPI read-back of `path` with
    SPI_EN_CONF set; the first mismatching word goes into problems."""
    d = host.dut
    if not timing_mode:
        await host.wait_pin("TIMING_ERROR_RDY", 1)
    else:
        for _ in range(16):
            await FallingEdge(d.CLK_EXT)
    await host.transaction(vector_files.Transaction(0x0001_0000, (1,)))
    for t in vector_files.read_transactions(path):
        got = await host.transaction(t)
        bad = [i for i, (g, e) in enumerate(zip(got, t.data)) if g != e]
        if bad and not any(p.startswith("read-back") for p in problems):
            a = (t.addr + bad[0])
            problems.append(f"read-back: first mismatch code {t.code} SPI addr 0x{a:x} (word 0x{a >> 2:x} "
                            f"quarter {a & 3}): read 0x{got[bad[0]]:08x}, expected 0x{t.data[bad[0]]:08x}")
    await host.transaction(vector_files.Transaction(0x0001_0000, (0,)))



def want_config(step) -> list:
    """The read words a step's CONFIG visit expects, per transaction ([] for a write)."""
    return [list(t.data) if t.read else [] for t in step.config]


def got_config(want: list, got: list) -> list:
    """The words read, an undefined expected one (record 12) taken as read."""
    return [[vector_files.UNDEFINED_WORD if e == vector_files.UNDEFINED_WORD else g for g, e in zip(gw, ew)]
            + list(gw[len(ew):]) for gw, ew in zip(got, want)] + got[len(want):]

async def run_vectors(dut, vec: Path) -> list[str]:
    """Program, play and check every sample; returns the failure lines (empty = PASS)."""
    host, d = Host(dut, vec), dut
    for name in ("RST", "SCK", "MOSI", "AERIN_ADDR", "AERIN_REQ", "AERIN_TAR_EN", "SAMPLE", "TIME_TICK",
                 "TARGET_VALID", "INFER_ACC", "OUT_ACK", "CLK_INT_EN"):
        getattr(d, name).value = 0
    cocotb.start_soon(Clock(d.CLK_EXT, CLK_NS, "ns").start())
    cocotb.start_soon(host.count())
    await _ns(5)
    d.RST.value = 1
    for _ in range(5):
        await FallingEdge(d.CLK_EXT)
    d.RST.value = 0
    for t in vector_files.read_transactions(vec / "spi_program.hex"):
        await host.transaction(t)
    outputs = dict(vector_files.read_outputs(vec / "expect" / "outputs.hex"))
    failures = []
    for s in vector_files.read_stimulus(vec / "stimulus.hex"):
        host.tmode = s.timing.timing_mode if s.timing else 0
        host.lt, host.lt_end = s.local, 0
        host.lt_file = vector_files.read_local(vec / "expect" / f"local_{s.gidx:04d}.hex") if s.local else {}
        for t in s.pre_spi:
            await host.transaction(t)
        expected = vector_files.read_cycles(vec / "expect" / f"cycles_{s.gidx:04d}.hex")
        sends = vector_files.read_tick_sends(vec / "expect" / f"send_{s.gidx:04d}.hex") if s.tick_items else {}
        gettar = ({k: (c, n) for k, c, n in vector_files.read_gettar(vec / "expect" / f"gettar_{s.gidx:04d}.hex")}
                  if s.gettar is not None else {})
        problems = []
        for st in s.steps:
            for a in st.aer:
                await host.aer(a, 0)
            for a in st.tar:
                await host.aer(a, 1)
            d.SAMPLE.value, d.TARGET_VALID.value, d.INFER_ACC.value = (st.levels >> 0) & 1, (st.levels >> 1) & 1, (st.levels >> 2) & 1
            if st.config:
                await host.transaction(vector_files.Transaction(0x0001_0000, (1,)))   # SPI_EN_CONF = 1
            for _ in range(4):
                await FallingEdge(d.CLK_EXT)
            fall = s.fall if s.fall is not None and s.fall.tick == st.j + 1 else None
            last = not st.levels & vector_files.LV_SAMPLE or (fall is not None and fall.end == vector_files.FALL_ENDS)
            spt = bool(s.tick_items) and not last and st.j >= 1
            if st.j + 1 in s.lost:                             # its TIME_TICK rose early, in the busy tick
                continue
            n_lost = 0
            while st.j + 2 + n_lost in s.lost:
                n_lost += 1
            exp = int(expected[st.j, 0] - expected[st.j, 1])
            meas = await host.tick(last, st.req, spt, st.config, st.j + 1, s.timing or vector_files.Timing(), exp,
                                   len(sends.get(st.j + 1, ())), n_lost, fall, gettar.get(st.j + 1),
                                   s.gettar.miso if s.gettar is not None else 1)
            want = want_config(st)
            if host.halt is not None:                          # held in IDLE: the run ends (chip needs a reset)
                if want != got_config(want, host.config_got) and host.halt.startswith("PASS"):
                    host.halt = f"FAIL CONFIG read-back in tick {st.j + 1}: {host.config_got}, expected {want}"
                d._log.info(f"sample {s.gidx:04d} ({'test' if s.phase else 'train'} #{s.index}): {host.halt}")
                return failures + ([f"sample {s.gidx:04d}: {host.halt}"] if host.halt.startswith("FAIL") else [])
            if want != got_config(want, host.config_got) and not any(p.startswith("CONFIG") for p in problems):
                problems.append(f"CONFIG read-back in tick {st.j + 1}: {host.config_got}, expected {want}")
            if spt and host.tick_items != sends.get(st.j + 1) and not any(p.startswith("tick") for p in problems):
                problems.append(f"tick {st.j + 1} OUT_DATA {host.tick_items}, expected {sends.get(st.j + 1)}")
            if meas != exp and not any(p.startswith("cycles") for p in problems):
                problems.append(f"cycles: first tick {st.j + 1}: {meas} cycles, expected {exp}")
        items = []
        for _ in range(s.n_items):
            await host.wait_pin("OUT_REQ", 1)
            items.append(host.pin("OUT_DATA"))
            d.OUT_ACK.value = 1
            await host.wait_pin("OUT_REQ", 0)
            d.OUT_ACK.value = 0
        if items != outputs[s.gidx]:
            problems.append(f"OUT_DATA {items}, expected {outputs[s.gidx]}")
        d.TARGET_VALID.value = d.INFER_ACC.value = 0
        await read_back(host, vec / "expect" / f"readback_{s.gidx:04d}.hex", bool(host.tmode), problems)
        verdict = "FAIL" if problems else "PASS"
        d._log.info(f"sample {s.gidx:04d} ({'test' if s.phase else 'train'} #{s.index}): {verdict} "
                    + "; ".join(problems))
        failures += [f"sample {s.gidx:04d}: {p}" for p in problems]
    return failures


if cocotb is not None:
    @cocotb.test()
    async def reckon_vectors(dut):
        """The whole vector folder RECKON_VEC on the DUT; fails with the first mismatch of every failing sample."""
        failures = await run_vectors(dut, Path(os.environ["RECKON_VEC"]))
        assert not failures, "\n".join(failures)


def _runner(simulator: str):
    try:
        from cocotb_tools.runner import get_runner    # cocotb >= 2.0
    except ImportError:
        from cocotb.runner import get_runner          # cocotb 1.8 / 1.9
    return get_runner(simulator)


def run_cocotb(vec, rtl_files, toplevel: str = "reckon", simulator: str = "icarus", build_dir=None,
               plusargs=()) -> bool:
    """Build `rtl_files` with cocotb's runner and run `reckon_vectors`; True iff it passed."""
    vec = Path(vec).resolve()
    build = Path(build_dir or vec / "cocotb_build").resolve()
    runner = _runner(simulator)
    runner.build(sources=[Path(f).resolve() for f in rtl_files], hdl_toplevel=toplevel, build_dir=build,
                 defines={"SRAM_BEHAV": 1}, always=True, timescale=("1ns", "1ps"),   # RTL without `timescale
                 build_args=["--timing", "-Wno-fatal"] if simulator == "verilator" else [])
    if str(HERE) not in sys.path:           # the runner passes sys.path on: the simulator imports this module
        sys.path.insert(0, str(HERE))
    try:
        results = runner.test(hdl_toplevel=toplevel, test_module="test_cocotb_reckon", build_dir=build,
                              test_dir=build, extra_env={"RECKON_VEC": str(vec)}, plusargs=[f"+vec={vec}", *plusargs])
    except SystemExit:                       # the runner exits when the simulation produced no results
        return False
    text = Path(results).read_text()
    return "<testcase" in text and "<failure" not in text and "<error" not in text


def test_reckon_rtl(tmp_path):
    """pytest entry: RECKON_VEC (vector folder) and RECKON_RTL (space-separated RTL files) must be set."""
    import pytest
    pytest.importorskip("cocotb")
    sim = os.environ.get("SIM", "icarus")
    if shutil.which("iverilog" if sim == "icarus" else "verilator") is None:
        pytest.skip(f"{sim} is not installed")
    if not os.environ.get("RECKON_VEC") or not os.environ.get("RECKON_RTL"):
        pytest.skip("set RECKON_VEC and RECKON_RTL to run the cocotb bench on an RTL")
    assert run_cocotb(os.environ["RECKON_VEC"], os.environ["RECKON_RTL"].split(), simulator=sim, build_dir=tmp_path)


if __name__ == "__main__":
    ok = run_cocotb(os.environ["RECKON_VEC"], os.environ["RECKON_RTL"].split(), os.environ.get("TOP", "reckon"),
                    os.environ.get("SIM", "icarus"))
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)
