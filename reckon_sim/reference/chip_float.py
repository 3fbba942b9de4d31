"""The ReckOn learning rule in float: the chip's algebra (reckon-spec.md §7-§11, §16) without quantisation.

Everything is kept in chip units (membranes and weights in LSBs, output activation 2048 = 1.0), so
``integer_rounding=True`` (floor wherever the chip floors with stochastic rounding disabled: leaks, trace shifts
``>> FP``, hard sigmoid ``>> 1``, learning signal ``>> 12``, regulariser shifts, ``k >> 4``, ``>> LR_R``) can be
compared with the fixed-point model; ``saturate=True`` adds the chip's saturations (16-bit membranes per PROP pass
in scan order, output membranes, errors and learning signals, traces at 4095/1023, int8 weights, and the update
probability capped at 2^W - 1 before ``>> LR_R``). With both options and EN_STOCH_ROUND = 0 the per-tick state
equals the RTL exactly until the first weight update (checked on the golden case pub_regul, test samples included).
Not modelled: stochastic rounding noise (float mode is its expectation), LFSRs, wrap-around (alpha or kappa > 1),
membrane noise, regression targets, neurons beyond NUM_REC in STEP/PROP (use odd NUM_REC), the k[31] quirk, and
the stale-data "regularise every tick with TV = 0" mode.

Per tick k = 1..T of a sample (events with time b are integrated in PROP of tick b+1; TT = TARGET_TICK)::

    STEP (k >= 2):  z_j = [u_j >= thr_j];  u_j <- alpha_j u_j - z_j thr_j  (or 0 with RST_MODE);
                    tinp_i, trec_j <- alpha tinp_i, alpha trec_j;  tout_j <- kappa tout_j;  vo_k <- kappa vo_k
    SDONE (k > TT): vote for argmax_k vo_k (ties -> lowest index)
    (k = T: stop here)
    EPROP (k > TT, learning):  y_k = clip((vo_k + 2048)/2, 0, 2048);  err_k = 2048 [k = label] - y_k
        L_p = (sum_k err_k Wout[p][k]) 2^LEARN_SIG_SCALE / 2^12 (old Wout);  h_p = 5-segment LUT(u_p)
        treg_p = max(0, trec_p / 2^FP_TREC - F0);  scale_p = 16 - min(16, treg_p / 2^K_MUL) (mult. regul) else 16
        e = L_p h_p trace_q;  prob = (e < 0 ? 16 e : scale_p e) / 16 - treg_p 2^K_P / 2^K_R (additive regul)
        dW[q][p] = prob 2^(LR_P - LR_R) / 2^32       trace_q = tinp_q / 2^FP_TINP or trec_q / 2^FP_TREC
        dWout[p][k] = err_k (tout_p / 2^FP_TOUT) 2^(LR_P_WOUT - LR_R_WOUT) / 2^28
        (the expected value of the chip's stochastic +-1 LSB step; a self-connection is zeroed with
        probability |dW| instead, as the chip writes 0 whenever its update fires)
    PROP:  u += Winp[i] 2^FP_WINP per input event i; tinp_i += 8 << FP_TINP (DO_EPROP[0] | FORCE_TRACES)
           u += Wrec[j] 2^FP_WREC, vo += Wout[j] 2^FP_WOUT per spike z_j; trec_j += 8 << FP_TREC; tout_j += 2 << FP_TOUT
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
from numba import njit

from ..backend import Sample, SampleResult
from ..errors import InputError
from ..hw.registers import BY_NAME

# index of each scalar in the parameter vector handed to the kernel
(P_KAPPA, P_RESET_ZERO, P_FP_WINP, P_FP_WREC, P_FP_WOUT, P_FP_TINP, P_FP_TREC, P_FP_TOUT, P_LSS,
 P_REGUL_MODE, P_REGUL_W, P_F0, P_K_INP_P, P_K_INP_R, P_K_REC_P, P_K_REC_R, P_K_MUL, P_NO_OUT_ACT,
 P_FORCE_TRACES, P_TARGET_TICK, P_SATURATE) = range(21)
P_LR_P = 21              # 3 entries: LR_P of input, recurrent, output weights
P_LR_R = 24              # 3 entries: LR_R likewise
P_THR_H = 27             # 4 entries: THR_H_0..3
P_H = 31                 # 5 entries: H_0..4
N_PAR = 36


@dataclass(frozen=True)
class ChipFloatParams:
    n_in: int
    n_rec: int
    n_out: int
    alpha: np.ndarray        # [max(n_in, n_rec)] leak of neuron / trace index i (from its pair's alpha)
    thr: np.ndarray          # [n_rec] firing thresholds
    vector: np.ndarray       # [N_PAR] float64 scalars, indexed by the P_* constants
    do_eprop_train: int
    do_eprop_test: int

    @property
    def target_tick(self) -> int:
        return int(self.vector[P_TARGET_TICK])

    @classmethod
    def from_registers(cls, regs: Mapping[str, int]) -> "ChipFloatParams":
        """From config.json-style values (SPI_* names, NEUR_THR, NEUR_ALPHA_LSB, TARGET_TICK, DO_EPROP_*)."""
        def reg(name):
            if name not in regs:
                raise InputError("registers", f"missing {name}")
            return BY_NAME[name].decode(int(regs[name])) if name in BY_NAME else int(regs[name])

        n_in, n_rec, n_out = reg("SPI_NUM_INP_NEUR") + 1, reg("SPI_NUM_REC_NEUR") + 1, reg("SPI_NUM_OUT_NEUR") + 1
        n_trace = max(n_in, n_rec)
        n_words = (n_trace + 1) // 2
        init_words = int(regs.get("NEUR_INIT_WORDS", n_words))

        def per_word(name, bits, signed):
            """Per neuron-SRAM word value of a NEUR_* key (one int for every programmed word, or a list)."""
            if name not in regs:
                raise InputError("registers", f"missing {name}")
            value = regs[name]
            vals = [value] * init_words if np.isscalar(value) else list(value)[:init_words]
            vals = vals + [0] * max(0, n_words - len(vals))        # unprogrammed words read as 0
            out = np.array([int(v) & ((1 << bits) - 1) for v in vals[:n_words]], np.int64)
            return np.where(out >= 1 << (bits - 1), out - (1 << bits), out) if signed else out

        alpha_conf = int(regs.get("SPI_ALPHA_CONF", 0))
        msb = np.array([8 if (alpha_conf >> w) & 1 else 7 for w in range(n_words)], np.int64)
        word_alpha = ((msb << 12) | per_word("NEUR_ALPHA_LSB", 12, False)) / 32768.0
        word_thr = per_word("NEUR_THR", 16, True).astype(np.float64)
        neuron_word = np.arange(n_trace) // 2
        v = np.zeros(N_PAR)
        v[P_KAPPA] = reg("SPI_KAPPA") / 128.0
        v[P_RESET_ZERO] = reg("SPI_RST_MODE")
        for p, name in ((P_FP_WINP, "WINP"), (P_FP_WREC, "WREC"), (P_FP_WOUT, "WOUT"), (P_FP_TINP, "TINP"),
                        (P_FP_TREC, "TREC"), (P_FP_TOUT, "TOUT")):
            v[p] = reg(f"SPI_FP_LOC_{name}")
        v[P_LSS] = reg("SPI_LEARN_SIG_SCALE")
        for layer, name in enumerate(("WINP", "WREC", "WOUT")):
            v[P_LR_P + layer], v[P_LR_R + layer] = reg(f"SPI_LR_P_{name}"), reg(f"SPI_LR_R_{name}")
        v[P_REGUL_MODE], v[P_REGUL_W] = reg("SPI_REGUL_MODE"), reg("SPI_REGUL_W")
        if v[P_REGUL_MODE]:
            v[P_F0] = reg("SPI_REGUL_F0")
            v[P_K_INP_P], v[P_K_INP_R] = reg("SPI_REGUL_K_INP_P"), reg("SPI_REGUL_K_INP_R")
            v[P_K_REC_P], v[P_K_REC_R] = reg("SPI_REGUL_K_REC_P"), reg("SPI_REGUL_K_REC_R")
            v[P_K_MUL] = reg("SPI_REGUL_K_MUL")
        v[P_NO_OUT_ACT] = reg("SPI_NO_OUT_ACT")
        v[P_FORCE_TRACES] = int(regs.get("SPI_FORCE_TRACES", 0))
        v[P_TARGET_TICK] = int(regs.get("TARGET_TICK", 2100))
        for s in range(4):
            v[P_THR_H + s] = reg(f"SPI_THR_H_{s}")
        for s in range(5):
            v[P_H + s] = reg(f"SPI_H_{s}")
        if int(regs.get("SPI_REGRESSION", 0)) or int(regs.get("SPI_NOISE_EN", 0)):
            raise InputError("registers", "ChipFloat models classification without membrane noise only")
        return cls(n_in, n_rec, n_out, word_alpha[neuron_word], word_thr[neuron_word[:n_rec]], v,
                   int(regs.get("DO_EPROP_TRAIN", 7)), int(regs.get("DO_EPROP_TEST", 0)))


@njit(cache=True)
def _decay(value, factor, int_round):
    """Leak by a 1.15 (alpha) or 1.7 (kappa) factor; the chip keeps floor(value * factor)."""
    return np.floor(value * factor) if int_round else value * factor


@njit(cache=True)
def _shift(value, bits, int_round):
    """value / 2^bits, floored like the chip's arithmetic shifts when int_round."""
    r = value * 2.0 ** (-bits)
    return np.floor(r) if int_round else r


