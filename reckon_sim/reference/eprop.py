"""Vanilla e-prop (Bellec et al. 2020) for a LIF recurrent layer with a leaky softmax readout, as in eprop-PyTorch.

Network: see :mod:`reckon_sim.reference._common` (weights ``[pre, post]``; t = 0..T-1; v[t] sees x[t-1], z[t-1]).
Loss: E = sum_{t >= target_tick} CE(softmax(vo[t]), onehot(label)), so dE/dvo[t] = err[t] = softmax - onehot.

Online e-prop, one pass over t, O(n_rec^2) memory (never O(T n_rec^2))::

    h[t]       = gamma * max(0, 1 - |v[t]-thr|/thr)                  pseudo-derivative
    eps_rec[t] = alpha*eps_rec[t-1] + z[t-1]                          (= dv[t]/dW_rec, reset path excluded)
    eps_inp[t] = alpha*eps_inp[t-1] + x[t-1]                          clean (= dv[t]/dW_in)
    eps_inp[t] = alpha*eps_inp[t-1] + x[t]                            pytorch_compat: one step ahead, see below
    ebar[t]    = kappa*ebar[t-1] + h_j[t]*eps_i[t]                    eligibility trace, readout-filtered
    L_j[t]     = sum_k B[j,k] err_k[t]        B = wout (symmetric) or a fixed random matrix
    dE/dW_ij  ~= sum_{t >= target_tick} L_j[t] * ebar_ij[t]
    dE/dwout_jk = sum_{t >= target_tick} err_k[t] * zbar_j[t],   zbar[t] = kappa*zbar[t-1] + z[t]   (exact)

With ``learning_signal`` (an array [T, n_rec], e.g. the exact total dE/dz[t] from :mod:`bptt`) the kernel instead
computes sum_t L_j[t] h_j[t] eps_ij[t] over all t (no readout filter: the given signal already contains it);
with the total derivative this is Bellec's eq. (1) and equals BPTT exactly.
ALIF / mixed LIF+ALIF neurons, refractoriness, regression and the firing-rate regulariser run the general kernel
of :mod:`.alif` (``EpropParams.general``); ``feedback='adaptive'`` learns B with wout's gradient.

eprop-PyTorch numerics (models.py ``SRNN.grads_batch``, read and re-derived loop by loop):
* conv1d with kernel alpha^(n_t-1-i) and padding n_t gives out[j] = sum_{s <= j-1} alpha^(j-1-s) x[s]; the
  input trace keeps ``out[1:n_t+1]`` (sum over s <= t, *includes x[t]*) while the recurrent trace keeps
  ``out[:n_t]`` (s <= t-1). Since the forward pass delays both (v[t+1] uses x[t] and z[t]), the recurrent trace is
  the exact dv[t]/dW_rec but the input trace is dv[t+1]/dW_in: **the input eligibility is one step ahead of the
  recurrent one** (h[t] is paired with the input trace of t+1; x[T-1], never seen by the forward pass, still
  contributes). ``pytorch_compat=True`` reproduces this.
* ``w_rec *= 1 - eye`` at every forward: self-connections are cut, but the diagonal of the gradient is still
  computed from the traces and handed to the optimiser (compat keeps it; the clean mode returns 0 there).
* The readout traces (e and z filtered by kappa) use ``out[1:n_t+1]`` (include the current step): exact.
* Gradients are sums over the batch and the cropped window (no 1/T, no 1/batch); ``lr_layer`` multiplies the
  *gradients* before the optimiser (so with Adam it is almost a no-op: Adam is invariant to gradient scale up
  to eps); the readout bias is a constant, never learned; ``B_out`` is allocated but unused (symmetric
  feedback only); the monitored BCE loss does not influence learning; everything runs in float32 (tensors and
  the alpha/kappa power kernels): at T = 2250 its input/recurrent gradients are 1e-4 from float64 (rounding
  in the slowly decaying traces), the output gradients 1e-6; run in float64 it matches this code to 2e-15
  (tests/test_reference_vs_eprop_pytorch.py, with real PyTorch and eprop-PyTorch when available).
* Unchanged by compat (same in both codes): strict ``v > thr``; h on the pre-reset membrane v[t]; the reset is
  not in the eligibility (d v[t+1]/d v[t] = alpha); vo[0] = 0 without bias; x[T-1] unused by the forward pass;
  inference = argmax of the softmax summed over the window. Initial weights follow the same distribution
  (kaiming normal x w_init_gain) but come from numpy's Generator, not torch's stream.

Numerics here: float64 by default (``dtype='float32'`` runs the same kernel in float32); eligibilities that
decayed below 1e-30 (float32) / 1e-290 (float64) are flushed to 0 every 32 ticks to keep denormals away.
"""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
from numba import njit

