"""Records handed to and returned by the kernels (Numba-friendly NamedTuples) and the tick-table columns."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


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
STATE_PROP, STATE_GET_TAR, STATE_EPROP, STATE_SEND = 1, 4, 6, 7   # srnn.v global FSM state codes stored in the end column
STATE_NAMES = {0: "IDLE", 1: "PROP", 2: "STEP", 3: "SDONE", 4: "GET_TAR", 5: "CONFIG", 6: "EPROP", 7: "SEND"}
STATE_CODES = {name: code for code, name in STATE_NAMES.items()}
TICK_COLUMNS = TickColumns._fields


class NeuronFields(NamedTuple):
    """Row of each neuron field in the records' [.., 4, n] snapshots and the held word qreg[slot, field]."""

    membrane: int = 0
    trace_inp: int = 1
    trace_rec: int = 2
    trace_out: int = 3


NF = NeuronFields()
AT_STEP, AT_PROP = 0, 1          # second index of TickRecords.oneur / err / lfsr: after STEP (SDONE), after PROP
AT_SDONE, AT_EPROP = 0, 1        # TickRecords.err: at SDONE, at the first EPROP cycle (after GET_TAR)


class Registers(NamedTuple):
    """The register values the kernels read (after width rescaling); groups indexed by x are tuples of ints
    (a tuple, unlike an array, costs no reference count where a kernel reads it in a loop)."""

    num_inp: int
    num_rec: int
    num_out: int
    rst_mode: int
    fp_winp: int
    fp_wrec: int
    fp_wout: int
    fp_trace: tuple        # [3] SPI_FP_LOC_TINP, _TREC, _TOUT
    learn_sig_scale: int
    en_stoch_round: int
    kappa: int
    regul_mode: int
    regul_w: int
    regul_f0: int
    regul_k_mul: int
    regul_k_p: tuple             # [2] SPI_REGUL_K_INP_P, _REC_P
    regul_k_r: tuple             # [2] SPI_REGUL_K_INP_R, _REC_R
    regression: int
    no_out_act: int
    noise_en: int
    noise_str: int
    force_traces: int
    thr_h: tuple                 # [4] SPI_THR_H_0..3
    h: tuple                     # [5] SPI_H_0..4
    lr_r: tuple                  # [3] SPI_LR_R_WINP, _WREC, _WOUT
    lr_p: tuple                  # [3] SPI_LR_P_WINP, _WREC, _WOUT

    @classmethod
    def from_dict(cls, r: dict) -> "Registers":
        def vec(*names):
            return tuple(int(r[n]) for n in names)
        return cls(
            num_inp=r["SPI_NUM_INP_NEUR"], num_rec=r["SPI_NUM_REC_NEUR"], num_out=r["SPI_NUM_OUT_NEUR"],
            rst_mode=r["SPI_RST_MODE"], fp_winp=r["SPI_FP_LOC_WINP"], fp_wrec=r["SPI_FP_LOC_WREC"],
            fp_wout=r["SPI_FP_LOC_WOUT"], fp_trace=vec("SPI_FP_LOC_TINP", "SPI_FP_LOC_TREC", "SPI_FP_LOC_TOUT"),
            learn_sig_scale=r["SPI_LEARN_SIG_SCALE"], en_stoch_round=r["SPI_EN_STOCH_ROUND"], kappa=r["SPI_KAPPA"],
            regul_mode=r["SPI_REGUL_MODE"], regul_w=r["SPI_REGUL_W"], regul_f0=r["SPI_REGUL_F0"],
            regul_k_mul=r["SPI_REGUL_K_MUL"], regul_k_p=vec("SPI_REGUL_K_INP_P", "SPI_REGUL_K_REC_P"),
            regul_k_r=vec("SPI_REGUL_K_INP_R", "SPI_REGUL_K_REC_R"), regression=r["SPI_REGRESSION"],
            no_out_act=r["SPI_NO_OUT_ACT"], noise_en=r["SPI_NOISE_EN"], noise_str=r["SPI_NOISE_STR"],
            force_traces=r["SPI_FORCE_TRACES"], thr_h=vec(*(f"SPI_THR_H_{i}" for i in range(4))),
            h=vec(*(f"SPI_H_{i}" for i in range(5))), lr_r=vec("SPI_LR_R_WINP", "SPI_LR_R_WREC", "SPI_LR_R_WOUT"),
            lr_p=vec("SPI_LR_P_WINP", "SPI_LR_P_WREC", "SPI_LR_P_WOUT"))