@njit(cache=True)
def _step(u, z, tinp, trec, tout, vo, alpha, thr, par, int_round):
    """STEP: spike test on the integrated membrane, leak, reset; decay of the three traces and of vo."""
    for j in range(u.shape[0]):
        spk = u[j] >= thr[j]
        leaked = _decay(u[j], alpha[j], int_round)
        u[j] = (0.0 if par[P_RESET_ZERO] else leaked - thr[j]) if spk else leaked
        z[j] = 1.0 if spk else 0.0
        trec[j] = _decay(trec[j], alpha[j], int_round)
        tout[j] = _decay(tout[j], par[P_KAPPA], int_round)
    for i in range(tinp.shape[0]):
        tinp[i] = _decay(tinp[i], alpha[i], int_round)
    for k in range(vo.shape[0]):
        vo[k] = _decay(vo[k], par[P_KAPPA], int_round)


@njit(cache=True)
def _clamp16(value, par):
    """The chip's 16-bit saturation (only with saturate)."""
    return min(32767.0, max(-32768.0, value)) if par[P_SATURATE] else value


@njit(cache=True)
def _output_error(vo, label, par, int_round, err):
    """err_k = target_k - hardsigmoid(vo_k) (targets 2048 / 0), in place; returns 0.5 sum (err/2048)^2."""
    sq = 0.0
    for k in range(vo.shape[0]):
        if par[P_NO_OUT_ACT]:
            y = vo[k]
        elif int_round:
            y = 2048.0 if vo[k] > 2047 else (0.0 if vo[k] < -2048 else np.floor((vo[k] + 2048.0) / 2.0))
        else:
            y = min(2048.0, max(0.0, (vo[k] + 2048.0) / 2.0))
        err[k] = _clamp16((2048.0 if k == label else 0.0) - y, par)
        sq += 0.5 * (err[k] / 2048.0) ** 2
    return sq


