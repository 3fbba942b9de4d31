"""A PROP scan on the cycle model (core.cycle.window), between two stops of the tick kernel (README "Operating
modes": cut PROP scans).

The kernel stops before tick k's PROP scan (Drive.cut_at[k-1] != 0). The host step k is played (with lost ticks
and cuts merged, core.lost_ticks: the cut tick's step is empty), then the window runs the scan until the next
TIME_TICK: cut_at = N > 0: it arrives N cycles after tick k's time_tick (a fixed-period host), later ones every
`period` cycles; cut_at = -1: at the ready cycle (the ready host: the tick model's PROP on the cycle model, for
validation). Tick k+1's STEP and SDONE run beside what is left of the scan. At its SDONE:
- the scan done: the kernel resumes after SDONE of tick k+1 (or the sample ends there: tick k+1 is the last);
- still busy, SDONE -> PROP: the scan runs on in tick k+1's PROP (no new scan: srnn.v starts one only on an
  edge into PROP with state_evt = WAIT) until ready (the kernel resumes at tick k+2), or until the next
  TIME_TICK cuts that PROP too (tick k+2 starts beside the same scan: Recut when the program does not know it);
- still busy, SDONE -> SEND (SPI_SEND_PER_TIMESTEP, SAMPLE high): SEND's host-paced cycles pass beside the scan
  (outside EPROP the SRAM ports are the scan's, srnn.v L1260-L1322); the scan done in SEND: the kernel resumes
  after SDONE (SEND -> PROP starts a new scan); still busy: SEND -> PROP as above. Refused: a TIME_TICK in that
  SEND, or the scan adding output weights in it while the items are the output membranes (SEND_LABEL_ONLY = 0);
- still busy, SDONE -> GET_TAR: the cut tick's host step is empty (core.lost_ticks), so no target transfer
  comes: the chip hangs in GET_TAR, as when the scan ends before (the scan's end is not modelled: a hung chip);
- still busy, SDONE -> EPROP (SINGLE_LABEL, label in): modelled while the scan only counts in CNT (_eprop_hold);
  an event pass, write enable or output-weight read of the scan in EPROP is refused;
- still busy, SDONE -> CONFIG / EPROP then SEND / the last SEND (to IDLE), a GET_TAR answered, a TIME_TICK in
  SEND / EPROP, or an SRAM output register read before the window loaded it: InputError (not modelled).
"""
from __future__ import annotations

import numpy as np

from ...errors import InputError
from .. import host as host_mod
from ..hang import ChipHang
from ..kernels import ST_SOPS, ST_SPIKES, ST_SQERR, output_errors, sdone_vote, vote_sq_error
from ..kernels_eprop import eprop_phase
from ..records import STATE_GET_TAR, STATE_PROP, STATE_SEND, TK
from ..sample_kernel import _host_step, eprop_tick, prop_records, send_items, step_records
from ..state import GOT_LABEL, INFER_ACC, TARGET_VALID
from . import window as W

MAX_WINDOW = 1 << 22          # cycles: a scan is at most 256 passes of 258 cycles


class Recut(Exception):
    """A TIME_TICK cuts the PROP of a cut tick (the old scan still running) that the program does not list as
    cut yet: chip tick `tick`, `offset` cycles after its time_tick (core.lost_ticks merges it; the sample re-runs)."""

    def __init__(self, tick: int, offset: int):
        super().__init__(tick, offset)
        self.tick, self.offset = tick, offset


def _refuse(why: str) -> InputError:
    return InputError("host: tick_period", f"{why}: not modelled (allowed: a period that lets the cut scan end "
                                           "before the next tick's SDONE leaves for CONFIG / GET_TAR / EPROP / SEND)")


def _prop_start(tk, r, send_cycles: int) -> int:
    """Cycles from tick r+1's time_tick to its PROP scan's first cycle."""
    return int(1 + tk[r, TK.step] + tk[r, TK.sdone] + tk[r, TK.config] + tk[r, TK.gettar] + tk[r, TK.eprop]
               + send_cycles)


def _run(args, ws, expect: tuple, where: str) -> int:
    stop = W.run_window(*args, ws, MAX_WINDOW)
    if stop == W.E_STALE:
        raise _refuse(f"{where}: the cut scan reads a weight or neuron SRAM output register that the cycle model "
                      "did not see loaded")
    if stop not in expect:
        raise _refuse(f"{where}: the chip is ready before the cut")
    return stop


