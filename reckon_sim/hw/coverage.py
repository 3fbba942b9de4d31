"""Functional-coverage bins of the ReckOn model: one declarative table (issue 12).

Each bin counts one corner of the datapath or the protocol during a run. Kernel bins ("kernel") are counted by
core.cov_hooks at the kernels' own decision points (int64 counters, compiled out when coverage is off); the
others are counted per sample from the tick table and the results ("sample") or from the configuration
("config"). `reason` is None for a reachable bin, else why the modelled host protocol can never hit it.
The report (experiments.coverage) and the suite generator (vectors.suite) are both generated from BINS.
"""
from __future__ import annotations

from dataclasses import dataclass

from .registers import CONFIG_REGISTERS


@dataclass(frozen=True)
class Bin:
    name: str
    source: str                 # "kernel" | "sample" | "config"
    meaning: str
    reason: str | None = None   # None: reachable; else why the modelled protocol cannot hit it

    @property
    def reachable(self) -> bool:
        return self.reason is None


_K = lambda name, meaning: Bin(name, "kernel", meaning)                          # noqa: E731
_S = lambda name, meaning, reason=None: Bin(name, "sample", meaning, reason)     # noqa: E731

# Kernel bins: the order is the counter layout; groups indexed by k (STE segments, boundaries, regul modes)
# must stay consecutive (core.cov_hooks adds k to the group's first index).
KERNEL_BINS: tuple[Bin, ...] = (
    *(_K(f"ste_segment_{k}", f"a learning tick's STE picks segment {k} (H_{k})") for k in range(5)),
    *(_K(f"ste_boundary_{k}", f"the membrane equals THR_H_{k} exactly where segment compare {k} is made")
      for k in range(4)),
    _K("vote_tie", "SDONE inference vote with two or more outputs sharing the maximum (ties to the lowest index)"),
    _K("membrane_sat_up", "a PROP integration saturates a membrane at +max"),
    _K("membrane_sat_down", "a PROP integration saturates a membrane at -min"),
    _K("out_membrane_sat_up", "an output-membrane integration saturates at +max"),
    _K("out_membrane_sat_down", "an output-membrane integration saturates at -min"),
    _K("trace_sat_inp", "an input-trace increment saturates"),
    _K("trace_sat_rec", "a recurrent-trace increment saturates"),
    _K("trace_sat_out", "an output-trace increment saturates"),
    _K("trace_sat_supp", "an input-trace increment in a SUPP write saturates"),
    _K("weight_sat_max", "a fired +1 input/recurrent update at the weight maximum (old value written back)"),
    _K("weight_sat_min", "a fired -1 input/recurrent update at the weight minimum"),
    _K("wout_sat_max", "a fired +1 output-weight update at the weight maximum"),
    _K("wout_sat_min", "a fired -1 output-weight update at the weight minimum"),
    _K("self_weight_zero", "a fired recurrent self-connection update written as 0"),
    _K("update_fire_pos", "a fired input/recurrent +1 update"),
    _K("update_fire_neg", "a fired input/recurrent -1 update"),
    Bin("sr_equal_update", "kernel", "an input/recurrent update's stochastic compare with its probability equal "
        "to the LFSR lane", "needs a 32-bit LFSR lane equal to the scaled probability (~2^-32 per compare): "
        "not drawn by random stimulus, and no register forces it"),
    Bin("sr_equal_wout", "kernel", "an output-weight update's stochastic compare at equality",
        "needs a 28-bit LFSR lane equal to the scaled probability (~2^-28 per compare): not drawn by random "
        "stimulus, and no register forces it"),
    _K("sr_equal_leak", "a stochastic-rounding leak whose dropped fraction equals the LFSR value"),
    _K("alpha_one", "a STEP pair with alpha = 1.0 (no rounding, its LFSR holds)"),
    _K("alpha_above_one", "a STEP pair with alpha > 1.0"),
    _K("alpha_wrap", "a membrane leak with alpha >= 1.0 that wraps around the membrane width"),
    _K("kappa_one", "an output leak with kappa = 1.0"),
    _K("kappa_above_one", "an output leak with kappa > 1.0"),
    _K("noise_pass", "a PROP pass adding membrane noise"),
    _K("reset_subtract", "a spike reset by subtracting the threshold (RST_MODE = 0)"),
    _K("reset_zero", "a spike reset to zero (RST_MODE = 1)"),
    _K("supp_pass", "a SUPP trace-only write (an input event above NUM_REC)"),
    *(_K(f"regul_mode_{m}", f"an EPROP tick with SPI_REGUL_MODE = {m}") for m in range(8)),
    _K("regul_every_tick", "an EPROP tick without TARGET_VALID (regularisation every tick, REGUL_MODE[2:1] = 11; "
       "the host answers every GET_TAR)"),
    _K("regul_add_term", "a lane with a non-zero additive regularisation term"),
    _K("regul_mul_scaled", "a lane whose multiplicative regularisation scales its probability below 16/16"),
    _K("learn_sig_clamp_high", "a learning signal clamped at its maximum"),
    _K("learn_sig_clamp_low", "a learning signal clamped at its minimum"),
    _K("error_clamp_high", "an output error clamped at +32767 (sign-based overflow)"),
    _K("error_clamp_low", "an output error clamped at -32768"),
    _K("activation_high", "a hard-sigmoid activation saturated at 1.0 on a learning tick"),
    _K("activation_low", "a hard-sigmoid activation saturated at 0 on a learning tick"),
    _K("prob_sign_bit", "an update probability forced to -2^31 by bit 31 of the 37-bit product"),
    _K("row_skip", "a phase-B row skipped (zero trace, zero regularisation: not written, LFSR holds)"),
    _K("block_jump", "a phase-B weight type with no active lane (only the LFSR advances)"),
    _K("wout_update", "an output-weight row update with a non-zero output trace"),
)