@njit(cache=True)
def _surrogate(u, par):
    """5-segment STE LUT: first boundary THR_H_s with u < THR_H_s selects H_s, else H_4."""
    for s in range(4):
        if u < par[P_THR_H + s]:
            return par[P_H + s]
    return par[P_H + 4]


@njit(cache=True)
def _expected_step(prob, lr, par, int_round):
    """Mean of stoch_update: +-1 LSB with probability (|prob| 2^LR_P, capped at 2^W-1 with saturate) >> LR_R / 2^W.

    lr = (2^LR_P, 2^-LR_R, 2^W - 1, 2^-W) of the weight type."""
    mag = abs(prob) * lr[0]
    if par[P_SATURATE]:
        mag = min(mag, lr[2])
    mag = (np.floor(mag * lr[1]) if int_round else mag * lr[1]) * lr[3]
    return mag if prob > 0 else -mag


@njit(cache=True)
def _lr_factors(par, layer, width):
    return (2.0 ** par[P_LR_P + layer], 2.0 ** -par[P_LR_R + layer], 2.0 ** width - 1.0, 2.0 ** -width)


@njit(cache=True)
def _apply(w, q, p, dw, par):
    """w[q, p] += dw (clipped to the int8 range with saturate)."""
    value = w[q, p] + dw
    w[q, p] = min(127.0, max(-128.0, value)) if par[P_SATURATE] else value