from ..backend import Sample, SampleResult
from ..config import ChipConfig
from .eprop_general import general_gradients
from .eprop_params import EpropParams, _as_label, lif_weights, masked_recurrent  # noqa: F401  (re-exported)
from ._common import (LifParams, LifRecord, LifWeights, input_matrix, kaiming_normal, lif_step, make_optimizer,
                      pseudo_derivative, readout_step, softmax_error)


class EpropRule(NamedTuple):
    """What the e-prop kernel reads besides weights and inputs."""

    lif: LifParams
    input_lead: bool           # pytorch_compat: eps_inp[t] takes x[t] (eprop-PyTorch's one-step lead)
    signal_given: bool         # the learning signal is given [T, n_rec] instead of B err (no readout filter)
    flush_below: float         # eligibilities below this are zeroed every 32 ticks (denormals are ~3x slower)


class EpropSums(NamedTuple):
    """What one sample accumulates: gradients [post, pre] (row per post neuron) and the windowed softmax."""

    g_inp: np.ndarray          # [n_rec, n_in]
    g_rec: np.ndarray          # [n_rec, n_rec]
    g_out: np.ndarray          # [n_rec, n_out] ([pre, post]: exact readout gradient)
    out_sum: np.ndarray        # [n_out] softmax summed over the window


@njit(cache=True)
def _flush_tiny(elig, flush_below):
    """Zero eligibilities decayed below flush_below (1e-30 float32, 1e-290 float64): denormals are ~3x slower."""
    for j in range(elig.shape[0]):
        for i in range(elig.shape[1]):
            if abs(elig[j, i]) < flush_below:
                elig[j, i] = 0.0


@njit(cache=True)
def _window_error(out_membrane, label, err, trace_out, sums):
    """A window tick: err = softmax - onehot, the readout gradient and the softmax sum; returns the CE."""
    ce = softmax_error(out_membrane, label, err)
    for k in range(err.shape[0]):
        sums.out_sum[k] += err[k] + (1.0 if k == label else 0.0)
        for j in range(trace_out.shape[0]):
            sums.g_out[j, k] += trace_out[j] * err[k]
    return ce