def _end_prop(tk, r, prop: int, send_cycles: int) -> None:
    tk[r, TK.prop] = prop
    tk[r, TK.end] = STATE_PROP
    tk[r, TK.cycles] = _prop_start(tk, r, send_cycles) + prop - send_cycles   # _simulate adds SEND cycles


def _after_sdone(drive, st, reg, r1: int, last: bool) -> str:
    """SDONE's next state (srnn.v L712-L719): SAMPLE low, SPI_EN_CONF, e-prop (GET_TAR unless the label is in),
    SEND_PER_TIMESTEP, else PROP."""
    if last:
        return "SEND"
    if drive.config_at[r1]:
        return "CONFIG"
    if drive.do_eprop != 0 and (st.ctl[TARGET_VALID] != 0 or (reg.regul_mode >> 1) == 3):
        return "EPROP" if drive.single_label != 0 and st.ctl[GOT_LABEL] != 0 else "GET_TAR"
    return "SEND" if drive.send_per_tick else "PROP"


def play(chip, drive, tk, stats, dump, rec, send_n, send_data, inp_next, pos, k: int, period: int,
         send_cycles) -> int | None:
    """The window from tick k's PROP scan; returns None (pos set: call the kernel again), 0 (the sample ended
    in tick k+1's SDONE) or -(k+1) (tick k+1 stops in CONFIG after SDONE: the caller plays the visit)."""
    p, st, tb = chip._params, chip.state, chip._tables
    reg = p.reg
    r, e = k - 1, int(pos[0])
    regression = reg.regression != 0
    nin, nrec, nout = reg.num_inp + 1, reg.num_rec + 1, reg.num_out + 1
    where = f"tick {k}"
    e = _host_step(drive.ev_tick, drive.ev_chan, drive.tar_label, drive.levels, st.ctl, k, regression, inp_next, e)
    ws = W.new_window()
    cut = int(drive.cut_at[r])
    sc = int(send_cycles(r))
    if cut > 0:
        ws[W.W_TICK], ws[W.W_PERIOD] = cut - _prop_start(tk, r, sc), period
    args = (reg, int(drive.do_eprop), p.alpha, st, tb, inp_next)
    spikes0, sops0 = ws[W.W_SPIKES], ws[W.W_SOPS]
    stop = _run(args, ws, (W.E_TICK, W.E_READY) if cut < 0 else (W.E_TICK,), where)
    if stop == W.E_READY:                              # the ready host's tick comes at the ready cycle
        ws[W.W_TICK] = ws[W.W_T]
        _run(args, ws, (W.E_TICK,), where)
    t_tick = int(ws[W.W_T]) - 1
    _end_prop(tk, r, t_tick, sc)
    if dump:
        prop_records(st, rec, r, nin, nrec, nout)
    while True:                                        # tick k+1, beside the rest of the scan
        r1 = k                                         # its row
        tk[r1, TK.k] = k + 1
        if dump:
            rec.inp[r1, :] = st.inp
        t_start = t_tick
        _run(args, ws, (W.E_SDONE,), where)
        t_sdone = int(ws[W.W_T])
        _sdone(p, st, drive, tk, stats, dump, rec, r1, ws[W.W_SPIKES] - spikes0)
        spikes0 = ws[W.W_SPIKES]
        last = k + 1 == drive.n_ticks
        nxt = _after_sdone(drive, st, reg, r1, last)
        if ws[W.W_EVT] == W.WAIT:                      # the scan is done: the tick model goes on after SDONE
            stats[ST_SOPS] += ws[W.W_SOPS] - sops0
            pos[0], pos[1], pos[2] = e, k + 1, 1
            if last:                                   # SAMPLE is low: SDONE -> SEND
                tk[r1, TK.end] = STATE_SEND
                tk[r1, TK.cycles] = tk[r1, TK.step] + 2
                return 0
            return -(k + 1) if drive.config_at[r1] else None
        if nxt == "GET_TAR":
            return _get_tar_hang(drive, tk, reg, r1, where)
        if drive.fall_tick == k + 1 and nxt != "PROP" and not last:   # EPROP's / SEND's end look at SAMPLE
            raise _refuse(f"{where}: SAMPLE falls {drive.fall_cycle} cycles into tick {k + 1}, whose {nxt} runs "
                          "beside the cut scan")
        if nxt == "EPROP" and drive.send_per_tick:
            nxt = "EPROP, then SEND"
        if nxt not in ("PROP", "SEND", "EPROP") or nxt == "SEND" and last:     # the last SEND goes to IDLE
            raise _refuse(f"{where}: the cut scan still runs at SDONE of tick {k + 1}, which goes on to {nxt}")
        sc1 = _send_cycles(drive, reg) if nxt == "SEND" else 0
        ws[W.W_PASS], ws[W.W_HOLD] = 1, sc1 if nxt != "EPROP" else -1   # SDONE -> [SEND / EPROP ->] PROP
        if nxt == "EPROP":
            sc1 = _eprop_hold(p, st, tb, drive, ws, args, tk, stats, dump, rec, r1, where)
        if sc1 < 0 or nxt == "SEND" and _send_hold(p, st, drive, ws, args, send_n, send_data, r1, where):
            stats[ST_SOPS] += ws[W.W_SOPS] - sops0     # the scan ended in SEND: the kernel's PROP starts a new one
            pos[0], pos[1], pos[2] = e, k + 1, 1
            return None
        stop = _run(args, ws, (W.E_READY, W.E_TICK), where)
        e = _host_step(drive.ev_tick, drive.ev_chan, drive.tar_label, drive.levels, st.ctl, k + 1, regression,
                       inp_next, e)
        if stop == W.E_READY:
            break
        if drive.cut_at[r1] == 0:                      # a second cut, not in this program yet: merged, re-run
            raise Recut(k + 1, int(ws[W.W_T]) - 1 - t_start)
        t_tick = int(ws[W.W_T]) - 1
        _end_prop(tk, r1, t_tick - t_sdone - 1 - sc1, 0)
        if dump:
            prop_records(st, rec, r1, nin, nrec, nout)
        k += 1
    stats[ST_SOPS] += ws[W.W_SOPS] - sops0
    _end_prop(tk, r1, int(ws[W.W_T]) - t_sdone - 1 - sc1, 0)
    if dump:
        prop_records(st, rec, r1, nin, nrec, nout)
    pos[0], pos[1], pos[2] = e, k + 2, 0
    return None