@njit(cache=True)
def _eprop(u, tinp, trec, tout, err, winp, wrec, wout, n_in, par, do_eprop, int_round):
    """One EPROP phase: expected-value weight changes (inputs q < n_in); returns the number that changed."""
    n_rec, n_out = u.shape[0], err.shape[0]
    mode, which = int(par[P_REGUL_MODE]), int(par[P_REGUL_W])
    mul_regul = (mode & 1) != 0 and which != 0       # multiplicative: both layers once any REGUL_W bit is set
    used_inp = np.empty(n_in)                         # traces as the datapath consumes them (trace >> FP)
    for q in range(n_in):
        used_inp[q] = _shift(tinp[q], par[P_FP_TINP], int_round)
    used_rec = np.empty(n_rec)
    for q in range(n_rec):
        used_rec[q] = _shift(trec[q], par[P_FP_TREC], int_round)
    lr_out = _lr_factors(par, 2, 28)
    changed = 0
    for p in range(n_rec):
        psum = 0.0
        if do_eprop & 3:
            for k in range(n_out):
                psum += err[k] * wout[p, k]           # old output weights: row p is updated below
        learn_sig = _clamp16(_shift(psum * 2.0 ** par[P_LSS], 12, int_round), par)
        h = _surrogate(u[p], par)
        treg = max(0.0, used_rec[p] - par[P_F0]) if mode != 0 else 0.0
        if do_eprop & 4:
            t_out = _shift(tout[p], par[P_FP_TOUT], int_round)
            for k in range(n_out):
                dw = _expected_step(err[k] * t_out, lr_out, par, int_round)
                if dw != 0.0:
                    _apply(wout, p, k, dw, par)
                    changed += 1
        scale = 16.0 - min(16.0, _shift(treg, par[P_K_MUL], int_round)) if mul_regul else 16.0
        for layer in range(2):
            if not do_eprop & (1 << layer):
                continue
            w = winp if layer == 0 else wrec
            used = used_inp if layer == 0 else used_rec
            lr = _lr_factors(par, layer, 32)
            regul = 0.0
            if (mode & 2) != 0 and (which & (1 << layer)) != 0:     # additive term, per-layer REGUL_W bit
                kp = par[P_K_INP_P] if layer == 0 else par[P_K_REC_P]
                kr = par[P_K_INP_R] if layer == 0 else par[P_K_REC_R]
                regul = _shift(treg * 2.0 ** kp, kr, int_round)
            for q in range(used.shape[0]):
                e = learn_sig * used[q] * h
                k36 = (16.0 * e if e < 0 else scale * e) / 16.0     # the chip's k[35:4]
                prob = (np.floor(k36) if int_round else k36) - regul
                dw = _expected_step(prob, lr, par, int_round)
                if dw == 0.0:
                    continue
                changed += 1
                if layer == 1 and q == p:          # the chip writes 0 when a self-connection update fires
                    w[q, p] *= 1.0 - min(1.0, abs(dw))
                else:
                    _apply(w, q, p, dw, par)
    return changed


@njit(cache=True)
def _bump(trace, increment, cap, saturate):
    """Trace increment of a presynaptic event, saturating at the field's maximum with saturate."""
    return min(cap, trace + increment) if saturate else trace + increment


