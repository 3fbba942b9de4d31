"""Chip: the bit-exact ReckOn model behind the common backend interface (`run_sample(sample, learn)`).

Python only sequences samples; each sample runs in one Numba call (core.sample_kernel).
"""
from __future__ import annotations


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
from .protocol import GETTAR_HOST_CYCLES, schedule
from .records import TICK_COLUMNS, TK, Drive, Params, Registers, TickRecords
from .sample_kernel import ERR_LABEL_WAIT, run_sample_kernel
from .state import ChipState

_NO_RECORDS = TickRecords.empty(0, 0)


class Chip:
    """A ReckOn chip: configuration + state. Weights and LFSRs persist across `run_sample` calls."""

    def __init__(self, config: ChipConfig, state: ChipState | None = None, widths: BitWidths = RECKON,
                 clock_hz: float | None = None, tick_period_s: float = 1e-3):
        self.config = config
        self.widths = widths
        self.clock_hz, self.tick_period_s = clock_hz, tick_period_s    # tick budget for timing-error prediction
        self.state = state if state is not None else ChipState.after_init(config)
        # widths that only rescale constants are applied here; the kernels see shifts and bounds in `wid`
        if state is None:
            self.state.thr[:] = dpath.scale_thresholds(config.neur_thr, widths)
        regs = {**config.registers, **dpath.register_overrides(widths, config.registers)}
        self._params = Params(reg=Registers.from_dict(regs), dp=dpath.datapath(widths, config.registers),
                              alpha=dpath.quantize_alpha(config.alpha_words(), widths), thr=self.state.thr)
        self._tables = lfsr_mod.tables()
        self.coverage = None
        if coverage_mod.active() is not None:
            self.enable_coverage(coverage_mod.active())

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

    def run_sample(self, sample: Sample, learn: bool, dump: bool = False, targets=None) -> SampleResult:
        """Run one sample with the training (learn) or test DO_EPROP value; state carries over.

        targets: regression targets [T-1-TARGET_TICK, n_out] for the learning ticks (FORMAT §9).
        With dump=True, result.records holds the TickRecords of every tick and result.end_state the golden state."""
        cfg = self.config
        st = self.state
        sch = schedule(sample, cfg.target_tick)
        T = sch.n_ticks
        do_eprop = cfg.do_eprop_train if learn else cfg.do_eprop_test
        self._check_protocol(do_eprop, learn)
        tgt = np.zeros((T, 16), np.int64)
        if targets is not None:
            targets = np.asarray(targets, dtype=np.int64)
            tgt[sch.marker_tick: sch.marker_tick + len(targets), : targets.shape[1]] = targets
        tk = np.zeros((T, len(TICK_COLUMNS)), np.int64)
        stats = np.zeros(8, np.int64)
        rec = TickRecords.empty(T, cfg.n_rec) if dump else _NO_RECORDS
        drive = Drive(ev_tick=sch.ev_tick, ev_chan=sch.ev_chan, marker_tick=sch.marker_tick, label=int(sample.label),
                      n_ticks=T, learn=bool(learn), do_eprop=do_eprop, targets=tgt, gettar_cycles=GETTAR_HOST_CYCLES)
        code = run_sample_kernel(self._params, st, self._tables, drive, tk, stats, dump, rec)
        if code == ERR_LABEL_WAIT:
            raise InputError("protocol", "the chip waits in GET_TAR for a class label the protocol never sends "
                                         "(SPI_SINGLE_LABEL = 0 or e-prop every tick before TARGET_TICK)")
        inference, out_bytes = self._send()
        if self.coverage is not None:
            self.coverage.fold_kernel()
            self.coverage.add_sample(tk, do_eprop, st.votes, cfg.n_out, bool(cfg["SPI_SEND_LABEL_ONLY"]),
                                     bool(cfg["SPI_REGRESSION"]))
        timing = self.timing_errors(tk[:, TK.cycles], self.clock_hz, self.tick_period_s) if self.clock_hz else None
        # loss: 0.5 Σ (target − hard-sigmoid output)² over the vote ticks, 1.0 = 2048 (as reference.ChipFloat)
        loss = float("nan") if cfg["SPI_REGRESSION"] else 0.5 * float(stats[ST_SQERR]) / 2048.0 ** 2
        result = SampleResult(inference=inference, label=int(sample.label), loss=loss, n_spikes=int(stats[ST_SPIKES]),
                              n_updates=int(stats[ST_UPDATES]), n_sops=int(stats[ST_SOPS]),
                              tick_cycles=tk[:, TK.cycles].astype(np.int32), tick_table=tk, out_bytes=out_bytes,
                              votes=st.votes.copy(), eprop_ticks=int(stats[ST_EPROP_TICKS]),
                              saturations={"membrane": int(stats[ST_SAT_MEM]), "trace": int(stats[ST_SAT_TRACE]),
                                           "weight": int(stats[ST_SAT_W])},
                              timing_errors=timing, records=rec if dump else None,
                              end_state=st.snapshot(cfg) if dump else None)
        st.enter_idle()
        return result

    def _check_protocol(self, do_eprop: int, learn: bool) -> None:
        """Configurations the stock host protocol cannot drive (the RTL would hang or never start)."""
        cfg = self.config
        if cfg["SPI_LOCAL_TICK"]:
            raise InputError("SPI_LOCAL_TICK", "= 1: the host protocol sends external ticks (allowed: 0)")
        if cfg["SPI_SEND_PER_TIMESTEP"]:
            raise InputError("SPI_SEND_PER_TIMESTEP", "= 1 is not part of the modelled host protocol (allowed: 0)")
        if do_eprop and not cfg["SPI_REGRESSION"] and not cfg["SPI_SINGLE_LABEL"] and learn:
            raise InputError("SPI_SINGLE_LABEL", "= 0 with classification: the chip would wait in GET_TAR for a "
                                                 "label on every learning tick (allowed: 1)")
        if do_eprop and not learn and (cfg["SPI_REGUL_MODE"] >> 1) == 3:
            raise InputError("DO_EPROP_TEST", f"= {do_eprop} with SPI_REGUL_MODE[2:1] = 11: the chip would wait "
                                              "in GET_TAR for a label in every test tick (allowed: 0)")

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