def _get_tar_hang(drive, tk, reg, r1: int, where: str) -> int:
    """SDONE -> GET_TAR beside the running scan: the cut tick's host step is empty (core.lost_ticks), so no target
    transfer ends GET_TAR (srnn.v L726-L727): the chip hangs there (the caller's ChipHang; the scan ends unseen)."""
    need = 2 * (reg.num_out + 1) if reg.regression != 0 else 1
    if drive.req_n[r1] >= need:
        raise _refuse(f"{where}: the cut scan still runs at SDONE of tick {r1 + 1}, which goes on to GET_TAR "
                      "answered, then EPROP")
    tk[r1, TK.end] = STATE_GET_TAR
    return r1 + 1


def _eprop_hold(p, st, tb, drive, ws, args, tk, stats, dump, rec, r1: int, where: str) -> int:
    """SDONE -> EPROP beside the running scan, modelled while the scan only counts in CNT (no SRAM cs, we or
    output-weight read: e-prop owns the SRAM ports, srnn.v L1260-L1322, but the scan's neur_we drives the neuron
    SRAM's): e-prop then sees what it sees after a finished scan (neur_addr_ctrl = 0 both ways), so the tick
    kernel's e-prop (core.kernels_eprop) is exact. Returns EPROP's cycles (its weight updates done, the
    window's SRAM output registers forgotten: they hold e-prop's reads), or -1: the scan ended in SDONE / EPROP
    (the kernel resumes after SDONE)."""
    stop = _run(args, ws, (W.E_HOLD_DONE, W.E_HOLD_WAIT), where)
    if stop == W.E_HOLD_DONE:
        return -1
    n = eprop_phase(p, st.copy(), tb, drive.do_eprop, _errors(p, st, drive.do_eprop), np.zeros(8, np.int64))
    ws[W.W_HOLD], ws[W.W_HOLD_EPROP] = n, 1
    stop = _run(args, ws, (W.E_HOLD_DONE, W.E_HOLD_END, W.E_HOLD_EVT, W.E_HOLD_TICK), where)
    ws[W.W_HOLD_EPROP] = 0
    if stop == W.E_HOLD_EVT:
        raise _refuse(f"{where}: the cut scan leaves CNT (an event pass, its write enable or output-weight read) "
                      f"in EPROP of tick {r1 + 1}")
    if stop == W.E_HOLD_TICK:
        raise _refuse(f"{where}: a TIME_TICK arrives in EPROP of tick {r1 + 1} beside the cut scan")
    if stop == W.E_HOLD_DONE:
        return -1
    eprop_tick(p, st, tb, drive, tk, stats, dump, rec, np.zeros(16, np.int64), r1)
    ws[W.W_QWORD] = ws[W.W_WINP_Q] = ws[W.W_WREC_Q] = ws[W.W_WOUT_Q] = -1
    return n