@njit(cache=True)
def _prop(u, z, tinp, trec, tout, vo, inputs, winp, wrec, wout, par, do_eprop):
    """PROP: one pass per source i (input event and/or spike), in index order as the chip's scan (the order
    matters for the 16-bit saturation); bumps the presynaptic traces; returns the SOPs."""
    force = par[P_FORCE_TRACES] != 0
    sat = par[P_SATURATE] != 0
    scale_inp, scale_rec, scale_out = 2.0 ** par[P_FP_WINP], 2.0 ** par[P_FP_WREC], 2.0 ** par[P_FP_WOUT]
    n_rec = u.shape[0]
    sops = 0
    for i in range(inputs.shape[0]):
        has_inp = inputs[i] != 0
        has_spk = i < n_rec and z[i] != 0
        if not (has_inp or has_spk):
            continue
        sops += n_rec
        for j in range(n_rec):
            w = (winp[i, j] * scale_inp if has_inp else 0.0) + (wrec[i, j] * scale_rec if has_spk else 0.0)
            u[j] = _clamp16(u[j] + w, par)
        if has_inp and (do_eprop & 1 or force):
            tinp[i] = _bump(tinp[i], 8.0 * 2.0 ** par[P_FP_TINP], 4095.0, sat)
        if has_spk:
            sops += vo.shape[0]
            for k in range(vo.shape[0]):
                vo[k] = _clamp16(vo[k] + wout[i, k] * scale_out, par)
            if do_eprop & 2 or force:
                trec[i] = _bump(trec[i], 8.0 * 2.0 ** par[P_FP_TREC], 4095.0, sat)
            if do_eprop & 4 or force:
                tout[i] = _bump(tout[i], 2.0 * 2.0 ** par[P_FP_TOUT], 1023.0, sat)
    return sops


@njit(cache=True)
def _record_state(rec, row, u, z, tinp, trec, tout):
    n = u.shape[0]
    rec[row, 0, :n] = u
    rec[row, 1, :n] = z
    rec[row, 2, :tinp.shape[0]] = tinp
    rec[row, 3, :n] = trec
    rec[row, 4, :n] = tout


@njit(cache=True)
def _chip_sample(events, label, winp, wrec, wout, n_in, alpha, thr, par, do_eprop, int_round, cnt_winner,
                 rec_step, rec_prop, rec_out):
    """One sample of the stock protocol (spec §16.2). Records fill when rec_step has T rows.

    Returns (loss summed over the vote ticks, spikes, weight changes, SOPs).
    """
    n_ticks, n_trace = events.shape
    n_rec, n_out = wrec.shape[0], wout.shape[1]
    u, z = np.zeros(n_rec), np.zeros(n_rec)
    tinp, trec, tout = np.zeros(n_trace), np.zeros(n_rec), np.zeros(n_rec)
    vo, err = np.zeros(n_out), np.zeros(n_out)
    target_tick = int(par[P_TARGET_TICK])
    do_record = rec_step.shape[0] == n_ticks
    loss, n_spikes, changed, sops = 0.0, 0, 0, 0
    for tick in range(1, n_ticks + 1):
        row = tick - 1
        if tick >= 2:
            _step(u, z, tinp, trec, tout, vo, alpha, thr, par, int_round)
            n_spikes += int(z.sum())
            if tick > target_tick:
                winner = 0
                for k in range(1, n_out):
                    if vo[k] > vo[winner]:
                        winner = k
                cnt_winner[winner] += 1
                loss += _output_error(vo, label, par, int_round, err)
            if do_record:
                _record_state(rec_step, row, u, z, tinp, trec, tout)
                rec_out[row, 0] = vo
                if tick > target_tick and do_eprop != 0:
                    rec_out[row, 1] = err
            if tick == n_ticks:
                break
            if tick > target_tick and do_eprop != 0:
                changed += _eprop(u, tinp, trec, tout, err, winp, wrec, wout, n_in, par, do_eprop, int_round)
        sops += _prop(u, z, tinp, trec, tout, vo, events[tick - 1], winp, wrec, wout, par, do_eprop)
        if do_record:
            _record_state(rec_prop, row, u, z, tinp, trec, tout)
            rec_out[row, 2] = vo
    return loss, n_spikes, changed, sops