@njit(cache=True)
def _eprop_kernel(x, label, w, feedback, rule, given_signal, sums, rec):
    """One sample, online: x [T, n_in], w LifWeights, feedback B [n_rec, n_out], given_signal [T, n_rec] (zero
    rows unless rule.signal_given); accumulates into sums (EpropSums), fills rec (LifRecord) when it has T rows.

    Returns (loss, spikes, sops).
    """
    n_t, n_in = x.shape
    n_rec, n_out = w.wrec.shape[0], w.wout.shape[1]
    alpha, kappa, thr, gamma, smooth_beta, t_window = rule.lif
    dt = w.winp.dtype
    membrane, spikes, h, signal = np.zeros(n_rec, dt), np.zeros(n_rec, dt), np.zeros(n_rec, dt), np.zeros(n_rec, dt)
    out_membrane, err = np.zeros(n_out, dt), np.zeros(n_out, dt)
    trace_inp = np.zeros(n_in, dt)           # eps_inp: alpha-filtered presynaptic input spikes
    trace_rec = np.zeros(n_rec, dt)          # eps_rec: alpha-filtered presynaptic recurrent spikes
    trace_out = np.zeros(n_rec, dt)          # zbar: kappa-filtered spikes (output-weight eligibility)
    elig_inp = np.zeros((n_rec, n_in), dt)   # ebar_ij, row = post neuron j
    elig_rec = np.zeros((n_rec, n_rec), dt)
    # the given (exact) learning signal already holds the readout filter, so the eligibility is not filtered again
    kappa_elig = kappa - kappa if rule.signal_given else kappa      # (written so to keep float32 in float32 mode)
    do_record = rec.membrane.shape[0] == n_t
    loss = 0.0
    n_spikes = 0
    n_sops = 0
    for t in range(n_t):
        if t > 0:
            for i in range(n_rec):              # eps_rec[t] uses z[t-1]: update before the spikes change
                trace_rec[i] = alpha * trace_rec[i] + spikes[i]
            n_sops += lif_step(membrane, spikes, x[t - 1], w.winp, w.wrec, alpha, thr, smooth_beta)
            readout_step(out_membrane, spikes, w.wout, w.bias, kappa)
            for j in range(n_rec):
                if spikes[j] != 0.0:
                    n_sops += n_out
                    n_spikes += 1
        t_src = t if rule.input_lead else t - 1      # which input row enters eps_inp[t] (x - x: a zero of x's dtype)
        for i in range(n_in):
            trace_inp[i] = alpha * trace_inp[i] + (x[t_src, i] if t_src >= 0 else x[0, i] - x[0, i])
        for j in range(n_rec):
            h[j] = pseudo_derivative(membrane[j], thr, gamma, smooth_beta)
            trace_out[j] = kappa * trace_out[j] + spikes[j]
        in_window = t >= t_window
        if in_window:
            loss += _window_error(out_membrane, label, err, trace_out, sums)
        accumulate = rule.signal_given or in_window
        for j in range(n_rec):
            if rule.signal_given:
                signal[j] = given_signal[t, j]
            elif in_window:
                s = 0.0
                for k in range(n_out):
                    s += feedback[j, k] * err[k]
                signal[j] = s
            # both layers' filters stay inline: as a helper call LLVM loses the no-alias facts and stops
            # vectorising (measured 4x slower)
            hj = h[j]
            lj = signal[j]
            row_e = elig_inp[j]
            row_g = sums.g_inp[j]
            for i in range(n_in):
                e = kappa_elig * row_e[i] + hj * trace_inp[i]
                row_e[i] = e
                if accumulate:
                    row_g[i] += lj * e
            row_e = elig_rec[j]
            row_g = sums.g_rec[j]
            for i in range(n_rec):
                e = kappa_elig * row_e[i] + hj * trace_rec[i]
                row_e[i] = e
                if accumulate:
                    row_g[i] += lj * e
        if rule.flush_below > 0 and t % 32 == 31:
            _flush_tiny(elig_inp, rule.flush_below)
            _flush_tiny(elig_rec, rule.flush_below)
        if do_record:
            rec.membrane[t] = membrane
            rec.spikes[t] = spikes
            rec.out_membrane[t] = out_membrane
    return loss, n_spikes, n_sops