def _errors(p, st, do_eprop) -> np.ndarray:
    err = np.zeros(16, np.int64)
    output_errors(p, st, do_eprop, err)
    return err


def _send_cycles(drive, reg) -> int:
    """SEND's cycles (host-paced, core.host) for its item count: the vote winner, or 2 bytes per output."""
    return int(host_mod.send_host_cycles(1 if drive.label_only != 0 else 2 * (reg.num_out + 1)))


def _send_hold(p, st, drive, ws, args, send_n, send_data, r1: int, where: str) -> bool:
    """SDONE -> SEND (SPI_SEND_PER_TIMESTEP) beside the running scan: SEND's cycles pass with the SRAM ports the
    scan's (srnn.v L1260-L1322), its items are latched from the vote / output membranes (L687-L691). True: the
    scan ended in SEND (the kernel sends and goes on); False: SEND -> PROP with the scan still busy (no new scan,
    L981), tick r1+1's items written here."""
    stop = _run(args, ws, (W.E_HOLD_DONE, W.E_HOLD_TICK, W.E_HOLD_END), where)
    if stop == W.E_HOLD_TICK:
        raise _refuse(f"{where}: a TIME_TICK arrives in SEND of tick {r1 + 1} beside the cut scan")
    if ws[W.W_HOLD_ONEUR] != 0 and drive.label_only == 0:
        raise _refuse(f"{where}: the cut scan adds output weights in SEND of tick {r1 + 1}, whose OUT_DATA items "
                      "read the output membranes")
    if stop == W.E_HOLD_DONE:
        return True
    send_n[r1] = send_items(p, st, drive.label_only, send_data[r1])
    return False


def _sdone(p, st, drive, tk, stats, dump, rec, r1: int, spikes: int) -> None:
    """SDONE of the cut tick (row r1): STEP's and SDONE's columns, the vote, the loss, the records after STEP."""
    reg = p.reg
    tk[r1, TK.step], tk[r1, TK.sdone] = max(reg.num_inp, reg.num_rec, reg.num_out) + 1, 1
    sdone_vote(reg, p.cov, st.ctl, st.oneur, st.votes)
    if st.ctl[INFER_ACC] != 0 and reg.regression == 0:
        stats[ST_SQERR] += vote_sq_error(reg, p.dp, st.oneur, drive.label)
    stats[ST_SPIKES] += spikes
    if dump:
        step_records(st, rec, r1, _errors(p, st, drive.do_eprop))


def check_cut(prog, h: int, host_of: np.ndarray) -> None:
    """A cut by the host's last tick leaves the chip waiting in PROP (ChipHang), unless SAMPLE falls mid-tick: that
    fall is timed in cycles, not played with a step that waits for readiness, so tick T's SDONE sees it."""
    T = prog.n_ticks
    if h == T and prog.fall_cycle < 0:
        c = int(np.searchsorted(host_of, T)) - 1
        raise ChipHang("PROP", T, f"TIME_TICK {T}, the host's last, arrives while tick {int(host_of[c])} is busy "
                                  "and cuts its PROP scan (SPI_ERROR_HALT = 0): the host's steps since, SAMPLE "
                                  "low among them, wait for the readiness that tick's own PROP brings; the chip "
                                  "then waits in PROP for a tick that never comes", timing_error=True)


def local_changes(h: int, sched) -> InputError:
    """A local tick cuts a PROP scan after a later SPI_CYCLES_PER_TICK write: the window counts the ticks after
    the cut one period apart (sched: core.tick_period.Schedule)."""
    h0, _, c = sched.changes[0]
    return InputError(sched.where, f"the local tick {h} cuts a PROP scan (SPI_ERROR_HALT = 0) and the CONFIG visit "
                                   f"of tick {h0} writes SPI_CYCLES_PER_TICK := {c}: not modelled (allowed: no "
                                   "later SPI_CYCLES_PER_TICK write, or local ticks outside the PROP scans)")