class ChipFloat:
    """Backend: the chip's e-prop rule in float (expected-value updates), on the stock testbench protocol.

    run_sample(sample, learn): events (channel, b) enter PROP of tick b+1; DO_EPROP_TRAIN (learn) or
    DO_EPROP_TEST; votes on ticks TT+1..T, EPROP on TT+1..T-1; inference = most-voted output; loss = sum over
    vote ticks of 0.5 sum_k (err_k / 2048)^2. With record=True, result.extra['record'] holds per-tick arrays
    (row k-1 = tick k) named as in the golden npz: step_u/z/tinp/trec/tout/oneur_u/oneur_err,
    prop_u/tinp/trec/tout/oneur_u, has_step, has_prop; tinp columns = input channels 0..max(NINP, NREC)-1.
    registers: a config.json-style dict (SPI_* names, NEUR_THR, NEUR_ALPHA_LSB, TARGET_TICK, DO_EPROP_*) or a
    ChipConfig. Options: integer_rounding (floor like the chip without stochastic rounding), saturate.
    Weights are float copies in LSB units; weights() returns 'winp' [NINP, NREC], 'wrec', 'wout' [NREC, NOUT].
    """

    def __init__(self, registers, winp, wrec, wout, *, integer_rounding: bool = False,
                 saturate: bool = False, record: bool = False):
        if hasattr(registers, "to_dict"):              # a ChipConfig: its config.json form has every key
            registers = registers.to_dict()
        self.params = p = ChipFloatParams.from_registers(registers)
        self.integer_rounding, self.saturate, self.record = bool(integer_rounding), bool(saturate), bool(record)
        self._par = p.vector.copy()
        self._par[P_SATURATE] = float(saturate)
        n_trace = max(p.n_in, p.n_rec)
        winp, wrec, wout = (np.asarray(w, np.float64) for w in (winp, wrec, wout))
        expect = {"winp": (winp, (p.n_in, p.n_rec)), "wrec": (wrec, (p.n_rec, p.n_rec)),
                  "wout": (wout, (p.n_rec, p.n_out))}
        for name, (w, shape) in expect.items():
            if w.shape != shape:
                raise InputError(name, f"expected shape {shape}, got {w.shape}")
        self._winp = np.zeros((n_trace, p.n_rec))     # rows >= NINP: channels integrated but never learnt
        self._winp[:p.n_in] = winp
        self._wrec, self._wout = wrec.copy(), wout.copy()

    def run_sample(self, sample: Sample, learn: bool) -> SampleResult:
        p = self.params
        n_trace = self._winp.shape[0]
        events = sample.event_matrix(256)[:, :n_trace]
        n_ticks = sample.n_ticks
        cnt = np.zeros(p.n_out, np.int64)
        rows = n_ticks if self.record else 0
        rec_step, rec_prop = np.zeros((rows, 5, n_trace)), np.zeros((rows, 5, n_trace))
        rec_out = np.zeros((rows, 3, p.n_out))
        do_eprop = p.do_eprop_train if learn else p.do_eprop_test
        loss, n_spikes, changed, sops = _chip_sample(
            events, int(sample.label), self._winp, self._wrec, self._wout, p.n_in, p.alpha, p.thr, self._par,
            do_eprop, self.integer_rounding, cnt, rec_step, rec_prop, rec_out)
        extra = {"cnt_winner": cnt}
        if self.record:
            extra["record"] = self._named_records(rec_step, rec_prop, rec_out, n_ticks)
        return SampleResult(inference=int(np.argmax(cnt)), label=int(sample.label), loss=float(loss),
                            n_spikes=int(n_spikes), n_updates=int(changed), n_sops=int(sops), extra=extra)

    def _named_records(self, rec_step, rec_prop, rec_out, n_ticks) -> dict[str, np.ndarray]:
        n_rec = self.params.n_rec
        out = {"has_step": (np.arange(1, n_ticks + 1) >= 2).astype(np.uint8),
               "has_prop": (np.arange(1, n_ticks + 1) <= n_ticks - 1).astype(np.uint8)}
        for i, name in enumerate(("u", "z", "tinp", "trec", "tout")):
            cols = slice(None) if name == "tinp" else slice(0, n_rec)
            out[f"step_{name}"] = rec_step[:, i, cols].copy()
            if name != "z":
                out[f"prop_{name}"] = rec_prop[:, i, cols].copy()
        out["step_oneur_u"], out["step_oneur_err"], out["prop_oneur_u"] = (rec_out[:, i].copy() for i in range(3))
        return out

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of 'winp' [NINP, NREC], 'wrec' [NREC, NREC], 'wout' [NREC, NOUT] (float, LSB units)."""
        return {"winp": self._winp[:self.params.n_in].copy(), "wrec": self._wrec.copy(),
                "wout": self._wout.copy()}