def eprop_gradients(params: EpropParams, weights: dict, input_spikes: np.ndarray, target, *,
                    feedback: np.ndarray | None = None, learning_signal: np.ndarray | None = None,
                    record: bool = False):
    """Raw e-prop gradients of one sample (no lr_layer factors), computed online in Numba.

    weights: 'winp' [n_in, n_rec], 'wrec' [n_rec, n_rec], 'wout' [n_rec, n_out], optional 'bias' [n_out].
    input_spikes: [T, n_in]; target: class label (or one-hot). feedback: B [n_rec, n_out] (default wout).
    learning_signal: optional [T, n_rec] signal replacing B.err and the readout filter (see module doc).
    Returns (grads {'winp','wrec','wout'} in [pre, post] layout, loss = sum of CE over the window, info dict with
    'out_sum' (softmax summed over the window), 'inference', 'n_spikes', 'n_sops' and, with record=True,
    'membrane' [T, n_rec], 'spikes' [T, n_rec], 'out_membrane' [T, n_out]).
    ALIF, refractoriness, regression (target: targets, see eprop_general.regression_targets) and the rate
    regulariser run the general kernel (:mod:`.alif`); vanilla LIF classification runs the one here.
    """
    if params.general:
        return general_gradients(params, weights, input_spikes, target, feedback, learning_signal, record)
    dtype = np.dtype(params.dtype)
    w = lif_weights(params, weights, dtype)
    (n_in, n_rec), n_out = w.winp.shape, w.wout.shape[1]
    x = np.ascontiguousarray(input_spikes, dtype)
    n_t = x.shape[0]
    if x.shape[1] != n_in:
        raise ValueError(f"input_spikes: expected {n_in} columns, got {x.shape[1]}")
    label = _as_label(target, n_out)
    fb = w.wout if feedback is None else np.ascontiguousarray(feedback, dtype)
    signal_given = learning_signal is not None
    signal = np.ascontiguousarray(learning_signal, dtype) if signal_given else np.zeros((0, n_rec), dtype)
    if signal_given and signal.shape != (n_t, n_rec):
        raise ValueError(f"learning_signal: expected shape {(n_t, n_rec)}, got {signal.shape}")
    rule = EpropRule(params.lif(dtype), bool(params.pytorch_compat), signal_given,
                     dtype.type(1e-30 if dtype == np.float32 else 1e-290))
    sums = EpropSums(np.zeros((n_rec, n_in), dtype), np.zeros((n_rec, n_rec), dtype), np.zeros((n_rec, n_out), dtype),
                     np.zeros(n_out, dtype))
    rec = LifRecord.zeros(n_t if record else 0, n_rec, n_out, dtype)
    loss, n_spikes, n_sops = _eprop_kernel(x, label, w, fb, rule, signal, sums, rec)
    grads = {"winp": sums.g_inp.T.copy(), "wrec": sums.g_rec.T.copy(), "wout": sums.g_out}
    if params.no_self_connections and not params.pytorch_compat:
        np.fill_diagonal(grads["wrec"], 0.0)   # exact gradient of the masked network
    info = {"out_sum": sums.out_sum, "inference": int(np.argmax(sums.out_sum)), "n_spikes": int(n_spikes),
            "n_sops": int(n_sops)}
    if record:
        info.update(rec._asdict())
    return grads, float(loss), info


