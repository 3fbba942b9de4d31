"""eprop_gradients for the general network (:mod:`.alif`: ALIF, refractoriness, regression, regularisation)."""
from __future__ import annotations

import numpy as np

from .alif import AlifRecord, AlifSums, alif_eprop_kernel
from .eprop_params import EpropParams, _as_label, lif_weights


def regression_targets(params: EpropParams, targets, n_t: int) -> np.ndarray:
    """y [T, n_out] float (nan: no target at t) from float targets [T, n_out] (used as given) or the chip's
    integer rows [T-1-TARGET_TICK, n_out] (FORMAT §9, row r = learning tick t = target_tick + r, x target_scale)."""
    tg = np.asarray(targets)
    if tg.ndim != 2 or tg.shape[1] != params.n_out:
        raise ValueError(f"targets: expected [T or T-1-target_tick, {params.n_out}], got shape {tg.shape}")
    if tg.shape[0] == n_t and not np.issubdtype(tg.dtype, np.integer):
        return np.ascontiguousarray(tg, np.float64)
    y = np.full((n_t, params.n_out), np.nan)
    rows = tg[: max(0, n_t - params.target_tick)]
    y[params.target_tick: params.target_tick + len(rows)] = rows * params.target_scale
    return y


def general_gradients(params: EpropParams, weights: dict, x: np.ndarray, target, feedback, learning_signal,
                      record: bool):
    """Same contract as :func:`.eprop.eprop_gradients`; target: class label, or for regression the targets of
    :func:`regression_targets`. info also holds 'spike_count' [n_rec]; records add 'adaptation' and 'psi'."""
    w = lif_weights(params, weights, np.float64)
    (n_in, n_rec), n_out = w.winp.shape, w.wout.shape[1]
    x = np.ascontiguousarray(x, np.float64)
    n_t = x.shape[0]
    if x.shape[1] != n_in:
        raise ValueError(f"input_spikes: expected {n_in} columns, got {x.shape[1]}")
    if params.readout == "regression":
        label, y = 0, regression_targets(params, target, n_t)
    else:
        label, y = _as_label(target, n_out), np.zeros((0, n_out))
    fb = w.wout if feedback is None else np.ascontiguousarray(feedback, np.float64)
    given = learning_signal is not None
    signal = np.ascontiguousarray(learning_signal, np.float64) if given else np.zeros((0, n_rec))
    if given and signal.shape != (n_t, n_rec):
        raise ValueError(f"learning_signal: expected shape {(n_t, n_rec)}, got {signal.shape}")
    sums = AlifSums(np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec)), np.zeros((n_rec, n_out)), np.zeros(n_out),
                    np.zeros(n_rec))
    rec = AlifRecord.zeros(n_t if record else 0, n_rec, n_out)
    loss, n_spikes, n_sops = alif_eprop_kernel(x, label, y, w, fb, params.alif_rule(given), signal, sums, rec)
    grads = {"winp": sums.g_inp.T.copy(), "wrec": sums.g_rec.T.copy(), "wout": sums.g_out}
    if params.no_self_connections:
        np.fill_diagonal(grads["wrec"], 0.0)
    info = {"out_sum": sums.out_sum, "inference": int(np.argmax(sums.out_sum)), "n_spikes": int(n_spikes),
            "n_sops": int(n_sops), "spike_count": sums.spike_count}
    if record:
        info.update(rec._asdict())
    return grads, float(loss), info