class Params(NamedTuple):
    """Everything a sample reads but never writes: registers, datapath widths, per-pair leak and threshold."""

    reg: Registers
    dp: "object"                # core.datapath.Datapath
    alpha: np.ndarray           # int64 [128] leak factor of each neuron pair (width-quantised)
    thr: np.ndarray             # int64 [128] threshold field of each word (the state's array)
    cov: object = None          # int64 [hw.coverage.N_KERNEL] coverage counters, None: off (core.cov_hooks)


class Drive(NamedTuple):
    """What the host does during one sample: a core.host.HostProgram as arrays (core.host_drive)."""

    ev_tick: np.ndarray         # int64 [E] delivery step of each event (0 = before tick 1), sorted
    ev_chan: np.ndarray         # int64 [E] input channel of each event
    levels: np.ndarray          # int64 [T] levels set in step j (bit0 SAMPLE, bit1 TARGET_VALID, bit2 INFER_ACC)
    tar_label: np.ndarray       # int64 [T] last target byte sent in step j (-1: none)
    req_n: np.ndarray           # int64 [T] GET_TAR answer bytes of step j (for tick j+1)
    req_label: np.ndarray       # int64 [T] the class label among them (classification: the last byte)
    label: int                  # the sample's label (loss)
    n_ticks: int
    do_eprop: int
    single_label: int           # SPI_SINGLE_LABEL
    send_per_tick: int          # SPI_SEND_PER_TIMESTEP: a SEND after SDONE / EPROP of every tick 2..T-1
    label_only: int             # SPI_SEND_LABEL_ONLY
    targets: np.ndarray         # int64 [T, 16] regression targets answered in step j (row j; [1, 16] otherwise)
    gettar_cycles: int          # host cycles of one GET_TAR transfer
    config_at: np.ndarray       # int64 [T] 1: tick j+1 stops in CONFIG after SDONE (a host SPI visit in step j)
    fall_tick: int              # SAMPLE falls fall_cycle cycles into this tick, after SDONE (0: none; host.played)
    fall_cycle: int
    cut_at: np.ndarray          # int64 [T] != 0: tick j+1's PROP scan runs on the cycle model (core.cycle.cut)


class TickRecords(NamedTuple):
    """Per-tick records of one sample (dump level 1); rows = ticks 1..T; [.., 4, NREC] rows are NF fields."""

    inp: np.ndarray       # uint8 [T, 256]
    z: np.ndarray         # uint8 [T, NREC]
    step: np.ndarray      # int64 [T, 4, NREC] gated neuron fields after STEP
    prop: np.ndarray      # int64 [T, 4, NREC] after PROP
    oneur: np.ndarray     # int64 [T, 2, 16] output membranes [AT_STEP] / [AT_PROP]
    err: np.ndarray       # int64 [T, 2, 16] errors [AT_SDONE] / [AT_EPROP]
    lfsr: np.ndarray      # int64 [T, 2, 13] LFSR states [AT_STEP] / [AT_PROP]
    wchk: np.ndarray      # int64 [T, 6] weight checksums after EPROP

    @classmethod
    def empty(cls, n_ticks: int, nrec: int) -> "TickRecords":
        return cls(np.zeros((n_ticks, 256), np.uint8), np.zeros((n_ticks, nrec), np.uint8),
                   np.zeros((n_ticks, 4, nrec), np.int64), np.zeros((n_ticks, 4, nrec), np.int64),
                   np.zeros((n_ticks, 2, 16), np.int64), np.zeros((n_ticks, 2, 16), np.int64),
                   np.zeros((n_ticks, 2, 13), np.int64), np.zeros((n_ticks, 6), np.int64))