class EpropNetwork:
    """Backend: e-prop training of the LIF/ALIF network on Samples (gradients summed over batch_size samples).

    run_sample(sample, learn): x[b, channel] = 1 for every event, T = sample.n_ticks, window t >= target_tick;
    inference = argmax of the softmax outputs summed over the window (result.votes, eprop-PyTorch's rule);
    loss = summed CE; eprop_ticks = window ticks whose gradient joined the batch.
    With learn=True the sample's gradients (times lr_layer) join the pending batch; the optimiser steps when
    batch_size samples are pending (call flush() to apply a partial batch). With record = True, result.records
    is a dict of per-t arrays: 'membrane', 'spikes' [T, n_rec], 'out_membrane' [T, n_out].
    """

    record = False

    LAYERS = ("winp", "wrec", "wout")

    def __init__(self, params: EpropParams, winp, wrec, wout, feedback=None):
        dtype = np.dtype(params.dtype)
        self.params = params
        self._w = {"winp": np.array(winp, dtype), "wrec": np.array(wrec, dtype), "wout": np.array(wout, dtype)}
        expect = {"winp": (params.n_in, params.n_rec), "wrec": (params.n_rec, params.n_rec),
                  "wout": (params.n_rec, params.n_out)}
        for name, shape in expect.items():
            if self._w[name].shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {self._w[name].shape}")
        self.feedback = None if feedback is None else np.array(feedback, dtype)
        if params.feedback != "symmetric" and self.feedback is None:
            raise ValueError(f"feedback={params.feedback!r} needs a feedback matrix (use from_params)")
        self.optimizer = make_optimizer(params.optimizer, params.lr, params.momentum)
        self._pending = {name: np.zeros_like(w) for name, w in self._w.items()}
        self._n_pending = 0

    @classmethod
    def from_params(cls, params: EpropParams | None = None, **overrides) -> "EpropNetwork":
        """Weights drawn like eprop-PyTorch (kaiming normal x w_init_gain) from numpy Generator(params.seed)."""
        params = replace(params or EpropParams(), **overrides)
        rng = np.random.default_rng(params.seed)
        g_in, g_rec, g_out = params.w_init_gain
        winp = kaiming_normal(rng, params.n_in, (params.n_rec, params.n_in), g_in).T
        wrec = kaiming_normal(rng, params.n_rec, (params.n_rec, params.n_rec), g_rec).T
        wout = kaiming_normal(rng, params.n_rec, (params.n_out, params.n_rec), g_out).T
        fb = None
        if params.feedback != "symmetric":     # random: fixed; adaptive: learnt with wout's gradient
            fb = kaiming_normal(rng, params.n_rec, (params.n_out, params.n_rec), g_out).T
        return cls(params, winp, wrec, wout, fb)

    @classmethod
    def from_config(cls, config: ChipConfig, **overrides) -> "EpropNetwork":
        """The chip's sizes and learning window (t >= TARGET_TICK: the chip's vote ticks TT+1..T), eprop-PyTorch's
        other hyper-parameters; overrides: EpropParams fields (seed, lr, ...). Weights drawn as from_params."""
        from ..physical import check_sizes, float_options
        sizes = dict(n_in=config.n_inp, n_rec=config.n_rec, n_out=config.n_out, target_tick=config.target_tick)
        options = float_options(config)
        check_sizes(options, config.n_rec, "float options")      # a config whose n_rec changed after loading
        return cls.from_params(EpropParams(**{**sizes, **options, **overrides}))

    @classmethod
    def from_preset(cls, name: str = "reckon-tbench", **overrides) -> "EpropNetwork":
        return cls.from_config(ChipConfig.from_preset(name), **overrides)

    def run_sample(self, sample: Sample, learn: bool, targets=None) -> SampleResult:
        """targets (regression): float [T, n_out] or the chip's integer rows [T-1-TARGET_TICK, n_out] (FORMAT §9);
        without them a regression sample has no window (loss nan, no gradient)."""
        p = self.params
        x = input_matrix(sample, p.n_in, np.dtype(p.dtype))
        regression = p.readout == "regression"
        target = sample.label
        if regression:
            target = np.zeros((0, p.n_out), np.int64) if targets is None else targets
        grads, loss, info = eprop_gradients(p, self._w, x, target, feedback=self.feedback, record=self.record)
        if regression and targets is None:
            loss = float("nan")
        n_updates = 0
        if learn:
            for factor, name in zip(p.lr_layer, self.LAYERS):
                self._pending[name] += factor * grads[name]    # eprop-PyTorch scales the gradient, not the lr
            if p.feedback == "adaptive":                          # B follows wout's update (Bellec: adaptive e-prop)
                self._pending.setdefault("feedback", np.zeros_like(self.feedback))
                self._pending["feedback"] += p.lr_layer[2] * grads["wout"]
            self._n_pending += 1
            if self._n_pending >= p.batch_size:
                n_updates = self.flush()
        return SampleResult(inference=info["inference"], label=int(sample.label), loss=loss,
                            n_spikes=info["n_spikes"], n_updates=n_updates, n_sops=info["n_sops"],
                            votes=info["out_sum"], eprop_ticks=max(0, sample.n_ticks - p.target_tick) if learn else 0,
                            records={k: info[k] for k in ("membrane", "spikes", "out_membrane")} if self.record else None)

    def flush(self) -> int:
        """Apply the pending (possibly partial) batch; returns the number of weights that changed."""
        if self._n_pending == 0:
            return 0
        before = {k: w.copy() for k, w in self._w.items()}
        params = {**self._w, "feedback": self.feedback} if "feedback" in self._pending else self._w
        self.optimizer.step(params, self._pending)
        for g in self._pending.values():
            g[...] = 0.0
        self._n_pending = 0
        return int(sum(np.count_nonzero(self._w[k] != before[k]) for k in self._w))

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of 'winp' [n_in, n_rec], 'wrec' [n_rec, n_rec] (diagonal as stored), 'wout' [n_rec, n_out]."""
        return {k: w.copy() for k, w in self._w.items()}