SAMPLE_BINS: tuple[Bin, ...] = (
    _S("fsm_idle_prop", "IDLE -> PROP: the first tick of a sample"),
    _S("fsm_prop_step", "PROP -> STEP on a TIME_TICK"),
    _S("fsm_sdone_prop", "SDONE -> PROP: no learning this tick"),
    _S("fsm_sdone_eprop", "SDONE -> EPROP (label already received)"),
    _S("fsm_sdone_gettar", "SDONE -> GET_TAR -> EPROP (regression targets)"),
    _S("fsm_eprop_output_only", "EPROP with DO_EPROP = 4 (output weights only, short phase)"),
    _S("fsm_sdone_send", "SDONE -> SEND -> IDLE: the last tick"),
    _S("send_label", "SEND of one item, the vote winner (SEND_LABEL_ONLY = 1)"),
    _S("send_membranes", "SEND of the output membranes (SEND_LABEL_ONLY = 0)"),
    _S("send_vote_tie", "SEND_LABEL_ONLY winner chosen among tied vote counters (ties to the lowest index)"),
    _S("fsm_sdone_config", "SDONE -> CONFIG (SPI_EN_CONF raised mid-sample: a host state probe)"),
    _S("fsm_send_per_timestep", "SEND after every tick (SPI_SEND_PER_TIMESTEP = 1)"),
    _S("fsm_local_tick", "internal tick generator (SPI_LOCAL_TICK = 1)"),
    _S("fsm_timing_error", "a TIME_TICK outside IDLE/PROP (TIMING_ERROR: a halt, or a lost tick)"),
    _S("fsm_gettar_wait_label", "GET_TAR waiting for a class label (host label = 'gettar')"),
    _S("fsm_gettar_hang", "GET_TAR waiting for targets the host never sends (a hang: the sample never ends)"),
)

_UNREACHABLE_REG: dict[str, str] = {}


def _register_bin(r) -> Bin:
    default = r.reset if r.reset is not None else 0
    what = f"its reset value {default:#x}" if r.reset is not None else "0 (undefined after reset)"
    return Bin(f"reg_{r.name}", "config", f"{r.name} programmed to a value other than {what}",
               _UNREACHABLE_REG.get(r.name))


CONFIG_BINS: tuple[Bin, ...] = tuple(_register_bin(r) for r in CONFIG_REGISTERS)
BINS: tuple[Bin, ...] = KERNEL_BINS + SAMPLE_BINS + CONFIG_BINS
INDEX: dict[str, int] = {b.name: i for i, b in enumerate(BINS)}
N_KERNEL = len(KERNEL_BINS)
REACHABLE: tuple[str, ...] = tuple(b.name for b in BINS if b.reachable)


def register_default(name: str) -> int:
    r = next(r for r in CONFIG_REGISTERS if r.name == name)
    return r.reset if r.reset is not None else 0
