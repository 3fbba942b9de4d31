"""Chip: the bit-exact ReckOn model behind the common backend interface (`run_sample(sample, learn)`).

Python only sequences samples; each sample runs in one Numba call (core.sample_kernel).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..backend import Sample, SampleResult
from ..config import ChipConfig
from ..errors import InputError
from ..hw.widths import RECKON, BitWidths
from . import coverage as coverage_mod
from . import datapath as dpath
from . import lfsr as lfsr_mod
from .fixedpoint import vote_winner
from .kernels import (ST_EPROP_TICKS, ST_SAT_MEM, ST_SAT_TRACE, ST_SAT_W, ST_SOPS, ST_SPIKES, ST_SQERR,
                      ST_UPDATES)
from . import config_regs, config_visit
from . import early_ticks, error_halt, local_tick_write
from . import sample_fall
from . import host as host_mod
from .local_tick import check_local_tick
from .protocol import GETTAR_HOST_CYCLES, GETTAR_LABEL_HOST_CYCLES
from .records import (STATE_EPROP, STATE_NAMES, STATE_SEND, TICK_COLUMNS, TK, Drive, Params, Registers,
                      TickRecords)
from .multichip import run_sample_nogil
from .cycle import cut
from .sample_kernel import CUT_BASE
from .state import ChipState
from .hang import ChipHang

_NO_RECORDS = TickRecords.empty(0, 0)


def _drive_registers(regs: dict) -> dict:
    """The Drive fields that follow registers (besides DO_EPROP, set per sample by the host)."""
    regression = bool(regs["SPI_REGRESSION"])
    return dict(single_label=int(regs["SPI_SINGLE_LABEL"]), label_only=int(regs["SPI_SEND_LABEL_ONLY"]),
                send_per_tick=int(regs["SPI_SEND_PER_TIMESTEP"]), gettar_cycles=GETTAR_HOST_CYCLES if regression else GETTAR_LABEL_HOST_CYCLES)


class Chip:
    """A ReckOn chip: configuration + state. Weights and LFSRs persist across `run_sample` calls."""

    def __init__(self, config: ChipConfig, state: ChipState | None = None, widths: BitWidths = RECKON,
                 clock_hz: float | None = None, tick_period_s: float = 1e-3, host: host_mod.HostSpec | None = None):
        self.config = config
        self.host = host if host is not None else host_mod.HostSpec()   # the template of every sample's program
        self._fall_tick = 0                          # the tick whose mid-tick SAMPLE fall the kernel decides
        self._timing_error = False                   # srnn.v TIMING_ERROR (a lost tick; cleared only by reset)
        self._cut_period = 0                         # the period of the ticks after a cut tick (core.early_ticks)
        self.local_tick = None                       # the last sample's SPI_LOCAL_TICK := 1 visit (_local_ticks)
        self.local_changes = ()                      # its later SPI_CYCLES_PER_TICK changes [(tick k2, C)]
        self.local_schedule = None                   # their tick_period.Schedule (core.local_tick_write)
        self.local_end = None                        # the tick of a later SPI_LOCAL_TICK := 0 visit (host ticks after)
        self.local_later = ()                        # later SPI_LOCAL_TICK := 1 phases (k, start, C, end, changes)
        self.widths = widths
        self.clock_hz, self.tick_period_s = clock_hz, tick_period_s    # tick budget for timing-error prediction
        self.state = state if state is not None else ChipState.after_init(config)
        # widths that only rescale constants are applied here; the kernels see shifts and bounds in `wid`
        if state is None:
            self.state.thr[:] = dpath.scale_thresholds(config.neur_thr, widths)
        self.coverage = None
        self._params = self._derive_params()
        self._tables = lfsr_mod.tables()
        self._entry_key = self._entry = None         # the kernel's compiled entry point (_kernel)
        if coverage_mod.active() is not None:
            self.enable_coverage(coverage_mod.active())

    def _derive_params(self) -> Params:
        """The kernels' Params from the registers and the neuron SRAM's alpha LSBs (thresholds: the state's)."""
        cfg, w = self.config, self.widths
        regs = {**cfg.registers, **dpath.register_overrides(w, cfg.registers)}
        conf = cfg["SPI_ALPHA_CONF"]
        alpha = [(0x8 if (conf >> i) & 1 else 0x7) << 12 | int(a) for i, a in enumerate(self.state.alpha_lsb)]
        cov = self.coverage.kernel if self.coverage is not None else None
        return Params(reg=Registers.from_dict(regs), dp=dpath.datapath(w, cfg.registers),
                      alpha=dpath.quantize_alpha(np.array(alpha, np.int64), w), thr=self.state.thr, cov=cov)

    def enable_coverage(self, cov: "coverage_mod.Coverage | None" = None) -> "coverage_mod.Coverage":
        """Count coverage bins (hw.coverage) from now on into `cov` (a new one by default); returns it."""
        self.coverage = cov if cov is not None else coverage_mod.Coverage()
        self.coverage.add_config(self.config.registers)
        self._params = self._params._replace(cov=self.coverage.kernel)
        return self.coverage

    # ---- factories ----
    @classmethod
    def from_config(cls, config: ChipConfig, winp=None, wrec=None, wout=None, widths: BitWidths = RECKON) -> "Chip":
        chip = cls(config, widths=widths)
        if winp is not None:
            chip.load_weights(winp, wrec, wout)
        return chip

    @classmethod
    def from_preset(cls, name: str = "reckon-tbench", **weights) -> "Chip":
        return cls.from_config(ChipConfig.from_preset(name), **weights)

    @classmethod
    def from_files(cls, config_path, winp_path, wrec_path, wout_path) -> "Chip":
        from ..io.reckon_files import read_weights
        cfg = ChipConfig.from_file(config_path)
        return cls.from_config(cfg, read_weights(winp_path, cfg.n_inp, cfg.n_rec),
                               read_weights(wrec_path, cfg.n_rec, cfg.n_rec),
                               read_weights(wout_path, cfg.n_rec, cfg.n_out))

    def load_weights(self, winp, wrec, wout) -> None:
        cfg = self.config
        for name, w, shape in (("winp", winp, (cfg.n_inp, cfg.n_rec)), ("wrec", wrec, (cfg.n_rec, cfg.n_rec)),
                               ("wout", wout, (cfg.n_rec, cfg.n_out))):
            if np.shape(w) != shape:
                raise InputError(name, f"shape {np.shape(w)} does not match the configuration's {shape}")
        b = self.widths.weight
        self.state.program_weights(cfg, *(dpath.convert_weights(w, b) for w in (winp, wrec, wout)))

    # ---- backend interface ----
    def weights(self) -> dict[str, np.ndarray]:
        """Current weights in the weight width's own units (int8 for widths <= 8)."""
        cfg = self.config
        dt = np.int8 if self.widths.weight <= 8 else np.int16
        return {"winp": self.state.winp[:cfg.n_inp, :cfg.n_rec].astype(dt),
                "wrec": self.state.wrec[:cfg.n_rec, :cfg.n_rec].astype(dt),
                "wout": self.state.wout[:cfg.n_rec, :cfg.n_out].astype(dt)}

    def host_program(self, sample: Sample, learn: bool, targets=None) -> host_mod.HostProgram:
        """The HostProgram this chip's host template plays for one sample (also written into RTL vectors)."""
        cfg = self.config
        probe = (*self.host.config_txns, *config_visit.probe_transactions(cfg)) if self.host.config_every else ()
        return host_mod.program(self.host, sample, cfg.target_tick, learn, bool(cfg["SPI_REGRESSION"]), targets,
                                probe, cfg.n_out)

    def run_sample(self, sample: Sample, learn: bool, dump: bool = False, targets=None,
                   program: host_mod.HostProgram | None = None) -> SampleResult:
        """Run one sample with the training (learn) or test DO_EPROP value; state carries over.

        targets: regression targets [T-1-TARGET_TICK, n_out] for the learning ticks (FORMAT §9); program: an
        explicit host program (default: self.host expanded with the sample). ChipHang when the chip would wait
        forever. With dump=True, result.records holds the TickRecords of every tick and result.end_state the
        golden state."""
        try:
            return self._run_sample(sample, learn, dump, targets, program)
        except ChipHang as hang:
            if self.coverage is not None:
                self.coverage.add_hang(hang.timing_error, bool(self.config["SPI_LOCAL_TICK"]), hang.state)
            raise

    def run_program(self, sample: Sample, learn: bool, program: host_mod.HostProgram,
                    dump: bool = False) -> list[SampleResult]:
        """Run a host program in which SAMPLE may rise again after a sample's end: one result per sample
        (HostProgram.split; the idle ticks between samples change nothing). A hang ends the program: the host
        waits for readiness that never comes."""
        return [self.run_sample(sample, learn, dump, program=part) for part in program.split()]

    def _run_sample(self, sample: Sample, learn: bool, dump: bool, targets, program) -> SampleResult:
        cfg = self.config
        st = self.state
        prog = program if program is not None else self.host_program(sample, learn, targets)
        h = self.host                                # a template program without a SAMPLE fall is valid by construction
        if program is not None or targets is not None or h.sample_low_step or h.sample_fall_cycle >= 0:
            host_mod.check_program(prog, bool(cfg["SPI_REGRESSION"]), cfg.n_out - 1)
        do_eprop = cfg.do_eprop_train if learn else cfg.do_eprop_test
        self._check_protocol()
        period = self.host.tick_period
        if period and prog.fall_cycle >= period:
            raise InputError("host program: fall_cycle", f"= {prog.fall_cycle} with tick_period = {period}: SAMPLE "
                             "would fall after the next TIME_TICK (allowed: -1 or 0..tick_period-1; a fall m "
                             "periods later is a fall in tick j+m)")
        prog, self._fall_tick = host_mod.played(prog, cfg.num_recout)
        saved = self._saved() if local_tick_write.writes_local_tick(prog) else None
        try:
            tk, stats, rec, tick_send, config_reads, lost, cuts = self._first_run(prog, sample, do_eprop, dump, saved)
            lt = local_tick_write.sample_local_ticks(self._reg_log, prog, tk, tick_send, config_reads, period)
        except local_tick_write.LostLocalTicks as busy:   # re-run with the local ticks as an early-tick schedule
            tk, stats, rec, tick_send, config_reads, lost, cuts, s = early_ticks.rerun_lost_local(
                self, prog, sample, do_eprop, dump, busy, saved)
            if period and s.stop_tick:               # the re-run follows the local ticks only
                raise local_tick_write.lost_before_resumed(s.where, s.stop_tick)
            self.local_schedule = s
            lt = (s.after, s.first, s.period, local_tick_write.period_changes(s), s.stop_tick or None)
        else:
            self.local_schedule = local_tick_write.schedule_of(lt, tk, config_reads)
        self.local_tick, self.local_changes, self.local_end = (lt[:3], lt[3], lt[4]) if lt else (None, (), None)
        # later SPI_LOCAL_TICK := 1 phases (k, start, C, end, changes)
        self.local_later = local_tick_write.later_of(self.local_schedule) if lt else ()
        cfg = self.config                            # a CONFIG visit may have written registers
        inference, out_bytes = self._send()
        if self.coverage is not None:
            self.coverage.fold_kernel()
            self.coverage.add_sample(tk, do_eprop, st.votes, cfg.n_out, bool(cfg["SPI_SEND_LABEL_ONLY"]),
                                     bool(cfg["SPI_REGRESSION"]),
                                     0 if tick_send is None else int(np.count_nonzero(tick_send["n"])), len(lost))
        timing = self.timing_errors(tk[:, TK.cycles], self.clock_hz, self.tick_period_s) if self.clock_hz else None
        # loss: 0.5 Σ (target − hard-sigmoid output)² over the vote ticks, 1.0 = 2048 (as reference.ChipFloat)
        loss = float("nan") if cfg["SPI_REGRESSION"] else 0.5 * float(stats[ST_SQERR]) / 2048.0 ** 2
        result = SampleResult(inference=inference, label=int(sample.label), loss=loss, n_spikes=int(stats[ST_SPIKES]),
                              n_updates=int(stats[ST_UPDATES]), n_sops=int(stats[ST_SOPS]),
                              tick_cycles=tk[:, TK.cycles].astype(np.int32), tick_table=tk, out_bytes=out_bytes,
                              votes=st.votes.copy(), eprop_ticks=int(stats[ST_EPROP_TICKS]),
                              saturations={"membrane": int(stats[ST_SAT_MEM]), "trace": int(stats[ST_SAT_TRACE]),
                                           "weight": int(stats[ST_SAT_W])},
                              timing_errors=timing, records=rec if dump else None, tick_send=tick_send,
                              config_reads=config_reads if prog.config else None,
                              end_state=st.snapshot(cfg) if dump else None, lost_ticks=tuple(sorted(lost)),
                              cut_ticks=cuts)
        st.enter_idle()
        return result

    def _first_run(self, prog, sample: Sample, do_eprop: int, dump: bool, saved):
        """The sample on the host's ticks: _simulate's tuple, the lost ticks and the cuts; LostLocalTicks for a
        GET_TAR hang after an SPI_LOCAL_TICK := 1 visit (its local ticks decide: local_tick_write.into_hang)."""
        period, sched = self.host.tick_period, None
        try:
            if period:                               # TIME_TICK every N cycles: early ticks lost or halting
                sched = early_ticks.period_schedule(self, prog, sample, do_eprop, period, saved)
                *run, lost, cuts, _ = early_ticks.run_losing_ticks(self, prog, sample, do_eprop, dump, sched)
                _local_after_lost(local_tick_write.last_local_on(sched), lost, cuts)
                return (*run, lost, cuts)
            run = self._simulate(prog, sample, do_eprop, dump)
        except ChipHang as hang:
            if saved is not None:
                _local_after_lost(local_tick_write.last_local_on(sched) if sched else 0, hang.lost_ticks,
                                  hang.cut_ticks)
                local_tick_write.into_hang(self._reg_log, prog, hang)
                if period:
                    local_tick_write.into_resumed_host(self._reg_log, prog, hang)
            raise
        if self._timing_error:                       # an earlier sample's TIMING_ERROR meets a SPI_ERROR_HALT := 1
            error_halt.check_sticky((), None, run, np.arange(1, len(run[0]) + 1), ChipHang, True)
        return (*run, frozenset(), ())

    def _saved(self) -> tuple:
        """What a re-run of the sample restores: the state, the configuration and Params, the coverage counts."""
        return (self.state.copy(), self.config, self._params,
                self.coverage.kernel.copy() if self.coverage is not None else None)

    def _restore(self, saved: tuple) -> None:
        self.state.restore(saved[0])
        self.config, self._params = saved[1], saved[2]
        if saved[3] is not None:
            self.coverage.kernel[:] = saved[3]

    def _simulate(self, prog, sample: Sample, do_eprop: int, dump: bool, cut_at=None):
        """One run of the kernel over the program: (tick table, stats, records, per-tick SEND, CONFIG reads);
        cut_at: Drive.cut_at (core.cycle.cut; None: no cut scan)."""
        cfg = self.config
        regression = bool(cfg["SPI_REGRESSION"])
        T = prog.n_ticks
        tk = np.zeros((T, len(TICK_COLUMNS)), np.int64)
        stats = np.zeros(8, np.int64)
        visits = prog.config.values()                # records are sized by the sample's largest sizes
        rec = TickRecords.empty(T, config_regs.record_sizes(cfg, visits).n_rec) if dump else _NO_RECORDS
        spt = int(cfg["SPI_SEND_PER_TIMESTEP"] or any(config_regs.written_values(visits, "SPI_SEND_PER_TIMESTEP")))
        cut_at = cut_at if cut_at is not None else np.zeros(T, np.int64)
        drive = Drive(**host_mod.drive_arrays(prog, regression), fall_tick=int(self._fall_tick), label=int(sample.label),
                      n_ticks=int(T), do_eprop=int(do_eprop), cut_at=cut_at, **_drive_registers(cfg.registers))
        rows = T if spt else 1                       # written only with SEND_PER_TIMESTEP: no per-sample zeroing
        self._reg_log = []                           # (tick, registers before, after) of each register-writing visit
        send_n, send_data = np.zeros(rows, np.int64), np.zeros((rows, 32), np.int64)
        tick_send, hang = None, None
        try:
            config_reads = self._run_ticks(prog, drive, tk, stats, bool(dump), rec, send_n, send_data)
        except ChipHang as e:
            if e.state not in ("EPROP", "GET_TAR"):     # hung mid-tick: the table up to it, for RTL vectors
                raise
            hang, config_reads = e, e.config_reads
        f = self._fall_tick
        if f and f < T and tk[f - 1, TK.end] == STATE_SEND:   # SAMPLE fell before tick f's SEND: the sample ended
            tk, send_n, send_data = tk[:f], send_n[:f], send_data[:f]
            rec = TickRecords(*(a[:f] for a in rec)) if dump else rec
        if spt:                                      # SEND cycles are paced by the host's OUT_ACK (host constant)
            send_cycles = np.where(send_n > 0, host_mod.send_host_cycles(send_n), 0)   # [T]: spt
            tk[:, TK.cycles] += send_cycles
            tick_send = {"n": send_n, "data": send_data.astype(np.uint8), "cycles": send_cycles}
        if hang is not None:
            hang.tick_table, hang.tick_send = tk[: hang.tick].copy(), tick_send
            raise hang
        return tk, stats, rec, tick_send, config_reads

    def _run_ticks(self, prog, drive, tk, stats, dump, rec, send_n, send_data) -> list:
        """The kernel over the whole sample, stopping in CONFIG for each host SPI visit (core.config_visit)."""
        inp_next, pos = np.zeros(256, np.uint8), np.array([0, 1, 0], np.int64)
        visits = []
        while True:
            code = self._kernel((self._params, self.state, self._tables, drive, tk, stats, dump, rec, send_n,
                                 send_data, inp_next, pos))
            if code <= -CUT_BASE:                    # a PROP scan on the cycle model (core.cycle.cut)
                code = cut.play(self, drive, tk, stats, dump, rec, send_n, send_data, inp_next, pos,
                                -code - CUT_BASE, self._cut_period,
                                lambda r: int(host_mod.send_host_cycles(send_n[r]))
                                if drive.send_per_tick and send_n[r] > 0 else 0)
                if code is None:
                    continue
            if code > 0 and tk[code - 1, TK.end] == STATE_EPROP:
                hang = sample_fall.eprop_hang(ChipHang, tk[code - 1], int(code), drive.fall_cycle)
                hang.config_reads = visits
                raise hang
            if code >= 2 and drive.cut_at[code - 2] > 0:   # a tick that cut a scan asks for targets
                raise ChipHang("GET_TAR", int(code), f"it cut tick {code - 1}'s PROP scan, so the host has played "
                               "no step since and waits for its readiness, while the chip waits for targets")
            if code > 0:
                fix = "targets" if self.config["SPI_REGRESSION"] else "label"     # the HostSpec key that answers
                hang = ChipHang(STATE_NAMES[int(tk[code - 1, TK.end])], int(code), "no target transfer answers its "
                                f"request (add GET_TAR answers: host {fix} = 'gettar')")
                hang.config_reads = visits
                raise hang
            if code == 0:
                return visits
            k = -code
            txns, writes, where = prog.config[k - 1], [], f"host program step {k - 1}: config"
            visits.append((k, tuple(config_visit.play(self.state, txns, where, writes))))
            tk[k - 1, TK.config] = config_visit.visit_cycles(txns)
            if writes or config_visit.writes(txns, config_visit.CODE_NEUR):   # alpha LSBs feed Params
                drive = self._after_visit(writes, prog, drive, where, k)

    def _after_visit(self, writes, prog, drive: Drive, where: str, k: int) -> Drive:
        """Registers written in a visit take effect (core.config_regs): the configuration, Params and the
        Drive's register fields are re-derived; the kernel re-prepares its rows when it resumes."""
        before = self.config.registers
        regs, written = config_regs.apply(before, writes)
        self._reg_log.append((k, before, regs))
        config_regs.reload_seeds(self.state.lfsr, regs, written)
        self.config = replace(self.config, registers=regs)
        self._params = self._derive_params()
        regression = bool(regs["SPI_REGRESSION"])
        fields = host_mod.drive_arrays(prog, regression) if regression != bool(before["SPI_REGRESSION"]) else {}
        do_eprop = regs["SPI_DO_EPROP"] if "SPI_DO_EPROP" in written else drive.do_eprop
        return drive._replace(**fields, do_eprop=int(do_eprop), **_drive_registers(regs))

    def _kernel(self, args: tuple) -> int:
        """run_sample_nogil(*args) through the compiled entry point of this chip's records, looked up once per
        (params, state, tables) objects: Numba's type resolution of their ~60 arrays costs ~16 µs per sample.
        The other arguments are built by _simulate with fixed types (int64 arrays, ints, a bool)."""
        key = self._entry_key
        if key is not None and key[0] is args[0] and key[1] is args[1] and key[2] is args[2]:
            return self._entry(args)
        code = run_sample_nogil(*args)
        self._entry_key = args[:3]
        self._entry = run_sample_nogil.overloads[(run_sample_nogil.typeof_pyval(args),)].entry_point
        return code

    def __getstate__(self) -> dict:
        """Picklable (process pools): the kernel's entry point, a compiled closure, is looked up again."""
        return {**self.__dict__, "_entry_key": None, "_entry": None}

    def _check_protocol(self) -> None:
        """The local tick generator hangs the chip or is not modelled (core.local_tick)."""
        check_local_tick(self.config, ChipHang, self._timing_error)

    def _send(self) -> tuple[int, np.ndarray]:
        """SEND (spec §13): (inference = OUT_DATA[3:0] of the first item, every OUT_DATA byte sent).

        SEND_LABEL_ONLY: one item, the vote winner (ties to the lowest index; 0 in regression mode);
        otherwise 2·NOUT items, the output membranes' low and high bytes."""
        cfg, st = self.config, self.state
        if not cfg["SPI_SEND_LABEL_ONLY"]:
            out_bytes = np.array([(int(st.oneur[k]) >> s) & 0xFF for k in range(cfg.n_out) for s in (0, 8)],
                                 np.uint8)
            return int(out_bytes[0]) & 0xF, out_bytes
        win = 0 if cfg["SPI_REGRESSION"] else int(vote_winner(st.votes, cfg.n_out))
        return win, np.array([win], np.uint8)

    @staticmethod
    def timing_errors(tick_cycles: np.ndarray, clock_hz: float, tick_period_s: float = 1e-3) -> int:
        """Ticks whose processing would not finish within one tick period at this clock: the next TIME_TICK
        would arrive outside IDLE/idle PROP and set TIMING_ERROR (spec §5), halting the chip with ERROR_HALT."""
        return int(np.count_nonzero(np.asarray(tick_cycles) > clock_hz * tick_period_s))


def _local_after_lost(stop_tick: int, lost, cuts) -> None:
    """Refuse an SPI_LOCAL_TICK := 1 write (in tick stop_tick's visit) after host ticks were lost or cut (those
    after a later := 0 are the resumed host's)."""
    before = sorted(h for h in {*lost, *dict(cuts)} if h <= stop_tick)
    if stop_tick and before:
        raise InputError(f"host program step {stop_tick - 1}: config", "SPI_LOCAL_TICK := 1 after host ticks lost "
                         f"or cut ({', '.join(map(str, before))}) with tick_period: not modelled (allowed: a period "
                         "no tick before the write misses)")
