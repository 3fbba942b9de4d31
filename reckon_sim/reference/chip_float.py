"""The ReckOn learning rule in float: the chip's algebra (reckon-spec.md §7-§11, §16) without quantisation.

Everything is kept in chip units (membranes and weights in LSBs, output activation 2048 = 1.0), so
``integer_rounding=True`` (floor wherever the chip floors with stochastic rounding disabled: leaks, trace shifts
``>> FP``, hard sigmoid ``>> 1``, learning signal ``>> 12``, regulariser shifts, ``k >> 4``, ``>> LR_R``) can be
compared with the fixed-point model; ``saturate=True`` adds the chip's saturations (16-bit membranes per PROP pass
in scan order, output membranes, errors and learning signals, traces at 4095/1023, int8 weights, and the update
probability capped at 2^W - 1 before ``>> LR_R``). With both options and EN_STOCH_ROUND = 0 the per-tick state
equals the RTL exactly until the first weight update (checked on the golden case pub_regul, test samples included).
Regression (SPI_REGRESSION = 1, spec §10, §14): run_sample takes the 16-bit targets of the learning ticks (as
the host sends them through GET_TAR), err = target - output (raw membrane with NO_OUT_ACT), votes go to output 0.
Not modelled: stochastic rounding noise (float mode is its expectation), LFSRs, wrap-around (alpha or kappa > 1),
membrane noise, neurons beyond NUM_REC in STEP/PROP (use odd NUM_REC), the k[31] quirk, and the stale-data
"regularise every tick with TV = 0" mode. The per-tick algebra is in :mod:`.chip_float_kernel`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import Sample, SampleResult
from ..config import ChipConfig
from ..errors import InputError
from .chip_float_kernel import ChipFloatRecords, ChipFloatRule, ChipFloatWeights, run_chip_float_sample

LAYER_NAMES = ("WINP", "WREC", "WOUT")


@dataclass(frozen=True)
class ChipFloatParams:
    """A ChipConfig decoded for the float rule: sizes, the protocol's DO_EPROP values and the kernel's rule."""

    n_in: int
    n_rec: int
    n_out: int
    do_eprop_train: int
    do_eprop_test: int
    rule: ChipFloatRule

    @property
    def target_tick(self) -> int:
        return self.rule.target_tick

    @classmethod
    def from_config(cls, config: ChipConfig, *, integer_rounding: bool = False,
                    saturate: bool = False) -> "ChipFloatParams":
        """Decoded registers, per-neuron alpha / threshold of the neuron-SRAM words, and the two options."""
        regs = config.registers
        if regs["SPI_NOISE_EN"]:
            raise InputError("SPI_NOISE_EN", "= 1: ChipFloat does not model membrane noise (allowed: 0)")
        n_in, n_rec = config.n_inp, config.n_rec
        neuron_word = np.arange(max(n_in, n_rec)) // 2          # a neuron-SRAM word holds a pair of neurons
        regul = regs["SPI_REGUL_MODE"] != 0                      # the REGUL_* fields only matter when enabled
        regul_value = lambda name: float(regs[name]) if regul else 0.0
        rule = ChipFloatRule(
            kappa=regs["SPI_KAPPA"] / 128.0, reset_to_zero=bool(regs["SPI_RST_MODE"]),
            **{f"fp_{t.lower()}": float(regs[f"SPI_FP_LOC_{t}"])
               for t in ("WINP", "WREC", "WOUT", "TINP", "TREC", "TOUT")},
            learn_sig_scale=float(regs["SPI_LEARN_SIG_SCALE"]), regul_mode=int(regs["SPI_REGUL_MODE"]),
            regul_w=int(regs["SPI_REGUL_W"]), regul_f0=regul_value("SPI_REGUL_F0"),
            k_inp_p=regul_value("SPI_REGUL_K_INP_P"), k_inp_r=regul_value("SPI_REGUL_K_INP_R"),
            k_rec_p=regul_value("SPI_REGUL_K_REC_P"), k_rec_r=regul_value("SPI_REGUL_K_REC_R"),
            k_mul=regul_value("SPI_REGUL_K_MUL"), no_out_act=bool(regs["SPI_NO_OUT_ACT"]),
            regression=bool(regs["SPI_REGRESSION"]),
            force_traces=bool(regs["SPI_FORCE_TRACES"]), target_tick=int(config.target_tick),
            lr_p=np.array([regs[f"SPI_LR_P_{name}"] for name in LAYER_NAMES], np.float64),
            lr_r=np.array([regs[f"SPI_LR_R_{name}"] for name in LAYER_NAMES], np.float64),
            thr_h=np.array([regs[f"SPI_THR_H_{s}"] for s in range(4)], np.float64),
            h=np.array([regs[f"SPI_H_{s}"] for s in range(5)], np.float64),
            alpha=config.alpha_words()[neuron_word] / 32768.0,
            thr=config.neur_thr[neuron_word[:n_rec]].astype(np.float64),
            n_in=n_in, integer_rounding=bool(integer_rounding), saturate=bool(saturate))
        return cls(n_in, n_rec, config.n_out, int(config.do_eprop_train), int(config.do_eprop_test), rule)


class ChipFloat:
    """Backend: the chip's e-prop rule in float (expected-value updates), on the stock testbench protocol.

    run_sample(sample, learn, targets=None): events (channel, b) enter PROP of tick b+1; DO_EPROP_TRAIN (learn) or
    DO_EPROP_TEST; votes on ticks TT+1..T (result.votes), EPROP on TT+1..T-1; inference = most-voted output;
    loss = sum over vote ticks of 0.5 sum_k (err_k / 2048)^2 (NaN in regression, as the chip's). targets
    (regression): [T-1-TT, n_out] 16-bit targets of ticks TT+1..T-1 (FORMAT §9); None = zeros, as the chip
    with no targets sent. With record=True, result.records is a dict of
    per-tick arrays (row k-1 = tick k) named as in the golden npz: step_u/z/tinp/trec/tout/oneur_u/oneur_err,
    prop_u/tinp/trec/tout/oneur_u, has_step, has_prop; tinp columns = input channels 0..max(NINP, NREC)-1.
    Weights are float copies in LSB units; weights() returns 'winp' [NINP, NREC], 'wrec', 'wout' [NREC, NOUT].
    """

    def __init__(self, params: ChipFloatParams, winp, wrec, wout, *, record: bool = False):
        self.params = p = params
        self.record = bool(record)
        winp, wrec, wout = (np.asarray(w, np.float64) for w in (winp, wrec, wout))
        expect = {"winp": (winp, (p.n_in, p.n_rec)), "wrec": (wrec, (p.n_rec, p.n_rec)),
                  "wout": (wout, (p.n_rec, p.n_out))}
        for name, (w, shape) in expect.items():
            if w.shape != shape:
                raise InputError(name, f"expected shape {shape}, got {w.shape}")
        full_winp = np.zeros((max(p.n_in, p.n_rec), p.n_rec))   # rows >= NINP: channels integrated, never learnt
        full_winp[:p.n_in] = winp
        self._w = ChipFloatWeights(full_winp, wrec.copy(), wout.copy())

    @classmethod
    def from_config(cls, config: ChipConfig, winp, wrec, wout, *, integer_rounding: bool = False,
                    saturate: bool = False, record: bool = False) -> "ChipFloat":
        """The float rule of a ChipConfig; options: integer_rounding (floor like the chip without stochastic
        rounding), saturate (the chip's saturations), record (per-tick records)."""
        params = ChipFloatParams.from_config(config, integer_rounding=integer_rounding, saturate=saturate)
        return cls(params, winp, wrec, wout, record=record)

    @classmethod
    def from_preset(cls, name: str, winp, wrec, wout, **options) -> "ChipFloat":
        return cls.from_config(ChipConfig.from_preset(name), winp, wrec, wout, **options)

    def run_sample(self, sample: Sample, learn: bool, targets=None) -> SampleResult:
        p = self.params
        n_trace = self._w.winp.shape[0]
        n_ticks = sample.n_ticks
        votes = np.zeros(p.n_out, np.int64)
        rec = ChipFloatRecords.zeros(n_ticks if self.record else 0, n_trace, p.n_rec, p.n_out)
        loss, n_spikes, changed, sops, eprop_ticks = run_chip_float_sample(
            sample.event_matrix(256)[:, :n_trace], int(sample.label), self._tick_targets(targets, n_ticks),
            self._w, p.rule, p.do_eprop_train if learn else p.do_eprop_test, votes, rec)
        if p.rule.regression:
            loss = float("nan")
        return SampleResult(inference=int(np.argmax(votes)), label=int(sample.label), loss=float(loss),
                            n_spikes=int(n_spikes), n_updates=int(changed), n_sops=int(sops), votes=votes,
                            eprop_ticks=int(eprop_ticks), records=self._named_records(rec) if self.record else None)

    def _tick_targets(self, targets, n_ticks: int) -> np.ndarray:
        """float64 [T, n_out]: row k-1 = the targets of tick k (rows TT..TT+len-1 from `targets`, zeros elsewhere)."""
        p = self.params
        out = np.zeros((n_ticks, p.n_out))
        if targets is None:
            return out
        tgt = np.asarray(targets)
        tps = n_ticks - 1 - p.target_tick
        if tgt.ndim != 2 or tgt.shape[0] > tps or tgt.shape[1] > p.n_out:
            raise InputError("targets", f"shape {tgt.shape}: expected at most ({tps}, {p.n_out}) (T - 1 - "
                                        f"TARGET_TICK learning ticks, NUM_OUT + 1 outputs)")
        if tgt.size and (tgt.min() < -32768 or tgt.max() > 32767):
            raise InputError("targets", f"values {tgt.min()}..{tgt.max()} outside the 16-bit range -32768..32767")
        out[p.target_tick: p.target_tick + tgt.shape[0], :tgt.shape[1]] = tgt
        return out

    @staticmethod
    def _named_records(rec: ChipFloatRecords) -> dict[str, np.ndarray]:
        ticks = np.arange(1, rec.step_u.shape[0] + 1)
        return {**rec._asdict(), "has_step": (ticks >= 2).astype(np.uint8),
                "has_prop": (ticks <= ticks.size - 1).astype(np.uint8)}

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of 'winp' [NINP, NREC], 'wrec' [NREC, NREC], 'wout' [NREC, NOUT] (float, LSB units)."""
        return {"winp": self._w.winp[:self.params.n_in].copy(), "wrec": self._w.wrec.copy(),
                "wout": self._w.wout.copy()}
