"""SPI_LOCAL_TICK := 1 written in a mid-sample CONFIG visit (README "Operating modes", srnn.v time handling).

tick_cnt <= (SPI_LOCAL_TICK && state != IDLE && tick_cnt != SPI_CYCLES_PER_TICK) ? tick_cnt + 1 : 1 and
time_tick = SPI_LOCAL_TICK ? tick_cnt == C : TIME_TICK_new (the TIME_TICK synchroniser then holds). A register
is set at the SCK edge of its data word's last bit; the FSM leaves CONFIG at the first clock edge after the
SPI_EN_CONF = 0 word's, D = 128 + 64 w + 8 r cycles later (w words and r read words after it: the bench's SPI
timing, a host constant like the visit's cycles). tick_cnt counts from the LT write's edge (1 there), so, before
edge e, tick_cnt = e - b with b = that edge - 1 (after a local tick at edge t: b = t); time_tick rises at the
first edge whose tick_cnt equals the C it sees. A C written while tick_cnt counts (later in the visit, or in a
later visit) takes over if the count has not passed it (else tick_cnt counts through 2^32: refused); so a later
visit's C = C' makes its tick's successor start C' after it. Offsets count from the visit tick's time_tick cycle
(o_e: the first cycle after CONFIG; core.tick_period offsets). A local tick that finds the chip busy sets
TIMING_ERROR (judged as a fixed-period host's early tick) with the SPI_ERROR_HALT it meets: 1 holds IDLE; 0 loses
it: the local ticks then come as a fixed-period host's from the visit on (LostLocalTicks, core.early_ticks).
The sample's last SEND leaves the chip in IDLE, where tick_cnt is held at 1: the next sample never starts
(core.local_tick). SPI_LOCAL_TICK := 0 in a later visit hands the ticks after it back
to the host (the TIME_TICK synchroniser held 0 meanwhile): a local tick due from that write's edge on never comes.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..hw.registers import BY_NAME
from . import error_halt
from .hang import ChipHang
from .records import TK
from .visit_timing import exit_edge, reg_writes, write_edges
from .config_regs import written_values
from .tick_period import Schedule, arrival, next_tick

LT, CPT = BY_NAME["SPI_LOCAL_TICK"], BY_NAME["SPI_CYCLES_PER_TICK"]


def cpt_changes(row: np.ndarray, txns) -> list[tuple[int, int]]:
    """(edge offset, new C) of a visit's SPI_CYCLES_PER_TICK writes (tick row's offsets)."""
    return write_edges(row, txns, CPT.addr)


def first_tick(row: np.ndarray, txns, c_before: int, where: str) -> tuple[int, int]:
    """The first local tick's offset from the LT := 1 visit's tick (its last 0 -> 1 write) and the C then."""
    x, ws = exit_edge(row), reg_writes(txns)
    lt_at = max(i for i, (_, a, v) in enumerate(ws) if a == LT.addr and v & 1)
    c = c_before
    for _, a, v in ws[:lt_at]:
        if a == CPT.addr:
            c = v & 0xFFFFFFFF
    changes = [(x - d, v & 0xFFFFFFFF) for d, a, v in ws[lt_at + 1:] if a == CPT.addr]
    return next_tick(x - ws[lt_at][0] - 1, c, changes, where)


def phases(log, k: int) -> list[tuple[int, int | None]]:
    """[(tick of an SPI_LOCAL_TICK := 1 visit, tick of the := 0 visit after it or None)] from tick k's := 1 on:
    each := 0 hands the ticks back to the host, each later := 1 starts the local ticks again from its edge."""
    changes = [k2 for k2, before, after in log if k2 >= k and before[LT.name] != after[LT.name]]
    return [(changes[i], changes[i + 1] if i + 1 < len(changes) else None) for i in range(0, len(changes), 2)]


def off_edge(row: np.ndarray, txns) -> int:
    """The offset of the first edge that sees the visit's SPI_LOCAL_TICK := 0 (its last LT write; tick row's)."""
    return write_edges(row, txns, LT.addr)[-1][0]


class LostLocalTicks(Exception):
    """A local tick finds the chip busy and meets SPI_ERROR_HALT = 0: the sample re-runs with the local ticks as
    an early-tick schedule (core.early_ticks), k, start and C as check_local_ticks returns them (the later
    SPI_CYCLES_PER_TICK writes join it from each run: with_writes)."""

    def __init__(self, k: int, start: int, c: int, where: str):
        super().__init__(k, start, c)
        self.schedule = Schedule(c, k, start, where=where)


def with_writes(sched: Schedule, tk: np.ndarray, host_of: np.ndarray, visits) -> Schedule:
    """sched with the SPI_CYCLES_PER_TICK writes of a run's visits (visits: [(chip tick, transactions)]) from
    tick `after`'s first local tick on, as Schedule.changes, and the first later SPI_LOCAL_TICK := 0 as its stop
    (the local ticks from that write's edge on never come: the ready host raises the next); each SPI_LOCAL_TICK
    := 1 after a stop starts a later phase (Schedule.later) from its edge, with the C written up to there."""
    if not sched.after:
        return sched
    done, cur, changes, stop, c_now = [], sched._replace(later=()), [], (0, 0), sched.period
    for t, txns in visits or ():
        h0 = int(host_of[t - 1]) if t <= len(host_of) else 0    # 0: the empty step after the host's last
        if h0 < sched.after or t > len(tk):          # (a resumed host's lost ticks leave fewer rows)
            continue
        row, offs = tk[t - 1], write_edges(tk[t - 1], txns, LT.addr)
        if stop[0] and offs and offs[-1][1] & 1:     # tick_cnt was held at 1: counts from this write's edge
            done.append(cur._replace(changes=tuple(changes), stop_tick=stop[0], stop_at=stop[1]))
            where = f"host program step {h0 - 1}: config"
            first, c = first_tick(row, txns, c_now, where)
            cur, changes, stop, c_now = Schedule(c, h0, first, where=where), [], (0, 0), c
        ours = [(h0, e, v) for e, v in cpt_changes(row, txns) if h0 > cur.after or e > cur.first]
        changes += ours if not stop[0] else []
        c_now = ours[-1][2] if ours else c_now
        if not stop[0] and h0 > cur.after and offs and not offs[-1][1] & 1:
            stop = (h0, offs[-1][0])
    done.append(cur._replace(changes=tuple(changes), stop_tick=stop[0], stop_at=stop[1]))
    return done[0]._replace(later=tuple(done[1:]))


def later_of(sched: Schedule) -> tuple:
    """Chip.local_later of a schedule: (k, start, C, the tick of its := 0 visit or None, its period changes) of
    each later SPI_LOCAL_TICK := 1 phase."""
    return tuple((p.after, p.first, p.period, p.stop_tick or None, period_changes(p)) for p in sched.later)


def schedule_of(lt: tuple | None, tk: np.ndarray, visits, where: str = "host program") -> Schedule | None:
    """The Schedule of sample_local_ticks' answer lt on a run without lost ticks (tk, visits by tick), or None."""
    if lt is None:
        return None
    return with_writes(Schedule(lt[2], lt[0], lt[1], where=where), tk, np.arange(1, len(tk) + 1), visits)


def period_changes(sched: Schedule) -> tuple:
    """The (tick k2, C) of sched's writes that change SPI_CYCLES_PER_TICK, in order."""
    out, c = [], sched.period
    for h, _, v in sched.changes:
        if v != c:
            out.append((h, v))
            c = v
    return tuple(out)


def check_local_ticks(tk: np.ndarray, k: int, config: dict, log, c_before: int, hang, where: str,
                      end: int | None = None):
    """The local ticks from the visit of tick k on (up to tick `end`'s SPI_LOCAL_TICK := 0) against the tick
    table: ChipHang when the first that finds the chip busy meets SPI_ERROR_HALT = 1, LostLocalTicks when it meets
    0; returns (tick k+1's start offset after tick k's, the C then, the period changes [(tick k2, C): tick k2+1
    starts C after tick k2]). config: the visits by host step (tick r+1's is config[r])."""
    t, c = first_tick(tk[k - 1], config[k - 1], c_before, where)
    start, c0, changes = t, c, []
    for r in range(k - 1, len(tk) - 1):             # the last tick has no successor: SAMPLE is low, SEND -> IDLE
        if r > k - 1:
            c_was = c
            t, c = next_tick(0, c, cpt_changes(tk[r], config.get(r)), where)
            if c != c_was:
                changes.append((r + 1, c))
        if end is not None and r == end - 1 and t >= off_edge(tk[r], config[r]):
            break                                    # LT := 0 came first: the host raises tick end+1
        if t < int(tk[r, TK.cycles]):
            state, cyc, at = arrival(tk[r], r + 1, r + 2, t)
            at = at.replace(f"TIME_TICK {r + 2} arrives", "the local tick arrives")
            if not error_halt.value_at(log[0][1], log, r + 1, state, tk[r], config.get(r), t):
                raise LostLocalTicks(k, start, c0, where)
            now = f"; := {c} from tick {changes[-1][0]}'s visit" if changes else ""
            h = hang("IDLE", r + 1, f"SPI_LOCAL_TICK := 1 in the CONFIG visit of tick {k} (SPI_CYCLES_PER_TICK = "
                                    f"{c0}{now}): {at}: TIMING_ERROR is set, the FSM takes one more step and "
                                    f"SPI_ERROR_HALT = 1 then holds IDLE for ever (the {state} phase is cut; the "
                                    "chip's state after the cut is not modelled)", timing_error=True,
                     tick_table=tk[: r + 1].copy(), cut=(state, cyc))
            h.local, h.local_changes = (k, start, c0), tuple(changes)
            h.local_schedule = with_writes(Schedule(c0, k, start, where=where), tk[: r + 1], np.arange(1, r + 2),
                                           [(j + 1, txns) for j, txns in sorted(config.items())])
            raise h
    return start, c0, tuple(changes)


def host_stopped(sched: Schedule, reg_log, prog, tk: np.ndarray) -> Schedule:
    """A fixed-period host's schedule that ignores its ticks from the first SPI_LOCAL_TICK := 1 write's edge on
    (tk: the tick table of a run without early ticks, whose rows are host ticks); sched unchanged without one."""
    on = first_on(reg_log)
    if on is None:
        return sched
    k = on[0]
    edge = [e for e, v in write_edges(tk[k - 1], prog.config[k - 1], LT.addr) if v & 1][-1]
    return sched._replace(stop_tick=k, stop_at=edge)


def host_resumed(sched: Schedule, reg_log, prog, tk: np.ndarray) -> Schedule:
    """A stopped fixed-period host's schedule with the SPI_LOCAL_TICK := 0 of later visits (tick end): its ticks
    resume one period after tick end's time_tick (a later phase, stopped again at a later := 1 write's edge);
    InputError when that tick would come inside tick end (tk: a run without early ticks)."""
    if not sched.stop_tick:
        return sched
    spans, later = phases(reg_log, sched.stop_tick), []
    for i, (_, end) in enumerate(spans):
        if end is None:
            break
        busy = int(tk[end - 1, TK.cycles])
        if sched.period < busy:
            raise InputError(f"host program step {end - 1}: config", f"{LT.name} := 0 in the CONFIG visit of tick "
                             f"{end} with tick_period = {sched.period}: the host's next TIME_TICK would come inside "
                             f"that tick ({busy} cycles): not modelled (allowed: a period not below that tick's "
                             "cycles)")
        phase = Schedule(sched.period, end, sched.period, where="host")
        if i + 1 < len(spans):                       # := 1 again: ignored from that write's edge on
            phase = host_stopped(phase, [(spans[i + 1][0], {LT.name: 0}, {LT.name: 1})], prog, tk)
        later.append(phase)
    return sched._replace(later=tuple(later))


def last_local_on(sched: Schedule) -> int:
    """The tick of a fixed-period host's last SPI_LOCAL_TICK := 1 visit (0: none): host ticks lost before it
    are refused (chip._local_after_lost)."""
    return max([sched.stop_tick, *(p.stop_tick for p in sched.later)])


def first_on(reg_log, upto: int | None = None) -> tuple | None:
    """(tick k, registers before, `where`) of the first visit that writes SPI_LOCAL_TICK := 1 (up to tick upto),
    or None."""
    on = [(k, b) for k, b, a in reg_log if a[LT.name] and not b[LT.name] and (upto is None or k <= upto)]
    return (*on[0], f"host program step {on[0][0] - 1}: config") if on else None


def writes_local_tick(prog) -> bool:
    """Some CONFIG visit of the program writes SPI_LOCAL_TICK := 1 (its sample may lose local ticks)."""
    return any(v & 1 for v in written_values(prog.config.values(), LT.name))


def sample_local_ticks(reg_log, prog, tk, tick_send, config_reads, tick_period: int) -> tuple | None:
    """SPI_LOCAL_TICK := 1 in a visit of the sample (reg_log: [(tick, registers before, after)]): (its tick k,
    tick k+1's start offset, C, the later period changes, the tick of a later SPI_LOCAL_TICK := 0 or None), or
    None; ChipHang when a local tick finds the chip busy (SPI_ERROR_HALT = 1), LostLocalTicks when it or one
    of a later phase is lost (SPI_ERROR_HALT = 0)."""
    on = first_on(reg_log)
    if on is None:
        return None
    k, before, where = on
    (_, end), *later = phases(reg_log, k)           # with a tick_period: one phase (host_resumed)
    try:
        first = (k, *check_local_ticks(tk, k, prog.config, reg_log, int(before[CPT.name]), ChipHang, where, end),
                 end)
        if not all(_later_phase_keeps_up(tk, k3, end3, prog, reg_log) for k3, end3 in later):
            raise LostLocalTicks(k, first[1], first[2], where)   # the re-run follows every phase (with_writes)
        return first
    except ChipHang as hang:                         # what the ticks before the cut did, for RTL vectors
        hang.tick_send, hang.config_reads = tick_send, config_reads
        raise


def into_hang(reg_log, prog, hang) -> None:
    """LostLocalTicks for a GET_TAR hang (or a SAMPLE fall's EPROP hang) of a run whose visits wrote
    SPI_LOCAL_TICK := 1 up to the hung tick:
    its local ticks are lost or halt before it, or land in it (core.gettar_hang), so the sample re-runs on them
    (hang: chip tick numbers, the host's with no tick lost before it)."""
    on = first_on(reg_log, hang.tick)
    if hang.state not in ("GET_TAR", "EPROP") or hang.tick_table is None or hang.local is not None or on is None:
        return
    k, before, where = on
    first, c = first_tick(hang.tick_table[k - 1], prog.config[k - 1], int(before[CPT.name]), where)
    raise LostLocalTicks(k, first, c, where)


def into_resumed_host(reg_log, prog, hang) -> None:
    """A fixed-period host's halt after the SPI_LOCAL_TICK := 1 / := 0 phase (host_resumed) carries that phase's
    local ticks (record 10), checked as sample_local_ticks does: ChipHang for one that halts before."""
    on = first_on(reg_log, hang.tick)
    if hang.state != "IDLE" or hang.tick_table is None or hang.local is not None or on is None:
        return
    k, before, where = on
    (_, end), *_ = phases(reg_log, k)
    if end is None or hang.tick <= end:
        return
    try:
        start, c, changes = check_local_ticks(hang.tick_table, k, prog.config, reg_log, int(before[CPT.name]),
                                              ChipHang, where, end)
    except LostLocalTicks:
        raise lost_before_resumed(where, end) from None
    hang.local, hang.local_changes = (k, start, c), changes
    hang.local_schedule = schedule_of(hang.local, hang.tick_table, hang.config_reads, where)


def lost_before_resumed(where: str, end: int) -> InputError:
    return InputError(where, f"local ticks lost before the {LT.name} := 0 of tick {end}'s visit with a host "
                             "tick_period: not modelled (allowed: the ready host, or no local tick lost)")


def _later_phase_keeps_up(tk: np.ndarray, k: int, end, prog, reg_log) -> bool:
    """A later SPI_LOCAL_TICK := 1 phase checked as the first (ChipHang on a halt): False when one of its local
    ticks is lost (its figures come from the schedule: with_writes, later_of)."""
    before = next(b for k2, b, _ in reg_log if k2 == k)
    try:
        check_local_ticks(tk, k, prog.config, reg_log, int(before[CPT.name]), ChipHang,
                          f"host program step {k - 1}: config", end)
    except LostLocalTicks:
        return False
    return True
